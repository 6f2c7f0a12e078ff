/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime-monitor: what berth-runtime supervise becomes (by execve, keeping its pid, so it stays
 * the unit's main process and the container's parent) once the container runs and nothing is left to
 * do but wait: no health check, no notify proxy. Linked statically against nothing but libc, so the
 * process that sits next to every container for its whole life is small.
 *
 *   berth-runtime-monitor PIDFD SIGNALFD TIMERFD STOP_SIGNAL STOP_TIMEOUT_USEC CGROUP_KILL_FILE
 *                         RUNTIME [FINISH-ARG...]
 *
 * It forwards the signals of SIGNALFD to the container (SIGTERM and SIGINT as STOP_SIGNAL, arming the
 * stop timeout, after which CGROUP_KILL_FILE gets "1"), reaps the container through PIDFD, and then
 * executes RUNTIME supervise-finish FINISH-ARG... status=WAIT_STATUS stop_requested=0|1, which tears
 * down what berth-runtime set up and exits with the container's status. The OCI face's monitor, whose
 * container is not its child, hands over the same way; the status is then -1 (unknown). */
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

static int parse_int(const char *s, long long *ret) {
        char *end;

        errno = 0;
        *ret = strtoll(s, &end, 10);
        return errno || end == s || *end ? -1 : 0;
}

/* STOPPING=1 to systemd, as sd_notify() would send it. */
static void notify_stopping(void) {
        const char *path = getenv("NOTIFY_SOCKET"), *msg = "STOPPING=1";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t len;
        int fd;

        if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof sa.sun_path)
                return;
        memcpy(sa.sun_path, path, strlen(path));
        if (path[0] == '@')
                sa.sun_path[0] = 0;
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        (void) sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *) &sa, len);
        close(fd);
}

static void kill_cgroup(const char *file) {
        int fd = open(file, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return;
        (void) write(fd, "1", 1);
        close(fd);
}

int main(int argc, char *argv[]) {
        long long pidfd, sigfd, timerfd, stop_signal, timeout_usec;
        int stopping = 0, stop_requested = 0, status = 0;
        char status_arg[32], stop_arg[32];
        char **finish;

        if (argc < 8 || parse_int(argv[1], &pidfd) < 0 || parse_int(argv[2], &sigfd) < 0 ||
                        parse_int(argv[3], &timerfd) < 0 || parse_int(argv[4], &stop_signal) < 0 ||
                        parse_int(argv[5], &timeout_usec) < 0) {
                fprintf(stderr, "berth-runtime-monitor: started by berth-runtime only.\n");
                return 125;
        }
        for (;;) {
                struct pollfd p[3] = {
                        { .fd = (int) sigfd, .events = POLLIN },
                        { .fd = (int) timerfd, .events = POLLIN },
                        { .fd = (int) pidfd, .events = POLLIN },
                };

                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        if (read((int) sigfd, &si, sizeof si) == (ssize_t) sizeof si && si.ssi_signo != SIGCHLD) {
                                int sig = (int) si.ssi_signo;
                                if (sig == SIGTERM || sig == SIGINT) {
                                        stop_requested = 1;
                                        if (sig == SIGTERM)
                                                sig = (int) stop_signal;
                                }
                                (void) syscall(SYS_pidfd_send_signal, (int) pidfd, sig, NULL, 0);
                                if (stop_requested && !stopping) {
                                        struct itimerspec its = {
                                                .it_value.tv_sec = (time_t) (timeout_usec / 1000000),
                                                .it_value.tv_nsec = (long) (timeout_usec % 1000000) * 1000,
                                        };
                                        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                                                its.it_value.tv_nsec = 1; /* 0 would disarm it */
                                        stopping = 1;
                                        notify_stopping();
                                        if (timerfd_settime((int) timerfd, 0, &its, NULL) < 0)
                                                kill_cgroup(argv[6]);
                                }
                        }
                }
                if (p[1].revents) {
                        uint64_t n;
                        (void) read((int) timerfd, &n, sizeof n);
                        fprintf(stderr, "berth-runtime: the container did not stop within the stop timeout; killing it.\n");
                        kill_cgroup(argv[6]);
                }
                if (p[2].revents) {
                        siginfo_t si = {};
                        if (waitid((idtype_t) P_PIDFD, (id_t) pidfd, &si, WEXITED | WNOHANG) < 0) {
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

        /* berth-runtime does the teardown (cgroups, network, directories, lock) and picks the status. */
        finish = calloc((size_t) argc, sizeof *finish);
        if (!finish)
                return 125;
        (void) snprintf(status_arg, sizeof status_arg, "status=%d", status);
        (void) snprintf(stop_arg, sizeof stop_arg, "stop_requested=%d", stop_requested);
        finish[0] = argv[7];
        finish[1] = (char *) "supervise-finish";
        for (int i = 8; i < argc; i++)
                finish[i - 6] = argv[i];
        finish[argc - 6] = status_arg;
        finish[argc - 5] = stop_arg;
        finish[argc - 4] = NULL;
        execv(argv[7], finish);
        fprintf(stderr, "berth-runtime-monitor: cannot execute %s: %s\n", argv[7], strerror(errno));
        kill_cgroup(argv[6]);
        return 125;
}
