/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capabilities: names, the default set (Podman's 11), --cap-add/--cap-drop/--privileged, and dropping
 * everything else from every set of the container's process. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capability-name.h"
#include "container-spec.h"

#define CAP_MASK(c) (UINT64_C(1) << (c))

/* OCI process.capabilities: each set as config.json gives it. */
typedef struct CapSets {
        uint64_t bounding, effective, permitted, inheritable, ambient;
} CapSets;

/* The highest capability the kernel knows (/proc/sys/kernel/cap_last_cap), or the highest we know. */
int capability_last(void);

/* The container's capability set from the defaults and the spec's --cap-add/--cap-drop/--privileged. */
int capabilities_from_spec(const ContainerSpec *spec, uint64_t *ret);

/* Switches to uid/gid/groups and leaves exactly caps in the bounding set. uid 0 gets caps in its
 * effective and permitted sets; another uid gets only the explicitly added ones (added), and those
 * also as ambient so they survive execve, as Podman does. Inheritable holds nothing else. */
int capabilities_apply_and_switch_user(uint64_t caps, uint64_t added, uid_t uid, gid_t gid, const gid_t *groups,
                size_t n_groups);
/* The same with every set given (OCI process.capabilities), for root as for any other uid: the
 * bounding set, then effective, permitted and inheritable, then the ambient set (which the kernel
 * takes only for capabilities both permitted and inheritable). */
int capabilities_apply_sets_and_switch_user(const CapSets *sets, uid_t uid, gid_t gid, const gid_t *groups,
                size_t n_groups);
