/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The record of a container kept until `berth rm`, as Docker keeps an exited container: what
 * `berth run` (without --rm) was asked for, so that `berth start` can make its transient unit again
 * after systemd collected it, and how its last run ended. Owned here:
 *     $BERTH_STATE_DIR/containers/NAME.json   keys: id, name, unit, created (RFC 3339 UTC),
 *                                             created_usec, options (berth-runtime's options, as
 *                                             run_options_to_argv() writes them), image, command,
 *                                             unit_properties, anonymous_volumes (the 64-hex
 *                                             volumes made for `-v /dst`), auto_remove (--rm);
 *                                             once a run ended: exit_code, finished_usec
 *                                             (CLOCK_REALTIME)
 * While the record exists the runtime keeps the container's writable layer
 * ($BERTH_STATE_DIR/containers/NAME/upper) across runs; `berth rm` removes both. */

#include <stdbool.h>
#include <stdint.h>

#include "container-spec.h"
#include "macro.h"
#include "running-containers.h"

typedef struct ContainerRecord {
        char *id, *name, *unit, *created;
        uint64_t created_usec, finished_usec; /* 0: not yet */
        int exit_code;                        /* -1 until a run ended; a signal's death is 128+N */
        ContainerSpec spec;                   /* with image and command */
        char **anonymous_volumes;             /* removed with it by `rm -v` or --rm */
        bool auto_remove;                     /* --rm: the record goes when a run ends */
} ContainerRecord;

char *container_record_path(const char *name);
bool container_record_exists(const char *name);

/* Writes the record of a new container (spec->name and spec->id set) running in unit. */
int container_record_write(const ContainerSpec *spec, const char *unit);
/* The same, naming its anonymous volumes and whether it goes when a run ends (--rm). */
int container_record_write_full(const ContainerSpec *spec, const char *unit, char *const *anonymous_volumes,
                bool auto_remove);
/* -ENOENT when there is none, -EACCES when it is not ours to read (root-only), -EINVAL when it is
 * malformed. */
int container_record_read(const char *name, ContainerRecord *ret);
void container_record_done(ContainerRecord *r);

/* Notes how a run ended (from the ExecStopPost= of its unit); -ENOENT without a record. */
int container_record_set_exit(const char *name, int exit_code, uint64_t finished_usec);

/* Removes the record, the writable layer and the private environment file it names. */
int container_record_remove(const char *name);
/* Removes the container's anonymous volumes (`rm -v`, --rm); those gone already are skipped. Tries
 * each; -EBUSY when another running container still uses one (it stays, as Docker keeps it). */
int container_record_remove_volumes(const ContainerRecord *rec);

/* Gives each anonymous volume of spec (`-v /dst`, volume_spec_name_anonymous()) a new volume with a
 * 64-hex name, labelled as Docker labels one (com.docker.volume.anonymous), and names it in the entry.
 * The names go to *ret_names (NULL when there are none). On failure the volumes made are removed. */
int container_spec_make_anonymous_volumes(ContainerSpec *spec, char ***ret_names);
/* The same for a unit's container (Volume=/dst of a generator-made unit): each volume's name follows
 * from spec->name and the destination (anonymous_volume_name()), so that every start of the unit uses
 * the same volume and `berth-runtime cleanup` finds it. create: make those missing and name them in
 * spec's entries; otherwise only their names (for removal). */
int container_spec_unit_anonymous_volumes(ContainerSpec *spec, bool create, char ***ret_names);
/* The 64-hex name of container's anonymous volume at destination. */
int anonymous_volume_name(const char *container, const char *destination, char ret[static CONTAINER_ID_LEN + 1]);

/* Gives a recorded container that does not run another name: its record (name, unit, options), its
 * writable layer and its private environment file (moved to new_env_path, the new unit's). -EEXIST
 * when new_name has a record already. The caller makes sure it does not run. */
int container_record_rename(const char *name, const char *new_name, const char *new_unit, const char *new_env_path);

/* The names of the recorded containers, sorted; an empty list when there are none. */
int container_records(char ***ret);
