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

/* What `berth run` and berthd's RunContainer check and complete in a parsed spec before they make
 * anything (the same for both): an image (or --rootfs and a command), the name's form, --rm without
 * --restart, the default network and the network options (container-network.h), the unit
 * properties, and the image in the store, its VOLUME paths appended to *ret_image_volumes (may be
 * NULL). Does not log: -ENOENT when the image is missing, -EINVAL for a bad option, with *ret_error
 * (may be NULL) saying what is wrong. */
int container_unit_prepare_spec(ContainerSpec *spec, bool remove, char ***ret_image_volumes, char **ret_error);

/* The image's VOLUME paths as anonymous volumes (-v /path), as Docker gives them, unless -v, --mount
 * or --tmpfs already mounts something there. */
int container_spec_add_image_volumes(ContainerSpec *spec, char *const *image_volumes);

/* Moves spec->env into the root-only file $BERTH_RUN_DIR/private/UNIT.env that the unit names
 * (--env-private-file), so that no value appears on the unit's ExecStart= (issue 16). The values are
 * escaped: what the caller gave arrives literally. */
int container_unit_write_private_env(ContainerSpec *spec, const char *unit);
/* That file's path for a unit, NULL on OOM. */
char *container_unit_private_env_path(const char *unit);
