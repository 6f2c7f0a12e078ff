/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which containers berth-runtime runs right now, read from its files under $BERTH_RUN_DIR/containers:
 * a container runs while its supervisor holds containers/.<name>.lock; its state.json names the
 * container's init pid. Used by `berth volume rm` and `berth pod rm` to refuse removing what is in use. */

#include <stdbool.h>
#include <sys/types.h>

/* Whether the runtime's lock for that container name is held. */
bool container_is_running(const char *name);
/* The names of the running containers, sorted; an empty list when there are none. */
int running_containers(char ***ret);
/* The pid of a running container's init (host pid namespace), from its state.json. */
int running_container_pid(const char *name, pid_t *ret);
