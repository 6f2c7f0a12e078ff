/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime-init: the container's PID 1 with --init.
 *
 *   berth-runtime-init PAYLOAD_PID
 *
 * The runtime forks the payload, drops every privilege but CAP_KILL, applies the seccomp filter and
 * then executes this program from a sealed memfd copy (never from its file on the host): /proc/1/exe
 * inside the container is that copy, which nobody can write, so even a container allowed to ptrace
 * cannot reach the host's binaries through it (CVE-2019-5736). Linked statically against libc alone.
 *
 * It forwards every signal to the payload, reaps every child (orphans of the container are
 * re-parented to it) and exits with the payload's status, the shell's way (the code, or 128+signal). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int main(int argc, char *argv[]) {
        sigset_t all;
        char *end;
        long payload;

        /* Blocked already (the mask survives execve); taken with sigwaitinfo(), as a PID 1 of a
         * namespace ignores any signal it has no handler for. */
        (void) sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        (void) prctl(PR_SET_NAME, "berth-init", 0, 0, 0);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* execve made us dumpable again */
        if (argc != 2 || (payload = strtol(argv[1], &end, 10)) <= 0 || *end)
                return 125;

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        (void) kill((pid_t) payload, sig);
                        continue;
                }
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == (pid_t) payload) /* leaving takes the rest of the namespace along */
                                return WIFEXITED(status)     ? WEXITSTATUS(status)
                                       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                             : 255;
                }
        }
}
