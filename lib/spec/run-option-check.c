/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "capability-name.h"
#include "container-spec.h"
#include "device-spec.h"
#include "fs-util.h"
#include "namespace-spec.h"
#include "parse-util.h"
#include "run-option-check.h"
#include "signal-name.h"
#include "sysctl-spec.h"
#include "ulimit-spec.h"
#include "unit-property.h"
#include "user-name.h"
#include "volume-spec.h"

static int check_absolute_path(const char *v) {
        return path_is_absolute(v) ? 0 : -EINVAL;
}

static int check_user(const char *v) {
        return user_spec_is_valid(v) ? 0 : -EINVAL;
}

static int check_group(const char *v) {
        return user_name_is_valid(v) ? 0 : -EINVAL;
}

static int check_volume(const char *v) {
        return volume_spec_check(v, false);
}

static int check_mount(const char *v) {
        return volume_spec_check(v, true);
}

static int check_namespace(const char *v) {
        const char *arg;
        return namespace_option_parse(v, &arg) < 0 ? -EINVAL : 0;
}

static int check_userns(const char *v) {
        const char *arg;
        return userns_option_parse(v, &arg) < 0 ? -EINVAL : 0;
}

static int check_capability(const char *v) {
        return capability_from_option_word(v) < 0 ? -EINVAL : 0;
}

static int check_seccomp_profile(const char *v) {
        return seccomp_profile_is_valid(v) ? 0 : -EINVAL;
}

static int check_ulimit(const char *v) {
        struct rlimit rl;
        int r = ulimit_parse(v, &rl);
        return r < 0 ? r : 0;
}

static int check_umask(const char *v) {
        mode_t m;
        return parse_umask(v, &m);
}

static int check_device(const char *v) {
        _cleanup_(device_spec_done) DeviceSpec d = {};
        return device_spec_parse(v, &d);
}

static int check_idmap(const char *v) {
        uint64_t inside, outside, size;
        return idmap_entry_parse(v, &inside, &outside, &size);
}

static int check_notify(const char *v) {
        return notify_mode_from_string(v) < 0 ? -EINVAL : 0;
}

static int check_signal(const char *v) {
        return signal_from_string(v) < 0 ? -EINVAL : 0;
}

/* a tmpfs size: more than nothing, and finite */
static int check_shm_size(const char *v) {
        uint64_t size;
        return parse_size(v, &size) < 0 || size == 0 || size == UINT64_MAX ? -EINVAL : 0;
}

static int check_duration(const char *v) {
        uint64_t usec;
        return parse_duration(v, &usec) < 0 ? -EINVAL : 0;
}

static int check_positive_duration(const char *v) {
        uint64_t usec;
        return parse_duration(v, &usec) < 0 || usec == 0 ? -EINVAL : 0;
}

static int check_pull(const char *v) {
        return image_pull_policy_is_valid(v) ? 0 : -EINVAL;
}

static int check_health_retries(const char *v) {
        uint64_t n;
        return parse_uint_range(v, 1, 1000, &n) < 0 ? -EINVAL : 0;
}

static int check_health_on_failure(const char *v) {
        return health_on_failure_from_string(v) < 0 ? -EINVAL : 0;
}

static const struct {
        const char *name;
        int (*check)(const char *value);
        const char *expected;
} checks[] = {
        { "workdir", check_absolute_path, "an absolute path" },
        { "user", check_user, USER_SPEC_EXPECTED },
        { "group-add", check_group, USER_NAME_EXPECTED },
        { "volume", check_volume,
                        "SOURCE:DEST[:OPTIONS] with options among ro, rw, nocopy, idmap[=...], z, "
                        "Z, and rprivate, rslave, "
                        "rshared and their non-recursive forms, or an absolute path" },
        { "mount", check_mount,
                        "type=bind|volume|tmpfs,source=...,destination=...[,ro] with options berth "
                        "understands (see "
                        "berth-runtime(8), --mount)" },
        { "ipc", check_namespace, NAMESPACE_OPTION_EXPECTED },
        { "pid", check_namespace, NAMESPACE_OPTION_EXPECTED },
        { "uts", check_namespace, NAMESPACE_OPTION_EXPECTED },
        { "cap-add", check_capability, "capability names such as NET_ADMIN or CAP_SYS_TIME, or all" },
        { "cap-drop", check_capability, "capability names such as NET_ADMIN or CAP_SYS_TIME, or all" },
        { "seccomp-profile", check_seccomp_profile, "unconfined or the absolute path of a profile" },
        { "sysctl", sysctl_option_check, SYSCTL_EXPECTED },
        { "ulimit", check_ulimit, ULIMIT_EXPECTED },
        { "umask", check_umask, "an octal mask such as 0027" },
        { "shm-size", check_shm_size, "a size such as 64M or 1G, more than 0" },
        { "device", check_device, DEVICE_SPEC_EXPECTED },
        { "userns", check_userns, USERNS_OPTION_EXPECTED },
        { "uidmap", check_idmap, IDMAP_EXPECTED },
        { "gidmap", check_idmap, IDMAP_EXPECTED },
        { "notify", check_notify, "false, true or healthy" },
        { "stop-signal", check_signal, "a signal name such as SIGTERM or TERM, or a number" },
        { "stop-timeout", check_duration, PARSE_DURATION_EXPECTED },
        { "pull", check_pull, "missing, always, never or newer" },
        { "health-interval", check_positive_duration, PARSE_DURATION_EXPECTED ", more than 0" },
        { "health-timeout", check_positive_duration, PARSE_DURATION_EXPECTED ", more than 0" },
        { "health-start-period", check_duration, PARSE_DURATION_EXPECTED },
        { "health-retries", check_health_retries, "a number from 1 to 1000" },
        { "health-on-failure", check_health_on_failure, "none, kill or stop" },
};

static size_t check_index(const RunOption *o) {
        for (size_t i = 0; i < ELEMENTSOF(checks); i++)
                if (streq(checks[i].name, o->name))
                        return i;
        return SIZE_MAX;
}

int run_option_check(const RunOption *o, const char *value) {
        size_t i;

        if (o->kind == RUN_OPTION_UNIT_PROPERTY) {
                const char *bus_property;
                uint64_t v;
                int r = unit_property_parse(o->unit_property, value, &bus_property, &v);
                return r == -EOPNOTSUPP ? 0 : r;
        }
        i = check_index(o);
        if (i == SIZE_MAX)
                return 0;
        if (!value)
                return -EINVAL;
        return checks[i].check(value);
}

const char *run_option_expected(const RunOption *o) {
        size_t i;

        if (o->kind == RUN_OPTION_UNIT_PROPERTY)
                return unit_property_expected(o->unit_property);
        i = check_index(o);
        return i == SIZE_MAX ? NULL : checks[i].expected;
}
