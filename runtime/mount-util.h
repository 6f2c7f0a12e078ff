/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Mounting by file descriptor inside a container root that the image controls. Every path below the
 * root is resolved with openat2(RESOLVE_IN_ROOT), so a symlink in the image (say /etc -> /host/etc
 * or /dev -> ../../../dev) can never point a mount or a created file outside the root; mounts go onto
 * the resolved fd with move_mount(), so nothing can swap the path between the check and the mount.
 * When the kernel lacks the new mount API, mount(2) is used on /proc/self/fd/N of the resolved fd. */

#include <stdbool.h>
#include <sys/types.h>

/* Opens path (absolute, interpreted inside root_fd) with flags; returns an fd or a negative errno. */
int open_in_root(int root_fd, const char *path, int flags, mode_t mode);
/* Creates path and its parents inside root_fd as needed; returns an O_PATH fd of the directory. */
int mkdir_in_root(int root_fd, const char *path, mode_t mode);
/* Returns an O_PATH fd of a mount point inside root_fd, creating it as a directory or an empty file
 * (and its parents) when missing. An existing mount point of the other kind is an error. */
int mountpoint_in_root(int root_fd, const char *path, bool directory);

typedef enum MountAttr {
        MNT_RDONLY = 1 << 0,
        MNT_NOSUID = 1 << 1,
        MNT_NODEV = 1 << 2,
        MNT_NOEXEC = 1 << 3,
} MountAttr;

/* Creates a new fstype file system from options ("key=value" or a flag "key") and mounts it on
 * target_fd. Returns 0 or a negative errno (not logged). */
int mount_fs_on(int target_fd, const char *fstype, const char *source, char *const *options, MountAttr attrs);
/* Bind-mounts source (a host path, or "" with source_fd) on target_fd, recursively, then applies attrs. */
int bind_mount_on(int target_fd, int source_fd, const char *source, MountAttr attrs);
/* Attaches the detached mount tree tree_fd (open_tree(OPEN_TREE_CLONE)) on target_fd, after applying
 * attrs (recursively) and, when not 0, the propagation MS_PRIVATE, MS_SLAVE or MS_SHARED (recursively
 * with MS_REC). The new mount API only. */
int attach_tree_on(int target_fd, int tree_fd, MountAttr attrs, unsigned long propagation);
/* Bind-mounts source on target_fd through an idmapped mount: ids appear as userns_fd maps them. */
int bind_mount_idmapped_on(int target_fd, const char *source, int userns_fd);
/* Bind-mounts the tree at source_fd (recursively) on target_fd through idmapped mounts, then applies
 * attrs. -EINVAL: a file system in the tree does not support idmapped mounts. */
int bind_mount_idmapped_tree_on(int target_fd, int source_fd, int userns_fd, MountAttr attrs);
/* Puts a recursive bind of the mount at fd on top of itself with attrs (read-only paths). */
int remount_on_itself(int fd, MountAttr attrs);
/* Changes the attributes of the mount whose root is fd (not recursive). */
int mount_set_attrs(int fd, MountAttr attrs);

/* Whether fsopen() and friends work here. Cached by the caller if it matters. */
bool mount_api_available(void);
