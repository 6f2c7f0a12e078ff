/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container side of the start: what runs between clone3() and execve() of the payload, as PID 1
 * of the new pid namespace, in the payload cgroup and the new mount, uts, ipc and network namespaces.
 *
 * Protocol on sync_fd (a SOCK_SEQPACKET pair, the child's end close-on-exec):
 *   parent -> child  one byte "go" once the child is in its cgroup (EOF: the parent died, give up)
 *   child -> parent  a ChildError when setup or execve failed; EOF without it means execve worked. */

#include <stdint.h>

#include "container.h"
#include "macro.h"

typedef struct ChildError {
        int32_t error;       /* negative errno */
        int32_t exit_status; /* what the runtime should exit with: 125 setup, 126 cannot execute, 127 not found */
} ChildError;

_noreturn_ void container_child(const Container *c, int sync_fd);
