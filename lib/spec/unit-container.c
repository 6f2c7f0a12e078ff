/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .container → NAME.service running `berth-runtime supervise [OPTIONS] IMAGE [COMMAND...]`.
 * Keys become options through the shared table in run-options.c, so a key means exactly what the same
 * option means to `berth run` and to the runtime. The few keys that name other definitions or host
 * paths are resolved here first. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-network.h"
#include "container-spec.h"
#include "fs-util.h"
#include "object-name.h"
#include "paths.h"
#include "run-option-check.h"
#include "publish-spec.h"
#include "run-options.h"
#include "secret-spec.h"
#include "strv.h"
#include "unit-container-env.h"
#include "unit-property.h"
#include "unit-container-extra.h"
#include "unit-convert.h"
#include "volume-spec.h"
#include "words.h"

/* Keys handled here rather than (only) through the table. */
static const char *const container_keys[] = {
        "Image",
        "Exec",
        "Group",
        "Pod",
        "StartWithPod",
        "LogDriver",
        "IP",
        "IP6",
        "NetworkAlias",
        "ReloadCmd",
        "ReloadSignal",
        "PodmanArgs",
        NULL,
};

/* Quadlet keys berth has no option for yet: a clear error rather than "unknown key". */
static const char *const container_unsupported[] = {
        "AppArmor",
        "AutoUpdate",
        "CgroupsMode",
        "EnvironmentHost",
        "ExposeHostPort",
        "HealthLogDestination",
        "HealthMaxLogCount",
        "HealthMaxLogSize",
        "HealthStartupCmd",
        "HealthStartupInterval",
        "HealthStartupRetries",
        "HealthStartupSuccess",
        "HealthStartupTimeout",
        "HttpProxy",
        "LogOpt",
        "Mask",
        "ReadOnlyTmpfs",
        "RemapGid",
        "RemapUid",
        "RemapUidSize",
        "RemapUsers",
        "Retry",
        "RetryDelay",
        "SecurityLabelDisable",
        "SecurityLabelFileType",
        "SecurityLabelLevel",
        "SecurityLabelNested",
        "SecurityLabelType",
        "SubGIDMap",
        "SubUIDMap",
        "Timezone",
        "Unmask",
        "VolatileTmp",
        NULL,
};

/* [Service] keys that would clash with the command berth writes. */
static const char *const reserved_service_keys[] = { "ExecStart", NULL };

static int supported_keys(char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < run_options_count; i++)
                if (run_options[i].key)
                        r = strv_extend(&l, run_options[i].key);
        for (const char *const *k = container_keys; r >= 0 && *k; k++)
                r = strv_extend(&l, *k);
        for (const char *const *k = convert_common_keys; r >= 0 && *k; k++)
                r = strv_extend(&l, *k);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static int apply(ConvertContext *c, const UnitEntry *e, const RunOption *o, ContainerSpec *spec, const char *value) {
        int r = run_option_apply(o, spec, value);

        _cleanup_strv_free_ char **words = NULL;
        const char *expected;

        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                return 0;
        if ((o->kind == RUN_OPTION_ARGV || o->kind == RUN_OPTION_WORDS) && split_words(value ?: "", &words) < 0)
                return convert_error(c, e, "Unbalanced quotes or a bad escape in '%s'.", value ?: "");
        expected = o->kind == RUN_OPTION_BOOL ? "yes or no" : run_option_expected(o);
        if (expected)
                return convert_error(c, e, "Invalid value '%s' (expected %s).", value ?: "", expected);
        return convert_error(c, e, "Invalid value '%s'.", value ?: "");
}

/* Network=x.network[:opts] → the network's name; Network=x.container → container:NAME. */
static int resolve_network(ConvertContext *c, const UnitEntry *e, const char *value, char **ret) {
        _cleanup_free_ char *base = strndup(value, strcspn(value, ":")), *svc = NULL, *res = NULL;
        const char *opts = value + strcspn(value, ":");
        int r;

        if (!base)
                return -ENOMEM;
        if (endswith(base, ".network")) {
                r = convert_resolve(c, e, base, "network", NULL, &svc, &res);
                if (r >= 0)
                        r = convert_add_dependency(c, "Requires", svc);
                if (r < 0)
                        return r;
                *ret = strjoin(res, opts);
        } else if (endswith(base, ".container")) {
                if (*opts)
                        return convert_error(c, e, "Options cannot be given when sharing another container's network.");
                r = convert_resolve(c, e, base, "container", NULL, &svc, &res);
                if (r >= 0)
                        r = convert_add_dependency(c, "Requires", svc);
                if (r < 0)
                        return r;
                *ret = strjoin("container:", res);
        } else
                *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

/* Volume=SRC:DST[:OPTS]: a .volume source becomes the volume's name, a host path must be mounted. */
static int resolve_volume(ConvertContext *c, const UnitEntry *e, const char *value, char **ret) {
        _cleanup_free_ char *src = NULL, *svc = NULL, *res = NULL, *abs = NULL;
        const char *colon = strchr(value, ':');
        int r;

        if (!colon) /* an anonymous volume: only the path in the container */
                return (*ret = strdup(value)) ? 0 : -ENOMEM;
        src = strndup(value, (size_t) (colon - value));
        if (!src)
                return -ENOMEM;
        if (endswith(src, ".volume")) {
                r = convert_resolve(c, e, src, "volume", NULL, &svc, &res);
                if (r >= 0)
                        r = convert_add_dependency(c, "Requires", svc);
                if (r < 0)
                        return r;
                *ret = strjoin(res, colon);
        } else if (src[0] == '/' || src[0] == '.') {
                r = convert_absolute_path(c, src, &abs);
                if (r >= 0)
                        r = convert_add_mounts_for(c, abs);
                if (r < 0)
                        return r;
                *ret = strjoin(abs, colon);
        } else
                *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

/* Mount=type=...,source=...: the same resolution as Volume= for the source, "src" spelled out. */
static int resolve_mount(ConvertContext *c, const UnitEntry *e, const char *value, char **ret) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *copy = strdup(value);
        const char *type = "volume";
        char *saveptr = NULL, **source = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ",", &saveptr); t; t = strtok_r(NULL, ",", &saveptr)) {
                const char *v;
                if ((v = startswith(t, "src=")))
                        r = strv_consume(&parts, strjoin("source=", v));
                else
                        r = strv_extend(&parts, t);
                if (r < 0)
                        return r;
                if ((v = startswith(t, "type=")))
                        type = v;
        }
        STRV_FOREACH(p, parts)
                if (startswith(*p, "source="))
                        source = (char **) p;
        if (source) {
                const char *src = *source + strlen("source=");
                _cleanup_free_ char *svc = NULL, *res = NULL, *abs = NULL;
                char *n = NULL;

                if (streq(type, "volume") && endswith(src, ".volume")) {
                        r = convert_resolve(c, e, src, "volume", NULL, &svc, &res);
                        if (r >= 0)
                                r = convert_add_dependency(c, "Requires", svc);
                        if (r < 0)
                                return r;
                        n = strjoin("source=", res);
                } else if (streq(type, "bind")) {
                        r = convert_absolute_path(c, src, &abs);
                        if (r >= 0)
                                r = convert_add_mounts_for(c, abs);
                        if (r < 0)
                                return r;
                        n = strjoin("source=", abs);
                }
                if (n) {
                        free(*source);
                        *source = n;
                }
        } else if (streq(type, "bind"))
                return convert_error(c, e, "A bind mount needs source=.");
        *ret = strv_join(parts, ",");
        return *ret ? 0 : -ENOMEM;
}

/* Docker writes sizes as 512m; systemd's MemoryMax= wants 512M. */
static char *memory_value(const char *v) {
        char *s = strdup(v);
        size_t n;

        if (!s)
                return NULL;
        n = strlen(s);
        if (n > 0 && strchr("kmgt", s[n - 1]))
                s[n - 1] = (char) toupper((unsigned char) s[n - 1]);
        else if (n > 1 && (s[n - 1] == 'b' || s[n - 1] == 'B') && strchr("kKmMgGtT", s[n - 2])) {
                s[n - 1] = 0;
                s[n - 2] = (char) toupper((unsigned char) s[n - 2]);
        }
        return s;
}

/* PodmanArgs=: the escape hatch. berth-runtime's options are podman's `run` flags, so the words are
 * read through the same option table as everything else; a flag berth does not have is an error here,
 * at generation time, rather than when the unit starts. */
static int podman_args(ConvertContext *c, const UnitEntry *e, ContainerSpec *spec) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (split_words(e->value, &words) < 0)
                return convert_error(c, e, "Unbalanced quotes or a bad escape in '%s'.", e->value);
        for (char **w = words; *w; w++) {
                _cleanup_free_ char *name = NULL;
                const char *value = NULL, *eq;
                const RunOption *o = NULL;

                if (startswith(*w, "--")) {
                        eq = strchr(*w + 2, '=');
                        name = eq ? strndup(*w + 2, (size_t) (eq - *w - 2)) : strdup(*w + 2);
                        if (!name)
                                return -ENOMEM;
                        o = run_option_by_name(name);
                        value = eq ? eq + 1 : NULL;
                } else if ((*w)[0] == '-' && (*w)[1] && !(*w)[2])
                        o = run_option_by_short((*w)[1]);
                if (!o)
                        return convert_error(c, e, "'%s' is not an option berth-runtime has (see berth-runtime(8)).", *w);
                if (!value && o->kind != RUN_OPTION_BOOL) {
                        if (!w[1])
                                return convert_error(c, e, "'%s' needs a value.", *w);
                        value = *++w;
                }
                r = apply(c, e, o, spec, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Applies one [Container] assignment to the spec. */
static int container_entry(ConvertContext *c, const UnitEntry *e, ContainerSpec *spec) {
        const RunOption *o = run_option_by_key(e->key);
        _cleanup_free_ char *v = unit_value_unquote(e->value), *resolved = NULL;
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (!v)
                return -ENOMEM;
        if (streq(e->key, "Image")) {
                _cleanup_free_ char *svc = NULL;
                free(spec->image);
                spec->image = NULL;
                if (!endswith(v, ".image") && !endswith(v, ".build"))
                        return (spec->image = strdup(v)) ? 0 : -ENOMEM;
                /* the image a .image pulls or a .build builds; the container starts after it */
                r = convert_resolve(c, e, v, endswith(v, ".image") ? "image" : "build", NULL, &svc, &spec->image);
                return r < 0 ? r : convert_add_dependency(c, "Requires", svc);
        }
        if (streq(e->key, "Exec")) {
                if (split_words(e->value, &words) < 0)
                        return convert_error(c, e, "Unbalanced quotes or a bad escape in '%s'.", e->value);
                strv_free(spec->command);
                spec->command = TAKE_PTR(words);
                return 0;
        }
        if (streq(e->key, "Pod")) {
                _cleanup_free_ char *svc = NULL;
                if (!endswith(v, ".pod"))
                        return convert_error(c, e, "'%s' must name a .pod file.", v);
                free(spec->pod);
                spec->pod = NULL;
                r = convert_resolve(c, e, v, "pod", NULL, &svc, &spec->pod);
                return r < 0 ? r : convert_add_dependency(c, "BindsTo", svc);
        }
        if (streq(e->key, "Group") || streq(e->key, "ServiceName") || streq(e->key, "IP") || streq(e->key, "IP6") ||
                        streq(e->key, "NetworkAlias") || streq(e->key, "ReloadCmd") || streq(e->key, "ReloadSignal"))
                return 0; /* handled once all keys are read: see convert_container() */
        if (streq(e->key, "StartWithPod"))
                return parse_boolean(v) < 0 ? convert_error(c, e, "'%s' is not a boolean (yes or no).", v) : 0;
        if (streq(e->key, "LogDriver")) {
                if (!streq(v, "journald") && !streq(v, "passthrough"))
                        return convert_error(c, e,
                                        "'%s' is not supported: berth sends container output to the journal "
                                        "(journald or passthrough).",
                                        v);
                return 0;
        }
        if (streq(e->key, "PodmanArgs"))
                return 0; /* after every other key, as Quadlet appends them last: see convert_container() */
        if (!o) {
                /* The list of keys is only needed for the "did you mean": built here, not per file. */
                _cleanup_strv_free_ char **supported = NULL;
                r = supported_keys(&supported);
                return r < 0 ? r : convert_bad_key(c, e, "Container", supported, container_unsupported);
        }

        /* A name with specifiers is checked as systemd expands them for this unit (a specifier this
         * expansion does not know, such as a directory's, cannot give a valid name either). */
        if (streq(e->key, "ContainerName")) {
                _cleanup_free_ char *expanded = NULL;
                const char *bad = NULL;
                r = strchr(v, '%') ? unit_value_expand(v, c->def->service_name ?: c->def->name, NULL, &expanded, &bad)
                                   : 0;
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !container_name_is_valid(expanded ?: v))
                        return convert_error(c, e, "Invalid container name '%s': " CONTAINER_NAME_RULE ".", v);
        }
        if (streq(e->key, "Network"))
                r = resolve_network(c, e, v, &resolved);
        else if (streq(e->key, "Volume") && !isempty(v)) {
                r = resolve_volume(c, e, v, &resolved);
                /* Volume=/dst alone: an anonymous volume, made by berth-runtime when the unit starts */
                if (r >= 0 && volume_spec_check(resolved, false) < 0)
                        return convert_error(c, e,
                                        "'%s' is not SOURCE:DEST[:OPTIONS] with options among ro, rw, "
                                        "nocopy, idmap[=...], z, Z, and rprivate, rslave, rshared and their "
                                        "non-recursive forms.",
                                        v);
        } else if (streq(e->key, "Mount") && !isempty(v)) {
                r = resolve_mount(c, e, v, &resolved);
                if (r >= 0 && volume_spec_check(resolved, true) < 0)
                        return convert_error(c, e,
                                        "'%s' is not type=bind|volume|tmpfs,source=...,destination=...[,ro]"
                                        " with options berth understands (see berth-runtime(8), --mount).",
                                        v);
        } else if (streq(e->key, "PublishPort") && !isempty(v)) {
                PublishSpec p;
                if (publish_spec_parse(v, &p) < 0)
                        return convert_error(c, e, "'%s' is not " PUBLISH_SPEC_SYNTAX ".", v);
                r = 0;
        } else if (streq(e->key, "EnvironmentFile") && !isempty(v))
                r = convert_absolute_path(c, v, &resolved);
        else if (streq(e->key, "AddDevice") && v[0] == '-') {
                /* "-/dev/x": only when the host has it, decided now like Quadlet does */
                _cleanup_free_ char *host = strndup(v + 1, strcspn(v + 1, ":"));
                if (!host)
                        return -ENOMEM;
                if (access(host, F_OK) < 0)
                        return 0;
                r = (resolved = strdup(v + 1)) ? 0 : -ENOMEM;
        } else if (streq(e->key, "Secret") && !isempty(v)) {
                _cleanup_(secret_spec_done) SecretSpec secret = {};
                r = secret_spec_parse(v, &secret);
                if (r == -EINVAL)
                        return convert_error(c, e,
                                        "'%s' is not NAME[,type=mount|env][,target=PATH|VARIABLE][,uid=UID][,gid=GID]"
                                        "[,mode=MODE] (uid, gid and mode for type=mount only).",
                                        v);
        } else if (streq(e->key, "Memory"))
                r = (resolved = memory_value(v)) ? 0 : -ENOMEM;
        else if (streq(e->key, "PidsLimit"))
                r = (resolved = strdup(streq(v, "-1") || streq(v, "0") ? "infinity" : v)) ? 0 : -ENOMEM;
        else if (streq(e->key, "Environment") || streq(e->key, "Label") || streq(e->key, "Annotation")) {
                /* systemd's Environment= syntax: space-separated KEY=VALUE words, quotes group */
                if (split_words(e->value, &words) < 0)
                        return convert_error(c, e, "Unbalanced quotes or a bad escape in '%s'.", e->value);
                if (!words[0])
                        return apply(c, e, o, spec, "");
                STRV_FOREACH(w, words) {
                        /* Environment= goes to the private file, where the runtime expands it as systemd
                         * would have on ExecStart=: a specifier it cannot expand is an error now. */
                        _cleanup_free_ char *expanded = NULL;
                        const char *bad = NULL;
                        if (streq(e->key, "Environment") &&
                                        unit_value_expand(*w, c->def->service_name, NULL, &expanded, &bad) == -EINVAL)
                                return convert_error(c, e,
                                                "'%.2s' is not a specifier systemd knows; write %%%% for "
                                                "a literal '%%'.",
                                                bad);
                        if ((r = apply(c, e, o, spec, *w)) < 0)
                                return r;
                }
                return 0;
        } else
                r = 0;
        if (r < 0)
                return r;
        if (o->kind == RUN_OPTION_WORDS || o->kind == RUN_OPTION_ARGV)
                return apply(c, e, o, spec, e->value);
        if (o->kind == RUN_OPTION_UNIT_PROPERTY && isempty(v)) {
                spec->unit_properties = strv_free(spec->unit_properties);
                return 0;
        }
        return apply(c, e, o, spec, resolved ?: v);
}

/* "-" before the program: systemd ignores the command's failure. */
static int strv_consume_prefix_first(char ***argv) {
        char *p = strjoin("-", (*argv)[0]);

        if (!p)
                return -ENOMEM;
        free((*argv)[0]);
        (*argv)[0] = p;
        return 0;
}

static int container_service(ConvertContext *c, const ContainerSpec *spec) {
        _cleanup_strv_free_ char **argv = NULL;
        const UnitEntry *type = unit_file_lookup_last(c->in, "Service", "Type");
        const UnitEntry *kill = unit_file_lookup_last(c->in, "Service", "KillMode");
        uint64_t stop_usec;
        int r;

        STRV_FOREACH(k, (char **) reserved_service_keys) {
                const UnitEntry *e = unit_file_lookup_last(c->in, "Service", *k);
                if (e)
                        return convert_error(c, e,
                                        "berth writes this line itself; set the container's command "
                                        "with Exec= in [Container].");
        }
        if (type && !streq(type->value, "notify") && !streq(type->value, "oneshot"))
                return convert_error(c, type, "'%s' cannot be used: a container unit is Type=notify or Type=oneshot.",
                                type->value);
        if (kill && !streq(kill->value, "mixed") && !streq(kill->value, "control-group"))
                return convert_error(c, kill, "'%s' cannot be used: berth needs KillMode=mixed or control-group.",
                                kill->value);

        r = unit_file_append_default(c->out, "Service", "Type", "notify");
        if (r >= 0)
                r = unit_file_append_default(c->out, "Service", "NotifyAccess", "all");
        if (r >= 0)
                r = unit_file_append_default(c->out, "Service", "Delegate", "yes");
        if (r >= 0)
                r = unit_file_append_default(c->out, "Service", "KillMode", "mixed");
        if (r >= 0)
                r = unit_file_append_default(c->out, "Service", "SyslogIdentifier", "%N");
        if (r >= 0 && spec->stop_timeout && parse_duration(spec->stop_timeout, &stop_usec) >= 0) {
                char t[32];
                /* whole seconds, rounded up: the runtime waits the exact time */
                (void) snprintf(t, sizeof t, "%" PRIu64,
                                (stop_usec + 999999) / 1000000 + CONTAINER_STOP_TIMEOUT_MARGIN_SEC);
                r = unit_file_append_default(c->out, "Service", "TimeoutStopSec", t);
        }
        STRV_FOREACH(p, spec->unit_properties) {
                _cleanup_free_ char *key = strndup(*p, strcspn(*p, "=")), *line = NULL;
                if (r < 0)
                        break;
                /* docker's --cpus and --cpu-shares (PodmanArgs=) as the keys systemd has */
                line = key ? unit_property_unit_line(key, *p + strlen(key) + 1) : NULL;
                if (!line) {
                        r = -ENOMEM;
                        break;
                }
                for (char *l = line, *next; r >= 0 && l; l = next) {
                        next = strchr(l, '\n');
                        if (next)
                                *next++ = 0;
                        l[strcspn(l, "=")] = 0;
                        /* the start rate limit is the unit's, not the service's */
                        r = unit_file_append(c->out, startswith(l, "StartLimit") ? "Unit" : "Service", l,
                                        l + strlen(l) + 1);
                }
        }
        if (r < 0)
                return r;

        r = container_spec_supervise_argv(spec, &argv);
        if (r >= 0)
                r = convert_add_exec(c, "ExecStart", argv);
        if (r < 0)
                return r;
        /* However the unit stopped (a kill -9 of its main process too), nothing of the container stays:
         * '-', since a cleanup that found trouble should not turn a stopped unit into a failed one. */
        argv = strv_free(argv);
        r = container_spec_cleanup_argv(spec, &argv);
        if (r < 0)
                return r;
        r = strv_consume_prefix_first(&argv);
        return r < 0 ? r : convert_add_exec(c, "ExecStopPost", argv);
}

/* Environment= values go into a root-only file beside the unit instead of its ExecStart=, which
 * `systemctl show` gives every local user (issue 16). */
static int container_private_env(ConvertContext *c, ContainerSpec *spec) {
        if (!spec->env)
                return 0;
        free(spec->env_private_file);
        spec->env_private_file = convert_private_path(c);
        if (!spec->env_private_file)
                return -ENOMEM;
        strv_free(c->private_env);
        c->private_env = TAKE_PTR(spec->env);
        return 0;
}

/* The default network, IP=, IP6= and NetworkAlias= folded into Network=, and the options the
 * container's network cannot honour, reported at the key that set them. */
static int check_network_options(ConvertContext *c, ContainerSpec *spec) {
        _cleanup_free_ const UnitEntry **entries = NULL;
        _cleanup_free_ char *message = NULL;
        const char *option;
        int n, r;

        r = container_network_default(spec, c->set->user, &message); /* --ip in PodmanArgs= and the like */
        if (r == -EINVAL)
                return convert_error(c, unit_file_lookup_last(c->in, "Container", "PodmanArgs"), "%s", message);
        if (r >= 0)
                r = convert_network_options(c, "Container", spec->network ? &spec->network[0] : &(char *) { NULL });
        if (r < 0)
                return r;
        if (container_network_check(spec, &option, &message) >= 0)
                return 0;
        n = unit_file_lookup_list(c->in, "Container", "PublishPort", &entries);
        if (n < 0)
                return -ENOMEM;
        return convert_error(c, n > 0 ? entries[0] : unit_file_lookup_last(c->in, "Container", "Network"), "%s", message);
}

int convert_container(ConvertContext *c) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        const UnitSection *s = unit_file_find_section(c->in, "Container");
        const UnitEntry *group = NULL, *rootfs = NULL;
        size_t podman_from = 0;
        const char *state = berth_path(BERTH_PATH_STATE), *storage = berth_path(BERTH_PATH_STORAGE);
        bool templated = strchr(c->def->name, '@');
        int r;

        container_spec_init(&spec);
        if (!s)
                return convert_error(c, NULL, "No [Container] section.");
        /* The unit's own name, as systemd expands it; ContainerName= replaces it. */
        spec.name = strdup(templated ? "%p_%i" : "%N");
        if (!spec.name)
                return -ENOMEM;

        for (size_t i = 0; i < s->n_entries; i++) {
                const UnitEntry *e = &s->entries[i];
                r = container_entry(c, e, &spec);
                if (r < 0)
                        return r;
                if (streq(e->key, "Group"))
                        group = isempty(e->value) ? NULL : e;
                if (streq(e->key, "Rootfs"))
                        rootfs = isempty(e->value) ? NULL : e;
                if (streq(e->key, "PodmanArgs") && isempty(e->value))
                        podman_from = i + 1; /* an empty line drops the earlier ones */
        }
        /* PodmanArgs= last, so that its options override the keys', as in Quadlet. */
        for (size_t i = podman_from; i < s->n_entries; i++)
                if (streq(s->entries[i].key, "PodmanArgs") && !isempty(s->entries[i].value)) {
                        r = podman_args(c, &s->entries[i], &spec);
                        if (r < 0)
                                return r;
                }
        if (group) {
                _cleanup_free_ char *g = unit_value_unquote(group->value), *ug = NULL;
                if (!g)
                        return -ENOMEM;
                if (!spec.user)
                        return convert_error(c, group, "User= must be set as well.");
                ug = strjoin(spec.user, ":", g);
                if (!ug)
                        return -ENOMEM;
                free(spec.user);
                spec.user = TAKE_PTR(ug);
        }
        if (streq(spec.name, "%N")) {
                /* The unit's name becomes the container's: refuse here what the runtime would refuse. */
                const char *unit = c->def->service_name ?: c->def->name, *dot = strrchr(unit, '.');
                _cleanup_free_ char *n = strndup(unit, dot ? (size_t) (dot - unit) : strlen(unit));
                if (!n)
                        return -ENOMEM;
                if (!container_name_is_valid(n))
                        return convert_error(c, NULL,
                                        "The unit's name '%s' is not a valid container name "
                                        "(" CONTAINER_NAME_RULE "); set ContainerName=.",
                                        n);
        }
        if (isempty(spec.image) && !spec.rootfs)
                return convert_error(c, NULL, "[Container] has neither Image= nor Rootfs=; one is needed.");
        if (!isempty(spec.image) && spec.rootfs)
                return convert_error(c, rootfs, "Image= and Rootfs= exclude each other.");
        if (spec.rootfs && spec.rootfs[0] != '/')
                return convert_error(c, rootfs, "'%s' is not an absolute path.", spec.rootfs);
        r = check_network_options(c, &spec);
        if (r >= 0)
                r = container_reload(c, spec.name);
        if (r < 0)
                return r;

        /* The container's state and its images must be mounted before it starts. */
        r = convert_add_mounts_for(c, state);
        if (r >= 0 && !startswith(storage, state))
                r = convert_add_mounts_for(c, storage);
        if (r >= 0)
                r = container_private_env(c, &spec);
        if (r < 0)
                return r;
        return container_service(c, &spec);
}
