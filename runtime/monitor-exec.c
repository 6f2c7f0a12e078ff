/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-record.h"
#include "fs-util.h"
#include "health.h"
#include "helper-program.h"
#include "init.h"
#include "log.h"
#include "monitor-exec.h"
#include "network-attach.h"
#include "state.h"
#include "strv.h"
#include "supervise.h"

#define MONITOR_NAME "berth-runtime-monitor"

bool monitor_exec_possible(const Container *c) {
        const char *e = getenv("BERTH_RUNTIME_NO_MONITOR");

        if (e && !streq(e, "0"))
                return false;
        /* The OCI face's detached monitor (create): nothing is left to do but to wait either. */
        if (c->oci)
                return c->is_monitor && c->lock_fd >= 0;
        /* Every configuration of the unit face: the user namespace's block lock goes to the monitor (and
         * on to supervise-finish, which drops it after the teardown); the device volumes' detached
         * mounts are the container's by now, and our copies close on the exec. */
        return c->lock_fd >= 0;
}

static int set_inheritable(int fd, bool on) {
        int flags = fcntl(fd, F_GETFD);

        if (flags < 0)
                return -errno;
        return RET_NERRNO(fcntl(fd, F_SETFD, on ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC));
}

static int add(char ***argv, const char *key, const char *value) {
        _cleanup_free_ char *s = strjoin(key, "=", value ?: "");
        return s && strv_extend(argv, s) >= 0 ? 0 : -ENOMEM;
}

static int add_int(char ***argv, const char *key, long long value) {
        char buf[32];

        (void) snprintf(buf, sizeof buf, "%lld", value);
        return key ? add(argv, key, buf) : strv_extend(argv, buf);
}

static const char *const health_action_names[] = {
        [HEALTH_ACTION_NONE] = "none",
        [HEALTH_ACTION_KILL] = "kill",
        [HEALTH_ACTION_STOP] = "stop",
};

/* The monitor's own options: the notify proxy and the health check. */
static int add_duties(char ***argv, const Container *c, int notify_fd, const HealthCheck *h) {
        if (notify_fd >= 0 && add_int(argv, "--notify-fd", notify_fd) < 0)
                return -ENOMEM;
        if (!h->argv)
                return 0;
        if ((c->notify_healthy && strv_extend(argv, "--ready-when-healthy") < 0) ||
                        add_int(argv, "--health-interval-usec", (long long) h->interval_usec) < 0 ||
                        add_int(argv, "--health-timeout-usec", (long long) h->timeout_usec) < 0 ||
                        add(argv, "--health-on-failure", health_action_names[h->on_failure]) < 0)
                return -ENOMEM;
        return 0;
}

/* What `berth-runtime health-run` reads among the FINISH-ARGs: the check as the user wrote it. */
static int add_health_args(char ***argv, const ContainerSpec *spec, const HealthCheck *h) {
        if (!h->argv)
                return 0;
        if (add(argv, "health_cmd", spec->health_cmd) < 0 ||
                        (spec->health_timeout && add(argv, "health_timeout", spec->health_timeout) < 0) ||
                        (spec->health_retries && add(argv, "health_retries", spec->health_retries) < 0) ||
                        (spec->health_start_period && add(argv, "health_start_period", spec->health_start_period) < 0))
                return -ENOMEM;
        return 0;
}

int monitor_exec(const Container *c, const CgroupPaths *cg, const MonitorFds *fds, const HealthCheck *h) {
        _cleanup_free_ char *self = NULL, *monitor = NULL, *kill_file = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        const int userns_lock_fd = c->userns_auto ? c->userns.lock_fd : -EBADF;
        const int inherited[] = { fds->pid_fd, fds->signal_fd, fds->timer_fd, c->lock_fd, fds->notify_fd, userns_lock_fd };
        int r;

        r = own_binary_path(&self);
        if (r >= 0)
                r = helper_program_path(MONITOR_NAME, &monitor);
        if (r < 0)
                return r;
        kill_file = path_join(cg->payload, "cgroup.kill");
        if (!monitor || !kill_file)
                return -ENOMEM;
        if (access(monitor, X_OK) < 0)
                return log_debug_errno(-errno, "No %s: waiting in berth-runtime.", monitor);

        if (strv_extend(&argv, monitor) < 0 || add_duties(&argv, c, fds->notify_fd, h) < 0 ||
                        add_int(&argv, NULL, fds->pid_fd) < 0 || add_int(&argv, NULL, fds->signal_fd) < 0 ||
                        add_int(&argv, NULL, fds->timer_fd) < 0 || add_int(&argv, NULL, c->stop_signal) < 0 ||
                        add_int(&argv, NULL, (long long) c->stop_timeout_usec) < 0 ||
                        strv_extend(&argv, kill_file) < 0 || strv_extend(&argv, self) < 0 ||
                        add(&argv, "name", c->name) < 0 || add(&argv, "run_dir", c->run_dir) < 0 ||
                        add(&argv, "state_dir", c->spec.rootfs ? "" : c->state_dir) < 0 ||
                        add(&argv, "lock", c->lock_path) < 0 || add_int(&argv, "lock_fd", c->lock_fd) < 0 ||
                        (userns_lock_fd >= 0 && add_int(&argv, "userns_lock_fd", userns_lock_fd) < 0) ||
                        add(&argv, "cg_mount", cg->mount) < 0 || add(&argv, "cg_own", cg->own) < 0 ||
                        add(&argv, "cg_supervisor", cg->supervisor) < 0 || add(&argv, "cg_payload", cg->payload) < 0 ||
                        add_int(&argv, "cg_moved", cg->moved) < 0 || add_int(&argv, "stop_signal", c->stop_signal) < 0 ||
                        add_int(&argv, "private_network", c->network == NETWORK_PRIVATE) < 0 ||
                        (c->spec.network && add(&argv, "network", c->spec.network[0]) < 0) ||
                        add_health_args(&argv, &c->spec, h) < 0 ||
                        (c->oci && (add(&argv, "oci_id", c->oci_id) < 0 || add(&argv, "root_mnt", c->root_mnt) < 0)))
                return log_oom();

        for (size_t i = 0; i < ELEMENTSOF(inherited); i++)
                if (inherited[i] >= 0 && (r = set_inheritable(inherited[i], true)) < 0)
                        goto fail;
        log_debug("Handing container %s over to %s.", c->name, monitor);
        execv(monitor, argv);
        r = log_warning_errno(-errno, "Cannot execute %s, waiting in berth-runtime: %m", monitor);
fail:
        for (size_t i = 0; i < ELEMENTSOF(inherited); i++)
                if (inherited[i] >= 0)
                        (void) set_inheritable(inherited[i], false);
        return r;
}

const char *monitor_arg(char *argv[], int argc, const char *key) {
        for (int i = 0; i < argc; i++) {
                const char *v = startswith(argv[i], key);
                if (v && v[0] == '=')
                        return v + 1;
        }
        return NULL;
}

static const char *arg(char *argv[], int argc, const char *key) {
        return monitor_arg(argv, argc, key);
}

static int arg_int(char *argv[], int argc, const char *key) {
        const char *v = arg(argv, argc, key);
        return v ? atoi(v) : 0;
}

/* The OCI face: the container is stopped (its status unknown here: conmon, its parent, has it); the
 * state stays until `delete`, the cgroup goes now, as oci.c's monitor would have done. */
static int oci_finish(char *argv[], int argc, int status) {
        _cleanup_free_ char *path = path_join(arg(argv, argc, "run_dir"), "state.json"), *text = NULL;
        _cleanup_(json_decrefp) json_t *state = NULL;
        const char *root_mnt = arg(argv, argc, "root_mnt");
        CgroupPaths cg = {
                .mount = (char *) arg(argv, argc, "cg_mount"),
                .own = (char *) arg(argv, argc, "cg_own"),
                .payload = (char *) arg(argv, argc, "cg_payload"),
        };

        if (!path)
                return log_oom(), 1;
        state = json_load_file(path, 0, NULL);
        if (state) {
                json_object_set_new(state, "status", json_string("stopped"));
                if (status >= 0)
                        json_object_set_new(state, "exitStatus", json_integer(exit_status_from_wait(status)));
                text = json_dumps(state, JSON_COMPACT);
                if (text)
                        (void) write_file_atomic(path, text, strlen(text), 0644, 0);
        }
        (void) cgroup_teardown(&cg);
        if (!isempty(root_mnt))
                (void) rm_rf(root_mnt);
        /* The lock goes with us; the directory stays until `delete`. */
        return 0;
}

int supervise_finish_main(int argc, char *argv[]) {
        const char *name = arg(argv, argc, "name"), *run_dir = arg(argv, argc, "run_dir"),
                   *state_dir = arg(argv, argc, "state_dir"), *lock = arg(argv, argc, "lock");
        CgroupPaths cg = {};
        int status = arg_int(argv, argc, "status"), ret, r;
        char exit_code[64], *extra[] = { exit_code, NULL };

        if (!name || !run_dir || !lock || !arg(argv, argc, "status"))
                return log_error_errno(-EINVAL, "supervise-finish is run by berth-runtime-monitor only."), 125;
        if (arg(argv, argc, "oci_id"))
                return oci_finish(argv, argc, status);
        /* Borrowed, not owned: nothing here is freed before we exit. */
        cg.mount = (char *) arg(argv, argc, "cg_mount");
        cg.own = (char *) arg(argv, argc, "cg_own");
        cg.supervisor = (char *) arg(argv, argc, "cg_supervisor");
        cg.payload = (char *) arg(argv, argc, "cg_payload");
        cg.moved = arg_int(argv, argc, "cg_moved") != 0;

        /* Whatever happened, leave nothing behind: processes and cgroups, then files, then the lock. */
        (void) cgroup_teardown(&cg);
        if (arg_int(argv, argc, "private_network"))
                (void) network_detach_container(arg(argv, argc, "network"), name);
        /* Docker's die: how the container ended, before a stop the user asked for counts as success */
        (void) snprintf(exit_code, sizeof exit_code, "exitCode=%d", exit_status_from_wait(status));
        state_event_from_file(run_dir, "die", extra);
        if ((r = rm_rf(run_dir)) < 0)
                log_warning_errno(r, "Failed to remove %s: %m", run_dir);
        /* a recorded container keeps its writable layer until `berth rm` */
        if (!isempty(state_dir) && !container_record_exists(name) && (r = rm_rf(state_dir)) < 0)
                log_warning_errno(r, "Failed to remove %s: %m", state_dir);
        /* --userns=auto: the block of ids is free for another container once nothing of ours uses it. */
        if (arg(argv, argc, "userns_lock_fd"))
                (void) close(arg_int(argv, argc, "userns_lock_fd"));
        state_unlock(lock, arg_int(argv, argc, "lock_fd"));

        ret = exit_status_from_wait(status);
        if (arg_int(argv, argc, "stop_requested") && status_ended_by_stop(arg_int(argv, argc, "stop_signal"), status)) {
                log_info("Container %s stopped.", name);
                ret = EXIT_SUCCESS;
        }
        return ret;
}
