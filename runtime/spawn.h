/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Starting one more process inside a running container (`exec`, health checks). */

#include "child.h"

/* Starts p inside the container whose first process is target_pidfd: the child is born into its pid
 * namespace and into the cgroup cgroup_fd, then joins its mount, UTS, IPC, network and cgroup
 * namespaces. stdio, when not NULL, are its fds 0, 1 and 2 (else it inherits ours). sync_fd is
 * the child's end of the error-report socket (see child.h), or -EBADF. Returns the child's pidfd, or a negative errno. */
int container_spawn(int target_pidfd, int cgroup_fd, const ExecParams *p, const int stdio[3], int sync_fd);
