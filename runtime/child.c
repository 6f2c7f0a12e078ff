/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why the runtime binary cannot be overwritten from inside the container (CVE-2019-5736):
 *  - the supervisor is never inside the container's pid namespace, so no /proc/PID of it exists there;
 *  - the runtime never execve()s itself (or anything of the host) in the container: the child is a
 *    plain clone of the supervisor, and the next image it runs is the payload's, from the container's
 *    root, after pivot_root;
 *  - until that execve, the child is non-dumpable: /proc/1/exe, /proc/1/fd and /proc/1/mem then
 *    need CAP_SYS_PTRACE, which the container lacks by default;
 *  - the --init, which lives as long as the container, runs from a sealed memfd copy of
 *    berth-runtime-init (init.c), so its /proc/1/exe is no file of the host at all;
 *  - while it runs, the binary is busy anyway: opening it for writing fails with ETXTBSY.
 * `berth-runtime exec` follows the same rules for the process it starts, and runs from a sealed memfd
 * copy of itself (main.c), so that process's /proc/PID/exe is no file of the host either. */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "child.h"
#include "config.h"
#include "fs-util.h"
#include "init.h"
#include "log.h"
#include "pty.h"
#include "mount.h"
#include "namespaces.h"
#include "notify.h"
#include "oci-hooks.h"
#include "process.h"
#include "seccomp.h"
#include "ulimit-spec.h"

/* Reports to the parent and leaves. _exit(): this is a copy of the runtime's memory; its cleanup and
 * leak checks belong to the parent. */
_noreturn_ static void child_fail(int sync_fd, int error, int exit_status) {
        ChildError e = { .error = error < 0 ? error : -EIO, .exit_status = exit_status };

        (void) send(sync_fd, &e, sizeof e, MSG_NOSIGNAL);
        _exit(exit_status);
}

static int apply_ulimits(char **ulimits) {
        STRV_FOREACH(u, ulimits) {
                struct rlimit rl;
                int res = ulimit_parse(*u, &rl);

                if (res < 0)
                        return log_error_errno(res, "Invalid --ulimit '%s': expected " ULIMIT_EXPECTED ".", *u);
                if (setrlimit(res, &rl) < 0)
                        return log_error_errno(negative_errno(), "Failed to apply --ulimit %s: %m", *u);
        }
        return 0;
}

/* Opens a file of the container for reading, only when it is a regular file: a passwd symlinked to
 * /dev/zero would never end. */
static FILE *fopen_regular(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        FILE *f;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return NULL;
        f = fdopen(fd, "re");
        if (f)
                TAKE_FD(fd);
        return f;
}

static int resolve_user(const ExecParams *p, UserIds *ret) {
        /* Already inside the container root: these are the image's files and cannot lead outside. */
        _cleanup_fclose_ FILE *passwd = fopen_regular("/etc/passwd"), *group = fopen_regular("/etc/group");

        _cleanup_free_ char *error = NULL;
        int r = user_resolve(p->user, p->group_add, passwd, group, ret, &error);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Cannot run as '%s': %s in the container.", p->user ?: "root", error);
        return 0;
}

static int load_seccomp(const ExecParams *p) {
        if (p->privileged || streq_ptr(p->seccomp, "unconfined"))
                return 0;
        if (p->filter)
                return seccomp_filter_apply(p->filter);
        if (p->seccomp)
                return seccomp_load_profile(p->seccomp, "the container's seccomp profile");
        return seccomp_load_default(p->caps);
}

/* From here on our privileges count only inside: root becomes the container's root. The host's
 * supplementary groups go first, in case the namespace refuses setgroups() later. */
static int enter_user_namespace(int userns_fd) {
        if (userns_fd < 0)
                return 0;
        if (setgroups(0, NULL) < 0 || setns(userns_fd, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 ||
                        setresuid(0, 0, 0) < 0)
                return log_error_errno(negative_errno(), "Failed to enter the user namespace: %m");
        return 0;
}

/* OCI process.oomScoreAdj: written while we are still root of the host's user namespace (lowering it
 * needs CAP_SYS_RESOURCE there); execve keeps it. */
static int apply_oom_score_adj(const Container *c) {
        _cleanup_close_ int fd = -EBADF;
        char buf[16];
        int n;

        if (!c->has_oom_score_adj)
                return 0;
        n = snprintf(buf, sizeof buf, "%d", c->oom_score_adj);
        fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, (size_t) n) != n)
                return log_error_errno(negative_errno(), "Failed to set process.oomScoreAdj to %d: %m", c->oom_score_adj);
        return 0;
}

void exec_params_from_container(const Container *c, ExecParams *ret) {
        *ret = (ExecParams) {
                .argv = c->process.argv,
                .env = c->process.env,
                .workdir = c->process.workdir,
                .user = c->process.user,
                .group_add = c->spec.group_add,
                .ulimits = c->spec.ulimit,
                .umask = c->process.umask,
                .caps = c->caps,
                .caps_added = c->caps_added,
                .no_new_privileges = c->spec.no_new_privileges,
                .privileged = c->spec.privileged,
                .seccomp = c->seccomp,
                .filter = &c->filter,
                .userns_fd = c->userns_auto ? c->userns.ns_fd : -EBADF,
                .cap_sets = c->has_cap_sets ? &c->cap_sets : NULL,
        };
}

_noreturn_ void exec_process(const ExecParams *p, int sync_fd) {
        _cleanup_(user_ids_done) UserIds ids = {};
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *path = NULL;
        sigset_t none;
        int r;

        env = strv_copy(p->env);
        if (!env)
                child_fail(sync_fd, log_oom(), 125);
        r = resolve_user(p, &ids);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        if (!env_get(env, "HOME")) {
                _cleanup_free_ char *home = strjoin("HOME=", ids.home);
                if (!home || env_set(&env, home) < 0)
                        child_fail(sync_fd, log_oom(), 125);
        }

        if (setsid() < 0)
                child_fail(sync_fd, log_error_errno(negative_errno(), "setsid() failed: %m"), 125);
        if (p->tty && ioctl(0, TIOCSCTTY, 0) < 0)
                child_fail(sync_fd,
                                log_error_errno(negative_errno(), "Failed to make the pty the controlling terminal: %m"),
                                125);
        r = apply_ulimits(p->ulimits);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        r = enter_user_namespace(p->userns_fd);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        umask(p->umask);
        r = safe_chdir(p->workdir, ids.uid, ids.gid);
        if (r < 0)
                child_fail(sync_fd, r, 125);

        r = find_executable(p->argv[0], env, &path);
        if (r < 0) {
                log_error_errno(r, "Cannot run '%s' in the container: %s", p->argv[0],
                                r == -ENOENT ? "no such executable in $PATH" : strerror(-r));
                child_fail(sync_fd, r, r == -ENOENT ? 127 : 126);
        }

        /* Only 0, 1 and 2 reach the payload: everything else (the sync socket, any fd our caller
         * leaked to us) closes on execve (CVE-2024-21626 was a leaked host directory fd); only OCI exec's
         * --preserve-fds asks for more, by number. Done before the user's seccomp filter is loaded:
         * nothing after it may depend on what that filter allows (it may well refuse close_range). */
        if (close_range(3 + p->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                child_fail(sync_fd, log_error_errno(negative_errno(), "close_range() failed: %m"), 125);
        (void) sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        /* As crun and runc do: without no_new_privs the filter needs CAP_SYS_ADMIN, so it goes in
         * before caps are dropped (and the filter must then allow capset, setresuid and prctl, as
         * Docker's does); with it, last, right before execve. */
        if (!p->no_new_privileges && (r = load_seccomp(p)) < 0)
                child_fail(sync_fd, r, 125);
        r = p->cap_sets ? capabilities_apply_sets_and_switch_user(p->cap_sets, ids.uid, ids.gid, ids.groups, ids.n_groups)
                        : capabilities_apply_and_switch_user(p->caps, p->caps_added, ids.uid, ids.gid, ids.groups,
                                          ids.n_groups);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        if (p->no_new_privileges) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        child_fail(sync_fd, log_error_errno(negative_errno(), "PR_SET_NO_NEW_PRIVS failed: %m"), 125);
                r = load_seccomp(p);
                if (r < 0)
                        child_fail(sync_fd, r, 125);
        }

        execve(path, p->argv, env);
        r = negative_errno();
        log_error_errno(r, "Failed to execute %s: %m", path);
        child_fail(sync_fd, r, r == -ENOENT ? 127 : 126);
}

/* OCI hooks of `create`: the supervisor runs prestart and createRuntime in its own namespaces once
 * the container's mounts are made, then we run createContainer here, in the container's namespaces
 * before pivot_root (their paths resolve in the runtime's mount namespace, as the spec says). The
 * state they get is kept for startContainer, which runs after pivot_root. */
static int run_create_hooks(const Container *c, int sync_fd, char **ret_state) {
        ChildError msg = { .exit_status = CHILD_SYNC_CREATE_HOOKS };
        _cleanup_free_ char *path = NULL;
        char go;
        int r;

        if (!c->hooks_json)
                return 0;
        if (send(sync_fd, &msg, sizeof msg, MSG_NOSIGNAL) != (ssize_t) sizeof msg || recv(sync_fd, &go, 1, 0) != 1)
                _exit(125); /* the supervisor reported why */
        path = path_join(c->run_dir, "state.json");
        if (!path)
                return log_oom();
        r = read_full_file(path, ret_state, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        return oci_hooks_run(c->hooks_json, "createContainer", *ret_state, true);
}

/* The container's file system: its root assembled and pivoted into, with the createContainer hooks
 * in between; a joined mount namespace as it is; the runtime's own (not listed in an OCI config's
 * linux.namespaces) by chroot() into the root, where nothing is mounted. */
static int setup_root(const Container *c, int sync_fd, char **ret_state) {
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        if (c->ns.mnt)
                return run_create_hooks(c, sync_fd, ret_state);
        if (c->ns_inherit & CLONE_NEWNS) {
                r = run_create_hooks(c, sync_fd, ret_state);
                if (r < 0)
                        return r;
                if (chdir(c->spec.rootfs) < 0 || chroot(".") < 0 || chdir("/") < 0)
                        return log_error_errno(negative_errno(), "Failed to change root to %s: %m", c->spec.rootfs);
                return 0;
        }
        root_fd = mount_root(c);
        if (root_fd < 0)
                return root_fd;
        r = mount_container(c, root_fd);
        if (r >= 0)
                r = run_create_hooks(c, sync_fd, ret_state);
        if (r >= 0)
                r = mount_finish_and_pivot(c, root_fd);
        return r;
}

/* process.apparmorProfile and process.selinuxLabel, for the next execve (oci-config.c took them only
 * where the kernel has the LSM). Through the container's /proc, as crun does. */
static int apply_lsm_labels(const Container *c) {
        const struct {
                const char *label, *path, *prefix;
        } labels[] = {
                { c->apparmor_profile, "/proc/thread-self/attr/apparmor/exec", "exec " },
                { c->selinux_label, "/proc/thread-self/attr/exec", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(labels); i++) {
                _cleanup_free_ char *text = NULL;
                _cleanup_close_ int fd = -EBADF;
                size_t l;

                if (!labels[i].label)
                        continue;
                text = strjoin(labels[i].prefix, labels[i].label);
                if (!text)
                        return log_oom();
                l = strlen(text);
                fd = open(labels[i].path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, text, l) != (ssize_t) l)
                        return log_error_errno(negative_errno(), "Failed to set %s %s: %m",
                                        i == 0 ? "process.apparmorProfile" : "process.selinuxLabel", labels[i].label);
        }
        return 0;
}

_noreturn_ void container_child(const Container *c, int sync_fd) {
        _cleanup_free_ char *state = NULL;
        ExecParams p;
        char go;
        int r;

        /* Non-dumpable until execve replaces us: nothing in the container may open /proc/1/exe (the
         * runtime binary) or our fds (CVE-2019-5736, CVE-2016-9962). The supervisor itself stays in the
         * host's pid namespace, invisible from inside. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (recv(sync_fd, &go, 1, 0) != 1)
                _exit(125); /* the supervisor died before we could start */

        r = apply_oom_score_adj(c);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        /* Now that we are in the payload cgroup, it becomes the root of our cgroup namespace (unless
         * one is joined), and the namespaces given by path are joined. */
        r = namespaces_join(c);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        r = setup_root(c, sync_fd, &state);
        if (r < 0)
                child_fail(sync_fd, r, 125);

        /* OCI process.terminal: a pty of the container's devpts; the master goes to the console socket. */
        if (c->console_socket >= 0) {
                r = pty_setup_child(c->console_socket);
                if (r < 0)
                        child_fail(sync_fd, r, 125);
                (void) close(c->console_socket);
        }

        if (c->process.hostname && !c->join_utsns && !(c->ns_inherit & CLONE_NEWUTS) &&
                        sethostname(c->process.hostname, strlen(c->process.hostname)) < 0)
                child_fail(sync_fd, log_error_errno(negative_errno(), "Failed to set the host name: %m"), 125);

        /* The limits (raising one needs CAP_SYS_RESOURCE of the host's user namespace), then the user
         * namespace: a created container is in all of its namespaces already, as the spec says. */
        exec_params_from_container(c, &p);
        p.tty = c->console_socket >= 0;
        r = apply_ulimits(p.ulimits);
        if (r >= 0)
                r = enter_user_namespace(p.userns_fd);
        if (r < 0)
                child_fail(sync_fd, r, 125);
        p.ulimits = NULL;
        p.userns_fd = -EBADF;

        if (c->wait_for_start) {
                /* OCI create: everything is ready; report it and wait for `start` (or the monitor's end). */
                ChildError created = {};
                /* create exits once we are created, and its subreaper adopts us: that is no reason to die.
                 */
                if (c->detach)
                        (void) prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
                if (send(sync_fd, &created, sizeof created, MSG_NOSIGNAL) != (ssize_t) sizeof created ||
                                recv(sync_fd, &go, 1, 0) != 1)
                        _exit(125);
        }
        if (c->hooks_json && oci_hooks_has(c->hooks_json, "startContainer")) {
                _cleanup_free_ char *created = oci_state_with_status(state, "created");
                r = created ? oci_hooks_run(c->hooks_json, "startContainer", created, true) : log_oom();
                if (r < 0)
                        child_fail(sync_fd, r, 125);
        }
        r = apply_lsm_labels(c);
        if (r < 0)
                child_fail(sync_fd, r, 125);

        if (c->spec.init) {
                int exec_pipe[2];
                pid_t payload;
                char b;

                if (pipe2(exec_pipe, O_CLOEXEC) < 0)
                        child_fail(sync_fd, log_error_errno(negative_errno(), "pipe2() failed: %m"), 125);
                payload = fork();
                if (payload < 0)
                        child_fail(sync_fd, log_error_errno(negative_errno(), "fork() failed: %m"), 125);
                if (payload > 0) {
                        (void) close(exec_pipe[0]);
                        init_run(payload, &c->init_filter, -EBADF, c->init_program_fd, exec_pipe[1]);
                }
                /* Until PID 1 has executed the init program it is berth-runtime, a file of the host:
                 * the payload starts only once that is over (the pipe's end closes on its execve). */
                (void) close(exec_pipe[1]);
                while (read(exec_pipe[0], &b, 1) < 0 && errno == EINTR)
                        ;
                (void) close(exec_pipe[0]);
        }
        exec_process(&p, sync_fd);
}
