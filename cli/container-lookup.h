/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding a container by name for the container verbs (stop, logs, exec, inspect, ...).
 * A container is either running (berth-runtime holds its lock and wrote state.json, which names its
 * unit: a `berth run` unit or a generator-made one), or known only as a unit systemd still has
 * loaded: a failed "berth-NAME.service" that `berth ps -a` lists, or a generator-made NAME.service
 * whose definition is NAME.container. */

#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct ContainerRef {
        char *name;
        char *unit;      /* NULL when the runtime runs outside any unit (started by hand) */
        char *unit_path; /* the unit's D-Bus object path, NULL without a loaded unit */
        json_t *state;   /* state.json while running, else NULL */
        bool running;
} ContainerRef;

void container_ref_done(ContainerRef *c);

/* Reads state.json of a running container; -ESRCH when it does not run (the file is only valid
 * while the runtime's lock is held, so the lock is checked before and after reading). */
int container_state_load(const char *name, json_t **ret);

/* Resolves name as described above. Logs and returns -ENOENT ("No such container") when there is no
 * such container. */
int container_lookup(sd_bus *bus, const char *name, ContainerRef *ret);

/* Whether name is taken: a running container, a loaded unit berth-NAME.service, or a generator-made
 * NAME.service from a NAME.container definition. */
int container_name_in_use(sd_bus *bus, const char *name);

/* Whether the container's unit has ended (inactive, failed or gone): 1, 0, or a negative errno. */
int container_unit_is_ended(sd_bus *bus, const ContainerRef *c);

/* Sends sig to the container's first process (its pid namespace's init, so SIGKILL ends the whole
 * container while its runtime stays to clean up). Through a pidfd, opened while the runtime's lock
 * proves the pid is still the container's. -ESRCH when it does not run. */
int container_signal_init(const ContainerRef *c, int sig);

/* Logs a D-Bus failure of an action on a container once, with the bus error's text. */
int log_unit_error(int r, const sd_bus_error *error, const char *action, const char *name);
