/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cgroup v2 limits of the OCI face (config.json linux.resources, parsed by oci-resources.c into
 * "FILE=VALUE" lines such as "memory.max=33554432"): written into the payload cgroup before any
 * process enters it. The controllers those files belong to are enabled first in the cgroups above the
 * payload, within our own subtree (cgroup_enable_controller()). The unit face has no part in this:
 * there, systemd applies MemoryMax= and the like to the unit, which holds the payload cgroup. */

#include "cgroup.h"

/* The controller a cgroup file belongs to ("memory" for "memory.max"); NULL for the core "cgroup."
 * files, which need none. Returns the length of the name, 0 for none. */
size_t resources_controller_of(const char *file);

/* Applies the writes to the payload cgroup of cg (made already). Every error names the file, the value
 * and the config.json field it came from; nothing is logged and 0 is returned for an empty list. */
int resources_apply(const CgroupPaths *cg, char *const *writes);
