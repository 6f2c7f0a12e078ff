/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The writer of the running-container record (the format and its readers: lib/running-containers.h):
 *     $BERTH_RUN_DIR/containers/<name>/state.json   written atomically, removed on exit
 *     $BERTH_RUN_DIR/containers/.<name>.lock         write-locked while the container runs
 * state.json fields: name, status ("running"), pid (container init, host pid namespace),
 * supervisor_pid, image, image_id, rootfs, command, hostname, unit, invocation_id, started
 * (RFC 3339 UTC), started_usec (CLOCK_REALTIME), labels and annotations (arrays of KEY=VALUE), health
 * (starting, healthy, unhealthy; null without a health check). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "caps.h"
#include "container.h"

/* Takes the per-name lock; -EBUSY when a container of that name runs. Returns the lock fd. */
int state_lock(const char *lock_path);
/* Removes the lock file while still holding the lock, then releases it. */
void state_unlock(const char *lock_path, int fd);

typedef struct StateInfo {
        pid_t pid;
        pid_t supervisor_pid;
        const char *unit;          /* may be NULL */
        const char *invocation_id; /* may be NULL */
        const char *health;        /* "starting", "healthy", "unhealthy"; NULL without a health check */
        uint64_t started_usec;
} StateInfo;

int state_write(const Container *c, const StateInfo *info);

/* A container event (lib/sys/event-journal.h: start, die, health_status) with the container's ID, name,
 * image and labels, from the container or from the state.json in run_dir; extra: KEY=VALUE attributes.
 * Best effort: an event that cannot be written is no reason to fail the container. */
void state_event(const Container *c, const char *action, char *const *extra);
void state_event_from_file(const char *run_dir, const char *action, char *const *extra);

/* run_dir/process.json (mode 0600: it holds the environment): how the container's process was set up,
 * so `berth-runtime exec` can start another one the same way. */
int state_write_process(const Container *c, char *const *env);

typedef struct ProcessState {
        char **env;
        char *user;
        char **group_add;
        char *workdir;
        char **ulimits;
        mode_t umask;
        uint64_t caps, caps_added;
        CapSets cap_sets; /* OCI process.capabilities, valid with has_cap_sets */
        bool has_cap_sets;
        bool no_new_privileges, privileged;
        char *seccomp;
} ProcessState;
void process_state_done(ProcessState *p);
int state_read_process(const char *name, ProcessState *ret);
/* The same from a container's state directory (an OCI container's). */
int state_read_process_at(const char *dir, ProcessState *ret);
/* Whether a container of that name runs: its lock is held. */
bool state_is_running(const char *lock_path);
