/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime-monitor: what berth-runtime supervise becomes (by execve, keeping its pid, so it stays
 * the unit's main process and the container's parent) once the container runs and nothing is left to
 * do but to watch it. Linked statically against nothing but libc, so the process that sits next to
 * every container for its whole life is small, whatever the container's configuration.
 *
 *   berth-runtime-monitor [--notify-fd=FD] [--ready-when-healthy] [--health-interval-usec=N
 *                         --health-timeout-usec=N --health-on-failure=none|kill|stop]
 *                         PIDFD SIGNALFD TIMERFD STOP_SIGNAL STOP_TIMEOUT_USEC CGROUP_KILL_FILE
 *                         RUNTIME [FINISH-ARG...]
 *
 * It forwards the signals of SIGNALFD to the container (SIGTERM and SIGINT as STOP_SIGNAL, arming the
 * stop timeout, after which CGROUP_KILL_FILE gets "1"), reaps the container through PIDFD, and then
 * executes RUNTIME supervise-finish FINISH-ARG... status=WAIT_STATUS stop_requested=0|1, which tears
 * down what berth-runtime set up and exits with the container's status. The OCI face's monitor, whose
 * container is not its child, hands over the same way; the status is then -1 (unknown).
 *
 * While it waits: --notify-fd is the payload's notify socket (--notify=true), whose allowed lines it
 * relays to $NOTIFY_SOCKET. --health-interval-usec runs `RUNTIME health-run FINISH-ARG...` every
 * interval, one at a time: the helper runs the check in the container, keeps the count and state.json,
 * and says by its exit status when the health changed; the monitor tells systemd (READY=1 with the
 * first "healthy" under --ready-when-healthy) and acts on --health-on-failure. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor-protocol.h"

/* Not in every libc's headers (it is built with musl where that is installed, as it is smaller). */
#ifndef W_EXITCODE
#define W_EXITCODE(ret, sig) ((ret) << 8 | (sig))
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* A health check helper that outlives its own timeout by this much is killed (it kills the check
 * itself at the timeout; this only guards against a helper that hangs). */
#define HELPER_GRACE_USEC 10000000LL

typedef struct Monitor {
        int pidfd, sigfd, timerfd;
        long long stop_signal, stop_timeout_usec;
        const char *kill_file;
        int stopping, stop_requested;

        int notify_fd; /* the payload's notify socket, or -1 */
        int ready_when_healthy;

        long long health_interval_usec, health_timeout_usec; /* interval 0: no health check */
        const char *health_on_failure;
        int health_timerfd; /* the next check, or the running helper's deadline */
        int helper_pidfd;   /* the running helper, or -1 */
        char **helper_argv;
} Monitor;

static int parse_int(const char *s, long long *ret) {
        char *end;

        errno = 0;
        *ret = strtoll(s, &end, 10);
        return errno || end == s || *end ? -1 : 0;
}

/* One datagram to systemd, as sd_notify() would send it. */
static void notify(const char *msg, size_t len) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t salen;
        int fd;

        if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof sa.sun_path)
                return;
        memcpy(sa.sun_path, path, strlen(path));
        if (path[0] == '@')
                sa.sun_path[0] = 0;
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        if (sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) < 0)
                fprintf(stderr, "berth-runtime: cannot send a notification to systemd: %s\n", strerror(errno));
        close(fd);
}

static void notify_str(const char *msg) {
        notify(msg, strlen(msg));
}

static void kill_cgroup(const char *file) {
        int fd = open(file, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return;
        (void) write(fd, "1", 1);
        close(fd);
}

static int arm(int timerfd, long long usec) {
        struct itimerspec its = {
                .it_value.tv_sec = (time_t) (usec / 1000000),
                .it_value.tv_nsec = (long) (usec % 1000000) * 1000,
        };

        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1; /* 0 would disarm it */
        return timerfd_settime(timerfd, 0, &its, NULL);
}

static void send_signal(Monitor *m, int sig) {
        if (sig == SIGTERM)
                sig = (int) m->stop_signal;
        (void) syscall(SYS_pidfd_send_signal, m->pidfd, sig, NULL, 0);
}

/* The stop signal went out: the container gets the stop timeout, then its cgroup is killed. */
static void start_stop_timer(Monitor *m) {
        if (m->stopping)
                return;
        m->stopping = 1;
        notify_str("STOPPING=1");
        if (arm(m->timerfd, m->stop_timeout_usec) < 0)
                kill_cgroup(m->kill_file);
}

static void on_signal(Monitor *m) {
        struct signalfd_siginfo si;

        if (read(m->sigfd, &si, sizeof si) != (ssize_t) sizeof si || si.ssi_signo == SIGCHLD)
                return;
        send_signal(m, (int) si.ssi_signo);
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                m->stop_requested = 1;
                start_stop_timer(m);
        }
}

static void relay_notification(Monitor *m) {
        char buf[4096];
        ssize_t n = recv(m->notify_fd, buf, sizeof buf - 1, MSG_DONTWAIT | MSG_TRUNC);
        size_t len;

        if (n <= 0)
                return;
        if ((size_t) n > sizeof buf - 1) {
                fprintf(stderr, "berth-runtime: dropping an oversized notify message from the container.\n");
                return;
        }
        len = notify_filter_in_place(buf, (size_t) n);
        if (len > 0)
                notify(buf, len);
}

static void start_health_check(Monitor *m) {
        sigset_t none;
        pid_t pid;
        int fd;

        pid = fork();
        if (pid < 0) {
                (void) arm(m->health_timerfd, m->health_interval_usec);
                return;
        }
        if (pid == 0) {
                /* Our signals are blocked for the signalfd; the helper starts with none blocked. */
                (void) sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                /* Nothing of ours goes with it (the container's lock, its pidfd): only 0-2. */
                (void) syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
                fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        (void) dup2(fd, 0);
                execv(m->helper_argv[0], m->helper_argv);
                fprintf(stderr, "berth-runtime-monitor: cannot execute %s: %s\n", m->helper_argv[0], strerror(errno));
                _exit(125);
        }
        m->helper_pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (m->helper_pidfd < 0) { /* cannot happen for our own unreaped child; wait for it now */
                (void) waitpid(pid, NULL, 0);
                (void) arm(m->health_timerfd, m->health_interval_usec);
                return;
        }
        (void) arm(m->health_timerfd, m->health_timeout_usec + HELPER_GRACE_USEC);
}

static void stop_health_check(Monitor *m) {
        if (m->helper_pidfd < 0)
                return;
        (void) syscall(SYS_pidfd_send_signal, m->helper_pidfd, SIGKILL, NULL, 0);
        (void) waitid((idtype_t) P_PIDFD, (id_t) m->helper_pidfd, &(siginfo_t) {}, WEXITED);
        close(m->helper_pidfd);
        m->helper_pidfd = -1;
}

static void on_health_timer(Monitor *m) {
        uint64_t n;

        if (read(m->health_timerfd, &n, sizeof n) != (ssize_t) sizeof n)
                return; /* re-armed since it fired (the helper's exit came first) */
        if (m->helper_pidfd >= 0) {
                fprintf(stderr, "berth-runtime: the health check helper hangs; killing it.\n");
                stop_health_check(m);
                (void) arm(m->health_timerfd, m->health_interval_usec);
                return;
        }
        if (!m->stopping && m->helper_argv)
                start_health_check(m);
        else
                (void) arm(m->health_timerfd, m->health_interval_usec);
}

static void on_health_result(Monitor *m) {
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) m->helper_pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return;
        close(m->helper_pidfd);
        m->helper_pidfd = -1;
        (void) arm(m->health_timerfd, m->health_interval_usec);
        if (si.si_code != CLD_EXITED)
                return;
        if (si.si_status == HEALTH_RUN_HEALTHY) {
                notify_str(m->ready_when_healthy ? "READY=1\nSTATUS=Container healthy" : "STATUS=Container healthy");
                return;
        }
        if (si.si_status != HEALTH_RUN_UNHEALTHY)
                return;
        notify_str("STATUS=Container unhealthy");
        if (strcmp(m->health_on_failure, "kill") == 0)
                kill_cgroup(m->kill_file);
        else if (strcmp(m->health_on_failure, "stop") == 0) {
                send_signal(m, SIGTERM);
                start_stop_timer(m);
        }
}

/* The leading --options; returns how many arguments they took, or -1. */
static int parse_options(Monitor *m, int argc, char *argv[]) {
        int i;

        for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                const char *a = argv[i], *v = strchr(a, '=');
                long long n = 0;

                if (strcmp(a, "--ready-when-healthy") == 0) {
                        m->ready_when_healthy = 1;
                        continue;
                }
                if (!v)
                        return -1;
                v++;
                if (strncmp(a, "--health-on-failure=", 20) == 0) {
                        m->health_on_failure = v;
                        continue;
                }
                if (parse_int(v, &n) < 0 || n < 0)
                        return -1;
                if (strncmp(a, "--notify-fd=", 12) == 0)
                        m->notify_fd = (int) n;
                else if (strncmp(a, "--health-interval-usec=", 23) == 0)
                        m->health_interval_usec = n;
                else if (strncmp(a, "--health-timeout-usec=", 22) == 0)
                        m->health_timeout_usec = n;
                else
                        return -1;
        }
        return i - 1;
}

int main(int argc, char *argv[]) {
        Monitor m = { .notify_fd = -1, .health_on_failure = "none", .health_timerfd = -1, .helper_pidfd = -1 };
        long long pidfd, sigfd, timerfd;
        int status = 0, n;
        char status_arg[32], stop_arg[32];
        char **finish;

        n = parse_options(&m, argc, argv);
        if (n >= 0) {
                argv[n] = argv[0];
                argv += n;
                argc -= n;
        }
        if (n < 0 || argc < 8 || parse_int(argv[1], &pidfd) < 0 || parse_int(argv[2], &sigfd) < 0 ||
                        parse_int(argv[3], &timerfd) < 0 || parse_int(argv[4], &m.stop_signal) < 0 ||
                        parse_int(argv[5], &m.stop_timeout_usec) < 0) {
                fprintf(stderr, "berth-runtime-monitor: started by berth-runtime only.\n");
                return 125;
        }
        m.pidfd = (int) pidfd;
        m.sigfd = (int) sigfd;
        m.timerfd = (int) timerfd;
        m.kill_file = argv[6];

        /* RUNTIME FINISH-ARG... (argv[7..]) and room for supervise-finish's two more. */
        finish = calloc((size_t) argc, sizeof *finish);
        if (!finish)
                return 125;
        finish[0] = argv[7];
        for (int i = 8; i < argc; i++)
                finish[i - 6] = argv[i];
        if (m.health_interval_usec > 0) {
                finish[1] = (char *) "health-run";
                m.helper_argv = finish;
                m.health_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (m.health_timerfd < 0)
                        fprintf(stderr, "berth-runtime-monitor: no timer for the health check: %s\n", strerror(errno));
                else
                        (void) arm(m.health_timerfd, m.health_interval_usec);
        }

        for (;;) {
                struct pollfd p[6] = {
                        { .fd = m.sigfd, .events = POLLIN },
                        { .fd = m.timerfd, .events = POLLIN },
                        { .fd = m.pidfd, .events = POLLIN },
                        { .fd = m.notify_fd, .events = POLLIN },
                        { .fd = m.health_timerfd, .events = POLLIN },
                        { .fd = m.helper_pidfd, .events = POLLIN },
                };

                if (poll(p, 6, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[0].revents)
                        on_signal(&m);
                if (p[1].revents) {
                        uint64_t expirations;
                        (void) read(m.timerfd, &expirations, sizeof expirations);
                        fprintf(stderr, "berth-runtime: the container did not stop within the stop timeout; "
                                        "killing it.\n");
                        kill_cgroup(m.kill_file);
                }
                if (p[3].revents)
                        relay_notification(&m);
                if (p[5].revents)
                        on_health_result(&m);
                if (p[4].revents)
                        on_health_timer(&m);
                if (p[2].revents) {
                        siginfo_t si = {};
                        if (waitid((idtype_t) P_PIDFD, (id_t) m.pidfd, &si, WEXITED | WNOHANG) < 0) {
                                /* Not our child (the OCI face: conmon is its parent): it has exited,
                                 * and its status is its parent's to collect. */
                                status = -1;
                                break;
                        }
                        if (si.si_pid == 0)
                                continue;
                        status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status;
                        break;
                }
        }
        stop_health_check(&m);

        /* berth-runtime does the teardown (cgroups, network, directories, lock) and picks the status. */
        (void) snprintf(status_arg, sizeof status_arg, "status=%d", status);
        (void) snprintf(stop_arg, sizeof stop_arg, "stop_requested=%d", m.stop_requested);
        finish[1] = (char *) "supervise-finish";
        finish[argc - 6] = status_arg;
        finish[argc - 5] = stop_arg;
        finish[argc - 4] = NULL;
        execv(argv[7], finish);
        fprintf(stderr, "berth-runtime-monitor: cannot execute %s: %s\n", argv[7], strerror(errno));
        kill_cgroup(m.kill_file);
        return 125;
}
