/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../monitor/supervisor-protocol.h"
#include "exec.h"
#include "fs-util.h"
#include "health.h"
#include "log.h"
#include "monitor-exec.h"
#include "parse-util.h"
#include "spawn.h"
#include "state.h"
#include "strv.h"
#include "json-util.h"

/* Docker's defaults. */
#define DEFAULT_INTERVAL_USEC (30ULL * 1000000ULL)
#define DEFAULT_TIMEOUT_USEC  (30ULL * 1000000ULL)
#define DEFAULT_RETRIES       3

/* Docker's forms: ["CMD", "a", "b"], ["CMD-SHELL", "x"], a JSON array of words, "CMD-SHELL x", or a
 * shell command line. */
static int health_argv(const char *cmd, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        const char *shell;

        if (cmd[0] == '[') {
                json_error_t err;
                json_t *a = json_loads(cmd, 0, &err);
                int r = json_is_array(a) ? json_array_to_strv(a, &argv) : -EINVAL;
                json_decref(a);
                if (r < 0)
                        return -EINVAL;
                if (argv && streq(argv[0], "CMD")) {
                        free(argv[0]);
                        memmove(argv, argv + 1, sizeof(char *) * strv_length(argv));
                } else if (argv && streq(argv[0], "CMD-SHELL") && strv_length(argv) == 2) {
                        char *c = strdup(argv[1]);
                        argv = strv_free(argv);
                        if (!c || strv_extend(&argv, "/bin/sh") < 0 || strv_extend(&argv, "-c") < 0 ||
                                        strv_consume(&argv, c) < 0)
                                return -ENOMEM;
                }
                if (strv_length(argv) == 0)
                        return -EINVAL;
                *ret = TAKE_PTR(argv);
                return 0;
        }
        shell = startswith(cmd, "CMD-SHELL ") ?: cmd;
        if (strv_extend(&argv, "/bin/sh") < 0 || strv_extend(&argv, "-c") < 0 || strv_extend(&argv, shell) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(argv);
        return 0;
}

int health_from_spec(const ContainerSpec *spec, HealthCheck *ret) {
        HealthCheck h = {
                .interval_usec = DEFAULT_INTERVAL_USEC,
                .timeout_usec = DEFAULT_TIMEOUT_USEC,
                .retries = DEFAULT_RETRIES,
                .timer_fd = -EBADF,
                .check_pidfd = -EBADF,
                .status = "starting",
        };
        int r;

        if (isempty(spec->health_cmd) || strcasecmp(spec->health_cmd, "none") == 0) {
                *ret = h;
                return 0;
        }
        r = health_argv(spec->health_cmd, &h.argv);
        if (r < 0)
                return log_error_errno(r, "Invalid --health-cmd '%s'.", spec->health_cmd);
        if ((spec->health_interval &&
                            (parse_duration(spec->health_interval, &h.interval_usec) < 0 || h.interval_usec == 0)) ||
                        (spec->health_timeout && (parse_duration(spec->health_timeout, &h.timeout_usec) < 0 ||
                                                                 h.timeout_usec == 0)) ||
                        (spec->health_start_period &&
                                        parse_duration(spec->health_start_period, &h.start_period_usec) < 0)) {
                strv_free(h.argv);
                return log_error_errno(-EINVAL, "Invalid health check duration: expected " PARSE_DURATION_EXPECTED
                                                " (the interval and timeout more than 0).");
        }
        if (spec->health_retries) {
                uint64_t v;
                if (parse_uint_range(spec->health_retries, 1, 1000, &v) < 0) {
                        strv_free(h.argv);
                        return log_error_errno(-EINVAL, "Invalid --health-retries '%s': expected 1 to 1000.",
                                        spec->health_retries);
                }
                h.retries = (unsigned) v;
        }
        switch (health_on_failure_from_string(spec->health_on_failure)) {
        case HEALTH_ON_FAILURE_NONE:
                h.on_failure = HEALTH_ACTION_NONE;
                break;
        case HEALTH_ON_FAILURE_KILL:
                h.on_failure = HEALTH_ACTION_KILL;
                break;
        case HEALTH_ON_FAILURE_STOP:
                h.on_failure = HEALTH_ACTION_STOP;
                break;
        default:
                strv_free(h.argv);
                return log_error_errno(-EINVAL, "Invalid --health-on-failure '%s': expected none, kill or stop.",
                                spec->health_on_failure);
        }
        *ret = h;
        return 0;
}

void health_done(HealthCheck *h) {
        h->argv = strv_free(h->argv);
        h->timer_fd = safe_close(h->timer_fd);
        if (h->check_pidfd >= 0) {
                (void) syscall(SYS_pidfd_send_signal, h->check_pidfd, SIGKILL, NULL, 0);
                (void) waitid((idtype_t) P_PIDFD, (id_t) h->check_pidfd, &(siginfo_t) {}, WEXITED);
        }
        h->check_pidfd = safe_close(h->check_pidfd);
}

static uint64_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int arm(HealthCheck *h, uint64_t usec) {
        struct itimerspec its = {
                .it_value.tv_sec = (time_t) (usec / 1000000),
                .it_value.tv_nsec = (long) (usec % 1000000) * 1000 + (usec == 0),
        };
        return RET_NERRNO(timerfd_settime(h->timer_fd, 0, &its, NULL));
}

int health_begin(HealthCheck *h) {
        if (!h->argv)
                return 0;
        h->started_usec = now_usec();
        h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (h->timer_fd < 0)
                return log_error_errno(negative_errno(), "Failed to create the health check timer: %m");
        return arm(h, h->interval_usec);
}

int health_on_timer(HealthCheck *h, int target_pidfd, int cgroup_fd, const ExecParams *base) {
        _cleanup_close_ int null_fd = -EBADF;
        uint64_t expirations;
        ExecParams p = *base;

        (void) read(h->timer_fd, &expirations, sizeof expirations);
        if (h->check_pidfd >= 0) {
                /* Still running after the timeout: a failure, counted when it is reaped. */
                log_warning("Health check did not finish within its timeout; killing it.");
                (void) syscall(SYS_pidfd_send_signal, h->check_pidfd, SIGKILL, NULL, 0);
                return 0;
        }
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open /dev/null: %m");
        p.argv = h->argv;
        h->check_pidfd = container_spawn(target_pidfd, cgroup_fd, &p, (const int[3]) { null_fd, null_fd, null_fd },
                        -EBADF);
        if (h->check_pidfd < 0) {
                h->check_pidfd = -EBADF;
                return arm(h, h->interval_usec);
        }
        return arm(h, h->timeout_usec);
}

bool health_record(HealthCheck *h, bool ok, uint64_t since_start_usec) {
        const char *old = h->status;

        if (ok) {
                h->failures = 0;
                h->status = "healthy";
        } else if (since_start_usec >= h->start_period_usec) {
                /* Failures while the container is still starting up do not count. */
                if (++h->failures >= h->retries)
                        h->status = "unhealthy";
        }
        return !streq(old, h->status);
}

int health_on_exit(HealthCheck *h) {
        siginfo_t si = {};
        bool changed;

        if (waitid((idtype_t) P_PIDFD, (id_t) h->check_pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0;
        h->check_pidfd = safe_close(h->check_pidfd);
        changed = health_record(h, si.si_code == CLD_EXITED && si.si_status == 0, now_usec() - h->started_usec);
        (void) arm(h, h->interval_usec);
        return changed;
}

/* One check through the exec verb, its stdio /dev/null: true when it exited 0 within the timeout. */
static bool run_check(const char *name, char **check, uint64_t timeout_usec) {
        _cleanup_strv_free_ char **args = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        siginfo_t si = {};
        struct pollfd p;
        pid_t pid;
        int r;

        if (strv_extend(&args, "--") < 0 || strv_extend(&args, name) < 0 || strv_extend_strv(&args, check) < 0)
                return log_oom(), false;
        pid = fork();
        if (pid < 0)
                return log_error_errno(negative_errno(), "Failed to start the health check: %m"), false;
        if (pid == 0) {
                int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                for (int fd = 0; null_fd >= 0 && fd < 3; fd++)
                        (void) dup2(null_fd, fd);
                _exit(exec_main((int) strv_length(args), args));
        }
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                (void) waitpid(pid, NULL, 0);
                return false;
        }
        p = (struct pollfd) { .fd = pidfd, .events = POLLIN };
        do
                r = poll(&p, 1, (int) MIN(timeout_usec / 1000 + (timeout_usec % 1000 > 0), (uint64_t) INT_MAX));
        while (r < 0 && errno == EINTR);
        if (r == 0) {
                /* The check dies with it (it has PR_SET_PDEATHSIG); a failure. */
                log_warning("Health check did not finish within its timeout; killing it.");
                (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        }
        if (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
                return false;
        return r > 0 && si.si_code == CLD_EXITED && si.si_status == 0;
}

static uint64_t realtime_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static const char *const health_states[] = { "starting", "healthy", "unhealthy" };

int health_run_main(int argc, char *argv[]) {
        const char *name = monitor_arg(argv, argc, "name"), *run_dir = monitor_arg(argv, argc, "run_dir");
        _cleanup_(health_done) HealthCheck h = { .timer_fd = -EBADF, .check_pidfd = -EBADF };
        _cleanup_(json_decrefp) json_t *state = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL, *action = NULL;
        ContainerSpec spec = {
                /* Borrowed from argv: nothing here is freed. */
                .health_cmd = (char *) monitor_arg(argv, argc, "health_cmd"),
                .health_timeout = (char *) monitor_arg(argv, argc, "health_timeout"),
                .health_retries = (char *) monitor_arg(argv, argc, "health_retries"),
                .health_start_period = (char *) monitor_arg(argv, argc, "health_start_period"),
        };
        json_t *started, *failures, *status;
        unsigned old_failures;
        bool ok, changed;
        int r;

        if (!name || !run_dir || !spec.health_cmd)
                return log_error_errno(-EINVAL, "health-run is run by berth-runtime-monitor only."), 125;
        if (health_from_spec(&spec, &h) < 0 || !h.argv)
                return 125;
        path = path_join(run_dir, "state.json");
        if (!path)
                return log_oom(), 125;
        state = json_load_file(path, 0, NULL);
        if (!json_is_object(state))
                return log_error_errno(-ENOENT, "%s is missing or unreadable.", path), 125;
        /* The count lives in state.json between checks (docker's FailingStreak). */
        status = json_object_get(state, "health");
        failures = json_object_get(state, "health_failures");
        started = json_object_get(state, "started_usec");
        /* A literal, not the JSON's string, which is replaced below. */
        if (json_is_string(status))
                for (size_t i = 0; i < ELEMENTSOF(health_states); i++)
                        if (streq(json_string_value(status), health_states[i]))
                                h.status = health_states[i];
        if (json_is_integer(failures) && json_integer_value(failures) >= 0)
                h.failures = (unsigned) MIN(json_integer_value(failures), (json_int_t) UINT_MAX);
        old_failures = h.failures;

        ok = run_check(name, h.argv, h.timeout_usec);
        changed = health_record(&h, ok,
                        json_is_integer(started)
                                        ? realtime_usec() - MIN((uint64_t) json_integer_value(started), realtime_usec())
                                        : UINT64_MAX);
        if (!changed && h.failures == old_failures)
                return HEALTH_RUN_UNCHANGED;

        if (changed)
                log_info("Container %s is %s.", name, h.status);
        if (json_object_set_new(state, "health_failures", json_integer(h.failures)) < 0 ||
                        json_object_set_new(state, "health", json_string(h.status)) < 0)
                return log_oom(), 125;
        text = json_dumps(state, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text)
                return log_oom(), 125;
        r = write_file_atomic(path, text, strlen(text), 0644, 0);
        if (r < 0)
                log_warning_errno(r, "Failed to write %s: %m", path);
        if (!changed)
                return HEALTH_RUN_UNCHANGED;
        action = strjoin("health_status: ", h.status);
        if (action)
                state_event_from_file(run_dir, action, NULL);
        return streq(h.status, "healthy") ? HEALTH_RUN_HEALTHY : HEALTH_RUN_UNHEALTHY;
}
