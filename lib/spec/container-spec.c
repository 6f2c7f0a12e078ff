/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container-spec.h"
#include "fs-util.h"
#include "paths.h"
#include "run-options.h"
#include "unit-container-env.h"
#include "volume-spec.h"

int notify_mode_from_string(const char *s) {
        if (!s || streq(s, "false") || streq(s, "conmon"))
                return NOTIFY_MODE_STARTED;
        if (streq(s, "true") || streq(s, "container"))
                return NOTIFY_MODE_PAYLOAD;
        if (streq(s, "healthy"))
                return NOTIFY_MODE_HEALTHY;
        return -EINVAL;
}

int health_on_failure_from_string(const char *s) {
        if (!s || streq(s, "none"))
                return HEALTH_ON_FAILURE_NONE;
        if (streq(s, "kill"))
                return HEALTH_ON_FAILURE_KILL;
        if (streq(s, "stop"))
                return HEALTH_ON_FAILURE_STOP;
        return -EINVAL;
}

bool image_pull_policy_is_valid(const char *policy) {
        return !policy || streq(policy, "missing") || streq(policy, "always") || streq(policy, "never") ||
               streq(policy, "newer");
}

bool seccomp_profile_is_valid(const char *s) {
        return s && (streq(s, "unconfined") || path_is_absolute(s));
}

void container_spec_init(ContainerSpec *spec) {
        *spec = (ContainerSpec) {
                .no_new_privileges = true,
        };
}

void container_spec_done(ContainerSpec *spec) {
        /* Every string and list field is reachable through the option table, plus the positional ones. */
        for (size_t i = 0; i < run_options_count; i++) {
                const RunOption *o = &run_options[i];
                void *field = (char *) spec + o->offset;
                switch (o->kind) {
                case RUN_OPTION_STRING:
                        free(*(char **) field);
                        *(char **) field = NULL;
                        break;
                case RUN_OPTION_LIST:
                case RUN_OPTION_WORDS:
                case RUN_OPTION_ARGV:
                case RUN_OPTION_UNIT_PROPERTY:
                        *(char ***) field = strv_free(*(char ***) field);
                        break;
                case RUN_OPTION_BOOL:
                        break;
                }
        }
        free(spec->image);
        strv_free(spec->command);
        container_spec_init(spec);
}

int container_spec_supervise_argv(const ContainerSpec *spec, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        r = strv_extend(&argv, berth_path(BERTH_PATH_RUNTIME_BINARY));
        if (r >= 0)
                r = strv_extend(&argv, "supervise");
        if (r >= 0)
                r = run_options_to_argv(spec, &argv);
        if (r >= 0 && spec->image)
                r = strv_extend(&argv, spec->image);
        if (r >= 0)
                r = strv_extend_strv(&argv, spec->command);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(argv);
        return 0;
}

/* Compose's services carry its project label, as Docker's do. */
static bool container_spec_is_compose(const ContainerSpec *spec) {
        STRV_FOREACH(l, spec->labels)
                if (startswith(*l, "com.docker.compose.project="))
                        return true;
        return false;
}

static int anonymous_entries_to_argv(char ***argv, const ContainerSpec *spec) {
        for (int mount = 0; mount <= 1; mount++)
                STRV_FOREACH(e, mount ? spec->mounts : spec->volumes) {
                        _cleanup_free_ char *named = NULL;
                        int r = volume_spec_name_anonymous(*e, mount, "anonymous", &named);
                        if (r > 0)
                                r = strv_consume(argv, strjoin(mount ? "--mount=" : "--volume=", *e));
                        if (r < 0)
                                return r;
                }
        return 0;
}

int container_spec_cleanup_argv(const ContainerSpec *spec, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        r = strv_extend(&argv, berth_path(BERTH_PATH_RUNTIME_BINARY));
        if (r >= 0)
                r = strv_extend(&argv, "cleanup");
        if (r >= 0)
                r = strv_consume(&argv, strjoin("--name=", spec->name));
        if (r >= 0 && spec->pod)
                r = strv_consume(&argv, strjoin("--pod=", spec->pod));
        /* berth run's root-only environment file: cleanup removes it once the unit cannot start again. */
        if (r >= 0 && private_env_path_is_run(spec->env_private_file))
                r = strv_consume(&argv, strjoin("--env-private-file=", spec->env_private_file));
        /* A unit's anonymous volumes (Volume=/dst): cleanup removes them once the unit will not start
         * again, as Quadlet's --rm does; a compose service's stay with the project until `down -v`. */
        if (r >= 0 && !container_spec_is_compose(spec))
                r = anonymous_entries_to_argv(&argv, spec);
        /* berth run's container (it has an ID of its own): the actor of its destroy event with --rm */
        if (r >= 0 && spec->id) {
                r = strv_consume(&argv, strjoin("--id=", spec->id));
                if (r >= 0 && spec->image)
                        r = strv_extend(&argv, spec->image);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(argv);
        return 0;
}
