/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The transient unit `berth run` starts: the same service a .container file becomes through the
 * generator (Type=notify, Delegate=yes, KillMode=mixed, ...), as StartTransientUnit properties. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "container-spec.h"

typedef struct RunUnit {
        const ContainerSpec *spec;
        bool remove;        /* --rm: collect the unit even when it failed */
        bool add_ref;       /* foreground: keep the unit until we read its exit status */
        int stdio_fds[3];   /* foreground: the pipes (or pty) berth run relays, or -1 for the default */
} RunUnit;

/* UnitPropertiesAppend for systemd_start_transient_unit(); userdata is a RunUnit. Logs what it
 * refuses (a unit property value it cannot parse). */
int run_unit_append_properties(sd_bus_message *m, void *userdata);

/* Checks the values of spec->unit_properties, logging what is wrong, before anything starts. */
int run_unit_check_properties(const ContainerSpec *spec);

