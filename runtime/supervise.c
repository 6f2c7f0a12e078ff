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
#include "network-attach.h"
#include "network.h"
#include "notify.h"
#include "oci.h"
#include "oci-hooks.h"
#include "paths.h"
#include "pod-store.h"
#include "run-options.h"
#include "state.h"
#include "supervise.h"

extern char **environ;

#define EXIT_RUNTIME_FAILED 125
#define DEFAULT_STOP_TIMEOUT_USEC (10ULL * 1000000ULL)

/* Signals the supervisor takes through its signalfd; all but SIGCHLD are passed on to the container. */
static const int handled_signals[] = {
        SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGCHLD,
};

static int random_name(char **ret) {
        uint8_t b[6];
        char hex[2 * sizeof b + 1];

        if (getrandom(b, sizeof b, 0) != (ssize_t) sizeof b)
                return negative_errno();
        for (size_t i = 0; i < sizeof b; i++)
                (void) snprintf(hex + 2 * i, 3, "%02x", b[i]);
        *ret = strjoin("berth-", hex);
        return *ret ? 0 : -ENOMEM;
}

static int parse_command_line(Container *c, int argc, char *argv[]) {
        int idx, r;

        r = run_options_parse_argv(&c->spec, argc, argv, &idx);
        if (r < 0)
                return r;
        if (!c->spec.rootfs) {
                if (idx >= argc)
                        return log_error_errno(-EINVAL, "No image given. Usage: berth-runtime supervise [OPTIONS] "
                                        "IMAGE [COMMAND [ARG...]]");
                c->spec.image = strdup(argv[idx++]);
                if (!c->spec.image)
                        return log_oom();
        }
        if (idx < argc) {
                c->spec.command = strv_copy(argv + idx);
                if (!c->spec.command)
                        return log_oom();
        }
        if (!c->spec.name) {
                r = random_name(&c->spec.name);
                if (r < 0)
                        return log_error_errno(r, "Failed to generate a container name: %m");
        }
        if (!container_name_is_valid(c->spec.name))
                return log_error_errno(-EINVAL, "Invalid container name '%s': use letters, digits, '_', '.' and '-', "
                                "starting with a letter or digit.", c->spec.name);
        c->name = c->spec.name;
        return 0;
}

static int resolve_image(Container *c) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        const char *root = berth_path(BERTH_PATH_STORAGE);
        int r;

        if (c->spec.rootfs) {
                struct stat st;
                if (!path_is_absolute(c->spec.rootfs))
                        return log_error_errno(-EINVAL, "--rootfs '%s' must be an absolute path.", c->spec.rootfs);
                if (stat(c->spec.rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
                        return log_error_errno(-ENOTDIR, "--rootfs %s is not a directory.", c->spec.rootfs);
                return 0;
        }
        r = image_store_open(root, &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", root);
        /* --pull (Pull=): a missing image is pulled now, at unit start (lib/image-pull.h). */
        return image_store_ensure(store, c->spec.image, c->spec.pull, &c->image);
}

/* --pod: the pod's network, IPC and UTS namespaces, kept by `berth pod create` as nsfs files, and its
 * host name (lib/pod-store.h). Its DNS and /etc/hosts settings come from pod_apply_to_spec() later. */
static int join_pod(Container *c) {
        _cleanup_(pod_freep) Pod *pod = NULL;
        _cleanup_free_ char *h = NULL;
        int r;

        r = pod_load(c->spec.pod, &pod);
        if (r == -ENOENT)
                return log_error_errno(r, "Pod '%s' does not exist: create it with 'berth pod create'.", c->spec.pod);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return r;
        c->join_netns = pod_namespace_path(pod->name, POD_NS_NET);
        c->join_ipcns = pod_namespace_path(pod->name, POD_NS_IPC);
        c->join_utsns = pod_namespace_path(pod->name, POD_NS_UTS);
        if (!c->join_netns || !c->join_ipcns || !c->join_utsns)
                return log_oom();
        c->network = NETWORK_JOIN;

        /* The UTS namespace is shared: the pod's host name is the container's. */
        free(c->process.hostname);
        c->process.hostname = strdup(pod->hostname);
        if (!c->process.hostname || !(h = strjoin("HOSTNAME=", pod->hostname)) || env_set(&c->process.env, h) < 0)
                return log_oom();
        return 0;
}

static int resolve_network(Container *c) {
        const char *n = c->spec.network, *other;
        pid_t pid;
        int r;

        if (c->spec.pod)
                return join_pod(c);
        if (!n || streq(n, "none") || streq(n, "private") || streq(n, "")) {
                c->network = NETWORK_PRIVATE;
                return 0;
        }
        if (streq(n, "host")) {
                c->network = NETWORK_HOST;
                return 0;
        }
        other = startswith(n, "container:");
        if (other) {
                r = state_read_pid(other, &pid);
                if (r < 0)
                        return r;
                if (asprintf(&c->join_netns, "/proc/%d/ns/net", (int) pid) < 0)
                        return log_oom();
                c->network = NETWORK_JOIN;
                return 0;
        }
        {
                /* Any other name is a bridge network: a private namespace, plugged in after clone. */
                _cleanup_(network_freep) Network *net = NULL;
                r = network_load(n, &net);
                if (r >= 0) {
                        c->network = NETWORK_PRIVATE;
                        return 0;
                }
                if (r != -ENOENT)
                        return log_error_errno(r, "Failed to load network '%s': %m", n);
        }
        return log_error_errno(-EOPNOTSUPP, "--network=%s is not supported by berth-runtime: use none, private, host, "
                        "container:NAME or a network made with 'berth network create'.", n);
}

static int prepare(Container *c) {
        int r;

        r = resolve_image(c);
        if (r < 0)
                return r;
        r = process_config_resolve(&c->spec, c->image ? &c->image->config : NULL, environ, &c->process);
        if (r < 0)
                return r;
        r = capabilities_from_spec(&c->spec, &c->caps);
        if (r < 0)
                return r;
        STRV_FOREACH(a, c->spec.cap_add) {
                int cap = capability_from_name(*a);
                if (cap >= 0)
                        c->caps_added |= CAP_MASK(cap);
        }
        r = resolve_network(c);
        if (r < 0)
                return r;
        if (c->spec.pod) {
                /* DNS and host entries of the pod (berth pod create --dns, --add-host, ...). */
                r = pod_apply_to_spec(c->spec.pod, &c->spec);
                if (r < 0)
                        return r;
        }

        if (c->spec.stop_signal || (c->image && c->image->config.stop_signal)) {
                const char *s = c->spec.stop_signal ?: c->image->config.stop_signal;
                c->stop_signal = signal_from_string(s);
                if (c->stop_signal < 0)
                        return log_error_errno(-EINVAL, "Invalid stop signal '%s'.", s);
        } else
                c->stop_signal = SIGTERM;
        c->stop_timeout_usec = DEFAULT_STOP_TIMEOUT_USEC;
        if (c->spec.stop_timeout && parse_timeout_sec(c->spec.stop_timeout, &c->stop_timeout_usec) < 0)
                return log_error_errno(-EINVAL, "Invalid --stop-timeout '%s': expected whole seconds.", c->spec.stop_timeout);

        if (!c->spec.notify || streq(c->spec.notify, "false") || streq(c->spec.notify, "conmon"))
                c->notify_proxy = false;
        else if (streq(c->spec.notify, "true") || streq(c->spec.notify, "container")) {
                c->notify_proxy = true;
                if (env_set(&c->process.env, "NOTIFY_SOCKET=" NOTIFY_CONTAINER_SOCKET) < 0)
                        return log_oom();
        }
        else if (streq(c->spec.notify, "healthy")) {
                if (isempty(c->spec.health_cmd) || strcasecmp(c->spec.health_cmd, "none") == 0)
                        return log_error_errno(-EINVAL, "--notify=healthy needs a health check (--health-cmd).");
                c->notify_healthy = true;
        } else
                return log_error_errno(-EINVAL, "Invalid --notify '%s': expected false, true or healthy.", c->spec.notify);

        if (streq_ptr(c->spec.seccomp_profile, "unconfined")) {
                c->seccomp = strdup("unconfined");
                if (!c->seccomp)
                        return log_oom();
        } else if (c->spec.seccomp_profile) {
                r = read_full_file(c->spec.seccomp_profile, &c->seccomp, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to read --seccomp-profile %s: %m", c->spec.seccomp_profile);
        }
        STRV_FOREACH(d, c->spec.devices) {
                struct DeviceRule *n = reallocarray(c->device_rules, c->n_device_rules + 1, sizeof *n);
                if (!n)
                        return log_oom();
                c->device_rules = n;
                r = device_rule_from_spec(*d, &c->device_rules[c->n_device_rules]);
                if (r < 0)
                        return r;
                c->n_device_rules++;
        }
        if (streq_ptr(c->spec.userns, "auto") || c->spec.uidmap || c->spec.gidmap) {
                if (streq_ptr(c->spec.userns, "auto") && (c->spec.uidmap || c->spec.gidmap))
                        return log_error_errno(-EINVAL, "--userns=auto and --uidmap/--gidmap cannot be combined.");
                /* Explicit maps go the same way as auto's block: idmapped layers, the userns entered last. */
                c->userns_auto = true;
                c->userns = USERNS_NULL;
                c->userns.uid_map = c->spec.uidmap;
                c->userns.gid_map = c->spec.gidmap;
        } else if (c->spec.userns && !streq(c->spec.userns, "host") && !isempty(c->spec.userns))
                return log_error_errno(-EOPNOTSUPP, "--userns=%s is not supported; use host or auto.", c->spec.userns);
        if (c->spec.publish && network_name_is_mode(c->spec.network))
                log_warning("--publish is not handled by berth-runtime; ports are not forwarded.");

        /* Devices must be opened before the container's device filter forbids it (mount.h). */
        r = mount_open_device_volumes(c);
        if (r < 0)
                return r;
        c->run_dir = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", c->name);
        c->state_dir = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", c->name);
        c->lock_path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/.", c->name, ".lock");
        c->root_mnt = c->run_dir ? path_join(c->run_dir, "rootfs") : NULL;
        if (!c->run_dir || !c->state_dir || !c->lock_path || !c->root_mnt)
                return log_oom();
        return 0;
}

/* Fresh per-container directories; whatever a killed predecessor left is removed first (we hold the
 * name's lock, so nobody else uses them). */
static int make_directories(const Container *c) {
        _cleanup_free_ char *upper = NULL, *work = NULL;
        int r;

        (void) rm_rf(c->run_dir);
        r = mkdir_p(c->root_mnt, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", c->root_mnt);
        if (c->spec.rootfs)
                return 0;
        (void) rm_rf(c->state_dir);
        upper = path_join(c->state_dir, "upper");
        work = path_join(c->state_dir, "work");
        if (!upper || !work)
                return log_oom();
        r = mkdir_p(c->state_dir, 0700);
        if (r >= 0)
                r = mkdir_p(upper, 0755);
        if (r >= 0)
                r = mkdir_p(work, 0700);
        /* The container's root owns its "/" (the upper dir is the overlay's root directory). */
        if (r >= 0 && c->userns_auto && chown(upper, c->userns.base, c->userns.base) < 0)
                r = negative_errno();
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", c->state_dir);
        return 0;
}

static void remove_directories(const Container *c) {
        int r;

        if (c->run_dir && (r = rm_rf(c->run_dir)) < 0)
                log_warning_errno(r, "Failed to remove %s: %m", c->run_dir);
        if (c->state_dir && !c->spec.rootfs && (r = rm_rf(c->state_dir)) < 0)
                log_warning_errno(r, "Failed to remove %s: %m", c->state_dir);
}

/* clone3() straight into the payload cgroup; clone() plus a cgroup.procs write where clone3 is missing. */
static pid_t clone_container(const Container *c, int cgroup_fd, bool *ret_in_cgroup, int *ret_pidfd) {
        uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_PIDFD | (c->join_utsns ? 0 : CLONE_NEWUTS) |
                (c->join_ipcns ? 0 : CLONE_NEWIPC) | (c->network == NETWORK_PRIVATE ? CLONE_NEWNET : 0);
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

/* Did the container end because of the stop signal or the kill after the stop timeout? A shell as PID 1
 * reports a signal its child died of as 128+N, so that counts too. */
bool status_ended_by_stop(int stop_signal, int status) {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status)
                : WIFEXITED(status) && WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128 : 0;
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

        if (l->c->oci) {
                r = oci_state_write(l->c, "running", l->pid, -1);
                if (r >= 0 && l->c->hooks_json) {
                        _cleanup_free_ char *path = path_join(l->c->run_dir, "state.json"), *state = NULL;
                        if (path && read_full_file(path, &state, NULL) >= 0)
                                (void) oci_hooks_run(l->c->hooks_json, "poststart", state, false);
                }
                return r;
        }
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
        if (!l->c->notify_proxy && !l->c->notify_healthy)
                (void) sd_notify(0, "READY=1\nSTATUS=Container running");
        r = health_begin(l->health);
        /* From here on we only wait: what the setup allocated (the compiled filter, the image's JSON)
         * goes back to the system, not to sit in our resident memory for the container's lifetime. */
        if (!l->health->argv) { /* health checks run with the container's filter */
                seccomp_filter_done(&l->c->filter);
                seccomp_filter_done(&l->c->init_filter);
        }
        (void) malloc_trim(0);
        return r;
}

static void on_health_changed(Loop *l) {
        const char *status = l->health->status;

        log_info("Container %s is %s.", l->c->name, status);
        l->info.health = status;
        (void) state_write(l->c, &l->info);
        if (streq(status, "healthy")) {
                (void) sd_notify(0, l->c->notify_healthy ? "READY=1\nSTATUS=Container healthy" : "STATUS=Container healthy");
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
        if (l->c->hooks_json) {
                _cleanup_free_ char *path = path_join(l->c->run_dir, "state.json"), *state = NULL;
                if (!path)
                        return log_oom();
                r = read_full_file(path, &state, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s: %m", path);
                r = oci_hooks_run(l->c->hooks_json, "prestart", state, true);
                if (r >= 0)
                        r = oci_hooks_run(l->c->hooks_json, "createRuntime", state, true);
                if (r < 0)
                        return r;
        }
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
                return on_created(l);
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
                        if (l->started && !l->have_error && monitor_exec_possible(l->c, l->health->argv))
                                (void) monitor_exec(l->c, l->cgroup, l->pid_fd, l->signal_fd, l->timer_fd);
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
        if (c->spec.init && seccomp_filter_prepare(NULL, CAP_MASK(CAP_KILL), &c->init_filter) < 0)
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
                return log_error_errno(negative_errno(), "Failed to start the container process: %m"), EXIT_RUNTIME_FAILED;
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
        if (c->network == NETWORK_PRIVATE && network_attach_container(c->spec.network, c->name, pid, c->run_dir,
                                c->process.hostname, c->spec.publish, c->spec.dns != NULL) < 0) {
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

int supervise_main(int argc, char *argv[]) {
        _cleanup_(container_done) Container c = { .created_fd = -EBADF, .console_socket = -EBADF, .lock_fd = -EBADF };
        _cleanup_(cgroup_paths_done) CgroupPaths cg = {};
        _cleanup_free_ char *containers = NULL;
        int lock_fd, r, ret;

        container_spec_init(&c.spec);
        r = parse_command_line(&c, argc, argv);
        if (r < 0)
                return EXIT_RUNTIME_FAILED;
        r = prepare(&c);
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
                return log_error_errno(lock_fd, "A container named '%s' is already running.", c.name), EXIT_RUNTIME_FAILED;
        if (lock_fd < 0)
                return EXIT_RUNTIME_FAILED;

        ret = EXIT_RUNTIME_FAILED;
        if ((!c.userns_auto || userns_setup(&c.userns) >= 0) && make_directories(&c) >= 0 &&
                        network_write_files(&c) >= 0)
                ret = container_run(&c, &cg);
        if (c.network == NETWORK_PRIVATE)
                (void) network_detach_container(c.spec.network, c.name); /* its rules, veth and lease */

        /* Whatever happened, leave nothing behind: processes and cgroups, then files, then the lock. */
        (void) cgroup_teardown(&cg);
        remove_directories(&c);
        state_unlock(c.lock_path, lock_fd);
        return ret;
}
