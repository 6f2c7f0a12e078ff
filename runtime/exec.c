/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "child.h"
#include "config.h"
#include "exec.h"
#include "fs-util.h"
#include "init.h"
#include "log.h"
#include "oci-config.h"
#include "oci.h"
#include "paths.h"
#include "pty.h"
#include "running-containers.h"
#include "spawn.h"
#include "state.h"
#include "stdio-relay.h"

#define EXIT_EXEC_FAILED 125

typedef struct ExecOptions {
        char *user;
        char *workdir;
        char **env;
        bool tty;
        bool interactive;
        const char *name;
        char **argv;
        /* runc's exec options; any of them makes NAME an OCI container id */
        bool oci;
        const char *process_file;
        const char *pid_file;
        const char *console;
        bool detach;
        bool no_new_privs;
        uint64_t caps;
        unsigned preserve_fds;
} ExecOptions;

static void exec_options_done(ExecOptions *o) {
        free(o->user);
        free(o->workdir);
        strv_free(o->env);
}

/* The options that only runc's exec has; value is NULL for flags. */
static int parse_oci_option(ExecOptions *o, const char *a, const char *value) {
        o->oci = true;
        if (streq(a, "--process"))
                o->process_file = value;
        else if (streq(a, "--pid-file"))
                o->pid_file = value;
        else if (streq(a, "--console-socket"))
                o->console = value;
        else if (streq(a, "--cap")) {
                int c = capability_from_name(value);
                if (c < 0)
                        return log_error_errno(-EINVAL, "--cap %s: unknown capability.", value);
                o->caps |= CAP_MASK(c);
        } else if (streq(a, "--preserve-fds")) {
                char *end;
                unsigned long n = strtoul(value, &end, 10);
                if (*value == 0 || *end != 0 || n > 4096)
                        return log_error_errno(-EINVAL, "--preserve-fds %s: expected a number of fds.", value);
                o->preserve_fds = (unsigned) n;
        }
        return 0;
}

static int parse_exec_options(int argc, char *argv[], ExecOptions *o) {
        int i;

        for (i = 0; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i], *v = NULL;
                char **target = NULL;

                if (streq(a, "--")) {
                        i++;
                        break;
                }
                if (streq(a, "-t") || streq(a, "--tty")) {
                        o->tty = true;
                        continue;
                }
                if (streq(a, "-i") || streq(a, "--interactive")) {
                        o->interactive = true;
                        continue;
                }
                if (streq(a, "-d") || streq(a, "--detach")) {
                        o->detach = true;
                        continue;
                }
                if (streq(a, "--no-new-privs")) {
                        o->oci = true;
                        o->no_new_privs = true;
                        continue;
                }
                {
                        static const char *const with_value[] = { "--process", "--pid-file", "--console-socket",
                                "--cap", "--preserve-fds" };
                        bool found = false;
                        for (size_t k = 0; k < ELEMENTSOF(with_value) && !found; k++) {
                                size_t n = strlen(with_value[k]);
                                if (strncmp(a, with_value[k], n) != 0 || (a[n] != 0 && a[n] != '='))
                                        continue;
                                found = true;
                                if (a[n] == 0 && i + 1 >= argc)
                                        return log_error_errno(-EINVAL, "Option '%s' needs a value.", a);
                                if (parse_oci_option(o, with_value[k], a[n] == '=' ? a + n + 1 : argv[++i]) < 0)
                                        return -EINVAL;
                        }
                        if (found)
                                continue;
                }
                if (streq(a, "-u") || streq(a, "--user") || startswith(a, "--user="))
                        target = &o->user;
                else if (streq(a, "-w") || streq(a, "--workdir") || startswith(a, "--workdir=") || streq(a, "--cwd") ||
                                startswith(a, "--cwd="))
                        target = &o->workdir;
                else if (!(streq(a, "-e") || streq(a, "--env") || startswith(a, "--env=")))
                        return log_error_errno(-EINVAL, "Unknown option '%s' for exec.", a);

                v = strchr(a, '=') && startswith(a, "--") ? strchr(a, '=') + 1 : NULL;
                if (!v) {
                        if (i + 1 >= argc)
                                return log_error_errno(-EINVAL, "Option '%s' needs a value.", a);
                        v = argv[++i];
                }
                if (target) {
                        free(*target);
                        *target = strdup(v);
                        if (!*target)
                                return log_oom();
                } else if (strv_extend(&o->env, v) < 0)
                        return log_oom();
        }
        /* With --process the command comes from the file. */
        if (i + (o->process_file ? 1 : 2) > argc)
                return log_error_errno(-EINVAL,
                                "Usage: berth-runtime exec [-u USER] [-w DIR] [-e K=V] NAME COMMAND [ARG...]\n"
                                "       berth-runtime exec [--process FILE | ...] ID [COMMAND [ARG...]]");
        o->name = argv[i];
        o->argv = argv + i + 1;
        if (o->workdir && !path_is_absolute(o->workdir))
                return log_error_errno(-EINVAL, "--workdir '%s' is not an absolute path.", o->workdir);
        return 0;
}

/* The payload cgroup of the container's init, as a directory fd for CLONE_INTO_CGROUP. */
static int open_cgroup_of(pid_t pid, bool payload) {
        _cleanup_free_ char *mountinfo = NULL, *mount = NULL, *root = NULL, *text = NULL, *rel = NULL, *dir = NULL;
        char path[64];
        int fd, r;

        r = read_full_file("/proc/self/mountinfo", &mountinfo, NULL);
        if (r >= 0)
                r = cgroup2_mount_from_mountinfo(mountinfo, &mount, &root);
        if (r < 0)
                return log_error_errno(r, "Cannot find the cgroup2 mount: %m");
        (void) snprintf(path, sizeof path, "/proc/%d/cgroup", (int) pid);
        r = read_full_file(path, &text, NULL);
        if (r >= 0)
                r = cgroup2_path_from_proc(text, &rel);
        if (r < 0)
                return log_error_errno(r, "Cannot read the cgroup of pid %d: %m", (int) pid);
        if (payload && !endswith(rel, "/payload"))
                return log_error_errno(-ESRCH, "Pid %d is not in a berth payload cgroup (%s); is the state stale?",
                                (int) pid, rel);
        dir = strjoin(mount, rel);
        if (!dir)
                return log_oom();
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", dir);
        return fd;
}

/* The pid of the process behind pidfd, in our pid namespace. */
static pid_t pidfd_to_pid(int pidfd) {
        _cleanup_fclose_ FILE *f = NULL;
        char path[64], line[256];

        (void) snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
        f = fopen(path, "re");
        if (!f)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", path);
        while (fgets(line, sizeof line, f)) {
                int pid;
                if (sscanf(line, "Pid: %d", &pid) == 1 && pid > 0)
                        return (pid_t) pid;
        }
        return log_error_errno(-ESRCH, "%s has no pid.", path);
}

/* Sends fd over the unix socket sock (SCM_RIGHTS), as --console-socket expects. */
static int send_fd(int sock, int fd) {
        char byte = 0;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return log_error_errno(negative_errno(), "Failed to send the pty to --console-socket: %m");
        return 0;
}

static void close_fd_array3(int (*fds)[3]) {
        for (size_t i = 0; i < 3; i++)
                (*fds)[i] = safe_close((*fds)[i]);
}

/* Standard fds for a detached process of the unit face: /dev/null for input; output and errors are
 * copies of the container's first process's own (pidfd_getfd), or /dev/null when it closed them. */
static int detached_stdio(int container_pidfd, int fds[3]) {
        fds[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fds[0] < 0)
                return log_error_errno(negative_errno(), "Failed to open /dev/null: %m");
        for (int i = 1; i < 3; i++) {
                fds[i] = (int) syscall(SYS_pidfd_getfd, container_pidfd, i, 0);
                if (fds[i] < 0 && (fds[i] = fcntl(fds[0], F_DUPFD_CLOEXEC, 3)) < 0)
                        return log_error_errno(negative_errno(), "Failed to duplicate a file descriptor: %m");
        }
        return 0;
}

int exec_main(int argc, char *argv[]) {
        _cleanup_(exec_options_done) ExecOptions o = {};
        _cleanup_(process_state_done) ProcessState ps = {};
        _cleanup_close_ int pidfd = -EBADF, cgroup_fd = -EBADF, signal_fd = -EBADF, child_pidfd = -EBADF,
                            sync_parent = -EBADF, sync_child = -EBADF, master = -EBADF;
        _cleanup_(pty_terminal_restore) PtyTerminal terminal = {};
        _cleanup_(seccomp_filter_done) SeccompFilter filter = {};
        _cleanup_close_ int userns_fd = -EBADF, console = -EBADF;
        _cleanup_(container_done) Container proc = { .created_fd = -EBADF,
                .console_socket = -EBADF,
                .lock_fd = -EBADF,
                .init_program_fd = -EBADF };
        bool proc_terminal = false, proc_has_caps = false;
        CapSets cap_sets = {};
        int in_fd = -EBADF;
        _cleanup_free_ char *lock = NULL;
        ChildError err = {};
        bool have_error = false;
        _cleanup_(close_fd_array3) int detached[3] = { -EBADF, -EBADF, -EBADF };
        _cleanup_(stdio_relay_done) StdioRelay relay = {};
        const int *stdio = NULL;
        sigset_t mask;
        pid_t pid;
        int pair[2];

        if (parse_exec_options(argc, argv, &o) < 0)
                return EXIT_EXEC_FAILED;
        if (!container_name_is_valid(o.name))
                return log_error_errno(-EINVAL, "Invalid container name '%s': " CONTAINER_NAME_RULE ".", o.name),
                       EXIT_EXEC_FAILED;
        /* An OCI container when runc's options say so or its OCI state exists; else the unit face's. */
        o.oci = o.oci || oci_container_exists(o.name);
        if (o.oci) {
                _cleanup_free_ char *dir = NULL;
                if (oci_exec_target(o.name, &pid, &dir) < 0 || state_read_process_at(dir, &ps) < 0)
                        return EXIT_EXEC_FAILED;
                if (o.process_file && oci_process_load(o.process_file, &proc, &proc_terminal, &proc_has_caps) < 0)
                        return EXIT_EXEC_FAILED;
                if (o.detach && (o.tty || proc_terminal) && !o.console)
                        return log_error_errno(-EINVAL, "exec --detach with a terminal needs --console-socket."),
                               EXIT_EXEC_FAILED;
                if (o.console && (console = oci_connect_console_socket(o.console)) < 0)
                        return EXIT_EXEC_FAILED;
        } else {
                if (running_container_pid(o.name, &pid) < 0)
                        return log_error_errno(-ESRCH, "Container '%s' is not running.", o.name), EXIT_EXEC_FAILED;
                if (state_read_process(o.name, &ps) < 0)
                        return EXIT_EXEC_FAILED;
                if (o.detach && o.tty)
                        return log_error_errno(-EINVAL, "exec --detach cannot give the process a terminal: "
                                                        "nobody would be left to read it."),
                               EXIT_EXEC_FAILED;
        }

        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return log_error_errno(negative_errno(), "Container '%s' (pid %d) is gone: %m", o.name, (int) pid),
                       EXIT_EXEC_FAILED;
        /* Checked after the pidfd pins the process: the pid cannot be recycled under us any more. */
        cgroup_fd = open_cgroup_of(pid, !o.oci);
        if (cgroup_fd < 0)
                return EXIT_EXEC_FAILED;

        (void) sigemptyset(&mask);
        for (int s = 1; s < _NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE &&
                                s != SIGTRAP && s != SIGABRT && s < SIGRTMIN)
                        (void) sigaddset(&mask, s);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || (signal_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0)
                return log_error_errno(negative_errno(), "Failed to set up signals: %m"), EXIT_EXEC_FAILED;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(negative_errno(), "socketpair() failed: %m"), EXIT_EXEC_FAILED;
        sync_parent = pair[0];
        sync_child = pair[1];

        if (!ps.privileged && seccomp_filter_prepare(ps.seccomp, ps.caps, &filter) < 0)
                return EXIT_EXEC_FAILED;
        /* A container with its own user namespace (--userns=auto): the process enters it too. */
        {
                char path[64];
                struct stat a, b;
                (void) snprintf(path, sizeof path, "/proc/%d/ns/user", (int) pid);
                userns_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (userns_fd < 0 || fstat(userns_fd, &a) < 0 || stat("/proc/self/ns/user", &b) < 0)
                        return log_error_errno(negative_errno(), "Failed to open %s: %m", path), EXIT_EXEC_FAILED;
                if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        userns_fd = safe_close(userns_fd);
        }
        {
                _cleanup_strv_free_ char **env = strv_copy(o.process_file ? proc.process.env : ps.env);
                ExecParams p = {
                        .argv = o.argv,
                        .workdir = o.workdir ?: ps.workdir,
                        .user = o.user ?: ps.user,
                        .group_add = ps.group_add,
                        .ulimits = ps.ulimits,
                        .umask = ps.umask,
                        .caps = ps.caps,
                        .caps_added = ps.caps_added,
                        .no_new_privileges = ps.no_new_privileges,
                        .privileged = ps.privileged,
                        .seccomp = ps.seccomp,
                        .tty = o.tty,
                        .filter = &filter,
                        .userns_fd = userns_fd,
                        .preserve_fds = o.preserve_fds,
                        .detach = o.detach,
                };
                if (o.process_file) {
                        /* runc's exec: the process file says what to run and how; the options win. */
                        if (!o.argv[0])
                                p.argv = proc.process.argv;
                        p.workdir = o.workdir ?: proc.process.workdir;
                        p.user = o.user ?: proc.process.user;
                        p.group_add = proc.spec.group_add;
                        if (proc.spec.ulimit)
                                p.ulimits = proc.spec.ulimit;
                        if (proc_has_caps) {
                                p.caps = proc.caps;
                                p.caps_added = proc.caps_added;
                                cap_sets = proc.cap_sets;
                                p.cap_sets = &cap_sets;
                        }
                        /* The container's no_new_privs is kept: an exec'd process gets no more. */
                        p.no_new_privileges = p.no_new_privileges || proc.spec.no_new_privileges;
                        p.tty = o.tty || proc_terminal;
                        o.tty = p.tty;
                }
                /* As create does: every set of process.capabilities, the process file's or else the
                 * container's; runc's --cap adds to the bounding, effective and permitted sets (and
                 * to the ambient one where the inheritable set allows it). */
                if (!p.cap_sets && ps.has_cap_sets) {
                        cap_sets = ps.cap_sets;
                        p.cap_sets = &cap_sets;
                }
                if (p.cap_sets) {
                        cap_sets.bounding |= o.caps;
                        cap_sets.effective |= o.caps;
                        cap_sets.permitted |= o.caps;
                        cap_sets.ambient |= o.caps & cap_sets.inheritable;
                }
                p.caps |= o.caps;
                p.caps_added |= o.caps;
                p.no_new_privileges = p.no_new_privileges || o.no_new_privs;
                if (!env)
                        return log_oom(), EXIT_EXEC_FAILED;
                if (o.tty && !env_get(env, "TERM")) {
                        _cleanup_free_ char *term = strjoin("TERM=", getenv("TERM") ?: "xterm");
                        if (!term || env_set(&env, term) < 0)
                                return log_oom(), EXIT_EXEC_FAILED;
                }
                STRV_FOREACH(kv, o.env)
                        if (env_set(&env, *kv) < 0)
                                return log_error_errno(-EINVAL, "Invalid --env '%s': expected KEY=VALUE.", *kv),
                                       EXIT_EXEC_FAILED;
                p.env = env;
                if (o.detach && !o.oci) {
                        /* Nobody stays to pass the output on: it goes where the container's own goes
                         * (the unit's journal), and input is empty, as docker exec -d. */
                        if (detached_stdio(pidfd, detached) < 0)
                                return EXIT_EXEC_FAILED;
                        stdio = detached;
                } else if (!o.oci && !o.tty) {
                        /* The process gets pipes of ours, never our caller's fds: through
                         * /proc/PID/fd it could reopen the caller's files (a log the admin
                         * redirected into, say) and overwrite them. */
                        int k = stdio_relay_open(&relay, o.interactive);
                        if (k < 0)
                                return log_error_errno(k, "Failed to make pipes for the process: %m"), EXIT_EXEC_FAILED;
                        stdio = relay.container_fds;
                }
                child_pidfd = container_spawn(pidfd, cgroup_fd, &p, stdio, sync_child);
                if (child_pidfd < 0)
                        return EXIT_EXEC_FAILED;
        }
        closep(&sync_child);
        stdio_relay_container_fds_close(&relay);
        if (o.pid_file) {
                pid_t child = pidfd_to_pid(child_pidfd);
                if (child < 0 || oci_write_pid_file(o.pid_file, child) < 0) {
                        (void) syscall(SYS_pidfd_send_signal, child_pidfd, SIGKILL, NULL, 0);
                        return EXIT_EXEC_FAILED;
                }
        }

        if (o.tty && console >= 0) {
                /* The caller (conmon) gets the pty master and does the copying. */
                master = pty_receive_master(sync_parent, &have_error, &err, sizeof err);
                if (master >= 0 && send_fd(console, master) < 0)
                        (void) syscall(SYS_pidfd_send_signal, child_pidfd, SIGKILL, NULL, 0);
                master = safe_close(master);
                closep(&console);
        } else if (o.tty) {
                master = pty_receive_master(sync_parent, &have_error, &err, sizeof err);
                if (master >= 0) {
                        (void) fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
                        pty_copy_size(master);
                        pty_terminal_raw(&terminal);
                        in_fd = 0;
                } else if (!have_error)
                        log_error_errno(master, "Did not get the pty from the container: %m");
        }

        if (o.detach) {
                /* Back at once, as runc: the process is left to our caller (a subreaper, as conmon
                 * is). We only wait for execve(): the sync socket closes on it, or brings an error. */
                if (!have_error && sync_parent >= 0 && recv(sync_parent, &err, sizeof err, 0) == (ssize_t) sizeof err)
                        have_error = true;
                return have_error ? err.exit_status : 0;
        }

        for (;;) {
                struct pollfd p[5 + STDIO_RELAY_POLLFDS] = {
                        { .fd = signal_fd, .events = POLLIN },
                        { .fd = child_pidfd, .events = POLLIN },
                        { .fd = sync_parent, .events = POLLIN },
                        { .fd = in_fd, .events = POLLIN },
                        { .fd = master, .events = POLLIN },
                };
                stdio_relay_pollfds(&relay, p + 5);
                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(negative_errno(), "poll() failed: %m"), EXIT_EXEC_FAILED;
                }
                stdio_relay_dispatch(&relay, p + 5);
                if (p[2].revents) {
                        ssize_t n = recv(sync_parent, &err, sizeof err, MSG_DONTWAIT);
                        if (n == (ssize_t) sizeof err)
                                have_error = true;
                        if (n >= 0)
                                sync_parent = safe_close(sync_parent);
                }
                if (p[3].revents && pty_shovel(in_fd, master) < 0)
                        in_fd = -EBADF; /* our input ended; the terminal stays until the process exits */
                if (p[4].revents && pty_shovel(master, 1) < 0)
                        master = safe_close(master);
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        if (read(signal_fd, &si, sizeof si) != (ssize_t) sizeof si || si.ssi_signo == SIGCHLD)
                                continue;
                        if (si.ssi_signo == SIGWINCH && master >= 0)
                                pty_copy_size(master); /* the kernel tells the process group */
                        else
                                (void) syscall(SYS_pidfd_send_signal, child_pidfd, (int) si.ssi_signo, NULL, 0);
                }
                if (p[1].revents) {
                        siginfo_t si = {};
                        if (waitid((idtype_t) P_PIDFD, (id_t) child_pidfd, &si, WEXITED | WNOHANG) < 0)
                                return log_error_errno(negative_errno(), "waitid() failed: %m"), EXIT_EXEC_FAILED;
                        if (si.si_pid == 0)
                                continue;
                        if (sync_parent >= 0 && recv(sync_parent, &err, sizeof err, MSG_DONTWAIT) == (ssize_t) sizeof err)
                                have_error = true;
                        /* What the process wrote last is still in the pty or the pipes. */
                        while (master >= 0 && pty_shovel(master, 1) > 0)
                                ;
                        stdio_relay_drain(&relay);
                        if (have_error)
                                return err.exit_status;
                        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
                }
        }
}
