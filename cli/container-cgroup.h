/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where a container's processes are in cgroup2, for `berth top` and `berth stats`: the unit's cgroup
 * (systemd's ControlGroup property) below the cgroup2 mount, which is /sys/fs/cgroup on a unified
 * host and /sys/fs/cgroup/unified on a hybrid one. */

#include <stdint.h>
#include <sys/types.h>

#include "container-lookup.h"

/* The directory of the container's unit cgroup: -ENOENT when the unit has no cgroup (not running). */
int container_cgroup_dir(sd_bus *bus, const ContainerRef *c, char **ret);

/* The pids in dir and every cgroup below it, sorted. */
int cgroup_pids_recursive(const char *dir, pid_t **ret, size_t *ret_n);

/* One number from a cgroup file: the whole file ("max" is UINT64_MAX), or with key, the value of the
 * line "KEY VALUE" (cpu.stat). -ENOENT when the file or key is not there. */
int cgroup_read_u64(const char *dir, const char *file, const char *key, uint64_t *ret);
