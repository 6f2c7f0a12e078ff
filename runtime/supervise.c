/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "child.h"
#include "config.h"
#include "container.h"
#include "devices.h"
#include "fs-util.h"
#include "health.h"
#include "image-pull.h"
#include "init.h"
#include "log.h"
#include "monitor-exec.h"
#include "mount.h"
#include "namespaces.h"
#include "network-attach.h"
#include "network.h"
#include "notify.h"
#include "oci.h"
#include "oci-hooks.h"
#include "paths.h"
#include "prepare.h"
#include "pod-store.h"
#include "run-options.h"
#include "secrets.h"
#include "state.h"
#include "supervise.h"

extern char **environ;

#define EXIT_RUNTIME_FAILED 125

/* Signals the supervisor takes through its signalfd; all but SIGCHLD are passed on to the container. */
static const int handled_signals[] = {
        SIGTERM,
        SIGINT,
        SIGHUP,
        SIGQUIT,
        SIGUSR1,
        SIGUSR2,
        SIGWINCH,
        SIGCONT,
        SIGALRM,
        SIGCHLD,
};

/* clone3() straight into the payload cgroup; clone() plus a cgroup.procs write where clone3 is missing. */
static pid_t clone_container_in(const Container *c, int cgroup_fd, bool *ret_in_cgroup, int *ret_pidfd) {
        uint64_t flags = namespaces_clone_flags(c) | CLONE_PIDFD;
        int pidfd = -EBADF;
        pid_t pid;

        if (!getenv("BERTH_RUNTIME_NO_CLONE3")) { /* lets the tests take the fallback path */
                struct clone_args args = {
                        .flags = flags | CLONE_INTO_CGROUP,
                        .pidfd = (uint64_t) (uintptr_t) &pidfd,
                        .exit_signal = SIGCHLD,
                        .cgroup = (uint64_t) cgroup_fd,
                };
                pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
                if (pid >= 0 || (errno != ENOSYS && errno != E2BIG)) {
                        *ret_in_cgroup = true;
                        *ret_pidfd = pidfd;
                        return pid;
                }
        }
        pid = (pid_t) syscall(SYS_clone, (unsigned long) flags | SIGCHLD, NULL, &pidfd, NULL, 0UL);
        *ret_in_cgroup = false;
        *ret_pidfd = pidfd;
        return pid;
}

/* The clone happens inside a joined pid namespace and a new time namespace, when asked (namespaces.h). */
static pid_t clone_container(const Container *c, int cgroup_fd, bool *ret_in_cgroup, int *ret_pidfd) {
        NamespacesSaved saved;
        pid_t pid;
        int r;

        r = namespaces_before_clone(c, &saved);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        pid = clone_container_in(c, cgroup_fd, ret_in_cgroup, ret_pidfd);
        if (pid != 0) { /* the child stays where it was born: its own children belong there too */
                r = errno;
                namespaces_after_clone(&saved);
                errno = r;
        }
        return pid;
}

/* Did the container end because of the stop signal or the kill after the stop timeout? A shell as PID 1
 * reports a signal its child died of as 128+N, so that counts too. */
bool status_ended_by_stop(int stop_signal, int status) {
        int sig = WIFSIGNALED(status)                              ? WTERMSIG(status)
                  : WIFEXITED(status) && WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128
                                                                   : 0;
        return sig != 0 && (sig == stop_signal || sig == SIGKILL || sig == SIGTERM);
}

static bool ended_by_stop(const Container *c, int status) {
        return status_ended_by_stop(c->stop_signal, status);
}

typedef struct Loop {
        Container *c;
        CgroupPaths *cgroup;
        int signal_fd, pid_fd, sync_fd, timer_fd, notify_fd, fifo_fd, cgroup_fd;
        pid_t pid;
        HealthCheck *health;
        ExecParams health_exec; /* how checks run: like the container's own process */
        StateInfo info;         /* kept to rewrite state.json when the health changes */
        char *unit;
        bool started, stopping;
        bool stop_requested; /* systemd (or a user) asked us to stop: SIGTERM or SIGINT */
        ChildError error;
        bool have_error;
        bool exit_unknown; /* the detached monitor saw the exit but cannot wait for the status */
} Loop;

static void start_stop_timer(Loop *l) {
        struct itimerspec its = {
                .it_value.tv_sec = (time_t) (l->c->stop_timeout_usec / 1000000),
                .it_value.tv_nsec = (long) (l->c->stop_timeout_usec % 1000000) * 1000,
        };

        if (l->stopping)
                return;
        l->stopping = true;
        (void) sd_notify(0, "STOPPING=1");
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1; /* 0 would disarm the timer */
        if (timerfd_settime(l->timer_fd, 0, &its, NULL) < 0)
                (void) cgroup_kill_payload(l->cgroup);
}

static void forward_signal(Loop *l, int sig) {
        if (sig == SIGTERM)
                sig = l->c->stop_signal;
        if (syscall(SYS_pidfd_send_signal, l->pid_fd, sig, NULL, 0) < 0 && errno != ESRCH)
                log_warning_errno(negative_errno(), "Failed to send signal %d to the container: %m", sig);
}

static int on_started(Loop *l) {
        struct timespec ts;
        int r;

        if (l->c->oci)
                return oci_on_started(l->c, l->pid);
        l->info = (StateInfo) {
                .pid = l->pid,
                .supervisor_pid = getpid(),
                .invocation_id = getenv("INVOCATION_ID"),
                .health = l->health->argv ? l->health->status : NULL,
        };
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        l->info.started_usec = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
        if (sd_pid_get_unit(0, &l->unit) >= 0)
                l->info.unit = l->unit;
        r = state_write(l->c, &l->info);
        if (r < 0)
                return r;
        log_debug("Container %s started as pid %d.", l->c->name, (int) l->pid);
        state_event(l->c, "start", NULL);
        if (!l->c->notify_proxy && !l->c->notify_healthy)
                (void) sd_notify(0, "READY=1\nSTATUS=Container running");
        r = health_begin(l->health);
        /* From here on we only wait: what the setup allocated (the compiled filter, the image's JSON)
         * goes back to the system, not to sit in our resident memory for the container's lifetime. */
        if (!l->health->argv) { /* health checks run with the container's filter */
                seccomp_filter_done(&l->c->filter);
                seccomp_filter_done(&l->c->init_filter);
        }
        l->c->init_program_fd = safe_close(l->c->init_program_fd);
        (void) malloc_trim(0);
        return r;
}

static void on_health_changed(Loop *l) {
        const char *status = l->health->status;

        _cleanup_free_ char *action = strjoin("health_status: ", status);

        log_info("Container %s is %s.", l->c->name, status);
        if (action)
                state_event(l->c, action, NULL);
        l->info.health = status;
        (void) state_write(l->c, &l->info);
        if (streq(status, "healthy")) {
                (void) sd_notify(0, l->c->notify_healthy ? "READY=1\nSTATUS=Container healthy"
                                                         : "STATUS=Container healthy");
                return;
        }
        if (!streq(status, "unhealthy"))
                return;
        (void) sd_notify(0, "STATUS=Container unhealthy");
        switch (l->health->on_failure) {
        case HEALTH_ACTION_KILL:
                (void) cgroup_kill_payload(l->cgroup);
                break;
        case HEALTH_ACTION_STOP:
                forward_signal(l, SIGTERM);
                start_stop_timer(l);
                break;
        case HEALTH_ACTION_NONE:
                break;
        }
}

/* OCI create (detach): the container stays behind as an orphan, so the caller's subreaper (conmon,
 * which waits for the container's own exit status) becomes its parent. A monitor forked here keeps the
 * lock, waits for `start` and cleans up after the exit; create itself returns. */
static int detach_monitor(Loop *l) {
        _cleanup_close_ int null_fd = -EBADF;
        pid_t m;

        m = fork();
        if (m < 0)
                return log_error_errno(negative_errno(), "Failed to fork the container's monitor: %m");
        if (m > 0) {
                l->c->monitor_pid = m;
                return 0;
        }
        l->c->is_monitor = true;
        l->c->console_socket = safe_close(l->c->console_socket);
        (void) setsid();
        /* The caller's pipes are the container's stdio: the monitor must not keep them open. */
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd >= 0)
                for (int fd = 0; fd < 3; fd++)
                        (void) dup2(null_fd, fd);
        return 0;
}

/* OCI create: the child is set up and waits; tell `create`, and wait for `start` on the fifo. */
static int on_created(Loop *l) {
        char b = 1;
        int r;

        r = oci_state_write(l->c, "created", l->pid, -1);
        if (r < 0)
                return r;
        if (l->c->oci_run) {
                char go = 1;
                if (send(l->sync_fd, &go, 1, MSG_NOSIGNAL) != 1)
                        return log_error_errno(negative_errno(), "Failed to start the container process: %m");
                return 0;
        }
        l->fifo_fd = open(l->c->start_fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (l->fifo_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", l->c->start_fifo);
        if (l->c->detach) {
                r = detach_monitor(l);
                if (r < 0)
                        return r;
        }
        if (l->c->created_fd >= 0) {
                (void) write(l->c->created_fd, &b, 1);
                l->c->created_fd = safe_close(l->c->created_fd);
        }
        return 0;
}

static void handle_start(Loop *l) {
        char b, go = 1;

        if (read(l->fifo_fd, &b, 1) != 1)
                return;
        l->fifo_fd = safe_close(l->fifo_fd);
        if (send(l->sync_fd, &go, 1, MSG_NOSIGNAL) != 1)
                log_warning_errno(negative_errno(), "Failed to start the container process: %m");
}

static int handle_sync(Loop *l) {
        ChildError e;
        ssize_t n = recv(l->sync_fd, &e, sizeof e, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n == (ssize_t) sizeof e && e.error == 0)
                return e.exit_status == CHILD_SYNC_CREATE_HOOKS ? oci_run_create_hooks(l->c, l->pid, l->sync_fd)
                                                                : on_created(l);
        l->sync_fd = safe_close(l->sync_fd);
        if (n == (ssize_t) sizeof e) {
                l->error = e;
                l->have_error = true;
                return 0;
        }
        /* EOF: the close-on-exec end went away in a successful execve (or the child died, which the
         * pidfd tells us next). */
        if (n == 0 && !l->started) {
                l->started = true;
                return on_started(l);
        }
        return 0;
}

/* Runs until the container's init has exited; returns its wait status. */
static int event_loop(Loop *l, int *ret_status) {
        for (;;) {
                struct pollfd p[8] = {
                        { .fd = l->signal_fd, .events = POLLIN },
                        { .fd = l->pid_fd, .events = POLLIN },
                        { .fd = l->sync_fd, .events = POLLIN },
                        { .fd = l->timer_fd, .events = POLLIN },
                        { .fd = l->notify_fd, .events = POLLIN },
                        { .fd = l->fifo_fd, .events = POLLIN },
                        { .fd = l->health->timer_fd, .events = POLLIN },
                        { .fd = l->health->check_pidfd, .events = POLLIN },
                };
                int r;

                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "poll() failed: %m");
                }
                if (p[2].revents) {
                        r = handle_sync(l);
                        if (r < 0) {
                                (void) cgroup_kill_payload(l->cgroup);
                                l->error = (ChildError) { .error = r, .exit_status = EXIT_RUNTIME_FAILED };
                                l->have_error = true;
                        }
                        if (l->c->monitor_pid > 0)
                                return 0; /* create, after detaching: the monitor goes on */
                        if (l->started && !l->have_error && monitor_exec_possible(l->c)) {
                                MonitorFds fds = { .pid_fd = l->pid_fd,
                                        .signal_fd = l->signal_fd,
                                        .timer_fd = l->timer_fd,
                                        .notify_fd = l->notify_fd };
                                (void) monitor_exec(l->c, l->cgroup, &fds, l->health);
                        }
                }
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(l->signal_fd, &si, sizeof si) == (ssize_t) sizeof si && si.ssi_signo != SIGCHLD) {
                                forward_signal(l, (int) si.ssi_signo);
                                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                                        l->stop_requested = true;
                                        start_stop_timer(l);
                                }
                        }
                }
                if (p[3].revents) {
                        uint64_t expirations;
                        (void) read(l->timer_fd, &expirations, sizeof expirations);
                        log_info("Container %s did not stop within the stop timeout; killing it.", l->c->name);
                        (void) cgroup_kill_payload(l->cgroup);
                }
                if (p[5].revents)
                        handle_start(l);
                if (p[6].revents)
                        (void) health_on_timer(l->health, l->pid_fd, l->cgroup_fd, &l->health_exec);
                if (p[7].revents && health_on_exit(l->health) > 0)
                        on_health_changed(l);
                if (p[4].revents) {
                        bool ready = false;
                        (void) notify_proxy_forward(l->notify_fd, &ready);
                }
                if (p[1].revents) {
                        siginfo_t si = {};
                        if (l->c->is_monitor) {
                                /* Not our child: its parent (the subreaper) collects the status. */
                                if (l->sync_fd >= 0)
                                        (void) handle_sync(l);
                                l->exit_unknown = true;
                                *ret_status = 0;
                                return 0;
                        }
                        if (waitid((idtype_t) P_PIDFD, (id_t) l->pid_fd, &si, WEXITED | WNOHANG) < 0)
                                return log_error_errno(negative_errno(), "waitid() failed: %m");
                        if (si.si_pid == 0)
                                continue;
                        /* Drain a last error report that raced with the exit. */
                        if (l->sync_fd >= 0)
                                (void) handle_sync(l);
                        *ret_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status;
                        return 0;
                }
        }
}

static int attach_device_filter(const Container *c, const CgroupPaths *cg) {
        _cleanup_close_ int dir = open(cg->payload, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (dir < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", cg->payload);
        r = device_filter_attach(dir, c->device_rules, c->n_device_rules);
        if (r != -EPERM && r != -ENOSYS)
                return r;
        /* Where BPF is not allowed (a runtime inside nspawn, say), the container's /dev holds only
         * harmless nodes, and without CAP_MKNOD it cannot make others: go on, but say so. */
        if (c->caps & CAP_MASK(CAP_MKNOD))
                return log_error_errno(r, "Cannot restrict device access here (BPF: %m), and the container would "
                                          "hold CAP_MKNOD; refusing to start it.");
        log_warning_errno(r, "Cannot restrict device access here (BPF: %m); the container keeps only its default "
                             "device nodes.");
        return 0;
}

int container_run(Container *c, CgroupPaths *cg) {
        _cleanup_close_ int cgroup_fd = -EBADF, signal_fd = -EBADF, pid_fd = -EBADF, timer_fd = -EBADF,
                            notify_fd = -EBADF, sync_parent = -EBADF, sync_child = -EBADF;
        _cleanup_(health_done) HealthCheck health = { .timer_fd = -EBADF, .check_pidfd = -EBADF };
        Loop l = { .c = c, .cgroup = cg, .sync_fd = -EBADF, .fifo_fd = -EBADF, .health = &health };
        int ret;
        bool in_cgroup;
        int pair[2], status = 0, r;
        sigset_t mask;
        pid_t pid;
        char go = 1;

        if (health_from_spec(&c->spec, &health) < 0)
                return EXIT_RUNTIME_FAILED;
        if (!c->spec.privileged && seccomp_filter_prepare(c->seccomp, c->caps, &c->filter) < 0)
                return EXIT_RUNTIME_FAILED;
        if (c->spec.init && (seccomp_filter_prepare(NULL, CAP_MASK(CAP_KILL), &c->init_filter) < 0 ||
                                            (c->init_program_fd = init_program_open()) < 0))
                return EXIT_RUNTIME_FAILED;
        if (c->notify_proxy) {
                notify_fd = notify_proxy_open(c->run_dir);
                if (notify_fd < 0)
                        return EXIT_RUNTIME_FAILED;
        }
        if (state_write_process(c, c->process.env) < 0)
                return EXIT_RUNTIME_FAILED;
        r = c->cgroup_path ? cgroup_setup_payload_at(cg, c->cgroup_path) : cgroup_setup(cg);
        if (r < 0)
                return EXIT_RUNTIME_FAILED;
        cgroup_fd = cgroup_open_payload(cg);
        if (cgroup_fd < 0)
                return EXIT_RUNTIME_FAILED;

        /* Blocked before the clone, so a stop request in the first microseconds is not lost. */
        (void) sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(handled_signals); i++)
                (void) sigaddset(&mask, handled_signals[i]);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to block signals: %m"), EXIT_RUNTIME_FAILED;
        signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (signal_fd < 0 || timer_fd < 0)
                return log_error_errno(negative_errno(), "Failed to set up the event loop: %m"), EXIT_RUNTIME_FAILED;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(negative_errno(), "socketpair() failed: %m"), EXIT_RUNTIME_FAILED;
        sync_parent = pair[0];
        sync_child = pair[1];

        pid = clone_container(c, cgroup_fd, &in_cgroup, &pid_fd);
        if (pid < 0)
                return log_error_errno(negative_errno(), "Failed to start the container process: %m"),
                       EXIT_RUNTIME_FAILED;
        if (pid == 0) {
                sync_parent = safe_close(sync_parent);
                container_child(c, sync_child);
        }
        closep(&sync_child);

        if (!in_cgroup && cgroup_enter_payload(cg, pid) < 0) {
                (void) syscall(SYS_pidfd_send_signal, pid_fd, SIGKILL, NULL, 0);
                (void) waitpid(pid, NULL, 0);
                return EXIT_RUNTIME_FAILED;
        }
        /* A bridge network: eth0 is in the namespace before the payload runs. */
        if (c->network == NETWORK_PRIVATE &&
                        network_attach_container(c->spec.network, c->name, pid, c->run_dir, c->process.hostname,
                                        c->spec.publish, c->spec.dns != NULL) < 0) {
                (void) syscall(SYS_pidfd_send_signal, pid_fd, SIGKILL, NULL, 0);
                (void) waitpid(pid, NULL, 0);
                return EXIT_RUNTIME_FAILED;
        }
        /* Before the child does anything: only the default devices and --device ones can be opened. */
        if (!c->spec.privileged && attach_device_filter(c, cg) < 0) {
                (void) syscall(SYS_pidfd_send_signal, pid_fd, SIGKILL, NULL, 0);
                (void) waitpid(pid, NULL, 0);
                return EXIT_RUNTIME_FAILED;
        }
        if (send(sync_parent, &go, 1, MSG_NOSIGNAL) != 1)
                log_warning_errno(negative_errno(), "Failed to release the container process: %m");

        exec_params_from_container(c, &l.health_exec);
        l.cgroup_fd = cgroup_fd;
        l.signal_fd = signal_fd;
        l.pid_fd = pid_fd;
        l.sync_fd = TAKE_FD(sync_parent);
        l.timer_fd = timer_fd;
        l.notify_fd = notify_fd;
        l.pid = pid;
        r = event_loop(&l, &status);
        if (r >= 0 && c->monitor_pid > 0)
                return 0; /* OCI create: created, and handed to the monitor */
        l.sync_fd = safe_close(l.sync_fd);
        l.fifo_fd = safe_close(l.fifo_fd);
        ret = r < 0 ? EXIT_RUNTIME_FAILED : l.have_error ? l.error.exit_status : exit_status_from_wait(status);
        if (l.started && !c->oci) {
                char exit_code[64], *extra[] = { exit_code, NULL };
                (void) snprintf(exit_code, sizeof exit_code, "exitCode=%d", ret);
                state_event(c, "die", extra);
        }
        if (r >= 0 && !l.have_error && !c->oci && l.stop_requested && ended_by_stop(c, status)) {
                /* A requested stop that worked is a success, as for any service systemd stops: otherwise
                 * every `systemctl stop` would leave the unit failed with 143 or 137. */
                log_info("Container %s stopped.", c->name);
                ret = EXIT_SUCCESS;
        }
        if (c->oci)
                (void) oci_state_write(c, "stopped", pid, l.exit_unknown ? -1 : ret);
        free(l.unit);
        return ret;
}

int check_options_main(int argc, char *argv[]) {
        _cleanup_(container_done) Container c = { .created_fd = -EBADF,
                .console_socket = -EBADF,
                .lock_fd = -EBADF,
                .init_program_fd = -EBADF };

        container_spec_init(&c.spec);
        return supervise_parse_command_line(&c, argc, argv) < 0 ? EXIT_RUNTIME_FAILED : EXIT_SUCCESS;
}

int supervise_main(int argc, char *argv[]) {
        _cleanup_(container_done) Container c = { .created_fd = -EBADF,
                .console_socket = -EBADF,
                .lock_fd = -EBADF,
                .init_program_fd = -EBADF };
        _cleanup_(cgroup_paths_done) CgroupPaths cg = {};
        _cleanup_free_ char *containers = NULL;
        int lock_fd, r, ret;

        container_spec_init(&c.spec);
        r = supervise_parse_command_line(&c, argc, argv);
        if (r < 0)
                return EXIT_RUNTIME_FAILED;
        r = supervise_prepare(&c);
        if (r < 0)
                return EXIT_RUNTIME_FAILED;

        containers = strjoin(berth_path(BERTH_PATH_RUN), "/containers");
        if (!containers)
                return log_oom(), EXIT_RUNTIME_FAILED;
        r = mkdir_p(containers, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", containers), EXIT_RUNTIME_FAILED;
        lock_fd = state_lock(c.lock_path);
        c.lock_fd = lock_fd;
        if (lock_fd == -EBUSY)
                return log_error_errno(lock_fd, "A container named '%s' is already running.", c.name),
                       EXIT_RUNTIME_FAILED;
        if (lock_fd < 0)
                return EXIT_RUNTIME_FAILED;

        ret = EXIT_RUNTIME_FAILED;
        if ((!c.userns_auto || userns_setup(&c.userns) >= 0) && container_make_directories(&c) >= 0 &&
                        secrets_write_files(&c) >= 0 && network_write_files(&c) >= 0)
                ret = container_run(&c, &cg);
        if (c.network == NETWORK_PRIVATE)
                (void) network_detach_container(c.spec.network ? c.spec.network[0] : NULL,
                                c.name); /* its rules, veths, leases */

        /* Whatever happened, leave nothing behind: processes and cgroups, then files, then the lock. */
        (void) cgroup_teardown(&cg);
        container_remove_directories(&c);
        state_unlock(c.lock_path, lock_fd);
        return ret;
}
