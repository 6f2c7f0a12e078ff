/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "run-options.h"
#include "container-unit.h"
#include "strv.h"
#include "unit-container-env.h"
#include "unit-container-exec.h"
#include "unit-property.h"

/* The environment that moves berth's directories: the runtime must see the store the CLI checked. */
static const char *const passed_env[] = {
        "BERTH_CONFIG_DIR",
        "BERTH_STATE_DIR",
        "BERTH_STORAGE_DIR",
        "BERTH_RUN_DIR",
        "BERTH_CLI",
};

/* One "Property=value" of spec->unit_properties (from --memory, --pids-limit, ...) as a typed
 * D-Bus property, the way systemctl set-property would send it. With m NULL, only checks the value.
 * What is wrong with a value is described in *ret_error (when not NULL), not logged. */
static int append_unit_property(sd_bus_message *m, const char *assignment, char **ret_error) {
        _cleanup_free_ char *key = strndup(assignment, strcspn(assignment, "="));
        const char *value, *bus_property;
        uint64_t v;
        int r;

#define FAIL(err, ...)                                                                                                 \
        do {                                                                                                           \
                if (ret_error && asprintf(ret_error, __VA_ARGS__) < 0)                                                 \
                        *ret_error = NULL;                                                                             \
                return (err);                                                                                          \
        } while (0)

        if (!key)
                return -ENOMEM;
        value = assignment + strlen(key);
        if (*value != '=')
                FAIL(-EINVAL, "Invalid unit property '%s'.", assignment);
        value++;

        r = unit_property_parse(key, value, &bus_property, &v);
        if (r == -EINVAL)
                FAIL(r, "Invalid value '%s' for %s=: expected %s.", value, key, unit_property_expected(key));
        if (r >= 0 && streq(key, "Restart")) {
                const char *restart;
                (void) unit_property_restart_parse(value, &restart, &v);
                if (!m)
                        return 0;
                r = sd_bus_message_append(m, "(sv)", "Restart", "s", restart);
                /* on-failure:N: N restarts, N+1 starts, counted for ever */
                if (r >= 0 && v > 0)
                        r = sd_bus_message_append(m, "(sv)(sv)", "StartLimitBurst", "u", (uint32_t) (v + 1),
                                        "StartLimitIntervalUSec", "t", UINT64_MAX);
                return r;
        }
        if (r >= 0)
                return m ? sd_bus_message_append(m, "(sv)", bus_property, "t", v) : 0;
        FAIL(-EOPNOTSUPP, "The unit property %s= cannot be set on a transient unit by berth.", key);
#undef FAIL
}

int container_unit_check_properties(const ContainerSpec *spec, char **ret_error) {
        STRV_FOREACH(p, spec->unit_properties) {
                int r = append_unit_property(NULL, *p, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

int run_unit_check_properties(const ContainerSpec *spec) {
        _cleanup_free_ char *error = NULL;
        int r;

        r = container_unit_check_properties(spec, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Invalid unit property.");
        return 0;
}

int run_unit_append_properties(sd_bus_message *m, void *userdata) {
        static const char *const fd_properties[3] = {
                "StandardInputFileDescriptor",
                "StandardOutputFileDescriptor",
                "StandardErrorFileDescriptor",
        };
        const RunUnit *u = userdata;
        const ContainerSpec *spec = u->spec;
        _cleanup_strv_free_ char **argv = NULL, **env = NULL;
        _cleanup_free_ char *description = NULL;
        int r;

        description = strjoin("berth container ", spec->name);
        if (!description)
                return log_oom();
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Type", "s",
                        "notify", "NotifyAccess", "s", "all", "Delegate", "b", 1, "KillMode", "s", "mixed",
                        "SyslogIdentifier", "s", spec->name, "CollectMode", "s",
                        u->remove ? "inactive-or-failed" : "inactive", "AddRef", "b", u->add_ref);
        if (r < 0)
                return r;
        if (spec->stop_timeout) {
                uint64_t secs = strtoull(spec->stop_timeout, NULL, 10) + CONTAINER_STOP_TIMEOUT_MARGIN_SEC;
                r = sd_bus_message_append(m, "(sv)", "TimeoutStopUSec", "t", secs * UINT64_C(1000000));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(passed_env); i++) {
                const char *v = getenv(passed_env[i]);
                if (v && strv_consume(&env, strjoin(passed_env[i], "=", v)) < 0)
                        return log_oom();
        }
        if (env) {
                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "Environment");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, env);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        for (int i = 0; i < 3; i++)
                if (u->stdio_fds[i] >= 0) {
                        r = sd_bus_message_append(m, "(sv)", fd_properties[i], "h", u->stdio_fds[i]);
                        if (r < 0)
                                return r;
                }
        STRV_FOREACH(p, spec->unit_properties) {
                r = append_unit_property(m, *p, NULL);
                if (r < 0)
                        return r;
        }
        /* What the user typed reaches the container literally: no $VAR expansion (item 5 of issue 16). */
        r = container_spec_supervise_argv(spec, &argv);
        if (r < 0)
                return log_oom();
        r = unit_append_exec_literal(m, "ExecStart", argv, false);
        if (r < 0)
                return r;
        argv = strv_free(argv);
        r = container_spec_cleanup_argv(spec, &argv);
        if (r < 0)
                return log_oom();
        return unit_append_exec_literal(m, "ExecStopPost", argv, true);
}

int container_unit_write_private_env(ContainerSpec *spec, const char *unit) {
        _cleanup_strv_free_ char **escaped = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        if (!spec->env)
                return 0;
        STRV_FOREACH(e, spec->env)
                if (strv_consume(&escaped, unit_value_escape(*e, true)) < 0)
                        return -ENOMEM;
        path = strjoin(berth_path(BERTH_PATH_RUN), "/private/", unit, ".env");
        if (!path)
                return -ENOMEM;
        r = private_env_write(path, escaped);
        if (r < 0)
                return r;
        free(spec->env_private_file);
        spec->env_private_file = TAKE_PTR(path);
        spec->env = strv_free(spec->env);
        return 0;
}
