/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* The runtime's side of named volumes: building the mount a container gets for `--volume NAME:/dst`
 * or `--mount type=volume,source=NAME,...`, inside the container's own mount namespace, so that a
 * tmpfs or device volume is never mounted on the host and nothing leaks when the container dies. */

/* Each container's run directory gets this file, one volume name per line, listing the volumes it
 * mounted; `berth volume rm` reads it (for running containers only) to find a volume's users. */
#define VOLUME_USERS_FILE "volumes"

typedef enum VolumeMountFlags {
        VOLUME_MOUNT_READ_ONLY = 1 << 0,
        VOLUME_MOUNT_NO_COPY = 1 << 1, /* "nocopy": never copy the image's content into the volume */
} VolumeMountFlags;

/* Volumes whose driver mounts a device (type= other than tmpfs and bind, e.g. ext4 on /dev/vdb) are
 * mounted by the supervisor before the container's device cgroup filter applies, since the filter
 * would refuse the container child to open the device. The result is a set of detached mounts, by
 * volume name, that the child attaches. */
typedef struct VolumeDeviceMounts VolumeDeviceMounts;
/* Adds the volume's detached mount to *m (allocated on first use); nothing for volumes that are
 * missing, already in *m or not device-backed. Logs errors. */
int volume_device_mounts_add(VolumeDeviceMounts **m, const char *name);
/* The detached mount of that volume, or -EBADF. The fd stays owned by m. */
int volume_device_mounts_get(const VolumeDeviceMounts *m, const char *name);
VolumeDeviceMounts *volume_device_mounts_free(VolumeDeviceMounts *m);

/* Called in the container's mount namespace before pivot_root. target_fd is the mount point inside
 * the container root (a directory, holding whatever the image has there). Loads the volume (creating
 * it when missing, as docker does), records it in container_run_dir (may be NULL), copies the image's
 * content at target_fd into the volume when the volume is empty (docker's copy-up; not with
 * VOLUME_MOUNT_NO_COPY or the volume option copy=false), and returns a detached mount of the volume
 * in *ret_mount_fd for the caller to move_mount() onto target_fd. device_mount_fd is the volume's
 * entry of VolumeDeviceMounts (-EBADF if none); it is duplicated, not taken. Logs its errors. */
int volume_mount_prepare(const char *name, int target_fd, VolumeMountFlags flags, const char *container_run_dir,
                int device_mount_fd, int *ret_mount_fd);
/* The same, with the volume's mount idmapped through userns_fd (the "idmap" option; -EBADF: none):
 * the volume's owners show as the container's, and the copy-up from the image goes through the
 * idmapped mount, so the volume's files get the image's ids on disk. */
int volume_mount_prepare_idmapped(const char *name, int target_fd, VolumeMountFlags flags,
                const char *container_run_dir, int device_mount_fd, int userns_fd, int *ret_mount_fd);

/* Creating files through an idmapped mount: host root is not mapped there (EOVERFLOW), so the caller
 * takes the file system ids uid and gid (ids the mount maps) for a while, keeping its capabilities
 * (which a change of fsuid away from 0 would otherwise drop). idmapped_access_end() goes back to 0. */
int idmapped_access_begin(uid_t uid, gid_t gid);
void idmapped_access_end(void);
