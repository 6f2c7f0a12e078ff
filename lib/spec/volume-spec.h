/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The volume options of --volume / -v / Volume= and --mount / Mount=, parsed once for everybody: the
 * runtime mounts what they say, berth-generator and `berth check` refuse what it would refuse. */

#include <stdbool.h>

/* Parses "SRC:DST[:OPTS]" of --volume. Named volumes (SRC without '/') live in
 * $BERTH_STATE_DIR/volumes/NAME/_data. */
typedef struct VolumeSpec {
        char *source; /* host path */
        char *destination;
        bool read_only;
        bool named;
        char *name;        /* the volume's name when named */
        bool nocopy;       /* "nocopy" (--volume), "volume-nocopy" (--mount): no copy-up from the image */
        bool idmap;        /* "idmap": an idmapped mount through the container's user namespace, so the host's
                            * owners show as the container's (host root as its root) */
        char **idmap_uids; /* "idmap=uids=...;gids=...": maps of its own ("C:H:S"; runtime/mount-idmap.h) */
        char **idmap_gids;
        unsigned long propagation; /* MS_PRIVATE (the default), MS_SLAVE or MS_SHARED, with MS_REC for
                                    * the r- forms (runtime/mount-propagation.h) */
} VolumeSpec;
int volume_spec_parse(const char *s, VolumeSpec *ret);
/* "type=bind|volume|tmpfs,source=,destination=|target=|dst=,ro|readonly[=true],idmap[=true]" of --mount. For
 * tmpfs, the source stays NULL and tmpfs options go to ret_tmpfs_options. */
int mount_spec_parse(const char *s, VolumeSpec *ret, bool *ret_tmpfs, char **ret_tmpfs_options);
void volume_spec_done(VolumeSpec *v);
/* Whether s parses, as --mount (mount) or --volume, an anonymous volume's too; 0 or -EINVAL. */
int volume_spec_check(const char *s, bool mount);

/* An anonymous volume, as Docker has them: `-v /dst` (the path alone), or `--mount` of type=volume (its
 * default type) without a source. *ret is s naming the volume name instead ("NAME:/dst",
 * "...,source=NAME"), or NULL when s is not anonymous. */
int volume_spec_name_anonymous(const char *s, bool mount, const char *name, char **ret);

/* --volumes-from: the volumes and bind mounts of from (not its tmpfs) into spec, at the same paths.
 * mode "ro" or "rw" makes each read-only or writable; NULL keeps each one's own. */
int volume_specs_add_from(char ***volumes, char ***mounts, char *const *from_volumes, char *const *from_mounts,
                const char *mode);

/* Whether something is mounted at dst already: a --volume, --mount or --tmpfs (DST[:OPTS]) entry. */
bool volume_specs_cover(char *const *volumes, char *const *mounts, char *const *tmpfs, const char *dst);

/* "uids=C-H-S[#C-H-S...][;gids=...]" into "C:H:S" entries (--uidmap's form); without gids, the uids
 * apply to groups too. -EINVAL when malformed. */
int idmap_maps_parse(const char *value, char ***ret_uids, char ***ret_gids);

/* "shared", "rslave", ... into MS_SHARED, MS_SLAVE | MS_REC, ...; -EINVAL for anything else. */
int propagation_from_string(const char *s, unsigned long *ret);
