/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The running-container protocol, owned here: every reader (the CLI, berthd, volumes, pods, networks,
 * the runtime looking up another container) goes through these functions, and runtime/state.c writes
 * the record with the keys named below.
 *     $BERTH_RUN_DIR/containers/.<name>.lock         write-locked (lock-util.h) by the supervisor while the
 *                                                     container runs; unlinked before it is released
 *     $BERTH_RUN_DIR/containers/<name>/state.json    written atomically once running, removed before
 *                                                     the lock is released
 * A container runs exactly while its lock is held. state.json is valid only when read with the lock
 * held before and after (container_state_read() does that). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#define CONTAINER_ID_LEN 64

/* The paths of the protocol, NULL on OOM. */
char *container_run_dir(const char *name);
char *container_lock_path(const char *name);
char *container_state_path(const char *name);

/* The one answer to "does it run?": the runtime's lock for that name is held. */
bool container_is_running(const char *name);

/* state.json, typed. Keys: id, name, status, pid, supervisor_pid, image, image_id, rootfs, command,
 * hostname, unit, invocation_id, started (RFC 3339 UTC), started_usec (CLOCK_REALTIME), labels and
 * annotations (KEY=VALUE arrays), health (starting, healthy, unhealthy or null). */
typedef struct ContainerState {
        char *id; /* 64 hex digits */
        char *name;
        pid_t pid; /* the container's init, host pid namespace */
        pid_t supervisor_pid;
        char *image, *image_id, *rootfs;
        char **command;
        char *hostname;
        char *unit, *invocation_id; /* NULL outside a unit */
        char *started;
        uint64_t started_usec;
        char **labels, **annotations;
        char *health; /* NULL without a health check */
} ContainerState;

void container_state_done(ContainerState *s);
/* Reads the record of a running container: -ESRCH when it does not run (or ended meanwhile),
 * -EINVAL when the record is malformed. */
int container_state_read(const char *name, ContainerState *ret);

/* The names of the running containers, sorted; an empty list when there are none. */
int running_containers(char ***ret);
/* The pid of a running container's init (host pid namespace). */
int running_container_pid(const char *name, pid_t *ret);

/* Container IDs: 64 hex digits, as Docker's. A new random one (for `berth run` and `create`), or the
 * one derived from the name, stable across restarts, for containers whose units the generator made
 * (and any container started without --id). */
int container_id_random(char ret[static CONTAINER_ID_LEN + 1]);
int container_id_from_name(const char *name, char ret[static CONTAINER_ID_LEN + 1]);
/* The 64 hex digits of the sha256 of prefix and text joined: a stable ID (or volume name) for text. */
int hex_id_from_text(const char *prefix, const char *text, char ret[static CONTAINER_ID_LEN + 1]);
bool container_id_is_valid(const char *id);
