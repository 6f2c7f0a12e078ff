/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The transient unit a container started without a definition file runs in (`berth run`, berthd's
 * RunContainer): the same service a .container file becomes through the generator (Type=notify,
 * Delegate=yes, KillMode=mixed, ...), as StartTransientUnit properties. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "container-spec.h"

typedef struct RunUnit {
        const ContainerSpec *spec;
        bool remove;      /* --rm: collect the unit even when it failed */
        bool add_ref;     /* foreground: keep the unit until we read its exit status */
        int stdio_fds[3]; /* foreground: the pipes (or pty) berth run relays, or -1 for the default */
} RunUnit;

/* UnitPropertiesAppend for systemd_start_transient_unit(); userdata is a RunUnit. The values of
 * spec->unit_properties must have been checked (container_unit_check_properties). */
int run_unit_append_properties(sd_bus_message *m, void *userdata);

/* Checks the values of spec->unit_properties before anything starts. Does not log: what is wrong is
 * described in *ret_error (may be NULL). */
int container_unit_check_properties(const ContainerSpec *spec, char **ret_error);
/* The same, logging what is wrong (for the CLI). */
int run_unit_check_properties(const ContainerSpec *spec);

/* Moves spec->env into the root-only file $BERTH_RUN_DIR/private/UNIT.env that the unit names
 * (--env-private-file), so that no value appears on the unit's ExecStart= (issue 16). The values are
 * escaped: what the caller gave arrives literally. */
int container_unit_write_private_env(ContainerSpec *spec, const char *unit);
/* That file's path for a unit, NULL on OOM. */
char *container_unit_private_env_path(const char *unit);
