/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compose schema: which keys a service and the top-level resources have, what each holds, and
 * their normal form (long syntaxes, lists for commands, mappings for environment and labels, absolute
 * paths). Every problem names the file, the line and the key. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-env.h"
#include "compose-project.h"
#include "fs-util.h"
#include "strv.h"
#include "unit-convert.h"
#include "words.h"

int compose_error(char **ret_error, const YNode *n, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (*ret_error)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (n && n->file)
                r = asprintf(ret_error, "%s:%u: %s: %s", n->file, n->line, path, msg);
        else
                r = asprintf(ret_error, "%s: %s", path, msg);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

typedef enum FieldType {
        F_STRING,   /* a scalar, kept as a string */
        F_BOOL,     /* YAML 1.1 boolean */
        F_INT,      /* an integer */
        F_NUMBER,   /* an integer or a decimal ("cpus: 0.5") */
        F_DURATION, /* 1m30s */
        F_BYTES,    /* 512m */
        F_STRLIST,  /* a string or a list of strings: a list */
        F_LIST,     /* a list of strings */
        F_DICT,     /* a mapping or a list of K=V: a mapping of strings */
        F_COMMAND,  /* a string (split into words) or a list */
        F_ANY,      /* kept as it is */
        F_OBJECT,   /* a mapping with the keys of sub */
        F_CUSTOM,   /* norm() does it */
        F_UNSUPPORTED,
} FieldType;

typedef struct Ctx {
        const char *dir;
        char *const *env;
        char **error;
} Ctx;

typedef struct Field Field;
struct Field {
        const char *name;
        FieldType type;
        const Field *sub;
        int (*norm)(Ctx *c, YNode *n, const char *path);
};

static int check_node(Ctx *c, YNode *n, const Field *f, const char *path);

static int object(Ctx *c, YNode *n, const Field *fields, const char *path) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a mapping.");
        for (const Field *f = fields; f->name; f++)
                if ((r = strv_extend(&names, f->name)) < 0)
                        return r;
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                const Field *f = fields;
                const char *guess;

                if (!sub)
                        return -ENOMEM;
                if (startswith(item->key, "x-"))
                        continue;
                while (f->name && !streq(f->name, item->key))
                        f++;
                if (!f->name) {
                        guess = closest_word(item->key, names);
                        if (guess)
                                return compose_error(c->error, item, path, "unknown key '%s'; did you mean '%s'?",
                                                item->key, guess);
                        return compose_error(c->error, item, path, "unknown key '%s'.", item->key);
                }
                if (f->type == F_UNSUPPORTED)
                        return compose_error(c->error, item, sub, "not supported by berth yet.");
                if (item->kind == Y_NULL && f->type != F_COMMAND && f->type != F_ANY && f->type != F_CUSTOM) {
                        /* "key:" with nothing: as if it were not there */
                        ynode_remove(n, item->key);
                        i--;
                        continue;
                }
                r = check_node(c, item, f, sub);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_bool(const char *v) {
        static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
        static const char *const no[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
                NULL };
        if (strv_contains((char **) yes, v))
                return 1;
        if (strv_contains((char **) no, v))
                return 0;
        return -EINVAL;
}

static int set_scalar(YNode *n, const char *v, YType t) {
        char *s = strdup(v);

        if (!s)
                return -ENOMEM;
        free(n->value);
        n->value = s;
        n->kind = Y_SCALAR;
        n->type = t;
        return 0;
}

static bool is_int(const char *s) {
        if (*s == '-' || *s == '+')
                s++;
        return *s && strspn(s, "0123456789") == strlen(s);
}

static bool is_number(const char *s) {
        char *end;
        if (!*s)
                return false;
        (void) strtod(s, &end);
        return *end == 0;
}

int compose_parse_duration(const char *s, unsigned long long *ret_usec) {
        static const struct {
                const char *unit;
                unsigned long long usec;
        } units[] = { { "us", 1 }, { "ms", 1000 }, { "s", 1000000ULL }, { "m", 60000000ULL }, { "h", 3600000000ULL } };
        unsigned long long total = 0;
        const char *p = s;

        if (!*s)
                return -EINVAL;
        if (is_int(s) && *s != '-') { /* a plain number is seconds */
                *ret_usec = strtoull(s, NULL, 10) * 1000000ULL;
                return 0;
        }
        while (*p) {
                char *end;
                double v = strtod(p, &end);
                size_t best = 0;
                unsigned long long mult = 0;
                if (end == p || v < 0)
                        return -EINVAL;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].unit);
                        if (strncmp(end, units[i].unit, l) == 0 && l > best && !isalpha((unsigned char) end[l])) {
                                best = l;
                                mult = units[i].usec;
                        }
                }
                if (!best)
                        return -EINVAL;
                total += (unsigned long long) (v * (double) mult);
                p = end + best;
        }
        *ret_usec = total;
        return 0;
}

static bool is_bytes(const char *s) {
        char *end;
        if (!isdigit((unsigned char) *s))
                return false;
        (void) strtod(s, &end);
        return !*end || strv_contains((char *[]) { "b", "k", "kb", "m", "mb", "g", "gb", "B", "K", "KB", "M", "MB", "G",
                                                      "GB", "t", "T", "tb", "TB", NULL },
                                        end);
}

static int scalar_only(Ctx *c, YNode *n, const char *path, const char *what) {
        if (n->kind != Y_SCALAR)
                return compose_error(c->error, n, path, "must be %s.", what);
        return 0;
}

static int to_list(Ctx *c, YNode *n, const char *path, bool allow_string) {
        if (n->kind == Y_SCALAR && allow_string) {
                YNode *item = ynode_new_scalar(n->value, Y_STR, n->file, n->line);
                if (!item)
                        return -ENOMEM;
                free(n->value);
                n->value = NULL;
                n->kind = Y_SEQ;
                return ynode_append(n, item);
        }
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path,
                                allow_string ? "must be a string or a list of strings." : "must be a list of strings.");
        for (size_t i = 0; i < n->n_items; i++)
                if (n->items[i]->kind != Y_SCALAR)
                        return compose_error(c->error, n->items[i], path, "must be a list of strings.");
                else
                        n->items[i]->type = Y_STR;
        return 0;
}

/* environment, labels, sysctls...: a mapping of strings; "K=V" list items become entries. */
static int to_dict(Ctx *c, YNode *n, const char *path, bool resolve_bare) {
        _cleanup_(ynode_freep) YNode *m = NULL;
        int r;

        if (n->kind == Y_MAP) {
                for (size_t i = 0; i < n->n_items; i++) {
                        YNode *v = n->items[i];
                        if (v->kind == Y_MAP || v->kind == Y_SEQ)
                                return compose_error(c->error, v, path,
                                                "the value of '%s' must be a string, a number or "
                                                "a boolean.",
                                                v->key);
                        if (v->kind == Y_NULL && resolve_bare) {
                                const char *e = compose_env_get(c->env, v->key);
                                if (!e) {
                                        ynode_remove(n, v->key);
                                        i--;
                                        continue;
                                }
                                if ((r = set_scalar(v, e, Y_STR)) < 0)
                                        return r;
                        }
                        v->type = Y_STR;
                }
                return 0;
        }
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a mapping or a list of KEY=VALUE.");
        m = ynode_new(Y_MAP, n->file, n->line);
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i], *v;
                _cleanup_free_ char *key = NULL;
                const char *eq;
                if (item->kind != Y_SCALAR)
                        return compose_error(c->error, item, path, "must be a mapping or a list of KEY=VALUE.");
                eq = strchr(item->value, '=');
                key = strndup(item->value, eq ? (size_t) (eq - item->value) : strlen(item->value));
                if (!key)
                        return -ENOMEM;
                if (!eq) {
                        const char *e = resolve_bare ? compose_env_get(c->env, key) : "";
                        if (!e)
                                continue;
                        v = ynode_new_scalar(e, Y_STR, item->file, item->line);
                } else
                        v = ynode_new_scalar(eq + 1, Y_STR, item->file, item->line);
                if (!v || (r = ynode_set(m, key, v)) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n->n_items; i++)
                ynode_free(n->items[i]);
        free(n->items);
        n->items = TAKE_PTR(m->items);
        n->n_items = m->n_items;
        m->n_items = 0;
        n->kind = Y_MAP;
        return 0;
}

static int to_command(Ctx *c, YNode *n, const char *path) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (n->kind == Y_NULL || n->kind == Y_SEQ)
                return to_list(c, n, path, false) < 0 && n->kind == Y_SEQ ? -EINVAL : 0;
        if (n->kind != Y_SCALAR)
                return compose_error(c->error, n, path, "must be a string or a list of strings.");
        /* split like a shell would, without running one: quotes group, backslashes escape */
        if (split_words(n->value, &words) < 0)
                return compose_error(c->error, n, path, "unbalanced quotes in '%s'.", n->value);
        free(n->value);
        n->value = NULL;
        n->kind = Y_SEQ;
        STRV_FOREACH(w, words) {
                YNode *item = ynode_new_scalar(*w, Y_STR, n->file, n->line);
                if (!item || (r = ynode_append(n, item)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int check_node(Ctx *c, YNode *n, const Field *f, const char *path) {
        unsigned long long usec;
        int r;

        switch (f->type) {
        case F_STRING:
                r = scalar_only(c, n, path, "a string");
                if (r >= 0)
                        n->type = Y_STR;
                return r;
        case F_BOOL:
                if (n->kind != Y_SCALAR || (r = parse_bool(n->value)) < 0)
                        return compose_error(c->error, n, path, "must be a boolean (true or false), not '%s'.",
                                        n->value ?: "");
                return set_scalar(n, r ? "true" : "false", Y_PLAIN);
        case F_INT:
                if (n->kind != Y_SCALAR || !is_int(n->value))
                        return compose_error(c->error, n, path, "must be an integer, not '%s'.", n->value ?: "");
                n->type = Y_PLAIN;
                return 0;
        case F_NUMBER:
                if (n->kind != Y_SCALAR || !is_number(n->value))
                        return compose_error(c->error, n, path, "must be a number, not '%s'.", n->value ?: "");
                n->type = Y_PLAIN;
                return 0;
        case F_DURATION:
                if (n->kind != Y_SCALAR || compose_parse_duration(n->value, &usec) < 0)
                        return compose_error(c->error, n, path,
                                        "'%s' is not a duration like 1m30s (units us, ms, "
                                        "s, m, h).",
                                        n->value ?: "");
                n->type = Y_STR;
                return 0;
        case F_BYTES:
                if (n->kind != Y_SCALAR || !is_bytes(n->value))
                        return compose_error(c->error, n, path, "'%s' is not a size like 512m (units b, k, m, g).",
                                        n->value ?: "");
                n->type = is_int(n->value) ? Y_PLAIN : Y_STR;
                return 0;
        case F_STRLIST:
                return to_list(c, n, path, true);
        case F_LIST:
                return to_list(c, n, path, false);
        case F_DICT:
                return to_dict(c, n, path, false);
        case F_COMMAND:
                return to_command(c, n, path);
        case F_ANY:
                return 0;
        case F_OBJECT:
                r = object(c, n, f->sub, path);
                if (r >= 0 && f->norm)
                        r = f->norm(c, n, path);
                return r;
        case F_CUSTOM:
                return f->norm(c, n, path);
        case F_UNSUPPORTED:
                break;
        }
        return compose_error(c->error, n, path, "not supported by berth yet.");
}

static int add_scalar(YNode *map, const char *key, const char *value, YType t) {
        YNode *v = ynode_new_scalar(value, t, map->file, map->line);
        return v ? ynode_set(map, key, v) : -ENOMEM;
}

static char *absolute(Ctx *c, const char *p) {
        const char *home;

        if (p[0] == '~' && (p[1] == '/' || !p[1]) && (home = getenv("HOME")))
                return strjoin(home, p + 1);
        if (path_is_absolute(p))
                return strdup(p);
        while (startswith(p, "./"))
                p += 2;
        if (streq(p, "."))
                return strdup(c->dir);
        return path_join(c->dir, p);
}

static int make_absolute(Ctx *c, YNode *n) {
        char *a = absolute(c, n->value);
        if (!a)
                return -ENOMEM;
        free(n->value);
        n->value = a;
        return 0;
}

/* ports: "[[IP:]HOST:]CONTAINER[/PROTO]" with ranges, or the long form. */
static const Field port_fields[] = {
        { "target", F_INT, NULL, NULL },
        { "published", F_STRING, NULL, NULL },
        { "host_ip", F_STRING, NULL, NULL },
        { "protocol", F_STRING, NULL, NULL },
        { "app_protocol", F_STRING, NULL, NULL },
        { "mode", F_STRING, NULL, NULL },
        { "name", F_STRING, NULL, NULL },
        {},
};

static int parse_range(const char *s, unsigned long *a, unsigned long *b) {
        char *end;
        *a = strtoul(s, &end, 10);
        if (end == s || *a > 65535)
                return -EINVAL;
        *b = *a;
        if (*end == '-') {
                const char *s2 = end + 1;
                *b = strtoul(s2, &end, 10);
                if (end == s2 || *b > 65535 || *b < *a)
                        return -EINVAL;
        }
        return *end ? -EINVAL : 0;
}

static int port_entry(YNode *seq, const YNode *at, const char *ip, const char *published, unsigned long target,
                const char *proto) {
        YNode *m = ynode_new(Y_MAP, at->file, at->line);
        char t[16];
        int r;

        if (!m)
                return -ENOMEM;
        (void) snprintf(t, sizeof t, "%lu", target);
        r = add_scalar(m, "mode", "ingress", Y_STR);
        if (r >= 0 && ip)
                r = add_scalar(m, "host_ip", ip, Y_STR);
        if (r >= 0)
                r = add_scalar(m, "target", t, Y_PLAIN);
        if (r >= 0 && published)
                r = add_scalar(m, "published", published, Y_STR);
        if (r >= 0)
                r = add_scalar(m, "protocol", proto, Y_STR);
        if (r < 0) {
                ynode_free(m);
                return r;
        }
        return ynode_append(seq, m);
}

static int short_port(Ctx *c, YNode *out, const YNode *n, const char *path) {
        _cleanup_free_ char *s = strdup(n->value), *ip = NULL;
        char *proto = (char *) "tcp", *slash, *container, *host = NULL, *colon;
        unsigned long ca, cb, ha = 0, hb = 0;
        int r;

        if (!s)
                return -ENOMEM;
        if ((slash = strchr(s, '/'))) {
                *slash = 0;
                proto = slash + 1;
                if (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
                        return compose_error(c->error, n, path, "'%s': the protocol must be tcp, udp or sctp.", n->value);
        }
        colon = strrchr(s, ':');
        container = colon ? colon + 1 : s;
        if (colon) {
                *colon = 0;
                char *hc = strrchr(s, ':');
                host = hc ? hc + 1 : s;
                if (hc) {
                        *hc = 0;
                        ip = s[0] == '[' && endswith(s, "]") ? strndup(s + 1, strlen(s) - 2) : strdup(s);
                        if (!ip)
                                return -ENOMEM;
                }
        }
        if (parse_range(container, &ca, &cb) < 0 || (host && *host && parse_range(host, &ha, &hb) < 0))
                return compose_error(c->error, n, path,
                                "'%s' is not [[IP:]HOST:]CONTAINER[/PROTOCOL] with ports or "
                                "ranges of them.",
                                n->value);
        if (host && *host && hb - ha != cb - ca && ca != cb)
                return compose_error(c->error, n, path, "'%s': the host and container ranges differ in length.",
                                n->value);
        for (unsigned long p = ca; p <= cb; p++) {
                char pub[32];
                const char *published = NULL;
                if (host && *host) {
                        if (ca == cb && ha != hb)
                                (void) snprintf(pub, sizeof pub, "%lu-%lu", ha, hb);
                        else
                                (void) snprintf(pub, sizeof pub, "%lu", ha + (p - ca));
                        published = pub;
                }
                r = port_entry(out, n, ip, published, p, proto);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int norm_ports(Ctx *c, YNode *n, const char *path) {
        _cleanup_(ynode_freep) YNode *out = ynode_new(Y_SEQ, n->file, n->line);
        int r;

        if (!out)
                return -ENOMEM;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        r = short_port(c, out, item, path);
                } else if (item->kind == Y_MAP) {
                        YNode *copy;
                        r = object(c, item, port_fields, path);
                        if (r < 0)
                                return r;
                        if (!ynode_get(item, "target"))
                                return compose_error(c->error, item, path, "a port needs target.");
                        copy = ynode_copy(item);
                        if (!copy)
                                return -ENOMEM;
                        if (!ynode_get(copy, "mode"))
                                r = add_scalar(copy, "mode", "ingress", Y_STR);
                        if (r >= 0 && !ynode_get(copy, "protocol"))
                                r = add_scalar(copy, "protocol", "tcp", Y_STR);
                        if (r < 0 || (r = ynode_append(out, copy)) < 0)
                                return r;
                } else
                        r = compose_error(c->error, item, path, "a port is a string or a mapping.");
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n->n_items; i++)
                ynode_free(n->items[i]);
        free(n->items);
        n->items = TAKE_PTR(out->items);
        n->n_items = out->n_items;
        out->n_items = 0;
        return 0;
}

/* volumes: "SOURCE:TARGET[:OPTS]", "TARGET", or the long form. */
static const Field volume_bind_fields[] = {
        { "propagation", F_STRING, NULL, NULL },
        { "create_host_path", F_BOOL, NULL, NULL },
        { "selinux", F_STRING, NULL, NULL },
        {},
};
static const Field volume_volume_fields[] = { { "nocopy", F_BOOL, NULL, NULL },
        { "subpath", F_UNSUPPORTED, NULL, NULL }, {} };
static const Field volume_tmpfs_fields[] = { { "size", F_BYTES, NULL, NULL }, { "mode", F_INT, NULL, NULL }, {} };
static const Field volume_fields[] = {
        { "type", F_STRING, NULL, NULL },
        { "source", F_STRING, NULL, NULL },
        { "target", F_STRING, NULL, NULL },
        { "read_only", F_BOOL, NULL, NULL },
        { "bind", F_OBJECT, volume_bind_fields, NULL },
        { "volume", F_OBJECT, volume_volume_fields, NULL },
        { "tmpfs", F_OBJECT, volume_tmpfs_fields, NULL },
        { "consistency", F_STRING, NULL, NULL },
        { "image", F_UNSUPPORTED, NULL, NULL },
        {},
};

static bool is_path_source(const char *s) {
        return s[0] == '.' || s[0] == '/' || s[0] == '~';
}

static int short_volume(Ctx *c, YNode *out, const YNode *n, const char *path) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *copy = strdup(n->value);
        YNode *m;
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
                if ((r = strv_extend(&parts, t)) < 0)
                        return r;
        size_t k = strv_length(parts);
        if (k == 0 || k > 3 || (k == 1 && parts[0][0] != '/') || (k >= 2 && parts[1][0] != '/'))
                return compose_error(c->error, n, path, "'%s' is not SOURCE:TARGET[:OPTIONS] or an absolute TARGET.",
                                n->value);
        m = ynode_new(Y_MAP, n->file, n->line);
        if (!m)
                return -ENOMEM;
        if (k == 1) {
                r = add_scalar(m, "type", "volume", Y_STR);
                if (r >= 0)
                        r = add_scalar(m, "target", parts[0], Y_STR);
                if (r >= 0)
                        r = add_scalar(m, "volume", "", Y_STR);
                if (r >= 0)
                        ynode_get(m, "volume")->kind = Y_MAP;
        } else {
                bool bind = is_path_source(parts[0]);
                _cleanup_free_ char *src = bind ? absolute(c, parts[0]) : strdup(parts[0]);
                bool ro = false, nocopy = false;
                if (!src) {
                        ynode_free(m);
                        return -ENOMEM;
                }
                if (k == 3) {
                        _cleanup_strv_free_ char **opts = NULL;
                        char *s2 = NULL;
                        for (char *t = strtok_r(parts[2], ",", &s2); t; t = strtok_r(NULL, ",", &s2)) {
                                if (streq(t, "ro"))
                                        ro = true;
                                else if (streq(t, "nocopy"))
                                        nocopy = true;
                                else if (!strv_contains((char *[]) { "rw", "z", "Z", "nocopy", "rprivate", "private",
                                                                        "rshared", "shared", "rslave", "slave", NULL },
                                                         t)) {
                                        ynode_free(m);
                                        return compose_error(c->error, n, path, "'%s': unknown volume option '%s'.",
                                                        n->value, t);
                                }
                        }
                }
                r = add_scalar(m, "type", bind ? "bind" : "volume", Y_STR);
                if (r >= 0)
                        r = add_scalar(m, "source", src, Y_STR);
                if (r >= 0)
                        r = add_scalar(m, "target", parts[1], Y_STR);
                if (r >= 0 && ro)
                        r = add_scalar(m, "read_only", "true", Y_PLAIN);
                if (r >= 0) {
                        YNode *sub = ynode_new(Y_MAP, n->file, n->line);
                        r = sub ? ynode_set(m, bind ? "bind" : "volume", sub) : -ENOMEM;
                        if (r >= 0 && bind)
                                r = add_scalar(sub, "create_host_path", "true", Y_PLAIN);
                        if (r >= 0 && nocopy && !bind)
                                r = add_scalar(sub, "nocopy", "true", Y_PLAIN);
                }
        }
        if (r < 0) {
                ynode_free(m);
                return r;
        }
        return ynode_append(out, m);
}

static int norm_volumes(Ctx *c, YNode *n, const char *path) {
        _cleanup_(ynode_freep) YNode *out = ynode_new(Y_SEQ, n->file, n->line);
        int r;

        if (!out)
                return -ENOMEM;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i], *copy, *type, *src;
                if (item->kind == Y_SCALAR) {
                        r = short_volume(c, out, item, path);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (item->kind != Y_MAP)
                        return compose_error(c->error, item, path, "a volume is a string or a mapping.");
                r = object(c, item, volume_fields, path);
                if (r < 0)
                        return r;
                type = ynode_get(item, "type");
                if (!type || !ynode_get(item, "target"))
                        return compose_error(c->error, item, path, "a volume in the long syntax needs type and target.");
                if (!strv_contains((char *[]) { "volume", "bind", "tmpfs", NULL }, type->value))
                        return compose_error(c->error, type, path, "type '%s' is not volume, bind or tmpfs.",
                                        type->value);
                src = ynode_get(item, "source");
                if (streq(type->value, "bind") && !src)
                        return compose_error(c->error, item, path, "a bind mount needs source.");
                copy = ynode_copy(item);
                if (!copy)
                        return -ENOMEM;
                src = ynode_get(copy, "source");
                if (src && streq(type->value, "bind") && (r = make_absolute(c, src)) < 0) {
                        ynode_free(copy);
                        return r;
                }
                if ((r = ynode_append(out, copy)) < 0)
                        return r;
        }
        for (size_t i = 0; i < n->n_items; i++)
                ynode_free(n->items[i]);
        free(n->items);
        n->items = TAKE_PTR(out->items);
        n->n_items = out->n_items;
        out->n_items = 0;
        return 0;
}

/* depends_on: a list of names, or name → {condition, required, restart}. */
static const Field depends_fields[] = { { "condition", F_STRING, NULL, NULL }, { "required", F_BOOL, NULL, NULL },
        { "restart", F_BOOL, NULL, NULL }, {} };

static int norm_depends_on(Ctx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SEQ) {
                r = to_list(c, n, path, false);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n->n_items; i++) {
                        YNode *item = n->items[i];
                        item->key = TAKE_PTR(item->value);
                        item->kind = Y_MAP;
                        r = add_scalar(item, "condition", "service_started", Y_STR);
                        if (r >= 0)
                                r = add_scalar(item, "required", "true", Y_PLAIN);
                        if (r < 0)
                                return r;
                }
                n->kind = Y_MAP;
                return 0;
        }
        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a list of services or a mapping.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i], *cond;
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                if (!sub)
                        return -ENOMEM;
                if (item->kind == Y_NULL)
                        item->kind = Y_MAP;
                r = object(c, item, depends_fields, sub);
                if (r < 0)
                        return r;
                cond = ynode_get(item, "condition");
                if (!cond)
                        r = add_scalar(item, "condition", "service_started", Y_STR);
                else if (!strv_contains((char *[]) { "service_started", "service_healthy",
                                                        "service_completed_successfully", NULL },
                                         cond->value))
                        return compose_error(c->error, cond, sub,
                                        "condition '%s' is not service_started, "
                                        "service_healthy or service_completed_successfully.",
                                        cond->value);
                if (r >= 0 && !ynode_get(item, "required"))
                        r = add_scalar(item, "required", "true", Y_PLAIN);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const Field healthcheck_fields[] = {
        { "test", F_ANY, NULL, NULL },
        { "interval", F_DURATION, NULL, NULL },
        { "timeout", F_DURATION, NULL, NULL },
        { "retries", F_INT, NULL, NULL },
        { "start_period", F_DURATION, NULL, NULL },
        { "start_interval", F_DURATION, NULL, NULL },
        { "disable", F_BOOL, NULL, NULL },
        {},
};

static int norm_healthcheck(Ctx *c, YNode *n, const char *path) {
        YNode *test = ynode_get(n, "test"), *disable = ynode_get(n, "disable");
        int r;

        if (disable && streq(disable->value, "true")) {
                ynode_remove(n, "disable");
                YNode *t = ynode_new(Y_SEQ, n->file, n->line), *none;
                if (!t || ynode_set(n, "test", t) < 0)
                        return -ENOMEM;
                none = ynode_new_scalar("NONE", Y_STR, n->file, n->line);
                return none ? ynode_append(t, none) : -ENOMEM;
        }
        if (!test)
                return 0;
        if (test->kind == Y_SCALAR) {
                const char *cmd = test->value;
                YNode *a = ynode_new_scalar("CMD-SHELL", Y_STR, test->file, test->line);
                YNode *b = ynode_new_scalar(cmd, Y_STR, test->file, test->line);
                free(test->value);
                test->value = NULL;
                test->kind = Y_SEQ;
                if (!a || !b || ynode_append(test, a) < 0 || ynode_append(test, b) < 0)
                        return -ENOMEM;
                return 0;
        }
        r = to_list(c, test, path, false);
        if (r < 0)
                return r;
        if (test->n_items == 0 || !strv_contains((char *[]) { "NONE", "CMD", "CMD-SHELL", NULL }, test->items[0]->value))
                return compose_error(c->error, test, path,
                                "test must be a string or a list starting with CMD, "
                                "CMD-SHELL or NONE.");
        return 0;
}

static int norm_restart(Ctx *c, YNode *n, const char *path) {
        const char *v;

        if (n->kind != Y_SCALAR)
                return compose_error(c->error, n, path, "must be a string.");
        if (!n->quoted && parse_bool(n->value) == 0) /* YAML 1.1 reads a bare no as false */
                return set_scalar(n, "no", Y_STR);
        v = n->value;
        if (streq(v, "no") || streq(v, "always") || streq(v, "unless-stopped") || streq(v, "on-failure"))
                return 0;
        if ((v = startswith(n->value, "on-failure:")) && is_int(v) && *v != '-')
                return 0;
        return compose_error(c->error, n, path, "'%s' is not no, always, on-failure[:N] or unless-stopped.", n->value);
}

static int norm_networks(Ctx *c, YNode *n, const char *path);
static int norm_build(Ctx *c, YNode *n, const char *path);
static int norm_env_file(Ctx *c, YNode *n, const char *path);
static int norm_extra_hosts(Ctx *c, YNode *n, const char *path);
static int norm_ulimits(Ctx *c, YNode *n, const char *path);
static int norm_file_refs(Ctx *c, YNode *n, const char *path);
static int norm_environment(Ctx *c, YNode *n, const char *path) {
        return to_dict(c, n, path, true);
}
static int norm_restart_policy(Ctx *c, YNode *n, const char *path);

static const Field limits_fields[] = { { "cpus", F_NUMBER, NULL, NULL }, { "memory", F_BYTES, NULL, NULL },
        { "pids", F_INT, NULL, NULL }, {} };
static const Field reservations_fields[] = {
        { "cpus", F_NUMBER, NULL, NULL },
        { "memory", F_BYTES, NULL, NULL },
        { "devices", F_UNSUPPORTED, NULL, NULL },
        { "generic_resources", F_UNSUPPORTED, NULL, NULL },
        {},
};
static const Field resources_fields[] = {
        { "limits", F_OBJECT, limits_fields, NULL },
        { "reservations", F_OBJECT, reservations_fields, NULL },
        {},
};
static const Field restart_policy_fields[] = {
        { "condition", F_STRING, NULL, NULL },
        { "delay", F_DURATION, NULL, NULL },
        { "max_attempts", F_INT, NULL, NULL },
        { "window", F_DURATION, NULL, NULL },
        {},
};
static const Field deploy_fields[] = {
        { "resources", F_OBJECT, resources_fields, NULL },
        { "restart_policy", F_OBJECT, restart_policy_fields, norm_restart_policy },
        { "replicas", F_INT, NULL, NULL },
        { "mode", F_STRING, NULL, NULL },
        { "labels", F_DICT, NULL, NULL },
        { "placement", F_ANY, NULL, NULL },
        { "update_config", F_ANY, NULL, NULL },
        { "rollback_config", F_ANY, NULL, NULL },
        { "endpoint_mode", F_ANY, NULL, NULL },
        {},
};
static const Field logging_fields[] = { { "driver", F_STRING, NULL, NULL }, { "options", F_DICT, NULL, NULL }, {} };

static int norm_restart_policy(Ctx *c, YNode *n, const char *path) {
        YNode *cond = ynode_get(n, "condition");
        if (cond && !strv_contains((char *[]) { "none", "on-failure", "any", NULL }, cond->value))
                return compose_error(c->error, cond, path, "condition '%s' is not none, on-failure or any.", cond->value);
        return 0;
}

static int norm_logging(Ctx *c, YNode *n, const char *path) {
        YNode *d = ynode_get(n, "driver");
        if (d && !streq(d->value, "journald") && !streq(d->value, "json-file") && !streq(d->value, "local"))
                return compose_error(c->error, d, path, "driver '%s': berth sends container output to the journal.",
                                d->value);
        return 0;
}

static const Field service_fields[] = {
        { "image", F_STRING, NULL, NULL },
        { "build", F_CUSTOM, NULL, norm_build },
        { "command", F_COMMAND, NULL, NULL },
        { "entrypoint", F_COMMAND, NULL, NULL },
        { "environment", F_CUSTOM, NULL, norm_environment },
        { "env_file", F_CUSTOM, NULL, norm_env_file },
        { "ports", F_CUSTOM, NULL, norm_ports },
        { "expose", F_LIST, NULL, NULL },
        { "volumes", F_CUSTOM, NULL, norm_volumes },
        { "networks", F_CUSTOM, NULL, norm_networks },
        { "network_mode", F_STRING, NULL, NULL },
        { "depends_on", F_CUSTOM, NULL, norm_depends_on },
        { "healthcheck", F_OBJECT, healthcheck_fields, norm_healthcheck },
        { "restart", F_CUSTOM, NULL, norm_restart },
        { "deploy", F_OBJECT, deploy_fields, NULL },
        { "user", F_STRING, NULL, NULL },
        { "working_dir", F_STRING, NULL, NULL },
        { "labels", F_DICT, NULL, NULL },
        { "annotations", F_DICT, NULL, NULL },
        { "cap_add", F_LIST, NULL, NULL },
        { "cap_drop", F_LIST, NULL, NULL },
        { "privileged", F_BOOL, NULL, NULL },
        { "read_only", F_BOOL, NULL, NULL },
        { "tmpfs", F_STRLIST, NULL, NULL },
        { "ulimits", F_CUSTOM, NULL, norm_ulimits },
        { "init", F_BOOL, NULL, NULL },
        { "stop_signal", F_STRING, NULL, NULL },
        { "stop_grace_period", F_DURATION, NULL, NULL },
        { "container_name", F_STRING, NULL, NULL },
        { "hostname", F_STRING, NULL, NULL },
        { "extra_hosts", F_CUSTOM, NULL, norm_extra_hosts },
        { "dns", F_STRLIST, NULL, NULL },
        { "dns_search", F_STRLIST, NULL, NULL },
        { "dns_opt", F_LIST, NULL, NULL },
        { "secrets", F_CUSTOM, NULL, norm_file_refs },
        { "configs", F_CUSTOM, NULL, norm_file_refs },
        { "profiles", F_LIST, NULL, NULL },
        { "extends", F_ANY, NULL, NULL }, /* resolved before normalisation */
        { "pull_policy", F_STRING, NULL, NULL },
        { "mem_limit", F_BYTES, NULL, NULL },
        { "memswap_limit", F_UNSUPPORTED, NULL, NULL },
        { "mem_reservation", F_BYTES, NULL, NULL },
        { "cpus", F_NUMBER, NULL, NULL },
        { "cpu_shares", F_INT, NULL, NULL },
        { "pids_limit", F_INT, NULL, NULL },
        { "sysctls", F_DICT, NULL, NULL },
        { "devices", F_LIST, NULL, NULL },
        { "group_add", F_LIST, NULL, NULL },
        { "security_opt", F_LIST, NULL, NULL },
        { "shm_size", F_UNSUPPORTED, NULL, NULL },
        { "stdin_open", F_BOOL, NULL, NULL },
        { "tty", F_BOOL, NULL, NULL },
        { "userns_mode", F_STRING, NULL, NULL },
        { "pid", F_STRING, NULL, NULL },
        { "ipc", F_STRING, NULL, NULL },
        { "uts", F_STRING, NULL, NULL },
        { "logging", F_OBJECT, logging_fields, norm_logging },
        { "platform", F_STRING, NULL, NULL },
        { "scale", F_INT, NULL, NULL },
        { "domainname", F_UNSUPPORTED, NULL, NULL },
        { "attach", F_BOOL, NULL, NULL },
        { "links", F_UNSUPPORTED, NULL, NULL },
        { "external_links", F_UNSUPPORTED, NULL, NULL },
        { "volumes_from", F_UNSUPPORTED, NULL, NULL },
        { "mac_address", F_UNSUPPORTED, NULL, NULL },
        { "gpus", F_UNSUPPORTED, NULL, NULL },
        { "blkio_config", F_UNSUPPORTED, NULL, NULL },
        { "cgroup", F_UNSUPPORTED, NULL, NULL },
        { "cgroup_parent", F_UNSUPPORTED, NULL, NULL },
        { "develop", F_ANY, NULL, NULL },
        { "post_start", F_UNSUPPORTED, NULL, NULL },
        { "pre_stop", F_UNSUPPORTED, NULL, NULL },
        { "runtime", F_UNSUPPORTED, NULL, NULL },
        { "oom_score_adj", F_UNSUPPORTED, NULL, NULL },
        { "oom_kill_disable", F_UNSUPPORTED, NULL, NULL },
        { "storage_opt", F_UNSUPPORTED, NULL, NULL },
        { "device_cgroup_rules", F_UNSUPPORTED, NULL, NULL },
        {},
};

static const Field service_network_fields[] = {
        { "aliases", F_LIST, NULL, NULL },
        { "ipv4_address", F_STRING, NULL, NULL },
        { "ipv6_address", F_STRING, NULL, NULL },
        { "interface_name", F_STRING, NULL, NULL },
        { "priority", F_INT, NULL, NULL },
        { "gw_priority", F_INT, NULL, NULL },
        { "mac_address", F_UNSUPPORTED, NULL, NULL },
        { "link_local_ips", F_UNSUPPORTED, NULL, NULL },
        { "driver_opts", F_DICT, NULL, NULL },
        {},
};

static int norm_networks(Ctx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SEQ) {
                r = to_list(c, n, path, false);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n->n_items; i++) {
                        YNode *item = n->items[i];
                        item->key = TAKE_PTR(item->value);
                        item->kind = Y_NULL;
                }
                n->kind = Y_MAP;
                return 0;
        }
        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a list of networks or a mapping.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                if (!sub)
                        return -ENOMEM;
                if (item->kind != Y_NULL && (r = object(c, item, service_network_fields, sub)) < 0)
                        return r;
        }
        return 0;
}

static const Field build_fields[] = {
        { "context", F_STRING, NULL, NULL },
        { "dockerfile", F_STRING, NULL, NULL },
        { "dockerfile_inline", F_STRING, NULL, NULL },
        { "args", F_DICT, NULL, NULL },
        { "target", F_STRING, NULL, NULL },
        { "labels", F_DICT, NULL, NULL },
        { "tags", F_LIST, NULL, NULL },
        { "no_cache", F_BOOL, NULL, NULL },
        { "pull", F_BOOL, NULL, NULL },
        { "network", F_STRING, NULL, NULL },
        { "cache_from", F_LIST, NULL, NULL },
        { "cache_to", F_LIST, NULL, NULL },
        { "extra_hosts", F_ANY, NULL, NULL },
        { "shm_size", F_UNSUPPORTED, NULL, NULL },
        { "platforms", F_LIST, NULL, NULL },
        { "secrets", F_UNSUPPORTED, NULL, NULL },
        { "ssh", F_UNSUPPORTED, NULL, NULL },
        { "additional_contexts", F_UNSUPPORTED, NULL, NULL },
        { "isolation", F_UNSUPPORTED, NULL, NULL },
        { "privileged", F_UNSUPPORTED, NULL, NULL },
        { "ulimits", F_UNSUPPORTED, NULL, NULL },
        {},
};

static int norm_build(Ctx *c, YNode *n, const char *path) {
        YNode *ctx;
        int r;

        if (n->kind == Y_SCALAR) {
                YNode *v = ynode_new_scalar(n->value, Y_STR, n->file, n->line);
                free(n->value);
                n->value = NULL;
                n->kind = Y_MAP;
                if (!v || (r = ynode_set(n, "context", v)) < 0)
                        return -ENOMEM;
        }
        r = object(c, n, build_fields, path);
        if (r < 0)
                return r;
        ctx = ynode_get(n, "context");
        if (!ctx && (r = add_scalar(n, "context", ".", Y_STR)) < 0)
                return r;
        ctx = ynode_get(n, "context");
        r = make_absolute(c, ctx);
        if (r >= 0 && !ynode_get(n, "dockerfile") && !ynode_get(n, "dockerfile_inline"))
                r = add_scalar(n, "dockerfile", "Dockerfile", Y_STR);
        return r;
}

static const Field env_file_fields[] = { { "path", F_STRING, NULL, NULL }, { "required", F_BOOL, NULL, NULL },
        { "format", F_STRING, NULL, NULL }, {} };

static int norm_env_file(Ctx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SCALAR && (r = to_list(c, n, path, true)) < 0)
                return r;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a path or a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        YNode *p = ynode_new_scalar(item->value, Y_STR, item->file, item->line);
                        free(item->value);
                        item->value = NULL;
                        item->kind = Y_MAP;
                        if (!p || (r = ynode_set(item, "path", p)) < 0)
                                return -ENOMEM;
                } else if ((r = object(c, item, env_file_fields, path)) < 0)
                        return r;
                if (!ynode_get(item, "path"))
                        return compose_error(c->error, item, path, "an entry needs path.");
                r = make_absolute(c, ynode_get(item, "path"));
                if (r >= 0 && !ynode_get(item, "required"))
                        r = add_scalar(item, "required", "true", Y_PLAIN);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int norm_extra_hosts(Ctx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_MAP) {
                r = to_dict(c, n, path, false);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n->n_items; i++) {
                        YNode *item = n->items[i];
                        char *kv = strjoin(item->key, "=", item->value);
                        if (!kv)
                                return -ENOMEM;
                        free(item->value);
                        item->value = kv;
                        free(item->key);
                        item->key = NULL;
                }
                n->kind = Y_SEQ;
                return 0;
        }
        r = to_list(c, n, path, false);
        for (size_t i = 0; r >= 0 && i < n->n_items; i++) {
                YNode *item = n->items[i];
                char *sep = strchr(item->value, '=');
                if (!sep) {
                        sep = strchr(item->value, ':');
                        if (sep)
                                *sep = '=';
                }
                if (!sep)
                        return compose_error(c->error, item, path, "'%s' is not HOST=IP or HOST:IP.", item->value);
        }
        return r;
}

static int norm_ulimits(Ctx *c, YNode *n, const char *path) {
        static const Field ulimit_fields[] = { { "soft", F_INT, NULL, NULL }, { "hard", F_INT, NULL, NULL }, {} };
        int r;

        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a mapping of names to limits.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                if (!sub)
                        return -ENOMEM;
                if (item->kind == Y_SCALAR) {
                        if (!is_int(item->value))
                                return compose_error(c->error, item, sub, "must be an integer or {soft, hard}.");
                        item->type = Y_PLAIN;
                        continue;
                }
                r = object(c, item, ulimit_fields, sub);
                if (r < 0)
                        return r;
                if (!ynode_get(item, "soft") || !ynode_get(item, "hard"))
                        return compose_error(c->error, item, sub, "needs both soft and hard.");
        }
        return 0;
}

/* secrets and configs of a service: names, or {source, target, uid, gid, mode}. */
static int norm_file_refs(Ctx *c, YNode *n, const char *path) {
        static const Field ref_fields[] = {
                { "source", F_STRING, NULL, NULL },
                { "target", F_STRING, NULL, NULL },
                { "uid", F_STRING, NULL, NULL },
                { "gid", F_STRING, NULL, NULL },
                { "mode", F_INT, NULL, NULL },
                {},
        };
        int r;

        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        YNode *s = ynode_new_scalar(item->value, Y_STR, item->file, item->line);
                        free(item->value);
                        item->value = NULL;
                        item->kind = Y_MAP;
                        if (!s || (r = ynode_set(item, "source", s)) < 0)
                                return -ENOMEM;
                        continue;
                }
                r = object(c, item, ref_fields, path);
                if (r < 0)
                        return r;
                if (!ynode_get(item, "source"))
                        return compose_error(c->error, item, path, "an entry needs source.");
        }
        return 0;
}

int compose_normalize_service(YNode *svc, const char *path, const char *dir, char *const *env, char **ret_error) {
        Ctx c = { .dir = dir, .env = env, .error = ret_error };

        if (svc->kind == Y_NULL)
                svc->kind = Y_MAP;
        return object(&c, svc, service_fields, path);
}

static const Field ipam_config_fields[] = {
        { "subnet", F_STRING, NULL, NULL },
        { "ip_range", F_STRING, NULL, NULL },
        { "gateway", F_STRING, NULL, NULL },
        { "aux_addresses", F_DICT, NULL, NULL },
        {},
};
static int norm_ipam_config(Ctx *c, YNode *n, const char *path) {
        int r;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++)
                if ((r = object(c, n->items[i], ipam_config_fields, path)) < 0)
                        return r;
        return 0;
}
static const Field ipam_fields[] = {
        { "driver", F_STRING, NULL, NULL },
        { "config", F_CUSTOM, NULL, norm_ipam_config },
        { "options", F_DICT, NULL, NULL },
        {},
};
static const Field network_fields[] = {
        { "name", F_STRING, NULL, NULL },
        { "driver", F_STRING, NULL, NULL },
        { "driver_opts", F_DICT, NULL, NULL },
        { "external", F_BOOL, NULL, NULL },
        { "internal", F_BOOL, NULL, NULL },
        { "enable_ipv6", F_BOOL, NULL, NULL },
        { "enable_ipv4", F_BOOL, NULL, NULL },
        { "attachable", F_BOOL, NULL, NULL },
        { "labels", F_DICT, NULL, NULL },
        { "ipam", F_OBJECT, ipam_fields, NULL },
        {},
};
static const Field volume_top_fields[] = {
        { "name", F_STRING, NULL, NULL },
        { "driver", F_STRING, NULL, NULL },
        { "driver_opts", F_DICT, NULL, NULL },
        { "external", F_BOOL, NULL, NULL },
        { "labels", F_DICT, NULL, NULL },
        {},
};
static const Field secret_top_fields[] = {
        { "name", F_STRING, NULL, NULL },
        { "file", F_STRING, NULL, NULL },
        { "environment", F_STRING, NULL, NULL },
        { "content", F_STRING, NULL, NULL },
        { "external", F_BOOL, NULL, NULL },
        { "labels", F_DICT, NULL, NULL },
        { "driver", F_UNSUPPORTED, NULL, NULL },
        { "driver_opts", F_UNSUPPORTED, NULL, NULL },
        { "template_driver", F_UNSUPPORTED, NULL, NULL },
        {},
};

int compose_normalize_resource(YNode *res, const char *section, const char *path, const char *dir, char **ret_error) {
        Ctx c = { .dir = dir, .error = ret_error };
        const Field *fields = streq(section, "networks")  ? network_fields
                              : streq(section, "volumes") ? volume_top_fields
                                                          : secret_top_fields;
        YNode *ext, *file;
        int r;

        if (res->kind == Y_NULL)
                res->kind = Y_MAP;
        /* external: {name: x}, the old spelling of external: true and name: x */
        ext = ynode_get(res, "external");
        if (ext && ext->kind == Y_MAP) {
                YNode *name = ynode_get(ext, "name");
                if (name) {
                        YNode *copy = ynode_copy(name);
                        if (!copy || ynode_set(res, "name", copy) < 0)
                                return -ENOMEM;
                }
                ext = ynode_get(res, "external");
                ext->n_items = 0;
                ext->kind = Y_SCALAR;
                if (set_scalar(ext, "true", Y_PLAIN) < 0)
                        return -ENOMEM;
        }
        r = object(&c, res, fields, path);
        if (r < 0)
                return r;
        ext = ynode_get(res, "external");
        if (ext && streq(ext->value, "true"))
                for (size_t i = 0; i < res->n_items; i++)
                        if (!streq(res->items[i]->key, "external") && !streq(res->items[i]->key, "name") &&
                                        !startswith(res->items[i]->key, "x-"))
                                return compose_error(ret_error, res->items[i], path,
                                                "an external %.*s takes only name, "
                                                "not '%s'.",
                                                (int) strlen(section) - 1, section, res->items[i]->key);
        if (streq(section, "secrets") || streq(section, "configs")) {
                file = ynode_get(res, "file");
                if (file)
                        return make_absolute(&c, file);
                if (!ext && !ynode_get(res, "environment") && !ynode_get(res, "content"))
                        return compose_error(ret_error, res, path, "needs file, environment%s or external.",
                                        streq(section, "configs") ? ", content" : "");
        }
        return 0;
}
