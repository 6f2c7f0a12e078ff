/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --userns=auto: the container's ids 0-65535 are a block of host ids nobody else uses, taken from
 * the ranges /etc/subuid and /etc/subgid give the user "berth" (or "containers", as for podman),
 * or else from 2000000000 up. A block is reserved with a lock file
 * ($BERTH_RUN_DIR/userns/<base>.lock) held while the container runs.
 *
 * Everything is set up by real root first: the image's layers (or --rootfs) are mounted through
 * idmapped mounts, so their files show with container ids; the rest as without a user namespace.
 * The container's process enters the user namespace once its mounts, host name and limits are set,
 * before it reports "created" (container_child()), so its privileges (and root) only count inside. Its
 * mount, pid, network, IPC and UTS namespaces stay owned by the host's user namespace: root in the container
 * cannot change them.
 *
 * --uidmap/--gidmap give the maps instead (the same way in): nothing is reserved, and keeping the
 * ranges apart is the admin's business. base is then the host id of the container's uid 0.
 *
 * join_path (OCI linux.namespaces[].path of type user) joins an existing user namespace instead:
 * its maps are what they are (nothing is written, whatever maps are given), base is read from them. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define USERNS_SIZE 65536U

typedef struct UserNamespace {
        char **uid_map;        /* --uidmap entries CONTAINER:HOST:SIZE (borrowed); NULL: --userns=auto */
        char **gid_map;        /* --gidmap entries; NULL: the same as uid_map */
        const char *join_path; /* an existing user namespace to use instead (borrowed); NULL: a new one */
        uid_t base;            /* host id of the container's 0 */
        int lock_fd;
        int ns_fd; /* the user namespace (nsfs fd) */
} UserNamespace;

#define USERNS_NULL ((UserNamespace) { .lock_fd = -EBADF, .ns_fd = -EBADF })

/* Parses --uidmap/--gidmap entries into the text of a /proc/PID/uid_map file; checks them. */
int userns_map_text(char *const *entries, const char *option, char **ret);

/* A user namespace with these "C:H:S" maps (gid_map NULL: the same as uid_map), for an idmapped mount
 * of its own; option names them in errors. 0 need not be mapped. */
int userns_new(char *const *uid_map, char *const *gid_map, const char *option, int *ret_fd);

/* Reserves a block (or takes the explicit maps) and creates a user namespace mapping it; or opens
 * join_path. */
int userns_setup(UserNamespace *u);
void userns_done(UserNamespace *u);
/* The host id of the container's id (a uid, or with gid a gid) once set up: through --uidmap/--gidmap,
 * else the block's base plus id (a joined namespace is taken to map a block from its 0). -ERANGE when
 * the maps leave it out. */
int userns_host_id(const UserNamespace *u, bool gid, uint32_t id, uint32_t *ret);

/* Parses subuid/subgid text: the ranges of user name, as "start count" pairs appended to ranges. */
int subid_ranges(const char *text, const char *user, uint64_t (*ranges)[2], size_t max, size_t *n);
