/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The device cgroup of cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program on the payload cgroup that
 * decides which device nodes the container may open. Like runc and crun: creating any node is allowed
 * (mknod needs CAP_MKNOD anyway), opening only the OCI default devices (null, zero, full, random,
 * urandom, tty, console, ptmx, the pts slaves and tun) and the --device ones, with their permissions.
 * Without it, a container given CAP_MKNOD could make and open a node of the host's disk. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct DeviceRule {
        char type;       /* 'c', 'b' or 'a' (both) */
        int64_t major;   /* -1: any */
        int64_t minor;   /* -1: any */
        unsigned access; /* BPF_DEVCG_ACC_* bits: 1 mknod, 2 read, 4 write */
        bool deny;       /* OCI linux.resources.devices "allow": false. Rules are read in order and the
                          * last one that matches decides, as runc and crun do; an allow rule matches
                          * when it grants every access asked for, a deny rule when it names any. */
} DeviceRule;

/* "rwm" and its subsets -> access bits; -EINVAL for anything else. */
int device_access_from_string(const char *s, unsigned *ret);
/* Loads a program and attaches it to cgroup_fd (a directory fd opened for reading): what the default
 * rules allow is allowed; otherwise the last extra rule that matches decides; nothing matching: denied. -EPERM or
 * -ENOSYS (not logged) when BPF cannot be used here. */
int device_filter_attach(int cgroup_fd, const DeviceRule *extra, size_t n_extra);
