/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding a container by name or ID prefix, for the CLI's container verbs and berthd alike.
 * A container is either running (berth-runtime holds its lock and wrote state.json, which names its
 * unit: a `berth run` unit or a generator-made one), or known only as a unit systemd still has
 * loaded: a failed "berth-NAME.service" that `berth ps -a` lists, or a generator-made NAME.service
 * whose definition is NAME.container, or recorded (container-record.h): made by `berth run` or
 * berthd's RunContainer and kept until `berth rm`, its unit loaded or not. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "container-record.h"
#include "container-spec.h"
#include "macro.h"
#include "running-containers.h"
#include "systemd-unit.h"

typedef struct ContainerRef {
        char *name;
        char *unit;             /* NULL when the runtime runs outside any unit (started by hand) */
        char *unit_path;        /* the unit's D-Bus object path, NULL without a loaded unit */
        ContainerState state;   /* the runtime's record while running, else all zero */
        ContainerRecord record; /* berth run's record, kept until `berth rm` (when recorded) */
        bool running, recorded;
} ContainerRef;

void container_ref_done(ContainerRef *c);

typedef enum ContainerLookupFlags {
        CONTAINER_LOOKUP_LOAD = 1 << 0, /* have systemd load NAME.service to see whether a definition made it */
        CONTAINER_LOOKUP_ID = 1 << 1,   /* a prefix of an ID names its container too (after the names) */
} ContainerLookupFlags;

/* The names of the running containers and of the recorded ones (running first); an empty list (or
 * NULL) when there are none. */
int containers_running_or_recorded(char ***ret);

/* The name of the container whose ID starts with prefix: -ENOENT for none, -ENOTUNIQ for several. */
int container_name_by_id(const char *prefix, char **ret);

/* Resolves name (or, with CONTAINER_LOOKUP_ID, an ID prefix) as described above. Does not log:
 * -ENOENT when there is no such container, -ENOTUNIQ for an ambiguous ID prefix, -EBADMSG for a
 * malformed record. */
int container_ref_lookup(sd_bus *bus, const char *name, ContainerLookupFlags flags, ContainerRef *ret);

/* The one-line message for a failed lookup of name (r from container_ref_lookup()), the same from
 * the CLI and in berthd's D-Bus error. NULL on OOM. */
char *container_ref_lookup_message(int r, const char *name);

/* Whether name is taken: a running or recorded container, a loaded unit berth-NAME.service, or a
 * generator-made NAME.service from a NAME.container definition. */
int container_name_in_use(sd_bus *bus, const char *name);

/* A docker-like name, adjective_scientist, not in use yet (berth run and RunContainer without a
 * name). -EBUSY when none of the tries was free. */
int container_name_generate(sd_bus *bus, char **ret);

/* The names of the stopped containers, sorted: recorded ones that do not run and loaded
 * berth-*.service units that ended. */
int stopped_containers(sd_bus *bus, char ***ret);

/* Whether the unit has ended (inactive, failed, or gone: collected): 1, 0, or a negative errno. */
int unit_has_ended(sd_bus *bus, const char *unit);
/* The same for the container's unit (without one: whether its runtime has ended). */
int container_unit_is_ended(sd_bus *bus, const ContainerRef *c);

/* The exit code of an ended container unit (at unit_path): its main process's, 128+N for a signal. */
int container_unit_exit_code(sd_bus *bus, const char *unit_path, int *ret);

/* Sends sig to the container's first process (its pid namespace's init, so SIGKILL ends the whole
 * container while its runtime stays to clean up). Through a pidfd, opened while the runtime's lock
 * proves the pid is still the container's. -ESRCH when it does not run. */
int container_signal_init(const ContainerRef *c, int sig);

/* The name of the container a unit runs, as `berth ps -a` names it: berth-NAME.service, or NAME.service
 * made by the generator from NAME.container. NULL for other units (or on OOM). */
char *container_name_of_unit(sd_bus *bus, const UnitInfo *u);
/* The two halves of it without D-Bus: a berth-NAME.service (NULL for other units), and a unit whose
 * SourcePath (read by the caller) is a .container file (NULL for others or when source_path is NULL). */
char *container_name_of_berth_unit(const UnitInfo *u);
char *container_name_of_generated_unit(const UnitInfo *u, const char *source_path);

/* What a container unit's "berth-runtime supervise [OPTIONS] IMAGE CMD..." ExecStart= says: the options
 * into spec, spec->image and spec->command from the positional words. -ENOENT for other units. */
int container_spec_from_unit(sd_bus *bus, const char *unit_path, ContainerSpec *spec);
/* The same from the ExecStart= argv already read (systemd_read_exec_start()). */
int container_spec_from_exec_start(char **argv, ContainerSpec *spec);
