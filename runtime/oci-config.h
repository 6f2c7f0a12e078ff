/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading an OCI bundle's config.json into a Container. Every field that berth uses is checked for its
 * type and value before anything is created; a bad one gets exactly one error that names the file and
 * the field, e.g. "/b/config.json: process.args: expected a non-empty array of strings". Pure: no
 * file system changes, no namespaces. */

#include "container.h"

int oci_config_load(Container *c, const char *bundle);
/* Whether ociVersion is a SemVer 2.0 version with major 1 ("1.0.2", "1.2.0-rc.1"): the spec this
 * runtime implements. */
bool oci_version_supported(const char *v);

/* `exec --process FILE` (oci-process.c): an OCI process object (args, env, cwd, user, terminal, capabilities,
 * noNewPrivileges, rlimits) into c->process, c->caps, c->caps_added and c->spec, checked as
 * config.json's process is. */
int oci_process_load(const char *path, Container *c, bool *ret_terminal, bool *ret_has_caps);

/* linux.resources (oci-resources.c): the cgroup v2 files to write into the payload cgroup, as
 * "FILE=VALUE" in c->cgroup_writes (resources.h applies them), and the device rules, appended to
 * c->device_rules (device-filter.h). Called by oci_config_load before linux.devices, so the nodes the
 * config makes stay usable. linux_ may be NULL. */
struct json_t;
int oci_resources_load(const char *file, struct json_t *linux_, Container *c);

/* The conversions runc and crun make for cgroup v2, pure for the tests: */
/* cpu.shares (2-262144) to cpu.weight (1-10000): 2 -> 1, 1024 -> 100, 262144 -> 10000, on a curve that
 * is a parabola in log space (crun's and runc's current formula, not the old linear one). */
uint64_t oci_cpu_shares_to_weight(uint64_t shares);
/* blockIO.weight (10-1000) to io.weight (1-10000), linearly. */
uint64_t oci_blkio_weight_to_io_weight(uint64_t weight);
/* memory.swap is memory+swap; memory.swap.max is swap alone. Returns 0 when nothing is to be written,
 * 1 with *ret (-1: "max") to write, -EINVAL (with *ret_why) when the pair makes no sense. */
int oci_swap_to_v2(int64_t swap, int64_t limit, int64_t *ret, const char **ret_why);
