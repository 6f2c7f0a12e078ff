/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "macro.h"
#include "parse-util.h"
#include "unit-property.h"

static bool is_memory(const char *key) {
        return streq(key, "MemoryMax") || streq(key, "MemoryHigh") || streq(key, "MemoryLow") ||
               streq(key, "MemorySwapMax");
}

int unit_property_restart_parse(const char *value, const char **ret_restart, uint64_t *ret_max) {
        const char *n;

        *ret_max = 0;
        if (streq_ptr(value, "no"))
                *ret_restart = "no";
        else if (streq_ptr(value, "always") || streq_ptr(value, "unless-stopped"))
                *ret_restart = "always";
        else if (streq_ptr(value, "on-failure"))
                *ret_restart = "on-failure";
        else if (value && (n = startswith(value, "on-failure:"))) {
                if (parse_uint_range(n, 1, 100000, ret_max) < 0)
                        return -EINVAL;
                *ret_restart = "on-failure";
        } else
                return -EINVAL;
        return 0;
}

int unit_property_parse(const char *key, const char *value, const char **ret_bus_property, uint64_t *ret) {
        uint64_t v;

        *ret_bus_property = key;
        if (isempty(value))
                return -EINVAL;
        if (is_memory(key))
                return parse_size(value, ret) < 0 ? -EINVAL : 0;
        if (streq(key, "Restart")) {
                const char *restart;
                return unit_property_restart_parse(value, &restart, ret);
        }
        if (streq(key, "TasksMax")) {
                if (streq(value, "infinity") || streq(value, "-1") || streq(value, "0"))
                        *ret = UINT64_MAX; /* docker: --pids-limit -1 or 0 means unlimited */
                else if (parse_uint_range(value, 1, UINT64_MAX - 1, ret) < 0)
                        return -EINVAL;
                return 0;
        }
        if (streq(key, "CPUWeight") || streq(key, "IOWeight"))
                return parse_uint_range(value, 1, 10000, ret) < 0 ? -EINVAL : 0;
        if (streq(key, "CPUs")) { /* docker's --cpus 1.5: one and a half CPUs' time per second */
                char *end;
                errno = 0;
                double cpus = strtod(value, &end);
                if (errno || *end || end == value || !isfinite(cpus) || cpus < 0.01 || cpus > 100000)
                        return -EINVAL;
                *ret_bus_property = "CPUQuotaPerSecUSec";
                *ret = (uint64_t) (cpus * 1000000 + 0.5);
                return 0;
        }
        if (streq(key, "CPUShares")) { /* docker's --cpu-shares, converted as crun converts it for cgroup2 */
                if (parse_uint_range(value, 2, 262144, &v) < 0)
                        return -EINVAL;
                *ret_bus_property = "CPUWeight";
                *ret = 1 + (v - 2) * 9999 / 262142;
                return 0;
        }
        if (streq(key, "CPUQuota")) {
                size_t n = strcspn(value, "%");
                char number[21];

                if (n == 0 || n >= sizeof number || (value[n] && !streq(value + n, "%")))
                        return -EINVAL;
                memcpy(number, value, n);
                number[n] = 0;
                /* 1% is 10 ms of CPU time per second */
                if (parse_uint_range(number, 1, UINT64_MAX / 10000, &v) < 0)
                        return -EINVAL;
                *ret_bus_property = "CPUQuotaPerSecUSec";
                *ret = v * 10000;
                return 0;
        }
        return -EOPNOTSUPP;
}

char *unit_property_unit_line(const char *key, const char *value) {
        const char *bus_property;
        char *line = NULL;
        uint64_t v;

        if (streq(key, "CPUs") || streq(key, "CPUShares")) {
                if (unit_property_parse(key, value, &bus_property, &v) < 0)
                        return NULL;
                /* CPUQuotaPerSecUSec in µs per second: 10000 µs are 1% */
                if (asprintf(&line, streq(key, "CPUs") ? "CPUQuota=%" PRIu64 "%%" : "CPUWeight=%" PRIu64,
                                    streq(key, "CPUs") ? (v + 5000) / 10000 : v) < 0)
                        return NULL;
                return line;
        }
        if (streq(key, "Restart")) {
                const char *restart;
                if (unit_property_restart_parse(value, &restart, &v) < 0)
                        return NULL;
                if (v == 0)
                        return strjoin("Restart=", restart);
                /* N restarts: N+1 starts, counted for ever */
                if (asprintf(&line, "Restart=%s\nStartLimitBurst=%" PRIu64 "\nStartLimitIntervalSec=infinity", restart,
                                    v + 1) < 0)
                        return NULL;
                return line;
        }
        return strjoin(key, "=", value);
}

const char *unit_property_expected(const char *key) {
        if (is_memory(key))
                return PARSE_SIZE_EXPECTED;
        if (streq(key, "TasksMax"))
                return "a number of processes, or infinity (also -1 or 0)";
        if (streq(key, "CPUWeight") || streq(key, "IOWeight"))
                return "a weight from 1 to 10000";
        if (streq(key, "CPUQuota"))
                return "a percentage such as 50%";
        if (streq(key, "CPUs"))
                return "a number of CPUs such as 1.5";
        if (streq(key, "CPUShares"))
                return "a number of shares from 2 to 262144 (1024 is the default weight)";
        if (streq(key, "Restart"))
                return "no, always, unless-stopped or on-failure[:N]";
        return "a value systemd takes for it";
}
