/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Assembling the container's file system tree in the child's private mount namespace: the root
 * (overlay of the image layers, or a bind of --rootfs), /proc, /sys, /dev, Docker's masked and
 * read-only paths, the generated /etc files, volumes and tmpfs mounts; then pivot_root into it. */

#include "container.h"
#include "volume-spec.h"

/* Makes the whole tree private, mounts the root at c->root_mnt and returns an O_PATH fd of it. */
int mount_root(const Container *c);
/* Everything below the root. Runs in the new mount, pid, ipc and cgroup namespaces. */
int mount_container(const Container *c, int root_fd);
/* Read-only root (--read-only), then pivot_root into root_fd and drop the old root. */
int mount_finish_and_pivot(const Container *c, int root_fd);
/* In the supervisor, before the device filter: mounts the named volumes that live on a device, and
 * makes the user namespaces of idmap mounts with maps of their own (mount-idmap.h). */
int mount_open_device_volumes(Container *c);

/* Calls fn for every --volume entry, then every --mount entry that is not a tmpfs, with its index
 * (the volumes first, then the mounts, tmpfs ones counted too). Entries that do not parse are
 * skipped: mount_container() reports them. Stops at the first non-zero return of fn (an error, or
 * an answer) and returns it. */
int mount_foreach_entry(const Container *c,
                int (*fn)(const VolumeSpec *v, size_t index, const char *what, void *userdata), void *userdata);
/* The number of indexes mount_foreach_entry() uses. */
size_t mount_entry_count(const Container *c);
