/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "fs-util.h"
#include "log.h"

/* Podman's default: Docker's 14 without MKNOD, NET_RAW and AUDIT_WRITE. */
static const int default_capabilities[] = {
        CAP_CHOWN,
        CAP_DAC_OVERRIDE,
        CAP_FOWNER,
        CAP_FSETID,
        CAP_KILL,
        CAP_NET_BIND_SERVICE,
        CAP_SETFCAP,
        CAP_SETGID,
        CAP_SETPCAP,
        CAP_SETUID,
        CAP_SYS_CHROOT,
};

int capability_last(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int last;

        if (f && fscanf(f, "%d", &last) == 1 && last > 0 && last < 64)
                return last;
        return CAPABILITY_NAMES_LAST;
}

static int caps_from_list(char **names, uint64_t *mask, bool *all, const char *what) {
        STRV_FOREACH(n, names) {
                int c = capability_from_option_word(*n);
                if (c < 0)
                        return log_error_errno(c, "Unknown capability '%s' in %s.", *n, what);
                if (c == CAPABILITY_ALL)
                        *all = true;
                else
                        *mask |= CAP_MASK(c);
        }
        return 0;
}

int capabilities_from_spec(const ContainerSpec *spec, uint64_t *ret) {
        uint64_t full = 0, caps = 0, add = 0, drop = 0;
        bool add_all = false, drop_all = false;
        int r;

        for (int c = 0; c <= capability_last(); c++)
                full |= CAP_MASK(c);

        if (spec->privileged) {
                *ret = full;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(default_capabilities); i++)
                caps |= CAP_MASK(default_capabilities[i]);

        r = caps_from_list(spec->cap_add, &add, &add_all, "--cap-add");
        if (r < 0)
                return r;
        r = caps_from_list(spec->cap_drop, &drop, &drop_all, "--cap-drop");
        if (r < 0)
                return r;
        /* docker: drops are applied first, so "--cap-drop=all --cap-add=chown" keeps chown. */
        if (drop_all)
                caps = 0;
        caps &= ~drop;
        caps |= add_all ? full : add;
        *ret = caps & full;
        return 0;
}

static int capset_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[2] = {
                { (uint32_t) effective, (uint32_t) permitted, (uint32_t) inheritable },
                { (uint32_t) (effective >> 32), (uint32_t) (permitted >> 32), (uint32_t) (inheritable >> 32) },
        };

        return RET_NERRNO((int) syscall(SYS_capset, &h, d));
}

static int capget_permitted(uint64_t *ret) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return negative_errno();
        *ret = (uint64_t) d[0].permitted | ((uint64_t) d[1].permitted << 32);
        return 0;
}

/* A user namespace whose /proc/PID/setgroups says "deny" (one an unprivileged user made, or
 * `unshare --map-root-user`) refuses setgroups() to everyone in it. */
static bool setgroups_denied(void) {
        _cleanup_free_ char *s = NULL;

        return read_full_file("/proc/self/setgroups", &s, NULL) >= 0 && startswith(s, "deny");
}

/* Drops from the bounding set what is not in bounding, switches to uid, gid and groups keeping the
 * permitted set, and sets effective, permitted and inheritable; then the ambient set. */
static int apply_and_switch_user(uint64_t bounding, uint64_t effective, uint64_t permitted, uint64_t inheritable,
                uint64_t ambient, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups) {
        int last = capability_last();
        uint64_t own = 0;
        int r;

        /* We cannot hand out what we do not have ourselves (e.g. a host whose bounding set lacks
         * CAP_SYS_RESOURCE): say so once and go on with the rest, like --privileged would. */
        r = capget_permitted(&own);
        if (r < 0)
                return log_error_errno(r, "Failed to read our own capabilities: %m");
        if ((bounding | permitted) & ~own)
                log_debug("Capabilities 0x%llx are not available to the runtime and are left out.",
                                (unsigned long long) ((bounding | permitted) & ~own));
        effective &= own;
        permitted &= own;
        ambient &= own;

        for (int c = 0; c <= last; c++) {
                if (bounding & CAP_MASK(c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0 && errno != EINVAL)
                        return log_error_errno(negative_errno(), "Failed to drop %s from the bounding set: %m",
                                        capability_to_name(c) ?: "capability");
        }
        /* Keep permitted across setresuid() so the wanted caps can be set afterwards. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return log_error_errno(negative_errno(), "PR_SET_KEEPCAPS failed: %m");
        /* There the process keeps the (no) groups it entered with: exec_process() dropped the host's. */
        if (setgroups(n_groups, groups) < 0 && !(errno == EPERM && setgroups_denied()))
                return log_error_errno(negative_errno(), "Failed to set supplementary groups: %m");
        if (setresgid(gid, gid, gid) < 0)
                return log_error_errno(negative_errno(), "Failed to switch to gid %u: %m", (unsigned) gid);
        if (setresuid(uid, uid, uid) < 0)
                return log_error_errno(negative_errno(), "Failed to switch to uid %u: %m", (unsigned) uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return log_error_errno(negative_errno(), "PR_SET_KEEPCAPS failed: %m");

        r = capset_sets(effective, permitted, inheritable);
        if (r < 0)
                return log_error_errno(r, "Failed to set capabilities: %m");
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return log_error_errno(negative_errno(), "Failed to clear ambient capabilities: %m");
        /* The kernel takes an ambient capability only when it is permitted and inheritable too; as crun
         * and runc do, one that is not is left out (configs like `runc spec`'s list ambient ones alone). */
        if (ambient & ~(permitted & inheritable))
                log_debug("Ambient capabilities 0x%llx are not both permitted and inheritable and are left "
                          "out.",
                                (unsigned long long) (ambient & ~(permitted & inheritable)));
        ambient &= permitted & inheritable;
        for (int c = 0; c <= last; c++)
                if ((ambient & CAP_MASK(c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0)
                        return log_error_errno(negative_errno(), "Failed to raise ambient %s: %m",
                                        capability_to_name(c) ?: "capability");
        return 0;
}

int capabilities_apply_and_switch_user(uint64_t caps, uint64_t added, uid_t uid, gid_t gid, const gid_t *groups,
                size_t n_groups) {
        uint64_t keep = uid == 0 ? caps : (caps & added);

        /* Ambient caps must also be inheritable; only a non-root user with explicit --cap-add gets any. */
        return apply_and_switch_user(caps, keep, keep, uid == 0 ? 0 : keep, uid == 0 ? 0 : keep, uid, gid, groups,
                        n_groups);
}

int capabilities_apply_sets_and_switch_user(const CapSets *sets, uid_t uid, gid_t gid, const gid_t *groups,
                size_t n_groups) {
        return apply_and_switch_user(sets->bounding, sets->effective, sets->permitted, sets->inheritable, sets->ambient,
                        uid, gid, groups, n_groups);
}
