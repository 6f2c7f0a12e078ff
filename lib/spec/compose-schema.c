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

/* Rows of a key table: a key whose value is of a kind; a mapping with the keys of sub, then norm(); a
 * key that norm() alone checks. */
#define KEY(n, t)                                                                                                      \
        { .name = (n), .type = (t) }
#define KEY_OBJECT(n, s, f)                                                                                            \
        { .name = (n), .type = F_OBJECT, .sub = (s), .norm = (f) }
#define KEY_CUSTOM(n, f)                                                                                               \
        { .name = (n), .type = F_CUSTOM, .norm = (f) }

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

/* n's items become those of normalised, which is left empty. */
static void replace_items(YNode *n, YNode *normalised) {
        for (size_t i = 0; i < n->n_items; i++)
                ynode_free(n->items[i]);
        free(n->items);
        n->items = TAKE_PTR(normalised->items);
        n->n_items = normalised->n_items;
        normalised->n_items = 0;
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
                if (!v || ynode_set(m, key, v) < 0)
                        return -ENOMEM;
        }
        replace_items(n, m);
        n->kind = Y_MAP;
        return 0;
}

static int to_command(Ctx *c, YNode *n, const char *path) {
        _cleanup_strv_free_ char **words = NULL;

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
                if (!item || ynode_append(n, item) < 0)
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

/* The short form of a long syntax: the scalar n becomes the mapping {key: n}. */
static int scalar_to_map(YNode *n, const char *key) {
        YNode *v = ynode_new_scalar(n->value, Y_STR, n->file, n->line);

        free(n->value);
        n->value = NULL;
        n->kind = Y_MAP;
        return v ? ynode_set(n, key, v) : -ENOMEM;
}

/* ports: "[[IP:]HOST:]CONTAINER[/PROTO]" with ranges, or the long form. */
static const Field port_fields[] = {
        KEY("target", F_INT),
        KEY("published", F_STRING),
        KEY("host_ip", F_STRING),
        KEY("protocol", F_STRING),
        KEY("app_protocol", F_STRING),
        KEY("mode", F_STRING),
        KEY("name", F_STRING),
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
        replace_items(n, out);
        return 0;
}

/* volumes: "SOURCE:TARGET[:OPTS]", "TARGET", or the long form. */
static const Field volume_bind_fields[] = {
        KEY("propagation", F_STRING),
        KEY("create_host_path", F_BOOL),
        KEY("selinux", F_STRING),
        {},
};
static const Field volume_volume_fields[] = { KEY("nocopy", F_BOOL), KEY("subpath", F_UNSUPPORTED), {} };
static const Field volume_tmpfs_fields[] = { KEY("size", F_BYTES), KEY("mode", F_INT), {} };
static const Field volume_fields[] = {
        KEY("type", F_STRING),
        KEY("source", F_STRING),
        KEY("target", F_STRING),
        KEY("read_only", F_BOOL),
        KEY_OBJECT("bind", volume_bind_fields, NULL),
        KEY_OBJECT("volume", volume_volume_fields, NULL),
        KEY_OBJECT("tmpfs", volume_tmpfs_fields, NULL),
        KEY("consistency", F_STRING),
        KEY("image", F_UNSUPPORTED),
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
        if (!parts || k > 3 || (k == 1 && parts[0][0] != '/') || (k >= 2 && parts[1][0] != '/'))
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
        replace_items(n, out);
        return 0;
}

/* depends_on: a list of names, or name → {condition, required, restart}. */
static const Field depends_fields[] = { KEY("condition", F_STRING), KEY("required", F_BOOL), KEY("restart", F_BOOL), {} };

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
        KEY("test", F_ANY),
        KEY("interval", F_DURATION),
        KEY("timeout", F_DURATION),
        KEY("retries", F_INT),
        KEY("start_period", F_DURATION),
        KEY("start_interval", F_DURATION),
        KEY("disable", F_BOOL),
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

static const Field limits_fields[] = { KEY("cpus", F_NUMBER), KEY("memory", F_BYTES), KEY("pids", F_INT), {} };
static const Field reservations_fields[] = {
        KEY("cpus", F_NUMBER),
        KEY("memory", F_BYTES),
        KEY("devices", F_UNSUPPORTED),
        KEY("generic_resources", F_UNSUPPORTED),
        {},
};
static const Field resources_fields[] = {
        KEY_OBJECT("limits", limits_fields, NULL),
        KEY_OBJECT("reservations", reservations_fields, NULL),
        {},
};
static const Field restart_policy_fields[] = {
        KEY("condition", F_STRING),
        KEY("delay", F_DURATION),
        KEY("max_attempts", F_INT),
        KEY("window", F_DURATION),
        {},
};
static const Field deploy_fields[] = {
        KEY_OBJECT("resources", resources_fields, NULL),
        KEY_OBJECT("restart_policy", restart_policy_fields, norm_restart_policy),
        KEY("replicas", F_INT),
        KEY("mode", F_STRING),
        KEY("labels", F_DICT),
        KEY("placement", F_ANY),
        KEY("update_config", F_ANY),
        KEY("rollback_config", F_ANY),
        KEY("endpoint_mode", F_ANY),
        {},
};
static const Field logging_fields[] = { KEY("driver", F_STRING), KEY("options", F_DICT), {} };

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
        KEY("image", F_STRING),
        KEY_CUSTOM("build", norm_build),
        KEY("command", F_COMMAND),
        KEY("entrypoint", F_COMMAND),
        KEY_CUSTOM("environment", norm_environment),
        KEY_CUSTOM("env_file", norm_env_file),
        KEY_CUSTOM("ports", norm_ports),
        KEY("expose", F_LIST),
        KEY_CUSTOM("volumes", norm_volumes),
        KEY_CUSTOM("networks", norm_networks),
        KEY("network_mode", F_STRING),
        KEY_CUSTOM("depends_on", norm_depends_on),
        KEY_OBJECT("healthcheck", healthcheck_fields, norm_healthcheck),
        KEY_CUSTOM("restart", norm_restart),
        KEY_OBJECT("deploy", deploy_fields, NULL),
        KEY("user", F_STRING),
        KEY("working_dir", F_STRING),
        KEY("labels", F_DICT),
        KEY("annotations", F_DICT),
        KEY("cap_add", F_LIST),
        KEY("cap_drop", F_LIST),
        KEY("privileged", F_BOOL),
        KEY("read_only", F_BOOL),
        KEY("tmpfs", F_STRLIST),
        KEY_CUSTOM("ulimits", norm_ulimits),
        KEY("init", F_BOOL),
        KEY("stop_signal", F_STRING),
        KEY("stop_grace_period", F_DURATION),
        KEY("container_name", F_STRING),
        KEY("hostname", F_STRING),
        KEY_CUSTOM("extra_hosts", norm_extra_hosts),
        KEY("dns", F_STRLIST),
        KEY("dns_search", F_STRLIST),
        KEY("dns_opt", F_LIST),
        KEY_CUSTOM("secrets", norm_file_refs),
        KEY_CUSTOM("configs", norm_file_refs),
        KEY("profiles", F_LIST),
        KEY("extends", F_ANY), /* resolved before normalisation */
        KEY("pull_policy", F_STRING),
        KEY("mem_limit", F_BYTES),
        KEY("memswap_limit", F_UNSUPPORTED),
        KEY("mem_reservation", F_BYTES),
        KEY("cpus", F_NUMBER),
        KEY("cpu_shares", F_INT),
        KEY("pids_limit", F_INT),
        KEY("sysctls", F_DICT),
        KEY("devices", F_LIST),
        KEY("group_add", F_LIST),
        KEY("security_opt", F_LIST),
        KEY("shm_size", F_UNSUPPORTED),
        KEY("stdin_open", F_BOOL),
        KEY("tty", F_BOOL),
        KEY("userns_mode", F_STRING),
        KEY("pid", F_STRING),
        KEY("ipc", F_STRING),
        KEY("uts", F_STRING),
        KEY_OBJECT("logging", logging_fields, norm_logging),
        KEY("platform", F_STRING),
        KEY("scale", F_INT),
        KEY("domainname", F_UNSUPPORTED),
        KEY("attach", F_BOOL),
        KEY("links", F_UNSUPPORTED),
        KEY("external_links", F_UNSUPPORTED),
        KEY("volumes_from", F_UNSUPPORTED),
        KEY("mac_address", F_UNSUPPORTED),
        KEY("gpus", F_UNSUPPORTED),
        KEY("blkio_config", F_UNSUPPORTED),
        KEY("cgroup", F_UNSUPPORTED),
        KEY("cgroup_parent", F_UNSUPPORTED),
        KEY("develop", F_ANY),
        KEY("post_start", F_UNSUPPORTED),
        KEY("pre_stop", F_UNSUPPORTED),
        KEY("runtime", F_UNSUPPORTED),
        KEY("oom_score_adj", F_UNSUPPORTED),
        KEY("oom_kill_disable", F_UNSUPPORTED),
        KEY("storage_opt", F_UNSUPPORTED),
        KEY("device_cgroup_rules", F_UNSUPPORTED),
        {},
};

static const Field service_network_fields[] = {
        KEY("aliases", F_LIST),
        KEY("ipv4_address", F_STRING),
        KEY("ipv6_address", F_STRING),
        KEY("interface_name", F_STRING),
        KEY("priority", F_INT),
        KEY("gw_priority", F_INT),
        KEY("mac_address", F_UNSUPPORTED),
        KEY("link_local_ips", F_UNSUPPORTED),
        KEY("driver_opts", F_DICT),
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
        KEY("context", F_STRING),
        KEY("dockerfile", F_STRING),
        KEY("dockerfile_inline", F_STRING),
        KEY("args", F_DICT),
        KEY("target", F_STRING),
        KEY("labels", F_DICT),
        KEY("tags", F_LIST),
        KEY("no_cache", F_BOOL),
        KEY("pull", F_BOOL),
        KEY("network", F_STRING),
        KEY("cache_from", F_LIST),
        KEY("cache_to", F_LIST),
        KEY("extra_hosts", F_ANY),
        KEY("shm_size", F_UNSUPPORTED),
        KEY("platforms", F_LIST),
        KEY("secrets", F_UNSUPPORTED),
        KEY("ssh", F_UNSUPPORTED),
        KEY("additional_contexts", F_UNSUPPORTED),
        KEY("isolation", F_UNSUPPORTED),
        KEY("privileged", F_UNSUPPORTED),
        KEY("ulimits", F_UNSUPPORTED),
        {},
};

static int norm_build(Ctx *c, YNode *n, const char *path) {
        YNode *ctx;
        int r;

        if (n->kind == Y_SCALAR && scalar_to_map(n, "context") < 0)
                return -ENOMEM;
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

static const Field env_file_fields[] = { KEY("path", F_STRING), KEY("required", F_BOOL), KEY("format", F_STRING), {} };

static int norm_env_file(Ctx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SCALAR && (r = to_list(c, n, path, true)) < 0)
                return r;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a path or a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        if (scalar_to_map(item, "path") < 0)
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
        static const Field ulimit_fields[] = { KEY("soft", F_INT), KEY("hard", F_INT), {} };
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
                KEY("source", F_STRING),
                KEY("target", F_STRING),
                KEY("uid", F_STRING),
                KEY("gid", F_STRING),
                KEY("mode", F_INT),
                {},
        };
        int r;

        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        if (scalar_to_map(item, "source") < 0)
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
        KEY("subnet", F_STRING),
        KEY("ip_range", F_STRING),
        KEY("gateway", F_STRING),
        KEY("aux_addresses", F_DICT),
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
        KEY("driver", F_STRING),
        KEY_CUSTOM("config", norm_ipam_config),
        KEY("options", F_DICT),
        {},
};
static const Field network_fields[] = {
        KEY("name", F_STRING),
        KEY("driver", F_STRING),
        KEY("driver_opts", F_DICT),
        KEY("external", F_BOOL),
        KEY("internal", F_BOOL),
        KEY("enable_ipv6", F_BOOL),
        KEY("enable_ipv4", F_BOOL),
        KEY("attachable", F_BOOL),
        KEY("labels", F_DICT),
        KEY_OBJECT("ipam", ipam_fields, NULL),
        {},
};
static const Field volume_top_fields[] = {
        KEY("name", F_STRING),
        KEY("driver", F_STRING),
        KEY("driver_opts", F_DICT),
        KEY("external", F_BOOL),
        KEY("labels", F_DICT),
        {},
};
static const Field secret_top_fields[] = {
        KEY("name", F_STRING),
        KEY("file", F_STRING),
        KEY("environment", F_STRING),
        KEY("content", F_STRING),
        KEY("external", F_BOOL),
        KEY("labels", F_DICT),
        KEY("driver", F_UNSUPPORTED),
        KEY("driver_opts", F_UNSUPPORTED),
        KEY("template_driver", F_UNSUPPORTED),
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
