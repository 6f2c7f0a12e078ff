/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Idmapped bind mounts and volumes, the "idmap" volume option. Plain "idmap" maps through the
 * container's user namespace (--userns=auto, --uidmap, OCI linux.uidMappings): a host file owned
 * by host root belongs to the container's root, and what the container's root creates belongs to
 * host root. podman's "idmap=uids=0-1-10#10-11-10;gids=0-100-10" (an OCI mount's own uidMappings
 * and gidMappings) gives the mount maps of its own: each triplet maps the ids of the backing file
 * system from the first value to the host's from the second, for the third many; a user namespace
 * with those maps is made for the mount, by the supervisor before the clone. */

#include <stddef.h>

#include "container.h"
#include "mount.h"

/* In the supervisor: a user namespace for each --volume and --mount entry with maps of its own, kept
 * in c->idmap_userns_fds by entry (the volumes first, then the mounts). Logs its errors. */
int mount_open_idmap_namespaces(Container *c);

/* The user namespace the idmapped mount of entry index goes through (not to be closed): the entry's
 * own, or the container's. Logs and returns -EINVAL when there is none. */
int mount_idmap_userns(const Container *c, size_t index, const VolumeSpec *v, const char *what);
