/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --init: a tiny PID 1 for the container. The payload runs as its child; the init reaps every zombie
 * (orphans are re-parented to PID 1 of the namespace), forwards signals to the payload and exits with
 * the payload's status. The runtime forks it, drops everything (no capability but CAP_KILL, the
 * default seccomp filter, non-dumpable, no fds) and then executes berth-runtime-init (monitor/) from
 * a sealed memfd copy: /proc/1/exe in the container must never be a file of the host. */

#include <sys/types.h>

#include "macro.h"

#include "seccomp.h"

#define INIT_PROGRAM_NAME "berth-runtime-init"

/* A sealed, executable memfd with a copy of berth-runtime-init; made before the container's root
 * replaces the host's. */
int init_program_open(void);

/* In the container's first process, after forking the payload: becomes the init. exec_fd (-EBADF:
 * none) is the write end of a pipe the payload waits on: it stays open, close-on-exec, until the init
 * program runs, so the payload never sees a PID 1 whose /proc/1/exe is still berth-runtime, a file of
 * the host. */
_noreturn_ void init_run(pid_t payload, const SeccompFilter *filter, int userns_fd, int program_fd, int exec_fd);

/* Exit status for a wait status, the shell's way: the code, or 128+signal. */
int exit_status_from_wait(int status);
