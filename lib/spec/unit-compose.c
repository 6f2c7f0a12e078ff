/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compose services, networks and volumes become .container, .network and .volume definitions in
 * memory, converted by the same code as files (unit-container.c ...). What compose carries reaches the
 * container as written: '%' and '$' are doubled where systemd would expand them. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose-project.h"
#include "fs-util.h"
#include "paths.h"
#include "strv.h"
#include "unit-compose.h"
#include "unit-container-env.h"
#include "words.h"

void compose_units_done(ComposeUnits *u) {
        for (size_t i = 0; i < u->n_units; i++)
                generated_unit_done(&u->units[i]);
        free(u->units);
        free(u->target);
        *u = (ComposeUnits) {};
}

/* A value that the converter reads as one word (Label=, Environment=): quoted. */
static char *escape_word(const char *v, bool dollar) {
        _cleanup_free_ char *e = unit_value_escape(v, dollar);
        return e ? quote_word(e) : NULL;
}

static int add(UnitFile *u, const char *section, const char *key, const char *value) {
        _cleanup_free_ char *e = unit_value_escape(value, true);
        return e ? unit_file_append(u, section, key, e) : -ENOMEM;
}

static int add_raw(UnitFile *u, const char *section, const char *key, const char *value) {
        return unit_file_append(u, section, key, value);
}

static int add_argv(UnitFile *u, const char *key, const YNode *list) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ char *line = NULL;
        int r;

        for (size_t i = 0; i < list->n_items; i++)
                if ((r = strv_consume(&words, escape_word(list->items[i]->value, true))) < 0)
                        return r;
        line = words ? strv_join(words, " ") : strdup("");
        return line ? unit_file_append(u, "Container", key, line) : -ENOMEM;
}

static const char *get(const YNode *n, const char *key) {
        const YNode *v = ynode_get(n, key);
        return v && v->kind == Y_SCALAR ? v->value : NULL;
}

/* A compose key and the [Container] key of a .container file it becomes. */
typedef struct ComposeKey {
        const char *key, *unit_key;
} ComposeKey;

/* Each key of the table (ending in {}) that node has, as its unit key: a scalar once, a list an entry
 * for each item. */
static int add_keys(UnitFile *u, const YNode *node, const ComposeKey *keys) {
        int r = 0;

        for (const ComposeKey *k = keys; r >= 0 && k->key; k++) {
                const YNode *v = ynode_get(node, k->key);
                if (v && v->kind == Y_SCALAR)
                        r = add(u, "Container", k->unit_key, v->value);
                for (size_t i = 0; r >= 0 && v && v->kind == Y_SEQ && i < v->n_items; i++)
                        r = add(u, "Container", k->unit_key, v->items[i]->value);
        }
        return r;
}

static int add_label(UnitFile *u, const char *key, const char *value) {
        _cleanup_free_ char *kv = strjoin(key, "=", value), *w = kv ? escape_word(kv, true) : NULL;
        return w ? add_raw(u, "Container", "Label", w) : -ENOMEM;
}

/* Whether another service waits for name with condition. */
static bool depended_on(const YNode *services, const char *name, const char *condition) {
        for (size_t i = 0; i < services->n_items; i++) {
                const YNode *d = ynode_get(ynode_get(services->items[i], "depends_on"), name);
                if (d && streq_ptr(get(d, "condition"), condition))
                        return true;
        }
        return false;
}

static char *seconds(const char *duration) {
        unsigned long long usec;
        char buf[32];

        if (compose_parse_duration(duration, &usec) < 0)
                return NULL;
        (void) snprintf(buf, sizeof buf, "%llu", (usec + 999999) / 1000000);
        return strdup(buf);
}

/* ExecStartPre= running argv as given (quoted, '%' and '$' doubled). */
static int add_exec_pre(UnitFile *u, const char *const *argv) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ char *line = NULL;
        int r;

        for (; *argv; argv++)
                if ((r = strv_consume(&words, escape_word(*argv, true))) < 0)
                        return r;
        line = strv_join(words, " ");
        return line ? add_raw(u, "Service", "ExecStartPre", line) : -ENOMEM;
}

/* A service with build: builds its image when the unit starts and the image is missing (`berth compose
 * up` builds before; at boot nothing else does). Later changes to the context take `up --build`. */
static int build_step(UnitFile *u, const char *image, const YNode *build) {
        const char *ctx = get(build, "context"), *df = get(build, "dockerfile");
        _cleanup_free_ char *dockerfile =
                        df ? (df[0] == '/' ? strdup(df) : strjoin(ctx, "/", df)) : strjoin(ctx, "/Dockerfile");
        const char *argv[] = {
                "/bin/sh",
                "-c",
                "\"$0\" image inspect \"$1\" >/dev/null 2>&1 || exec \"$0\" build -t \"$1\" -f \"$2\" \"$3\"",
                berth_path(BERTH_PATH_CLI_BINARY),
                image,
                dockerfile,
                ctx,
                NULL,
        };
        int r;

        if (!ctx || !dockerfile)
                return -ENOMEM;
        r = add_exec_pre(u, argv);
        if (r >= 0) /* a build takes longer than a container start */
                r = add_raw(u, "Service", "TimeoutStartSec", "15min");
        return r;
}

static int service_definition(const ComposeProject *p, const YNode *svc, UnitFile *u, char **ret_error) {
        const YNode *services = ynode_get(p->root, "services"), *n, *deps;
        _cleanup_free_ char *cname = compose_container_name(p, svc->key), *path = strjoin("services.", svc->key);
        const char *v;
        int r = 0;

        if (!cname || !path)
                return -ENOMEM;
        r = add_raw(u, "Unit", "Description", cname);
        if (r >= 0)
                r = add_raw(u, "Unit", "X-ComposeProject", p->name);
        if (r >= 0) {
                _cleanup_free_ char *t = strjoin(p->name, ".target");
                r = t ? add_raw(u, "Unit", "PartOf", t) : -ENOMEM;
        }
        deps = ynode_get(svc, "depends_on");
        for (size_t i = 0; r >= 0 && deps && i < deps->n_items; i++) {
                const YNode *d = deps->items[i];
                _cleanup_free_ char *dn = compose_container_name(p, d->key), *def = dn ? strjoin(dn, ".container") : NULL;
                if (!def)
                        return -ENOMEM;
                r = add_raw(u, "Unit", streq_ptr(get(d, "required"), "false") ? "Wants" : "Requires", def);
                if (r >= 0)
                        r = add_raw(u, "Unit", "After", def);
                if (r >= 0 && streq_ptr(get(d, "condition"), "service_healthy") &&
                                !get(ynode_get(services, d->key), "healthcheck") &&
                                !ynode_get(ynode_get(services, d->key), "healthcheck"))
                        return compose_error(ret_error, d, path,
                                        "waits for '%s' to be healthy, but '%s' has no "
                                        "healthcheck.",
                                        d->key, d->key);
        }
        if (r < 0)
                return r;

        _cleanup_free_ char *image = get(svc, "image") ? strdup(get(svc, "image")) : strjoin(p->name, "-", svc->key);
        if (!image)
                return -ENOMEM;
        r = add(u, "Container", "Image", image);
        if (r >= 0 && (n = ynode_get(svc, "build")))
                r = build_step(u, image, n);
        if (r >= 0)
                r = add(u, "Container", "ContainerName", cname);
        if (r >= 0 && (n = ynode_get(svc, "entrypoint")) && n->kind == Y_SEQ)
                r = add_argv(u, "Entrypoint", n);
        if (r >= 0 && (n = ynode_get(svc, "command")) && n->kind == Y_SEQ)
                r = add_argv(u, "Exec", n);
        n = ynode_get(svc, "environment");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                _cleanup_free_ char *kv = strjoin(n->items[i]->key, "=", n->items[i]->value);
                _cleanup_free_ char *w = kv ? escape_word(kv, false) : NULL;
                r = w ? add_raw(u, "Container", "Environment", w) : -ENOMEM;
        }
        n = ynode_get(svc, "ports");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                const YNode *port = n->items[i];
                const char *ip = get(port, "host_ip"), *pub = get(port, "published");
                _cleanup_free_ char *spec = NULL;
                if (asprintf(&spec, "%s%s%s%s%s/%s", ip ? ip : "", ip ? ":" : "", pub ? pub : "", pub || ip ? ":" : "",
                                    get(port, "target"), get(port, "protocol") ?: "tcp") < 0)
                        return -ENOMEM;
                r = add(u, "Container", "PublishPort", spec);
        }
        n = ynode_get(svc, "volumes");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                const YNode *vol = n->items[i];
                const char *type = get(vol, "type"), *src = get(vol, "source"), *dst = get(vol, "target");
                bool ro = streq_ptr(get(vol, "read_only"), "true");
                _cleanup_free_ char *spec = NULL;
                if (streq(type, "tmpfs")) {
                        const char *size = get(ynode_get(vol, "tmpfs"), "size");
                        spec = size ? strjoin(dst, ":size=", size) : strdup(dst);
                        r = spec ? add(u, "Container", "Tmpfs", spec) : -ENOMEM;
                        continue;
                }
                if (streq(type, "bind")) {
                        /* the short syntax makes a missing host directory, as docker compose does: when
                         * the unit starts (the generator writes nothing but units) */
                        const YNode *bind = ynode_get(vol, "bind");
                        if (!streq_ptr(get(bind, "create_host_path"), "false")) {
                                r = add_exec_pre(u, (const char *[]) { "/bin/sh", "-c",
                                                                    "[ -e \"$0\" ] || exec mkdir -p -- \"$0\"", src,
                                                                    NULL });
                                if (r < 0)
                                        return r;
                        }
                        spec = strjoin(src, ":", dst, ro ? ":ro" : "");
                } else if (src) {
                        const YNode *top = ynode_get(ynode_get(p->root, "volumes"), src);
                        const char *name = get(top, "name");
                        if (streq_ptr(get(top, "external"), "true"))
                                spec = strjoin(name, ":", dst, ro ? ":ro" : "");
                        else
                                spec = strjoin(p->name, "_", src, ".volume:", dst, ro ? ":ro" : "");
                } else if (ro) /* anonymous: --volume has no options then, --mount has */
                        spec = strjoin("type=volume,destination=", dst, ",ro");
                else
                        spec = strdup(dst);
                r = spec ? add(u, "Container", ro && !src ? "Mount" : "Volume", spec) : -ENOMEM;
        }
        for (const char *const *s = (const char *const[]) { "secrets", "configs", NULL }; r >= 0 && *s; s++) {
                n = ynode_get(svc, *s);
                for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                        const char *src = get(n->items[i], "source"), *target = get(n->items[i], "target");
                        const YNode *top = ynode_get(ynode_get(p->root, *s), src);
                        const char *file = get(top, "file");
                        _cleanup_free_ char *dst = NULL, *spec = NULL;
                        if (!file)
                                return compose_error(ret_error, n->items[i], path,
                                                "%s '%s': berth mounts file sources "
                                                "only.",
                                                *s, src);
                        dst = target && target[0] == '/' ? strdup(target)
                              : streq(*s, "secrets")     ? strjoin("/run/secrets/", target ?: src)
                                                         : strjoin("/", target ?: src);
                        spec = dst ? strjoin(file, ":", dst, ":ro") : NULL;
                        r = spec ? add(u, "Container", "Volume", spec) : -ENOMEM;
                }
        }
        if (r < 0)
                return r;

        /* networks: each one a Network= line; the service name (as docker compose registers it), the
         * aliases and ipv4_address apply to the first, which IP= and NetworkAlias= address */
        if ((v = get(svc, "network_mode"))) {
                if (!streq(v, "host") && !streq(v, "none"))
                        return compose_error(ret_error, ynode_get(svc, "network_mode"), path,
                                        "'%s': berth knows network_mode host and none.", v);
                r = add(u, "Container", "Network", v);
        } else if ((n = ynode_get(svc, "networks")) && n->n_items > 0) {
                for (size_t k = 0; r >= 0 && k < n->n_items; k++) {
                        const YNode *net = n->items[k], *top = ynode_get(ynode_get(p->root, "networks"), net->key);
                        _cleanup_free_ char *def = streq_ptr(get(top, "external"), "true")
                                                                   ? strdup(get(top, "name"))
                                                                   : strjoin(p->name, "_", net->key, ".network");
                        r = def ? add(u, "Container", "Network", def) : -ENOMEM;
                        if (k > 0)
                                continue;
                        if (r >= 0)
                                r = add(u, "Container", "NetworkAlias", svc->key);
                        const YNode *aliases = ynode_get(net, "aliases");
                        for (size_t i = 0; r >= 0 && aliases && i < aliases->n_items; i++)
                                r = add(u, "Container", "NetworkAlias", aliases->items[i]->value);
                        if (r >= 0 && (v = get(net, "ipv4_address")))
                                r = add(u, "Container", "IP", v);
                }
        }
        if (r < 0)
                return r;

        static const ComposeKey container_keys[] = {
                { "user", "User" },
                { "working_dir", "WorkingDir" },
                { "hostname", "HostName" },
                { "stop_signal", "StopSignal" },
                { "pull_policy", "Pull" },
                { "userns_mode", "UserNS" },
                { "cap_add", "AddCapability" },
                { "cap_drop", "DropCapability" },
                { "tmpfs", "Tmpfs" },
                { "dns", "DNS" },
                { "dns_search", "DNSSearch" },
                { "dns_opt", "DNSOption" },
                { "devices", "AddDevice" },
                { "group_add", "GroupAdd" },
                {},
        };
        if (r >= 0)
                r = add_keys(u, svc, container_keys);
        n = ynode_get(svc, "extra_hosts");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                _cleanup_free_ char *h = strdup(n->items[i]->value);
                char *eq = h ? strchr(h, '=') : NULL;
                if (!h)
                        return -ENOMEM;
                if (eq)
                        *eq = ':';
                r = add(u, "Container", "AddHost", h);
        }
        n = ynode_get(svc, "sysctls");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                _cleanup_free_ char *kv = strjoin(n->items[i]->key, "=", n->items[i]->value);
                _cleanup_free_ char *w = kv ? escape_word(kv, true) : NULL;
                r = w ? add_raw(u, "Container", "Sysctl", w) : -ENOMEM;
        }
        n = ynode_get(svc, "ulimits");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++) {
                const YNode *l = n->items[i];
                _cleanup_free_ char *spec = l->kind == Y_SCALAR
                                                            ? strjoin(l->key, "=", l->value, ":", l->value)
                                                            : strjoin(l->key, "=", get(l, "soft"), ":", get(l, "hard"));
                r = spec ? add(u, "Container", "Ulimit", spec) : -ENOMEM;
        }
        if (r >= 0 && streq_ptr(get(svc, "read_only"), "true"))
                r = add_raw(u, "Container", "ReadOnly", "yes");
        if (r >= 0 && streq_ptr(get(svc, "init"), "true"))
                r = add_raw(u, "Container", "RunInit", "yes");
        if (r >= 0 && streq_ptr(get(svc, "privileged"), "true"))
                r = add_raw(u, "Container", "PodmanArgs", "--privileged");
        if (r >= 0 && (v = get(svc, "stop_grace_period"))) {
                _cleanup_free_ char *s = seconds(v);
                r = s ? add_raw(u, "Container", "StopTimeout", s) : -ENOMEM;
        }

        /* resources: deploy.resources wins over the old keys */
        const YNode *limits = ynode_get(ynode_get(ynode_get(svc, "deploy"), "resources"), "limits");
        const YNode *reserv = ynode_get(ynode_get(ynode_get(svc, "deploy"), "resources"), "reservations");
        if (r >= 0 && ((v = get(limits, "memory")) || (v = get(svc, "mem_limit"))))
                r = add(u, "Container", "Memory", v);
        if (r >= 0 && ((v = get(limits, "pids")) || (v = get(svc, "pids_limit"))))
                r = add(u, "Container", "PidsLimit", v);
        if (r >= 0 && ((v = get(limits, "cpus")) || (v = get(svc, "cpus")))) {
                char q[32];
                (void) snprintf(q, sizeof q, "%.0f%%", strtod(v, NULL) * 100);
                r = add(u, "Service", "CPUQuota", q);
        }
        if (r >= 0 && ((v = get(reserv, "memory")) || (v = get(svc, "mem_reservation")))) {
                _cleanup_free_ char *m = strdup(v);
                size_t l = m ? strlen(m) : 0;
                if (!m)
                        return -ENOMEM;
                if (l > 1 && (m[l - 1] == 'b' || m[l - 1] == 'B') && !isdigit((unsigned char) m[l - 2]))
                        m[--l] = 0;
                if (l > 0 && strchr("kmgt", m[l - 1]))
                        m[l - 1] = (char) (m[l - 1] - 'a' + 'A');
                r = add(u, "Service", "MemoryLow", m);
        }

        /* the health check; READY only once healthy when another service waits for that */
        n = ynode_get(svc, "healthcheck");
        const YNode *test = ynode_get(n, "test");
        if (r >= 0 && test && test->n_items > 0 && !streq(test->items[0]->value, "NONE")) {
                _cleanup_free_ char *cmd = NULL;
                if (streq(test->items[0]->value, "CMD-SHELL") && test->n_items == 2)
                        cmd = strdup(test->items[1]->value);
                else {
                        _cleanup_strv_free_ char **words = NULL;
                        for (size_t i = 1; i < test->n_items; i++)
                                if ((r = strv_consume(&words, quote_word(test->items[i]->value))) < 0)
                                        return r;
                        cmd = words ? strv_join(words, " ") : strdup("true");
                }
                r = cmd ? add(u, "Container", "HealthCmd", cmd) : -ENOMEM;
                static const ComposeKey health[] = {
                        { "interval", "HealthInterval" },
                        { "timeout", "HealthTimeout" },
                        { "retries", "HealthRetries" },
                        { "start_period", "HealthStartPeriod" },
                        {},
                };
                if (r >= 0)
                        r = add_keys(u, n, health);
        }
        if (r >= 0 && depended_on(services, svc->key, "service_healthy"))
                r = add_raw(u, "Container", "Notify", "healthy");
        if (r >= 0 && depended_on(services, svc->key, "service_completed_successfully")) {
                r = add_raw(u, "Service", "Type", "oneshot");
                if (r >= 0)
                        r = add_raw(u, "Service", "RemainAfterExit", "yes");
        }

        /* restart: deploy.restart_policy, then restart */
        const YNode *policy = ynode_get(ynode_get(svc, "deploy"), "restart_policy");
        const char *restart = get(svc, "restart"), *max = NULL;
        if (policy) {
                const char *cond = get(policy, "condition") ?: "any";
                restart = streq(cond, "none") ? "no" : streq(cond, "any") ? "always" : "on-failure";
                max = get(policy, "max_attempts");
                if (r >= 0 && (v = get(policy, "delay"))) {
                        _cleanup_free_ char *s = seconds(v);
                        r = s ? add_raw(u, "Service", "RestartSec", s) : -ENOMEM;
                }
        }
        if (r >= 0 && restart) {
                const char *colon = startswith(restart, "on-failure:");
                if (colon)
                        max = colon;
                r = add_raw(u, "Service", "Restart",
                                streq(restart, "no")                                           ? "no"
                                : streq(restart, "always") || streq(restart, "unless-stopped") ? "always"
                                                                                               : "on-failure");
                if (r >= 0 && max) {
                        r = add_raw(u, "Unit", "StartLimitBurst", max);
                        if (r >= 0)
                                r = add_raw(u, "Unit", "StartLimitIntervalSec", "infinity");
                }
        }

        /* the labels docker compose sets, then the service's own */
        _cleanup_free_ char *files = strv_join(p->files, ",");
        if (!files)
                return -ENOMEM;
        if (r >= 0)
                r = add_label(u, "com.docker.compose.project", p->name);
        if (r >= 0)
                r = add_label(u, "com.docker.compose.service", svc->key);
        if (r >= 0)
                r = add_label(u, "com.docker.compose.container-number", "1");
        if (r >= 0)
                r = add_label(u, "com.docker.compose.oneoff", "False");
        if (r >= 0)
                r = add_label(u, "com.docker.compose.project.working_dir", p->dir);
        if (r >= 0)
                r = add_label(u, "com.docker.compose.project.config_files", files);
        n = ynode_get(svc, "labels");
        for (size_t i = 0; r >= 0 && n && i < n->n_items; i++)
                r = add_label(u, n->items[i]->key, n->items[i]->value);
        return r;
}

static int resource_definition(const ComposeProject *p, const char *section, const YNode *res, UnitFile *u) {
        const char *name = get(res, "name");
        int r;

        r = add_raw(u, "Unit", "X-ComposeProject", p->name);
        if (r >= 0 && streq(section, "networks")) {
                const YNode *cfg = ynode_get(ynode_get(res, "ipam"), "config");
                r = add(u, "Network", "NetworkName", name);
                if (r >= 0)
                        r = add_raw(u, "Network", "NetworkDeleteOnStop", "yes");
                if (r >= 0 && streq_ptr(get(res, "internal"), "true"))
                        r = add_raw(u, "Network", "Internal", "yes");
                for (size_t i = 0; r >= 0 && cfg && i < cfg->n_items; i++) {
                        const char *v;
                        if ((v = get(cfg->items[i], "subnet")))
                                r = add(u, "Network", "Subnet", v);
                        if (r >= 0 && (v = get(cfg->items[i], "gateway")))
                                r = add(u, "Network", "Gateway", v);
                }
                if (r >= 0) {
                        _cleanup_free_ char *l1 = strjoin("com.docker.compose.project=", p->name);
                        _cleanup_free_ char *l2 = strjoin("com.docker.compose.network=", res->key);
                        _cleanup_free_ char *w1 = l1 ? escape_word(l1, true) : NULL,
                                            *w2 = l2 ? escape_word(l2, true) : NULL;
                        r = w1 && w2 ? add_raw(u, "Network", "Label", w1) : -ENOMEM;
                        if (r >= 0)
                                r = add_raw(u, "Network", "Label", w2);
                }
        } else if (r >= 0) {
                r = add(u, "Volume", "VolumeName", name);
                if (r >= 0) {
                        _cleanup_free_ char *l1 = strjoin("com.docker.compose.project=", p->name);
                        _cleanup_free_ char *l2 = strjoin("com.docker.compose.volume=", res->key);
                        _cleanup_free_ char *w1 = l1 ? escape_word(l1, true) : NULL,
                                            *w2 = l2 ? escape_word(l2, true) : NULL;
                        r = w1 && w2 ? add_raw(u, "Volume", "Label", w1) : -ENOMEM;
                        if (r >= 0)
                                r = add_raw(u, "Volume", "Label", w2);
                }
        }
        return r;
}

/* PROJECT.target: wants (or, for the error unit, requires) the units in deps. */
static int target_unit(const char *project, const char *source, const UnitFile *in, const char *dep_key,
                char *const *deps, GeneratedUnit *ret) {
        _cleanup_(unit_file_freep) UnitFile *u = unit_file_new();
        _cleanup_strv_free_ char **links = NULL;
        _cleanup_free_ char *name = strjoin(project, ".target"), *desc = strjoin("compose project ", project);
        char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!u || !name || !desc)
                return -ENOMEM;
        const UnitSection *s = in ? unit_file_find_section(in, "Unit") : NULL;
        r = in && unit_file_lookup_last(in, "Unit", "Description") ? 0 : unit_file_append(u, "Unit", "Description", desc);
        for (size_t i = 0; r >= 0 && s && i < s->n_entries; i++)
                r = unit_file_append(u, "Unit", s->entries[i].key, s->entries[i].value);
        if (r >= 0)
                r = unit_file_append(u, "Unit", "SourcePath", source);
        if (r >= 0)
                r = unit_file_append(u, "Unit", "X-ComposeProject", project);
        STRV_FOREACH(w, deps) {
                if (r >= 0)
                        r = unit_file_append(u, "Unit", dep_key, *w);
                if (r >= 0 && streq(dep_key, "Requires"))
                        r = unit_file_append(u, "Unit", "After", *w);
        }
        s = in ? unit_file_find_section(in, "Install") : NULL;
        for (size_t i = 0; r >= 0 && s && i < s->n_entries; i++) {
                const UnitEntry *e = &s->entries[i];
                _cleanup_strv_free_ char **words = NULL;
                const char *suffix = streq(e->key, "WantedBy")     ? ".wants/"
                                     : streq(e->key, "RequiredBy") ? ".requires/"
                                                                   : NULL;
                if (!suffix || split_words(e->value, &words) < 0)
                        continue;
                STRV_FOREACH(w, words) {
                        r = strv_consume(&links, strjoin(*w, suffix, name));
                        if (r >= 0)
                                r = strv_extend(&links, name);
                        if (r < 0)
                                break;
                }
        }
        if (r < 0)
                return r;
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fputs("# Automatically generated by berth from a compose project\n", f);
        r = unit_file_serialize(u, f);
        fclose(f);
        if (r < 0 || !text) {
                free(text);
                return r < 0 ? r : -ENOMEM;
        }
        *ret = (GeneratedUnit) { .name = TAKE_PTR(name), .text = text, .links = TAKE_PTR(links) };
        return 0;
}

int compose_generate_units(const ComposeProject *p, const char *source, const UnitFile *target_in,
                const char *output_dir, bool user, ComposeUnits *ret, char **ret_error) {
        _cleanup_(definition_set_done) DefinitionSet set = { .user = user, .output_dir = output_dir };
        _cleanup_(compose_units_done) ComposeUnits out = {};
        _cleanup_strv_free_ char **wants = NULL;
        const YNode *services = ynode_get(p->root, "services");
        int r;

        *ret_error = NULL;
        for (const char *const *s = (const char *const[]) { "networks", "volumes", NULL }; *s; s++) {
                const YNode *sec = ynode_get(p->root, *s);
                for (size_t i = 0; sec && i < sec->n_items; i++) {
                        const YNode *res = sec->items[i];
                        _cleanup_free_ char *def = NULL;
                        UnitFile *u;
                        if (streq_ptr(get(res, "external"), "true"))
                                continue;
                        /* the default network only when a service joins it */
                        def = strjoin(p->name, "_", res->key, streq(*s, "networks") ? ".network" : ".volume");
                        u = unit_file_new();
                        if (!def || !u) {
                                unit_file_free(u);
                                return -ENOMEM;
                        }
                        r = resource_definition(p, *s, res, u);
                        if (r >= 0)
                                r = definition_set_add_memory(&set, def, source, p->dir, u);
                        else
                                unit_file_free(u);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; services && i < services->n_items; i++) {
                _cleanup_free_ char *cname = compose_container_name(p, services->items[i]->key);
                _cleanup_free_ char *def = cname ? strjoin(cname, ".container") : NULL;
                UnitFile *u = unit_file_new();
                if (!def || !u) {
                        unit_file_free(u);
                        return -ENOMEM;
                }
                r = service_definition(p, services->items[i], u, ret_error);
                if (r >= 0)
                        r = definition_set_add_memory(&set, def, source, p->dir, u);
                else
                        unit_file_free(u);
                if (r < 0)
                        return r;
                r = strv_consume(&wants, strjoin(cname, ".service"));
                if (r < 0)
                        return r;
        }
        r = definition_set_load(&set);
        if (r < 0)
                return r;
        out.units = calloc(set.n_defs + 1, sizeof(GeneratedUnit));
        if (!out.units)
                return -ENOMEM;
        for (size_t i = 0; i < set.n_defs; i++) {
                r = definition_generate(&set, &set.defs[i], &out.units[out.n_units]);
                out.n_units++;
                if (r == -EINVAL) {
                        *ret_error = strdup(set.defs[i].error);
                        return *ret_error ? -EINVAL : -ENOMEM;
                }
                if (r < 0)
                        return r;
        }
        r = target_unit(p->name, source, target_in, "Wants", wants, &out.units[out.n_units]);
        if (r < 0)
                return r;
        out.n_units++;
        out.target = strjoin(p->name, ".target");
        if (!out.target)
                return -ENOMEM;
        *ret = TAKE_STRUCT(out);
        return 0;
}

int compose_error_units(const char *project, const char *source, const UnitFile *target_in, const char *error,
                ComposeUnits *ret) {
        _cleanup_(compose_units_done) ComposeUnits out = {};
        _cleanup_(unit_file_freep) UnitFile *u = unit_file_new();
        _cleanup_free_ char *name = strjoin(project, "-compose-error.service"), *msg = strjoin("berth: ", error),
                            *desc = msg ? unit_value_escape(msg, false) : NULL,
                            *word = msg ? escape_word(msg, true) : NULL,
                            *echo = word ? strjoin("/bin/echo ", word) : NULL, *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!u || !name || !desc || !echo)
                return -ENOMEM;
        /* a unit value is one line */
        for (char *c = desc; *c; c++)
                if (*c == '\n')
                        *c = ' ';
        for (char *c = echo; *c; c++)
                if (*c == '\n')
                        *c = ' ';
        r = unit_file_append(u, "Unit", "Description", desc);
        if (r >= 0)
                r = unit_file_append(u, "Unit", "SourcePath", source);
        if (r >= 0)
                r = unit_file_append(u, "Unit", "X-ComposeProject", project);
        if (r >= 0)
                r = unit_file_append(u, "Service", "Type", "oneshot");
        if (r >= 0)
                r = unit_file_append(u, "Service", "ExecStart", echo);
        if (r >= 0)
                r = unit_file_append(u, "Service", "ExecStart", "/bin/false");
        if (r < 0)
                return r;
        out.units = calloc(2, sizeof(GeneratedUnit));
        f = out.units ? open_memstream(&text, &size) : NULL;
        if (!f)
                return -ENOMEM;
        fputs("# Automatically generated by berth from a compose project\n", f);
        r = unit_file_serialize(u, f);
        if (fclose(f) != 0 || r < 0 || !text)
                return r < 0 ? r : -ENOMEM;
        out.units[0] = (GeneratedUnit) { .name = TAKE_PTR(name), .text = TAKE_PTR(text) };
        out.n_units = 1;
        r = target_unit(project, source, target_in, "Requires", (char *[]) { out.units[0].name, NULL }, &out.units[1]);
        if (r < 0)
                return r;
        out.n_units++;
        out.target = strjoin(project, ".target");
        if (!out.target)
                return -ENOMEM;
        *ret = TAKE_STRUCT(out);
        return 0;
}
