/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Named volumes, in docker's layout so `berth volume` and berth-runtime agree:
 *
 *   $BERTH_STATE_DIR/volumes/.lock            write-locked while a volume is created or removed
 *   $BERTH_STATE_DIR/volumes/NAME/volume.json name, driver, options, labels, uid, gid, created (atomic)
 *   $BERTH_STATE_DIR/volumes/NAME/_data/      the content, unless an option says what to mount instead
 *
 * A volume exists once volume.json does; a directory without it is what a crash left, replaced on
 * the next create. Options are the local driver's, as docker and podman take them: type= (tmpfs,
 * bind, or a file system type), device=, o= (mount options), copy= (copy-up, default true); uid= and
 * gid= are synonyms of --uid and --gid. Containers using a volume are found from what berth-runtime
 * records in its run directory (see volume-mount.h). */

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"

#define VOLUME_DRIVER_LOCAL "local"

typedef struct Volume {
        char *name;
        char *driver;     /* always "local" */
        char *mountpoint; /* the _data directory */
        char **options;   /* KEY=VALUE, as given */
        char **labels;    /* KEY=VALUE */
        uid_t uid;        /* (uid_t) -1: unset */
        gid_t gid;        /* (gid_t) -1: unset */
        char *created;    /* RFC 3339, UTC */
} Volume;

Volume *volume_free(Volume *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Volume *, volume_free);

/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, and at most 255 characters. */
bool volume_name_is_valid(const char *name);

/* A numeric uid or gid (what --uid, --gid, uid= and gid= take); -EINVAL otherwise. */
int volume_parse_id(const char *s, unsigned *ret);

/* What `volume create` was asked for. */
typedef struct VolumeCreateArgs {
        const char *name;
        const char *driver;   /* NULL: local */
        char *const *options; /* KEY=VALUE */
        char *const *labels;  /* KEY=VALUE */
        uid_t uid;            /* (uid_t) -1: unset */
        gid_t gid;
} VolumeCreateArgs;

/* Checks the driver and options; logs what is wrong, naming the option. */
int volume_args_validate(const VolumeCreateArgs *args);
/* Creates the volume; -EEXIST (not logged) when it exists already. Other errors are logged. */
int volume_create(const VolumeCreateArgs *args, Volume **ret);
/* Reads volume.json; -ENOENT (not logged) when there is no such volume. */
int volume_load(const char *name, Volume **ret);
/* Loads the volume, creating it with no options when missing (docker's implicit creation). */
int volume_load_or_create(const char *name, Volume **ret);
/* The names of all volumes, sorted. */
int volume_list(char ***ret);
/* The running containers that use the volume, sorted. */
int volume_users(const char *name, char ***ret);
/* Removes the volume; -EBUSY (not logged) when a running container uses it, unless force. */
int volume_remove(const char *name, bool force);

/* The value of option KEY, or NULL. */
const char *volume_option(const Volume *v, const char *key);
/* Docker's `volume inspect` object: Name, Driver, Mountpoint, Labels, Options, Scope, CreatedAt. */
json_t *volume_to_json(const Volume *v);
