/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --init: a tiny PID 1 for the container. The payload runs as its child; the init reaps every zombie
 * (orphans are re-parented to PID 1 of the namespace), forwards signals to the payload and exits with
 * the payload's status. It is the runtime's own code running inside the container, so it keeps nothing:
 * no capability but CAP_KILL, the default seccomp filter, non-dumpable, no fds. */

#include <sys/types.h>

#include "macro.h"

#include "seccomp.h"

_noreturn_ void init_run(pid_t payload, const SeccompFilter *filter, int userns_fd);

/* Exit status for a wait status, the shell's way: the code, or 128+signal. */
int exit_status_from_wait(int status);
