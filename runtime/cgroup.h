/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The runtime's cgroup (v2 only). The runtime lives in a Delegate=yes unit and never touches a
 * cgroup outside its own:
 *     <own>/supervisor   the runtime itself (a leaf, so <own> holds no process of ours)
 *     <own>/payload      the container, entered with clone3(CLONE_INTO_CGROUP)
 * On exit the payload is killed (cgroup.kill), the runtime moves back to <own> and both are removed. */

#include <stdbool.h>
#include <sys/types.h>

typedef struct CgroupPaths {
        char *mount;      /* where cgroup2 is mounted, e.g. /sys/fs/cgroup/unified */
        char *own;        /* absolute directory of the cgroup the runtime was started in */
        char *supervisor; /* own/supervisor */
        char *payload;    /* own/payload */
        bool moved;       /* the runtime moved itself into supervisor */
} CgroupPaths;

void cgroup_paths_done(CgroupPaths *c);

/* Finds the cgroup2 mount in a mountinfo text (the first "cgroup2" entry). For tests. */
int cgroup2_mount_from_mountinfo(const char *mountinfo, char **ret_mount, char **ret_root);
/* Finds the v2 path ("0::/path") in a /proc/PID/cgroup text. */
int cgroup2_path_from_proc(const char *text, char **ret);

/* Looks up the mount and our own cgroup, creates supervisor and payload and moves us into supervisor. */
int cgroup_setup(CgroupPaths *c);
/* The OCI face: the payload cgroup is path (absolute: below the cgroup2 mount; relative: below our
 * own cgroup), created if needed; the runtime itself is not moved. A second call (once c->payload is
 * set) does nothing, so the cgroup can be made and given its limits before container_run(). */
int cgroup_setup_payload_at(CgroupPaths *c, const char *path);
/* Makes controller (e.g. "memory") available in the payload cgroup: enables it in cgroup.subtree_control
 * of the cgroups above the payload that lack it, from the highest down, but never above our own cgroup
 * (for a payload below it) nor in the cgroup2 root. why names what needs it, for the error when the
 * controller is not there to enable ("memory limit ... set but the cgroup v2 memory controller is not
 * available in DIR"). Idempotent. */
int cgroup_enable_controller(const CgroupPaths *c, const char *controller, const char *why);
/* An O_PATH directory fd of the payload cgroup, for CLONE_INTO_CGROUP. */
int cgroup_open_payload(const CgroupPaths *c);
/* Moves pid into the payload (the fallback when clone3 cannot place it). */
int cgroup_enter_payload(const CgroupPaths *c, pid_t pid);
/* Kills every process in the payload; with wait, waits up to timeout for it to empty. */
int cgroup_kill_payload(const CgroupPaths *c);
bool cgroup_payload_populated(const CgroupPaths *c);
/* Kills what is left, waits until empty, moves us back to own, removes payload and supervisor. */
int cgroup_teardown(CgroupPaths *c);
