/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container-network.h"
#include "fs-util.h"
#include "image-store.h"
#include "object-name.h"
#include "log.h"
#include "paths.h"
#include "run-options.h"
#include "container-unit.h"
#include "strv.h"
#include "unit-container-env.h"
#include "unit-container-exec.h"
#include "unit-property.h"
#include "volume-spec.h"

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

char *container_unit_private_env_path(const char *unit) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/private/", unit, ".env");
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
        path = container_unit_private_env_path(unit);
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

/* Sets *ret_error (when not NULL) to a message; returns err. */
static int fail(char **ret_error, int err, const char *format, ...) _printf_(3, 4);
static int fail(char **ret_error, int err, const char *format, ...) {
        va_list ap;

        if (!ret_error)
                return err;
        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return err;
}

/* The image must be in the store, unless --pull asks the runtime to fetch it at start. */
static int check_image(const ContainerSpec *spec, char ***ret_volumes, char **ret_error) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *image = NULL;
        int r;

        if (spec->rootfs || (spec->pull && !streq(spec->pull, "never")))
                return 0;
        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return fail(ret_error, r, "Failed to open the image store %s: %s", berth_path(BERTH_PATH_STORAGE),
                                strerror(-r));
        r = image_store_lookup(store, spec->image, &image);
        if (r == -ENOENT)
                return fail(ret_error, -ENOENT,
                                "Image '%s' is not in the image store. Get it with 'berth pull %s' or "
                                "'berth image import', or use --pull=missing.",
                                spec->image, spec->image);
        if (r < 0)
                return fail(ret_error, r, "Failed to look up image '%s': %s", spec->image, strerror(-r));
        return ret_volumes ? strv_extend_strv(ret_volumes, image->config.volumes) : 0;
}

int container_unit_prepare_spec(ContainerSpec *spec, bool remove, char ***ret_image_volumes, char **ret_error) {
        _cleanup_free_ char *message = NULL;
        const char *option;
        int r;

        if (!spec->rootfs && isempty(spec->image))
                return fail(ret_error, -EINVAL, "'berth run' needs an IMAGE. See 'berth run --help'.");
        if (spec->rootfs && strv_length(spec->command) == 0)
                return fail(ret_error, -EINVAL, "With --rootfs, a COMMAND is needed.");
        if (spec->name && !container_name_is_valid(spec->name))
                return fail(ret_error, -EINVAL, "Invalid container name '%s': " CONTAINER_NAME_RULE ".", spec->name);
        if (remove)
                STRV_FOREACH(p, spec->unit_properties)
                        if (startswith(*p, "Restart=") && !streq(*p, "Restart=no"))
                                return fail(ret_error, -EINVAL,
                                                "--restart and --rm cannot be combined: a removed container "
                                                "cannot be restarted.");
        r = container_network_default(spec, false, &message);
        if (r >= 0)
                r = container_network_check(spec, &option, &message);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_error, r, "%s", message ?: "Invalid network options.");
        r = container_unit_check_properties(spec, ret_error);
        if (r < 0)
                return r;
        return check_image(spec, ret_image_volumes, ret_error);
}

int container_spec_add_image_volumes(ContainerSpec *spec, char *const *image_volumes) {
        STRV_FOREACH(v, image_volumes)
                if (path_is_absolute(*v) && !volume_specs_cover(spec->volumes, spec->mounts, spec->tmpfs, *v) &&
                                strv_extend(&spec->volumes, *v) < 0)
                        return -ENOMEM;
        return 0;
}
