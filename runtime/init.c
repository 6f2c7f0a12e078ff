/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
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

_noreturn_ void init_run(pid_t payload, const SeccompFilter *filter, int userns_fd) {
        uint64_t keep = CAP_MASK(CAP_KILL);
        sigset_t all;

        /* Every signal stays blocked and is taken with sigwaitinfo(): PID 1 of a namespace would
         * otherwise ignore any signal it has no handler for, and a handler could race the reaping. */
        (void) sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (userns_fd >= 0 && (setns(userns_fd, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
                log_error_errno(negative_errno(), "The container init could not enter the user namespace: %m");
                (void) kill(payload, SIGKILL);
                _exit(125);
        }
        (void) close_range(3, ~0U, 0);
        if (capabilities_apply_and_switch_user(keep, 0, 0, 0, NULL, 0) < 0 ||
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_apply(filter) < 0) {
                log_error("The container init could not drop its privileges; stopping the container.");
                (void) kill(payload, SIGKILL);
                _exit(125);
        }

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        (void) kill(payload, sig);
                        continue;
                }
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        /* _exit: this is a forked copy of the runtime; no leak checking or atexit
                         * handlers belong in here. Leaving takes the rest of the namespace along. */
                        if (p == payload)
                                _exit(exit_status_from_wait(status));
                }
        }
}
