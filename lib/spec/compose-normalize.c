/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compose keys of more than one syntax (compose-schema.h), each brought into its long form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-schema.h"
#include "fs-util.h"
#include "strv.h"

/* ports: "[[IP:]HOST:]CONTAINER[/PROTO]" with ranges, or the long form. */
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
        r = schema_add_scalar(m, "mode", "ingress", Y_STR);
        if (r >= 0 && ip)
                r = schema_add_scalar(m, "host_ip", ip, Y_STR);
        if (r >= 0)
                r = schema_add_scalar(m, "target", t, Y_PLAIN);
        if (r >= 0 && published)
                r = schema_add_scalar(m, "published", published, Y_STR);
        if (r >= 0)
                r = schema_add_scalar(m, "protocol", proto, Y_STR);
        if (r < 0) {
                ynode_free(m);
                return r;
        }
        return ynode_append(seq, m);
}

static int short_port(SchemaCtx *c, YNode *out, const YNode *n, const char *path) {
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

int compose_norm_ports(SchemaCtx *c, YNode *n, const char *path) {
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
                        r = schema_object(c, item, compose_port_fields, path);
                        if (r < 0)
                                return r;
                        if (!ynode_get(item, "target"))
                                return compose_error(c->error, item, path, "a port needs target.");
                        copy = ynode_copy(item);
                        if (!copy)
                                return -ENOMEM;
                        if (!ynode_get(copy, "mode"))
                                r = schema_add_scalar(copy, "mode", "ingress", Y_STR);
                        if (r >= 0 && !ynode_get(copy, "protocol"))
                                r = schema_add_scalar(copy, "protocol", "tcp", Y_STR);
                        if (r < 0 || (r = ynode_append(out, copy)) < 0)
                                return r;
                } else
                        r = compose_error(c->error, item, path, "a port is a string or a mapping.");
                if (r < 0)
                        return r;
        }
        schema_replace_items(n, out);
        return 0;
}

/* volumes: "SOURCE:TARGET[:OPTS]", "TARGET", or the long form. */
static bool is_path_source(const char *s) {
        return s[0] == '.' || s[0] == '/' || s[0] == '~';
}

static int short_volume(SchemaCtx *c, YNode *out, const YNode *n, const char *path) {
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
                r = schema_add_scalar(m, "type", "volume", Y_STR);
                if (r >= 0)
                        r = schema_add_scalar(m, "target", parts[0], Y_STR);
                if (r >= 0)
                        r = schema_add_scalar(m, "volume", "", Y_STR);
                if (r >= 0)
                        ynode_get(m, "volume")->kind = Y_MAP;
        } else {
                bool bind = is_path_source(parts[0]);
                _cleanup_free_ char *src = bind ? schema_absolute(c, parts[0]) : strdup(parts[0]);
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
                r = schema_add_scalar(m, "type", bind ? "bind" : "volume", Y_STR);
                if (r >= 0)
                        r = schema_add_scalar(m, "source", src, Y_STR);
                if (r >= 0)
                        r = schema_add_scalar(m, "target", parts[1], Y_STR);
                if (r >= 0 && ro)
                        r = schema_add_scalar(m, "read_only", "true", Y_PLAIN);
                if (r >= 0) {
                        YNode *sub = ynode_new(Y_MAP, n->file, n->line);
                        r = sub ? ynode_set(m, bind ? "bind" : "volume", sub) : -ENOMEM;
                        if (r >= 0 && bind)
                                r = schema_add_scalar(sub, "create_host_path", "true", Y_PLAIN);
                        if (r >= 0 && nocopy && !bind)
                                r = schema_add_scalar(sub, "nocopy", "true", Y_PLAIN);
                }
        }
        if (r < 0) {
                ynode_free(m);
                return r;
        }
        return ynode_append(out, m);
}

int compose_norm_volumes(SchemaCtx *c, YNode *n, const char *path) {
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
                r = schema_object(c, item, compose_volume_fields, path);
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
                if (src && streq(type->value, "bind") && (r = schema_make_absolute(c, src)) < 0) {
                        ynode_free(copy);
                        return r;
                }
                if ((r = ynode_append(out, copy)) < 0)
                        return r;
        }
        schema_replace_items(n, out);
        return 0;
}

/* The short form of depends_on and networks: a list of names becomes a mapping of them, each of kind. */
static int names_to_map(SchemaCtx *c, YNode *n, const char *path, YKind kind) {
        int r = schema_to_list(c, n, path, false);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_items; i++) {
                n->items[i]->key = TAKE_PTR(n->items[i]->value);
                n->items[i]->kind = kind;
        }
        n->kind = Y_MAP;
        return 0;
}

/* depends_on: a list of names, or name → {condition, required, restart}. */
int compose_norm_depends_on(SchemaCtx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SEQ) {
                r = names_to_map(c, n, path, Y_MAP);
                for (size_t i = 0; r >= 0 && i < n->n_items; i++) {
                        r = schema_add_scalar(n->items[i], "condition", "service_started", Y_STR);
                        if (r >= 0)
                                r = schema_add_scalar(n->items[i], "required", "true", Y_PLAIN);
                }
                return r;
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
                r = schema_object(c, item, compose_depends_fields, sub);
                if (r < 0)
                        return r;
                cond = ynode_get(item, "condition");
                if (!cond)
                        r = schema_add_scalar(item, "condition", "service_started", Y_STR);
                else if (!strv_contains((char *[]) { "service_started", "service_healthy",
                                                        "service_completed_successfully", NULL },
                                         cond->value))
                        return compose_error(c->error, cond, sub,
                                        "condition '%s' is not service_started, "
                                        "service_healthy or service_completed_successfully.",
                                        cond->value);
                if (r >= 0 && !ynode_get(item, "required"))
                        r = schema_add_scalar(item, "required", "true", Y_PLAIN);
                if (r < 0)
                        return r;
        }
        return 0;
}

int compose_norm_healthcheck(SchemaCtx *c, YNode *n, const char *path) {
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
        r = schema_to_list(c, test, path, false);
        if (r < 0)
                return r;
        if (test->n_items == 0 || !strv_contains((char *[]) { "NONE", "CMD", "CMD-SHELL", NULL }, test->items[0]->value))
                return compose_error(c->error, test, path,
                                "test must be a string or a list starting with CMD, "
                                "CMD-SHELL or NONE.");
        return 0;
}

int compose_norm_restart(SchemaCtx *c, YNode *n, const char *path) {
        const char *v;

        if (n->kind != Y_SCALAR)
                return compose_error(c->error, n, path, "must be a string.");
        if (!n->quoted && schema_parse_bool(n->value) == 0) /* YAML 1.1 reads a bare no as false */
                return schema_set_scalar(n, "no", Y_STR);
        v = n->value;
        if (streq(v, "no") || streq(v, "always") || streq(v, "unless-stopped") || streq(v, "on-failure"))
                return 0;
        if ((v = startswith(n->value, "on-failure:")) && schema_is_int(v) && *v != '-')
                return 0;
        return compose_error(c->error, n, path, "'%s' is not no, always, on-failure[:N] or unless-stopped.", n->value);
}

int compose_norm_environment(SchemaCtx *c, YNode *n, const char *path) {
        return schema_to_dict(c, n, path, true);
}

int compose_norm_restart_policy(SchemaCtx *c, YNode *n, const char *path) {
        YNode *cond = ynode_get(n, "condition");
        if (cond && !strv_contains((char *[]) { "none", "on-failure", "any", NULL }, cond->value))
                return compose_error(c->error, cond, path, "condition '%s' is not none, on-failure or any.", cond->value);
        return 0;
}

int compose_norm_logging(SchemaCtx *c, YNode *n, const char *path) {
        YNode *d = ynode_get(n, "driver");
        if (d && !streq(d->value, "journald") && !streq(d->value, "json-file") && !streq(d->value, "local"))
                return compose_error(c->error, d, path, "driver '%s': berth sends container output to the journal.",
                                d->value);
        return 0;
}

int compose_norm_networks(SchemaCtx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SEQ)
                return names_to_map(c, n, path, Y_NULL);
        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a list of networks or a mapping.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                if (!sub)
                        return -ENOMEM;
                if (item->kind != Y_NULL && (r = schema_object(c, item, compose_service_network_fields, sub)) < 0)
                        return r;
        }
        return 0;
}

int compose_norm_build(SchemaCtx *c, YNode *n, const char *path) {
        YNode *ctx;
        int r;

        if (n->kind == Y_SCALAR && schema_scalar_to_map(n, "context") < 0)
                return -ENOMEM;
        r = schema_object(c, n, compose_build_fields, path);
        if (r < 0)
                return r;
        ctx = ynode_get(n, "context");
        if (!ctx && (r = schema_add_scalar(n, "context", ".", Y_STR)) < 0)
                return r;
        ctx = ynode_get(n, "context");
        r = schema_make_absolute(c, ctx);
        if (r >= 0 && !ynode_get(n, "dockerfile") && !ynode_get(n, "dockerfile_inline"))
                r = schema_add_scalar(n, "dockerfile", "Dockerfile", Y_STR);
        return r;
}

int compose_norm_env_file(SchemaCtx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SCALAR && (r = schema_to_list(c, n, path, true)) < 0)
                return r;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a path or a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        if (schema_scalar_to_map(item, "path") < 0)
                                return -ENOMEM;
                } else if ((r = schema_object(c, item, compose_env_file_fields, path)) < 0)
                        return r;
                if (!ynode_get(item, "path"))
                        return compose_error(c->error, item, path, "an entry needs path.");
                r = schema_make_absolute(c, ynode_get(item, "path"));
                if (r >= 0 && !ynode_get(item, "required"))
                        r = schema_add_scalar(item, "required", "true", Y_PLAIN);
                if (r < 0)
                        return r;
        }
        return 0;
}

int compose_norm_extra_hosts(SchemaCtx *c, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_MAP) {
                r = schema_to_dict(c, n, path, false);
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
        r = schema_to_list(c, n, path, false);
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

int compose_norm_ulimits(SchemaCtx *c, YNode *n, const char *path) {
        int r;

        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a mapping of names to limits.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                if (!sub)
                        return -ENOMEM;
                if (item->kind == Y_SCALAR) {
                        if (!schema_is_int(item->value))
                                return compose_error(c->error, item, sub, "must be an integer or {soft, hard}.");
                        item->type = Y_PLAIN;
                        continue;
                }
                r = schema_object(c, item, compose_ulimit_fields, sub);
                if (r < 0)
                        return r;
                if (!ynode_get(item, "soft") || !ynode_get(item, "hard"))
                        return compose_error(c->error, item, sub, "needs both soft and hard.");
        }
        return 0;
}

/* secrets and configs of a service: names, or {source, target, uid, gid, mode}. */
int compose_norm_file_refs(SchemaCtx *c, YNode *n, const char *path) {
        int r;

        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                if (item->kind == Y_SCALAR) {
                        if (schema_scalar_to_map(item, "source") < 0)
                                return -ENOMEM;
                        continue;
                }
                r = schema_object(c, item, compose_file_ref_fields, path);
                if (r < 0)
                        return r;
                if (!ynode_get(item, "source"))
                        return compose_error(c->error, item, path, "an entry needs source.");
        }
        return 0;
}

int compose_norm_ipam_config(SchemaCtx *c, YNode *n, const char *path) {
        int r;
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a list.");
        for (size_t i = 0; i < n->n_items; i++)
                if ((r = schema_object(c, n->items[i], compose_ipam_config_fields, path)) < 0)
                        return r;
        return 0;
}
