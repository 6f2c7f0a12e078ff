/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/random.h>

#include "container-ops.h"
#include "container-record.h"
#include "container-unit.h"
#include "container.h"
#include "image-store.h"
#include "fs-util.h"
#include "log.h"
#include "object-name.h"
#include "paths.h"
#include "polkit.h"
#include "run-option-check.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-unit.h"
#include "volume-store.h"

#define SD_DEST    "org.freedesktop.systemd1"
#define SD_PATH    "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

typedef enum JobKind {
        JOB_RUN,
        JOB_START,
        JOB_RESTART,
        JOB_STOP,
        JOB_REMOVE, /* a stop, then the unit is forgotten */
} JobKind;

static const char *const job_verbs[] = {
        [JOB_RUN] = "start",
        [JOB_START] = "start",
        [JOB_RESTART] = "restart",
        [JOB_STOP] = "stop",
        [JOB_REMOVE] = "remove",
};

struct PendingJob {
        PendingJob *next;
        Berthd *daemon;
        JobKind kind;
        sd_bus_message *call; /* answered when the job ends */
        sd_bus_slot *slot;    /* the pending call to systemd */
        char *job;            /* systemd's job object, once systemd answered */
        char *name, *unit;
        uint32_t timeout; /* stop: seconds until SIGKILL, UINT32_MAX for the unit's own */
        bool recorded;    /* run: the record written for it goes if no unit is made; remove: it goes at the end */
        sd_event_source *kill_timer;
};

static PendingJob *pending_job_free(PendingJob *j) {
        if (!j)
                return NULL;
        sd_bus_slot_unref(j->slot);
        sd_bus_message_unref(j->call);
        sd_event_source_disable_unref(j->kill_timer);
        free(j->job);
        free(j->name);
        free(j->unit);
        free(j);
        return NULL;
}

static void pending_job_unlink(PendingJob *j) {
        Berthd *d = j->daemon;

        for (PendingJob **p = &d->jobs; *p; p = &(*p)->next)
                if (*p == j) {
                        *p = j->next;
                        d->n_jobs--;
                        return;
                }
}

static void pending_job_finish(PendingJob *j) {
        pending_job_unlink(j);
        pending_job_free(j);
}

void container_jobs_free(Berthd *d) {
        while (d->jobs)
                pending_job_finish(d->jobs);
}

/* SIGKILL for the container's processes: through a pidfd to its init while the runtime's lock
 * proves the pid is the container's (the runtime then cleans up), else to every process of the unit. */
static int kill_container(Berthd *d, const char *name, const char *unit) {
        _cleanup_close_ int pidfd = -EBADF;
        pid_t pid;

        if (running_container_pid(name, &pid) >= 0 && (pidfd = pidfd_open(pid, 0)) >= 0 && container_is_running(name) &&
                        pidfd_send_signal(pidfd, SIGKILL, NULL, 0) >= 0)
                return 0;
        return systemd_kill_unit(d->bus, unit, "all", SIGKILL, NULL);
}

static int on_kill_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PendingJob *j = userdata;
        int r;

        log_debug("Container '%s' still runs %" PRIu32 " s after the stop, killing it.", j->name, j->timeout);
        r = kill_container(j->daemon, j->name, j->unit);
        if (r < 0 && r != -ENOENT)
                log_debug_errno(r, "Failed to kill container '%s': %m", j->name);
        return 0;
}

static void reply_job_failed(PendingJob *j, const char *result) {
        (void) sd_bus_reply_method_errorf(j->call, BERTH_ERROR_JOB_FAILED,
                        "Container '%s' failed to %s (%s); see 'berth logs %s' or 'journalctl -u %s'.", j->name,
                        job_verbs[j->kind], result, j->name, j->unit);
}

static void job_done(PendingJob *j, const char *result) {
        Berthd *d = j->daemon;
        _cleanup_free_ char *path = NULL;

        switch (j->kind) {
        case JOB_RUN:
                if (!streq(result, "done")) {
                        reply_job_failed(j, result);
                        break;
                }
                path = container_object_path(j->name);
                if (!path)
                        (void) sd_bus_reply_method_errno(j->call, ENOMEM, NULL);
                else
                        (void) sd_bus_reply_method_return(j->call, "o", path);
                break;
        case JOB_START:
        case JOB_RESTART:
                if (streq(result, "done"))
                        (void) sd_bus_reply_method_return(j->call, NULL);
                else
                        reply_job_failed(j, result);
                break;
        case JOB_STOP:
        case JOB_REMOVE:
                if (streq(result, "canceled")) {
                        reply_job_failed(j, result);
                        break;
                }
                /* A payload that exits non-zero on SIGTERM, or was killed: still a stop the caller asked
                 * for, not a failure to keep around. For a transient unit this also forgets it. */
                (void) systemd_reset_failed_unit(d->bus, j->unit, NULL);
                if (j->kind == JOB_REMOVE && j->recorded) {
                        int r = container_record_remove(j->name);
                        if (r < 0 && r != -ENOENT) {
                                (void) sd_bus_reply_method_errnof(j->call, -r, "Failed to remove container '%s': %m",
                                                j->name);
                                break;
                        }
                }
                (void) sd_bus_reply_method_return(j->call, NULL);
                break;
        }
        pending_job_finish(j);
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Berthd *d = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        for (PendingJob *j = d->jobs; j; j = j->next)
                if (j->job && streq(j->job, job)) {
                        job_done(j, result);
                        break;
                }
        return 0;
}

int container_jobs_watch(Berthd *d) {
        int r = sd_bus_match_signal_async(d->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed,
                        NULL, d);
        if (r < 0)
                return log_error_errno(r, "Failed to watch systemd's jobs: %m");
        return 0;
}

/* systemd's answer to the call that queued the job. */
static int on_job_queued(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PendingJob *j = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *job;
        int r;

        j->slot = sd_bus_slot_unref(j->slot);
        if (e) {
                if (sd_bus_error_has_names(e, "org.freedesktop.systemd1.NoSuchUnit",
                                    "org.freedesktop.systemd1.LoadFailed"))
                        (void) sd_bus_reply_method_errorf(j->call, BERTH_ERROR_NO_SUCH_CONTAINER,
                                        "No such container: '%s' (%s).", j->name, e->message);
                else if (sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitExists"))
                        (void) sd_bus_reply_method_errorf(j->call, BERTH_ERROR_CONTAINER_EXISTS,
                                        "The name '%s' is already in use by another container.", j->name);
                else
                        (void) sd_bus_reply_method_errorf(j->call, BERTH_ERROR_JOB_FAILED,
                                        "Failed to %s container '%s': %s", job_verbs[j->kind], j->name,
                                        e->message ?: e->name);
                /* no unit was made for it: the record written for it goes too */
                if (j->kind == JOB_RUN && j->recorded)
                        (void) container_record_remove(j->name);
                pending_job_finish(j);
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &job);
        if (r >= 0 && !(j->job = strdup(job)))
                r = -ENOMEM;
        if (r >= 0 && j->timeout != UINT32_MAX)
                r = sd_event_add_time_relative(j->daemon->event, &j->kill_timer, CLOCK_MONOTONIC,
                                (uint64_t) j->timeout * 1000000, 0, on_kill_timer, j);
        if (r < 0) {
                (void) sd_bus_reply_method_errnof(j->call, -r, "Failed to follow the job of %s: %m", j->unit);
                pending_job_finish(j);
        }
        return 0;
}

/* Queues a job of systemd's for the call and answers it when the job ends. m is the prepared call to
 * systemd. Returns 1 (the handler's "answered later") or a negative errno with error set. */
static int job_begin(Berthd *d, sd_bus_message *call, JobKind kind, const char *name, const char *unit,
                uint32_t timeout, bool recorded, sd_bus_message *m, sd_bus_error *error) {
        PendingJob *j;
        int r;

        if (d->n_jobs >= BERTHD_JOBS_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many container jobs in flight.");
        j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        *j = (PendingJob) {
                .daemon = d,
                .kind = kind,
                .call = sd_bus_message_ref(call),
                .name = strdup(name),
                .unit = strdup(unit),
                .timeout = timeout,
                .recorded = recorded,
        };
        if (!j->name || !j->unit) {
                pending_job_free(j);
                return -ENOMEM;
        }
        /* JobRemoved is matched from the start (container_jobs_watch), and systemd answers the call
         * before the job can end, so the end is not missed. */
        r = sd_bus_call_async(d->bus, &j->slot, m, on_job_queued, j, 0);
        if (r < 0) {
                pending_job_free(j);
                return sd_bus_error_set_errnof(error, r, "Failed to ask systemd to %s %s: %m", job_verbs[kind], unit);
        }
        j->next = d->jobs;
        d->jobs = j;
        d->n_jobs++;
        return 1;
}

static int unit_job(Berthd *d, sd_bus_message *call, JobKind kind, const ContainerRef *c, uint32_t timeout,
                sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const char *method = kind == JOB_START ? "StartUnit" : kind == JOB_RESTART ? "RestartUnit" : "StopUnit";
        int r;

        r = sd_bus_message_new_method_call(d->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", c->unit, "replace");
        if (r < 0)
                return r;
        return job_begin(d, call, kind, c->name, c->unit, timeout, c->recorded, m, error);
}

/* StartTransientUnit of a container's unit (berth run's, lib/sys/container-unit.h). */
static int transient_unit_call(Berthd *d, RunUnit *u, const char *unit, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(d->bus, &call, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "(sv)");
        if (r >= 0)
                r = run_unit_append_properties(call, u);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(call);
        return 0;
}

/* ---- the verbs ---------------------------------------------------------------------------------- */

static int authorize(Berthd *d, sd_bus_message *m, const char *verb, const char *name, sd_bus_error *error) {
        const char *details[] = { "verb", verb, "container", name, NULL };
        return polkit_verify(d, m, POLKIT_ACTION_CONTAINERS, details, error);
}

static int need_unit(const ContainerRef *c, sd_bus_error *error) {
        if (!c->unit)
                return sd_bus_error_setf(error, BERTH_ERROR_NOT_SUPPORTED,
                                "Container '%s' does not run in a systemd unit; stop its berth-runtime "
                                "process instead.",
                                c->name);
        return 0;
}

static int do_start(Berthd *d, sd_bus_message *m, const char *name, bool restart, sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        int r;

        r = authorize(d, m, restart ? "restart" : "start", name, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = container_resolve_or_error(d, name, true, &c, error);
        if (r >= 0)
                r = need_unit(&c, error);
        if (r < 0)
                return r;
        /* A recorded container whose unit systemd collected: the same unit, made again from the record. */
        if (c.recorded && !c.unit_path) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                RunUnit u = { .spec = &c.record.spec, .remove = true, .stdio_fds = { -1, -1, -1 } };

                r = transient_unit_call(d, &u, c.unit, &call);
                if (r < 0)
                        return r;
                return job_begin(d, m, restart ? JOB_RESTART : JOB_START, c.name, c.unit, UINT32_MAX, false, call, error);
        }
        return unit_job(d, m, restart ? JOB_RESTART : JOB_START, &c, UINT32_MAX, error);
}

static int do_stop(Berthd *d, sd_bus_message *m, const char *name, uint32_t timeout, bool remove, bool force,
                sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        _cleanup_free_ char *active = NULL;
        bool active_unit = false;
        int r;

        r = authorize(d, m, remove ? "remove" : "stop", name, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = container_resolve_or_error(d, name, true, &c, error);
        if (r >= 0)
                r = need_unit(&c, error);
        if (r < 0)
                return r;
        if (c.unit_path && systemd_unit_get_string(d->bus, c.unit_path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                           &active) >= 0)
                active_unit = !unit_active_state_is_ended(active);
        if (!remove) {
                if (!c.unit_path) /* collected: it has stopped already */
                        return sd_bus_reply_method_return(m, NULL);
                return unit_job(d, m, JOB_STOP, &c, timeout, error);
        }
        if (c.running || active_unit) {
                if (!force)
                        return sd_bus_error_setf(error, BERTH_ERROR_CONTAINER_RUNNING,
                                        "Container '%s' is running: stop it first or use 'berth rm -f'.", c.name);
                return unit_job(d, m, JOB_REMOVE, &c, 0, error);
        }
        r = systemd_reset_failed_unit(d->bus, c.unit, error);
        if (r < 0 && r != -ENOENT) {
                _cleanup_free_ char *why = strdup(error->message ?: error->name ?: "");
                sd_bus_error_free(error);
                return sd_bus_error_setf(error, BERTH_ERROR_JOB_FAILED, "Failed to remove container '%s': %s", c.name,
                                why ?: "");
        }
        sd_bus_error_free(error);
        /* its record, writable layer and environment file: nothing of it stays */
        if (c.recorded) {
                r = container_record_remove(c.name);
                if (r < 0 && r != -ENOENT)
                        return sd_bus_error_set_errnof(error, r, "Failed to remove container '%s': %m", c.name);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int do_kill(Berthd *d, sd_bus_message *m, const char *name, int32_t sig, sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        int r;

        if (sig <= 0 || sig >= _NSIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal %" PRIi32 ".", sig);
        r = authorize(d, m, "kill", name, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = container_resolve_or_error(d, name, true, &c, error);
        if (r >= 0)
                r = need_unit(&c, error);
        if (r < 0)
                return r;
        if (!c.running)
                return sd_bus_error_setf(error, BERTH_ERROR_NOT_RUNNING, "Container '%s' is not running.", c.name);
        /* The runtime passes signals on to the container's first process; SIGKILL cannot be passed on. */
        if (sig == SIGKILL)
                r = kill_container(d, c.name, c.unit);
        else
                r = systemd_kill_unit(d->bus, c.unit, "main", sig, error);
        if (r < 0) {
                /* the CLI's message, not systemd's error name (which clients take for the bus's own) */
                _cleanup_free_ char *why = sd_bus_error_is_set(error) ? strdup(error->message ?: error->name) : NULL;
                sd_bus_error_free(error);
                if (why)
                        return sd_bus_error_setf(error, BERTH_ERROR_JOB_FAILED, "Failed to kill container '%s': %s",
                                        c.name, why);
                return sd_bus_error_set_errnof(error, r, "Failed to kill container '%s': %m", c.name);
        }
        return sd_bus_reply_method_return(m, NULL);
}

/* The name of the container object the call was sent to. */
static int name_of_call(sd_bus_message *m, char **ret, sd_bus_error *error) {
        if (sd_bus_path_decode(sd_bus_message_get_path(m), BERTH_CONTAINER_PREFIX, ret) <= 0)
                return sd_bus_error_set(error, BERTH_ERROR_NO_SUCH_CONTAINER, "No such container object.");
        return 0;
}

int method_start_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(m, "s", &name);
        return r < 0 ? r : do_start(userdata, m, name, false, error);
}

int method_restart_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(m, "s", &name);
        return r < 0 ? r : do_start(userdata, m, name, true, error);
}

int method_stop_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        uint32_t timeout;
        int r = sd_bus_message_read(m, "su", &name, &timeout);
        return r < 0 ? r : do_stop(userdata, m, name, timeout, false, false, error);
}

int method_kill_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int32_t sig;
        int r = sd_bus_message_read(m, "si", &name, &sig);
        return r < 0 ? r : do_kill(userdata, m, name, sig, error);
}

int method_remove_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int force;
        int r = sd_bus_message_read(m, "sb", &name, &force);
        return r < 0 ? r : do_stop(userdata, m, name, 0, true, force, error);
}

int method_container_start(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        int r = name_of_call(m, &name, error);
        return r < 0 ? r : do_start(userdata, m, name, false, error);
}

int method_container_restart(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        int r = name_of_call(m, &name, error);
        return r < 0 ? r : do_start(userdata, m, name, true, error);
}

int method_container_stop(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        uint32_t timeout;
        int r = sd_bus_message_read(m, "u", &timeout);
        if (r >= 0)
                r = name_of_call(m, &name, error);
        return r < 0 ? r : do_stop(userdata, m, name, timeout, false, false, error);
}

int method_container_kill(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        int32_t sig;
        int r = sd_bus_message_read(m, "i", &sig);
        if (r >= 0)
                r = name_of_call(m, &name, error);
        return r < 0 ? r : do_kill(userdata, m, name, sig, error);
}

int method_container_remove(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        int force;
        int r = sd_bus_message_read(m, "b", &force);
        if (r >= 0)
                r = name_of_call(m, &name, error);
        return r < 0 ? r : do_stop(userdata, m, name, 0, true, force, error);
}

/* ---- RunContainer -------------------------------------------------------------------------------- */

/* One entry of the settings a{sv}: an option of berth run by its long name, with a string, a boolean
 * or a list of strings (a repeatable option), as "--name=value" arguments; "rm" is --rm. */
static int setting_to_options(sd_bus_message *m, char ***options, bool *remove, sd_bus_error *error) {
        const char *key, *contents;
        const RunOption *o;
        char type;
        int r;

        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (streq(key, "rm")) {
                int b;
                if (!streq(contents, "b"))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Setting 'rm' takes a boolean.");
                r = sd_bus_message_read(m, "v", "b", &b);
                if (r >= 0)
                        *remove = b;
                return r;
        }
        o = run_option_by_name(key);
        if (!o)
                return sd_bus_error_setf(error, BERTH_ERROR_INVALID_OPTION, "Unknown option '%s'; see berth-run(1).",
                                key);
        if (streq(contents, "s") || streq(contents, "b")) {
                const char *s = NULL;
                int b = 0;
                r = streq(contents, "s") ? sd_bus_message_read(m, "v", "s", &s) : sd_bus_message_read(m, "v", "b", &b);
                if (r < 0)
                        return r;
                return strv_consume(options, strjoin("--", key, "=", s ?: b ? "true" : "false"));
        }
        if (streq(contents, "as")) {
                _cleanup_strv_free_ char **values = NULL;
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, &values);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                STRV_FOREACH(v, values)
                        if (r >= 0)
                                r = strv_consume(options, strjoin("--", key, "=", *v));
                return r;
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                        "Option '%s' takes a string, a boolean or a list of strings, not '%s'.", key, contents);
}

/* Each entry of options must be one "--name=value" (or "--flag") of berth run's table. */
static int check_options(char *const *options, sd_bus_error *error) {
        int r;

        STRV_FOREACH(o, options) {
                _cleanup_free_ char *name = NULL;
                const RunOption *ro;

                if (!startswith(*o, "--"))
                        return sd_bus_error_setf(error, BERTH_ERROR_INVALID_OPTION,
                                        "Option '%s' is not of the form --NAME=VALUE.", *o);
                name = strndup(*o + 2, strcspn(*o + 2, "="));
                if (!name)
                        return -ENOMEM;
                ro = run_option_by_name(name);
                if (!ro)
                        return sd_bus_error_setf(error, BERTH_ERROR_INVALID_OPTION,
                                        "Unknown option '--%s'; see berth-run(1).", name);
                if (ro->kind != RUN_OPTION_BOOL && !strchr(*o, '='))
                        return sd_bus_error_setf(error, BERTH_ERROR_INVALID_OPTION, "Option '--%s' needs =VALUE.", name);
                /* The value, by the check the runtime applies too (run-option-check.h), so the caller
                 * learns what is wrong instead of the runtime's log saying it. */
                if (strchr(*o, '=')) {
                        const char *value = strchr(*o, '=') + 1;
                        r = run_option_check(ro, value);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                const char *expected = run_option_expected(ro);
                                return sd_bus_error_setf(error, BERTH_ERROR_INVALID_OPTION,
                                                "Invalid value '%s' for --%s%s%s.", value, name,
                                                expected ? ": expected " : "", expected ? expected : "");
                        }
                }
        }
        return 0;
}

int method_run_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_strv_free_ char **command = NULL, **options = NULL, **image_volumes = NULL, **anonymous = NULL;
        _cleanup_free_ char *unit = NULL, *check_error = NULL;
        Berthd *d = userdata;
        const char *name, *image;
        bool remove = false, recorded;
        int index, r;

        container_spec_init(&spec);
        r = sd_bus_message_read(m, "ss", &name, &image);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &command);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &options);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = setting_to_options(m, &options, &remove, error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (!isempty(name) && !container_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                "Invalid container name '%s': " CONTAINER_NAME_RULE ".", name);
        if (strv_length(options) > 1024 || strv_length(command) > 4096)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many options or arguments.");
        r = check_options(options, error);
        if (r < 0)
                return r;

        {
                const char *details[] = { "verb", "run", "container", name, "image", image, NULL };
                r = polkit_verify(d, m, POLKIT_ACTION_CONTAINERS, details, error);
                if (r <= 0)
                        return r < 0 ? r : 1;
        }

        /* run_options_parse_argv() logs what it refuses; check_options() already caught those cases. */
        r = run_options_parse_argv(&spec, (int) strv_length(options), options, &index);
        if (r < 0 || (size_t) index != strv_length(options))
                return sd_bus_error_set(error, BERTH_ERROR_INVALID_OPTION, "Invalid options; see berth-run(1).");
        if (!isempty(image)) {
                free(spec.image);
                spec.image = strdup(image);
                if (!spec.image)
                        return -ENOMEM;
        }
        r = strv_extend_strv(&spec.command, command);
        if (r < 0)
                return r;
        free(spec.name);
        spec.name = isempty(name) ? NULL : strdup(name);
        if (!isempty(name) && !spec.name)
                return -ENOMEM;
        /* What berth run checks and completes (the default network, ...), by the same code. */
        r = container_unit_prepare_spec(&spec, remove, &image_volumes, &check_error);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return sd_bus_error_set(error, BERTH_ERROR_NO_SUCH_IMAGE, check_error ?: "No such image.");
        if (r == -EINVAL)
                return sd_bus_error_set(error, BERTH_ERROR_INVALID_OPTION, check_error ?: "Invalid options.");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "%s", check_error ?: "Failed to check the options: %m");

        if (!spec.name) {
                r = container_name_generate(d->bus, &spec.name);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to pick a container name: %m");
        } else {
                r = container_name_taken(d, spec.name);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to check whether '%s' is in use: %m", spec.name);
                if (r > 0)
                        return sd_bus_error_setf(error, BERTH_ERROR_CONTAINER_EXISTS,
                                        "The container name '%s' is already in use. Remove it with 'berth rm -f %s' "
                                        "or choose another --name.",
                                        spec.name, spec.name);
        }
        /* A new container gets a new ID, as in Docker (the runtime records it in state.json). */
        if (!spec.id) {
                spec.id = malloc(CONTAINER_ID_LEN + 1);
                if (!spec.id)
                        return -ENOMEM;
                r = container_id_random(spec.id);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to make a container ID: %m");
        }
        unit = container_unit_name(spec.name);
        if (!unit)
                return -ENOMEM;
        /* As berth run does: anonymous volumes for -v /path and the image's VOLUMEs, and without rm the
         * container stays until removed (its record; with rm, a record only when it has anonymous
         * volumes, for its end to remove them). Its unit goes whenever it ends; StartContainer makes
         * it again from the record. */
        r = container_spec_add_image_volumes(&spec, image_volumes);
        if (r < 0)
                return r;
        r = container_spec_make_anonymous_volumes(&spec, &anonymous);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to create the anonymous volumes of container '%s': %m",
                                spec.name);
        r = container_unit_write_private_env(&spec, unit);
        if (r < 0)
                sd_bus_error_set_errnof(error, r, "Failed to write the container's environment file: %m");
        else if (!remove || anonymous) {
                r = container_record_write_full(&spec, unit, anonymous, remove);
                if (r < 0)
                        sd_bus_error_set_errnof(error, r, "Failed to write the record of container '%s': %m", spec.name);
        }
        if (r < 0) {
                STRV_FOREACH(n, anonymous)
                        (void) volume_remove(*n, false);
                return r;
        }
        recorded = !remove || anonymous;

        {
                RunUnit u = { .spec = &spec, .remove = true, .stdio_fds = { -1, -1, -1 } };

                r = transient_unit_call(d, &u, unit, &call);
                if (r < 0) {
                        if (recorded)
                                (void) container_record_remove(spec.name);
                        return r;
                }
        }
        r = job_begin(d, m, JOB_RUN, spec.name, unit, UINT32_MAX, recorded, call, error);
        if (r < 0 && recorded)
                (void) container_record_remove(spec.name);
        return r;
}
