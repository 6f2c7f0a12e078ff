/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "pty.h"
#include "spawn.h"

_noreturn_ static void spawn_child(int target_pidfd, const ExecParams *p, const int stdio[3], int sync_fd) {
        /* Like the container's init: non-dumpable, so the container cannot reach into the runtime
         * binary or our fds while we still run its code; and gone when our parent is, unless detached. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (!p->detach)
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (int i = 0; stdio && i < 3; i++)
                if (dup2(stdio[i], i) < 0)
                        _exit(125);
        /* Joining the mount namespace also moves our root and cwd to the container's root; joining its
         * time namespace gives us its clocks (OCI linux.timeOffsets), where the kernel has them (it
         * refuses the flag otherwise). */
        if (setns(target_pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
                                                (access("/proc/self/ns/time", F_OK) >= 0 ? CLONE_NEWTIME : 0)) < 0) {
                ChildError e = { .error = log_error_errno(negative_errno(),
                                                 "Failed to enter the container's namespaces: %m"),
                        .exit_status = 125 };
                (void) send(sync_fd, &e, sizeof e, MSG_NOSIGNAL);
                _exit(125);
        }
        if (p->tty && pty_setup_child(sync_fd) < 0) {
                ChildError e = { .error = -EIO, .exit_status = 125 };
                (void) send(sync_fd, &e, sizeof e, MSG_NOSIGNAL);
                _exit(125);
        }
        exec_process(p, sync_fd);
}

int container_spawn(int target_pidfd, int cgroup_fd, const ExecParams *p, const int stdio[3], int sync_fd) {
        _cleanup_close_ int own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        int child_pidfd = -EBADF, r;
        struct clone_args args = {
                .flags = CLONE_INTO_CGROUP | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &child_pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) cgroup_fd,
        };
        pid_t child;

        /* Children are born into the container's pid namespace; we ourselves stay out of it and switch
         * back right after the clone, so nothing else we fork lands there. */
        if (own_pidns < 0 || setns(target_pidfd, CLONE_NEWPID) < 0)
                return log_error_errno(negative_errno(), "Failed to join the container's pid namespace: %m");
        child = (pid_t) syscall(SYS_clone3, &args, sizeof args);
        if (child == 0)
                spawn_child(target_pidfd, p, stdio, sync_fd);
        r = child < 0 ? negative_errno() : 0;
        if (setns(own_pidns, CLONE_NEWPID) < 0)
                log_warning_errno(negative_errno(), "Failed to return to our pid namespace: %m");
        if (r < 0)
                return log_error_errno(r, "Failed to start a process in the container: %m");
        return child_pidfd;
}
