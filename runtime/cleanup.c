/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "container-record.h"
#include "event-journal.h"
#include "fs-util.h"
#include "log.h"
#include "network-attach.h"
#include "paths.h"
#include "run-options.h"
#include "running-containers.h"
#include "signal-name.h"
#include "state.h"
#include "systemd-unit.h"
#include "unit-container-env.h"
#include "volume-store.h"

#define EXIT_CLEANUP_FAILED 1

/* The type of the job running on the unit ("stop", "restart", ...), or NULL when there is none. */
static char *unit_job_type(sd_bus *bus, const char *unit_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *type = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *job_path;
        uint32_t job_id;
        int r;

        r = sd_bus_get_property(bus, "org.freedesktop.systemd1", unit_path, "org.freedesktop.systemd1.Unit", "Job",
                        &error, &reply, "(uo)");
        sd_bus_error_free(&error);
        if (r < 0 || sd_bus_message_read(reply, "(uo)", &job_id, &job_path) < 0 || job_id == 0)
                return NULL;
        r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job_path, "org.freedesktop.systemd1.Job",
                        "JobType", &error, &type);
        sd_bus_error_free(&error);
        return r < 0 ? NULL : type;
}

/* Is a restart job running on the unit (`berth restart`, systemctl restart)? Its start follows this
 * ExecStopPost= and reads the file again. */
static bool restart_job_pending(sd_bus *bus, const char *unit_path) {
        _cleanup_free_ char *type = unit_job_type(bus, unit_path);

        return type && (streq(type, "restart") || streq(type, "start") || startswith(type, "reload-or-") ||
                                       streq(type, "try-restart"));
}

/* Is the unit being stopped (systemctl stop, shutdown)? Then it does not restart, whatever Restart= says. */
static bool stop_job_pending(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *unit = NULL, *path = NULL, *type = NULL;

        if (sd_pid_get_unit(0, &unit) < 0 || sd_bus_open_system(&bus) < 0 || systemd_get_unit(bus, unit, &path) < 0)
                return false;
        type = unit_job_type(bus, path);
        return streq_ptr(type, "stop");
}

/* Whether systemd may run the unit's ExecStart= again, so that its private file must stay: a restart
 * job, Restart= after this result, or a failed unit that stays loaded (not --rm), which `berth start`
 * starts again. SERVICE_RESULT is what systemd gives ExecStopPost=. When in doubt: yes. */
static bool unit_may_start_again_ask(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *unit = NULL, *path = NULL, *restart = NULL, *collect = NULL;
        const char *result = getenv("SERVICE_RESULT");
        bool success = streq_ptr(result, "success");

        if (sd_pid_get_unit(0, &unit) < 0)
                return false; /* not run by systemd: nothing starts it again */
        if (sd_bus_open_system(&bus) < 0 || systemd_get_unit(bus, unit, &path) < 0)
                return true;
        if (restart_job_pending(bus, path))
                return true;
        if (systemd_unit_get_string(bus, path, "org.freedesktop.systemd1.Service", "Restart", &restart) < 0 ||
                        streq(restart, "always") || (!success && !streq(restart, "no")))
                return true;
        if (success) /* inactive: a transient unit is collected now */
                return false;
        return systemd_unit_get_string(bus, path, "org.freedesktop.systemd1.Unit", "CollectMode", &collect) < 0 ||
               !streq(collect, "inactive-or-failed");
}

/* The same, asked once per cleanup (*known: -1 not yet, else the answer): the private environment
 * file and the destroy event both depend on it. */
static bool unit_may_start_again(int *known) {
        if (*known < 0)
                *known = unit_may_start_again_ask();
        return *known;
}

static int remove_private_env(const char *name, const char *path, int *may_start_again) {
        /* a recorded container may be started again until `berth rm`, which removes the file */
        if (!private_env_path_is_run(path) || container_record_exists(name) || unit_may_start_again(may_start_again))
                return 0;
        if (unlink(path) < 0 && errno != ENOENT)
                return log_warning_errno(negative_errno(), "Failed to remove %s: %m", path);
        return 0;
}

/* How the run ended, in the container's record: systemd gives ExecStopPost= the main process's
 * EXIT_CODE (exited, killed, dumped) and EXIT_STATUS (a number, or a signal's name). */
static void record_exit(const char *name) {
        const char *code = getenv("EXIT_CODE"), *status = getenv("EXIT_STATUS");
        struct timespec ts;
        int exit_code, r;

        if (!code || !status || !container_record_exists(name))
                return;
        if (streq(code, "exited"))
                exit_code = atoi(status);
        else {
                int sig = signal_from_string(status);
                exit_code = 128 + MAX(sig, 0);
        }
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        r = container_record_set_exit(name, exit_code, (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Failed to note the exit status of container %s: %m", name);
}

/* --rm: the record (kept only so that its anonymous volumes are known, or for `berth start` after
 * `berth create --rm`) and those volumes go once the unit will not start again. Returns whether the
 * record went, having written Docker's destroy event with its ID, image and labels. */
static bool remove_auto_remove_record(const char *name, int *may_start_again) {
        _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };
        int r;

        if (container_record_read(name, &rec) < 0 || !rec.auto_remove || unit_may_start_again(may_start_again))
                return false;
        r = container_record_remove(name);
        if (r < 0) {
                log_warning_errno(r, "Failed to remove the record of container %s: %m", name);
                return false;
        }
        (void) event_journal_write_container("destroy", rec.id, name, rec.spec.image, rec.spec.labels, NULL);
        r = container_record_remove_volumes(&rec);
        if (r < 0)
                log_warning_errno(r, "Failed to remove an anonymous volume of container %s: %m", name);
        return true;
}

/* Docker's destroy for a `berth run --rm` container that had no record: its unit berth-NAME.service
 * (not a generator-made one, whose definition stays) cannot start again. */
static void note_destroyed(const ContainerSpec *spec, const char *image, int *may_start_again) {
        _cleanup_free_ char *unit = NULL, *run_unit = container_unit_name(spec->name);
        char id[CONTAINER_ID_LEN + 1];

        if (container_record_exists(spec->name) || sd_pid_get_unit(0, &unit) < 0 || !streq_ptr(unit, run_unit) ||
                        unit_may_start_again(may_start_again))
                return;
        if (!spec->id && container_id_from_name(spec->name, id) < 0)
                return;
        (void) event_journal_write_container("destroy", spec->id ?: id, spec->name, image, NULL, NULL);
}

/* A generator-made unit's anonymous volumes (Volume=/dst, passed on to cleanup): kept while the unit
 * restarts, removed once it is stopped or will not start again, as Quadlet's --rm removes them. */
static int remove_unit_anonymous_volumes(ContainerSpec *spec, int *may_start_again) {
        _cleanup_strv_free_ char **names = NULL;
        int r, ret = 0;

        if (!spec->volumes && !spec->mounts)
                return 0;
        if (!stop_job_pending() && unit_may_start_again(may_start_again))
                return 0;
        r = container_spec_unit_anonymous_volumes(spec, false, &names);
        if (r < 0)
                return log_warning_errno(r, "Failed to name the anonymous volumes of container %s: %m", spec->name);
        STRV_FOREACH(n, names) {
                r = volume_remove(*n, false);
                if (r < 0 && r != -ENOENT)
                        ret = log_warning_errno(r, "Failed to remove anonymous volume %s of container %s: %m", *n,
                                        spec->name);
        }
        return ret;
}

int cleanup_main(int argc, char *argv[]) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_free_ char *containers = NULL, *lock_path = NULL, *run_dir = NULL, *state_dir = NULL;
        int index, lock_fd, r, ret = EXIT_SUCCESS, may_start_again = -1;

        container_spec_init(&spec);
        r = run_options_parse_argv(&spec, argc, argv, &index);
        if (r < 0)
                return EXIT_CLEANUP_FAILED;
        if (!container_name_is_valid(spec.name))
                return log_error_errno(-EINVAL, "cleanup needs --name=NAME of a container."), EXIT_CLEANUP_FAILED;

        containers = strjoin(berth_path(BERTH_PATH_RUN), "/containers");
        lock_path = container_lock_path(spec.name);
        run_dir = container_run_dir(spec.name);
        state_dir = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", spec.name);
        if (!containers || !lock_path || !run_dir || !state_dir)
                return log_oom(), EXIT_CLEANUP_FAILED;
        if (access(containers, F_OK) < 0) /* no container ever ran here */
                return remove_private_env(spec.name, spec.env_private_file, &may_start_again) < 0 ? EXIT_CLEANUP_FAILED
                                                                                                  : EXIT_SUCCESS;

        /* Held: a supervisor of that name runs (a restarted unit, or the same name started by hand), and
         * everything here is its own. */
        lock_fd = state_lock(lock_path);
        if (lock_fd == -EBUSY) {
                log_debug("Container %s runs; nothing to clean up.", spec.name);
                return EXIT_SUCCESS;
        }
        if (lock_fd < 0)
                return EXIT_CLEANUP_FAILED;

        /* A pod's member has no lease of its own: the pod holds the address. */
        if (!spec.pod && (r = network_detach_container(NULL, spec.name)) < 0) {
                log_warning_errno(r, "Failed to detach container %s from its networks: %m", spec.name);
                ret = EXIT_CLEANUP_FAILED;
        }
        if ((r = rm_rf(run_dir)) < 0) {
                log_warning_errno(r, "Failed to remove %s: %m", run_dir);
                ret = EXIT_CLEANUP_FAILED;
        }
        /* A recorded container keeps its writable layer until `berth rm`; one made with --rm goes now,
         * with its anonymous volumes. */
        record_exit(spec.name);
        if (!remove_auto_remove_record(spec.name, &may_start_again))
                note_destroyed(&spec, index < argc ? argv[index] : NULL, &may_start_again);
        if (!container_record_exists(spec.name) && (r = rm_rf(state_dir)) < 0) {
                log_warning_errno(r, "Failed to remove %s: %m", state_dir);
                ret = EXIT_CLEANUP_FAILED;
        }
        if (remove_private_env(spec.name, spec.env_private_file, &may_start_again) < 0)
                ret = EXIT_CLEANUP_FAILED;
        if (remove_unit_anonymous_volumes(&spec, &may_start_again) < 0)
                ret = EXIT_CLEANUP_FAILED;
        state_unlock(lock_path, lock_fd);
        return ret;
}
