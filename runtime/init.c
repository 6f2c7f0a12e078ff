/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "helper-program.h"
#include "init.h"
#include "log.h"
#include "seccomp.h"

int exit_status_from_wait(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 255;
}

int init_program_open(void) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = helper_program_path(INIT_PROGRAM_NAME, &path);
        if (r < 0)
                return log_error_errno(r, "--init: cannot find %s next to berth-runtime.", INIT_PROGRAM_NAME);
        return sealed_copy_open(path, INIT_PROGRAM_NAME);
}

_noreturn_ void init_run(pid_t payload, const SeccompFilter *filter, int userns_fd, int program_fd, int exec_fd) {
        char pid[16], *argv[] = { (char *) INIT_PROGRAM_NAME, pid, NULL }, *envp[] = { NULL };
        uint64_t keep = CAP_MASK(CAP_KILL);
        const char *slow = getenv("BERTH_RUNTIME_TEST_SLOW_INIT");
        sigset_t all;

        /* The tests widen the moment before the init program runs, which a loaded machine may
         * stretch as much: the payload must not start within it. */
        if (slow)
                (void) usleep((useconds_t) strtoul(slow, NULL, 10));

        /* Every signal stays blocked (the mask and pending signals survive execve): the init program
         * takes them with sigwaitinfo(), and a SIGCHLD of a payload that ended early is not lost. */
        (void) sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (userns_fd >= 0 && (setns(userns_fd, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
                log_error_errno(negative_errno(), "The container init could not enter the user namespace: %m");
                (void) kill(payload, SIGKILL);
                _exit(125);
        }
        /* Everything but the program (3) and the payload's pipe (4) goes; both close on execve. The pipe
         * moves out of the way first, in case it is 3. */
        if (exec_fd >= 0 && (exec_fd = fcntl(exec_fd, F_DUPFD_CLOEXEC, 5)) < 0) {
                log_error_errno(negative_errno(), "The container init could not keep its pipe: %m");
                (void) kill(payload, SIGKILL);
                _exit(125);
        }
        if ((program_fd != 3 && dup3(program_fd, 3, O_CLOEXEC) < 0) || (exec_fd >= 0 && dup3(exec_fd, 4, O_CLOEXEC) < 0)) {
                log_error_errno(negative_errno(), "The container init could not keep its program: %m");
                (void) kill(payload, SIGKILL);
                _exit(125);
        }
        (void) close_range(exec_fd >= 0 ? 5 : 4, ~0U, 0);
        if (capabilities_apply_and_switch_user(keep, 0, 0, 0, NULL, 0) < 0 ||
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_apply(filter) < 0) {
                log_error("The container init could not drop its privileges; stopping the container.");
                (void) kill(payload, SIGKILL);
                _exit(125);
        }
        (void) snprintf(pid, sizeof pid, "%d", (int) payload);
        (void) syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
        log_error_errno(negative_errno(), "The container init could not execute %s: %m", INIT_PROGRAM_NAME);
        (void) kill(payload, SIGKILL);
        _exit(125);
}
