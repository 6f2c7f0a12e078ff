/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json linux.resources: checked field by field (every error names the file and the JSON path,
 * through oci-json.h as the rest of config.json) and turned into the cgroup v2 files runc and crun
 * write for them. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "device-filter.h"
#include "fs-util.h"
#include "log.h"
#include "oci-config.h"
#include "oci-json.h"
#include "strv.h"

/* Where we are (the file and the JSON path, for the one error) and where the writes go. */
typedef struct Field {
        OciJson x;
        char ***writes;
} Field;

/* An optional integer member, at least min. */
static int int_member(Field *f, json_t *o, const char *key, json_int_t min, const char *what, json_int_t *ret) {
        json_t *v;
        int r = oci_json_member(&f->x, o, key, JSON_INTEGER, what, &v);

        if (r <= 0)
                return r;
        if (json_integer_value(v) < min)
                return oci_json_bad(&f->x, what);
        *ret = json_integer_value(v);
        return 1;
}

static int add(Field *f, const char *file, const char *fmt, ...) _printf_(3, 4);
static int add(Field *f, const char *file, const char *fmt, ...) {
        _cleanup_free_ char *value = NULL;
        char *line = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&value, fmt, ap);
        va_end(ap);
        if (r < 0 || !(line = strjoin(file, "=", value)))
                return log_oom();
        return strv_consume(f->writes, line) < 0 ? log_oom() : 0;
}

/* -1: "max"; 0: not set (as runc reads it); above: bytes. */
static int limit_to(Field *f, json_t *o, const char *key, const char *file) {
        json_int_t v = 0;
        int r;

        (void) oci_json_at(&f->x, "linux.resources.memory.%s", key);
        r = int_member(f, o, key, -1, "expected a number of bytes, or -1 for no limit", &v);
        if (r <= 0 || v == 0)
                return r;
        return v < 0 ? add(f, file, "max") : add(f, file, "%" PRIi64, (int64_t) v);
}

int oci_swap_to_v2(int64_t swap, int64_t limit, int64_t *ret, const char **ret_why) {
        /* An unlimited memory with swap unset means both unlimited, as cgroup v1 had it. */
        if (limit == -1 && swap == 0) {
                *ret = -1;
                return 1;
        }
        if (swap == 0)
                return 0;
        if (swap == -1) {
                *ret = -1;
                return 1;
        }
        if (limit <= 0) {
                *ret_why = "a swap limit needs memory.limit too (swap is memory plus swap)";
                return -EINVAL;
        }
        if (swap < limit) {
                *ret_why = "below memory.limit (swap is memory plus swap)";
                return -EINVAL;
        }
        *ret = swap - limit;
        return 1;
}

static int memory_from_json(Field *f, json_t *res) {
        json_t *memory, *v;
        json_int_t limit = 0, swap = 0;
        int64_t swap_v2;
        const char *why = NULL;
        int r;

        (void) oci_json_at(&f->x, "linux.resources.memory");
        r = oci_json_member(&f->x, res, "memory", JSON_OBJECT, "expected an object", &memory);
        if (r <= 0)
                return r;
        r = limit_to(f, memory, "limit", "memory.max");
        if (r >= 0)
                r = limit_to(f, memory, "reservation", "memory.low");
        if (r < 0)
                return r;
        (void) oci_json_at(&f->x, "linux.resources.memory.limit");
        (void) int_member(f, memory, "limit", -1, "", &limit);
        (void) oci_json_at(&f->x, "linux.resources.memory.swap");
        if (int_member(f, memory, "swap", -1, "expected a number of bytes (memory plus swap), or -1 for no limit",
                            &swap) < 0)
                return -EINVAL;
        r = oci_swap_to_v2(swap, limit, &swap_v2, &why);
        if (r < 0)
                return oci_json_bad(&f->x, why);
        if (r > 0 && (swap_v2 < 0 ? add(f, "memory.swap.max", "max")
                                  : add(f, "memory.swap.max", "%" PRIi64, (int64_t) swap_v2)) < 0)
                return -ENOMEM;
        /* cgroup v2 has no per-cgroup swappiness and no switch for the OOM killer. The kernel memory
         * limits are gone from the kernel: runc and crun ignore them, and so do we. */
        (void) oci_json_at(&f->x, "linux.resources.memory.swappiness");
        if (oci_json_member(&f->x, memory, "swappiness", JSON_INTEGER, "expected an integer", &v) < 0)
                return -EINVAL;
        if (v)
                return oci_json_bad(&f->x, "not supported with cgroup v2");
        (void) oci_json_at(&f->x, "linux.resources.memory.disableOOMKiller");
        if (oci_json_member(&f->x, memory, "disableOOMKiller", JSON_TRUE, "expected true or false", &v) < 0)
                return -EINVAL;
        if (json_is_true(v))
                return oci_json_bad(&f->x, "not supported with cgroup v2");
        return 0;
}

uint64_t oci_cpu_shares_to_weight(uint64_t shares) {
        double l, e;

        if (shares <= 2)
                return 1;
        if (shares >= 262144)
                return 10000;
        l = log2((double) shares);
        e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (uint64_t) MIN(ceil(pow(10, e)), 10000.0);
}

static int cpu_from_json(Field *f, json_t *res) {
        json_t *cpu, *v;
        json_int_t shares = 0, quota = 0, period = 0, rt = 0, idle = 0, burst = 0;
        bool has_quota, has_period;
        int r;

        (void) oci_json_at(&f->x, "linux.resources.cpu");
        r = oci_json_member(&f->x, res, "cpu", JSON_OBJECT, "expected an object", &cpu);
        if (r <= 0)
                return r;
        (void) oci_json_at(&f->x, "linux.resources.cpu.shares");
        if (int_member(f, cpu, "shares", 0, "expected a non-negative integer (2-262144)", &shares) < 0)
                return -EINVAL;
        if (shares > 262144)
                return oci_json_bad(&f->x, "expected a non-negative integer (2-262144)");
        if (shares > 0 && add(f, "cpu.weight", "%" PRIu64, oci_cpu_shares_to_weight((uint64_t) shares)) < 0)
                return -ENOMEM;

        (void) oci_json_at(&f->x, "linux.resources.cpu.quota");
        r = int_member(f, cpu, "quota", -1, "expected microseconds per period, or -1 for no limit", &quota);
        if (r < 0)
                return r;
        has_quota = r > 0 && quota != 0;
        (void) oci_json_at(&f->x, "linux.resources.cpu.period");
        r = int_member(f, cpu, "period", 0, "expected microseconds (1000-1000000)", &period);
        if (r < 0)
                return r;
        has_period = r > 0 && period != 0;
        if (has_period && (period < 1000 || period > 1000000))
                return oci_json_bad(&f->x, "expected microseconds (1000-1000000)");
        if (has_quota && quota > 0 && quota < 1000)
                return (void) oci_json_at(&f->x, "linux.resources.cpu.quota"),
                       oci_json_bad(&f->x, "expected at least 1000 microseconds");
        if (has_quota || has_period) {
                char q[32];
                (void) snprintf(q, sizeof q, "%" PRIi64, (int64_t) quota);
                if (add(f, "cpu.max", "%s %" PRIi64, has_quota && quota > 0 ? q : "max",
                                    (int64_t) (has_period ? period : 100000)) < 0)
                        return -ENOMEM;
        }
        (void) oci_json_at(&f->x, "linux.resources.cpu.burst");
        if (int_member(f, cpu, "burst", 0, "expected microseconds", &burst) < 0)
                return -EINVAL;
        if (json_object_get(cpu, "burst") && add(f, "cpu.max.burst", "%" PRIi64, (int64_t) burst) < 0)
                return -ENOMEM;
        (void) oci_json_at(&f->x, "linux.resources.cpu.idle");
        if (int_member(f, cpu, "idle", 0, "expected 0 or 1", &idle) < 0)
                return -EINVAL;
        if (idle > 1)
                return oci_json_bad(&f->x, "expected 0 or 1");
        if (json_object_get(cpu, "idle") && add(f, "cpu.idle", "%d", (int) idle) < 0)
                return -ENOMEM;
        (void) oci_json_at(&f->x, "linux.resources.cpu.realtimeRuntime");
        if (int_member(f, cpu, "realtimeRuntime", 0, "expected an integer", &rt) < 0)
                return -EINVAL;
        if (rt)
                return oci_json_bad(&f->x, "real-time CPU time is not supported with cgroup v2");
        (void) oci_json_at(&f->x, "linux.resources.cpu.realtimePeriod");
        if (int_member(f, cpu, "realtimePeriod", 0, "expected an integer", &rt) < 0)
                return -EINVAL;
        if (rt)
                return oci_json_bad(&f->x, "real-time CPU time is not supported with cgroup v2");

        for (size_t i = 0; i < 2; i++) {
                const char *key = i == 0 ? "cpus" : "mems";
                const char *s;
                (void) oci_json_at(&f->x, "linux.resources.cpu.%s", key);
                if (oci_json_member(&f->x, cpu, key, JSON_STRING, "expected a list like \"0-3,5\"", &v) < 0)
                        return -EINVAL;
                if (!v || isempty(s = json_string_value(v)))
                        continue;
                if (strspn(s, "0123456789,-") != strlen(s))
                        return oci_json_bad(&f->x, "expected a list like \"0-3,5\"");
                if (add(f, i == 0 ? "cpuset.cpus" : "cpuset.mems", "%s", s) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int pids_from_json(Field *f, json_t *res) {
        json_t *pids;
        json_int_t limit = 0;
        int r;

        (void) oci_json_at(&f->x, "linux.resources.pids");
        r = oci_json_member(&f->x, res, "pids", JSON_OBJECT, "expected an object", &pids);
        if (r <= 0)
                return r;
        (void) oci_json_at(&f->x, "linux.resources.pids.limit");
        r = int_member(f, pids, "limit", -1, "expected a number of processes, or -1 for no limit", &limit);
        if (r <= 0 || limit == 0)
                return r;
        return limit < 0 ? add(f, "pids.max", "max") : add(f, "pids.max", "%" PRIi64, (int64_t) limit);
}

uint64_t oci_blkio_weight_to_io_weight(uint64_t weight) {
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + (weight - 10) * 9999 / 990;
}

/* A {"major", "minor"} object: "MAJ:MIN". */
static int device_numbers(Field *f, json_t *d, char buf[static 48]) {
        json_int_t maj = -1, min = -1;

        if (!json_is_object(d))
                return oci_json_bad(&f->x, "expected an object with major and minor");
        if (int_member(f, d, "major", 0, "expected a device major number", &maj) < 0 ||
                        int_member(f, d, "minor", 0, "expected a device minor number", &min) < 0)
                return -EINVAL;
        if (maj < 0 || min < 0)
                return oci_json_bad(&f->x, "expected an object with major and minor");
        (void) snprintf(buf, 48, "%" PRIi64 ":%" PRIi64, (int64_t) maj, (int64_t) min);
        return 0;
}

static int block_io_from_json(Field *f, json_t *res) {
        static const struct {
                const char *key, *io_max;
        } throttles[] = {
                { "throttleReadBpsDevice", "rbps" },
                { "throttleWriteBpsDevice", "wbps" },
                { "throttleReadIOPSDevice", "riops" },
                { "throttleWriteIOPSDevice", "wiops" },
        };
        json_t *bio, *list, *d, *v;
        json_int_t weight = 0;
        size_t i;
        int r;

        (void) oci_json_at(&f->x, "linux.resources.blockIO");
        r = oci_json_member(&f->x, res, "blockIO", JSON_OBJECT, "expected an object", &bio);
        if (r <= 0)
                return r;
        (void) oci_json_at(&f->x, "linux.resources.blockIO.weight");
        if (int_member(f, bio, "weight", 0, "expected a weight (10-1000)", &weight) < 0)
                return -EINVAL;
        if (weight > 0 && (weight < 10 || weight > 1000))
                return oci_json_bad(&f->x, "expected a weight (10-1000)");
        if (weight > 0 && add(f, "io.weight", "default %" PRIu64, oci_blkio_weight_to_io_weight((uint64_t) weight)) < 0)
                return -ENOMEM;
        (void) oci_json_at(&f->x, "linux.resources.blockIO.leafWeight");
        if (oci_json_member(&f->x, bio, "leafWeight", JSON_INTEGER, "expected an integer", &v) < 0)
                return -EINVAL;
        if (v)
                return oci_json_bad(&f->x, "not supported with cgroup v2");

        (void) oci_json_at(&f->x, "linux.resources.blockIO.weightDevice");
        if (oci_json_member(&f->x, bio, "weightDevice", JSON_ARRAY, "expected an array", &list) < 0)
                return -EINVAL;
        json_array_foreach(list, i, d) {
                char dev[48];
                (void) oci_json_at(&f->x, "linux.resources.blockIO.weightDevice[%zu]", i);
                if (device_numbers(f, d, dev) < 0)
                        return -EINVAL;
                (void) oci_json_at(&f->x, "linux.resources.blockIO.weightDevice[%zu].weight", i);
                weight = 0;
                if (int_member(f, d, "weight", 10, "expected a weight (10-1000)", &weight) < 0)
                        return -EINVAL;
                if (weight > 1000)
                        return oci_json_bad(&f->x, "expected a weight (10-1000)");
                if (weight > 0 && add(f, "io.weight", "%s %" PRIu64, dev,
                                                  oci_blkio_weight_to_io_weight((uint64_t) weight)) < 0)
                        return -ENOMEM;
        }
        for (size_t t = 0; t < ELEMENTSOF(throttles); t++) {
                (void) oci_json_at(&f->x, "linux.resources.blockIO.%s", throttles[t].key);
                if (oci_json_member(&f->x, bio, throttles[t].key, JSON_ARRAY, "expected an array", &list) < 0)
                        return -EINVAL;
                json_array_foreach(list, i, d) {
                        char dev[48];
                        json_int_t rate = 0;
                        (void) oci_json_at(&f->x, "linux.resources.blockIO.%s[%zu]", throttles[t].key, i);
                        if (device_numbers(f, d, dev) < 0)
                                return -EINVAL;
                        (void) oci_json_at(&f->x, "linux.resources.blockIO.%s[%zu].rate", throttles[t].key, i);
                        if (int_member(f, d, "rate", 0, "expected a non-negative integer", &rate) < 0)
                                return -EINVAL;
                        /* 0 lifts the limit, as in cgroup v1. */
                        if ((rate == 0 ? add(f, "io.max", "%s %s=max", dev, throttles[t].io_max)
                                       : add(f, "io.max", "%s %s=%" PRIi64, dev, throttles[t].io_max, (int64_t) rate)) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int hugepages_from_json(Field *f, json_t *res) {
        json_t *list, *h, *v;
        size_t i;

        (void) oci_json_at(&f->x, "linux.resources.hugepageLimits");
        if (oci_json_member(&f->x, res, "hugepageLimits", JSON_ARRAY, "expected an array", &list) < 0)
                return -EINVAL;
        json_array_foreach(list, i, h) {
                const char *size;
                json_int_t limit = 0;
                _cleanup_free_ char *file = NULL;

                if (!json_is_object(h))
                        return (void) oci_json_at(&f->x, "linux.resources.hugepageLimits[%zu]", i),
                               oci_json_bad(&f->x, "expected an object");
                (void) oci_json_at(&f->x, "linux.resources.hugepageLimits[%zu].pageSize", i);
                if (oci_json_member(&f->x, h, "pageSize", JSON_STRING, "expected a size like \"2MB\"", &v) <= 0)
                        return oci_json_bad(&f->x, "expected a size like \"2MB\"");
                size = json_string_value(v);
                if (isempty(size) || strspn(size, "0123456789KMGB") != strlen(size))
                        return oci_json_bad(&f->x, "expected a size like \"2MB\"");
                (void) oci_json_at(&f->x, "linux.resources.hugepageLimits[%zu].limit", i);
                if (int_member(f, h, "limit", 0, "expected a number of bytes", &limit) <= 0)
                        return oci_json_bad(&f->x, "expected a number of bytes");
                file = strjoin("hugetlb.", size, ".max");
                if (!file || add(f, file, "%" PRIi64, (int64_t) limit) < 0)
                        return log_oom();
        }
        return 0;
}

/* Raw cgroup v2 files. Anything that could leave the payload cgroup's directory is refused. */
static int unified_from_json(Field *f, json_t *res) {
        json_t *map, *v;
        const char *key;

        (void) oci_json_at(&f->x, "linux.resources.unified");
        if (oci_json_member(&f->x, res, "unified", JSON_OBJECT, "expected an object of strings", &map) < 0)
                return -EINVAL;
        json_object_foreach(map, key, v) {
                (void) oci_json_at(&f->x, "linux.resources.unified.%s", key);
                if (isempty(key) || strchr(key, '/') || strstr(key, "..") || strchr(key, '=') || !strchr(key, '.') ||
                                key[0] == '.')
                        return oci_json_bad(&f->x, "expected a cgroup file name like \"memory.high\" (no '/', no '..')");
                if (!json_is_string(v))
                        return oci_json_bad(&f->x, "expected a string");
                if (add(f, key, "%s", json_string_value(v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int append_rule(Container *c, DeviceRule rule) {
        DeviceRule *n = reallocarray(c->device_rules, c->n_device_rules + 1, sizeof *n);

        if (!n)
                return log_oom();
        c->device_rules = n;
        n[c->n_device_rules++] = rule;
        return 0;
}

/* linux.resources.devices: allow and deny rules; the last that matches decides. The runtime's default
 * devices (null, zero, tty, ..., and mknod of any) stay allowed whatever the rules say, as with crun and
 * runc: podman's rules start with a deny of everything and rely on that. */
static int devices_from_json(Field *f, json_t *res, Container *c) {
        json_t *list, *d, *v;
        size_t i;
        int r;

        (void) oci_json_at(&f->x, "linux.resources.devices");
        r = oci_json_member(&f->x, res, "devices", JSON_ARRAY, "expected an array of objects", &list);
        if (r <= 0)
                return r;
        json_array_foreach(list, i, d) {
                DeviceRule rule = { .type = 'a', .major = -1, .minor = -1, .access = 7 };
                json_int_t num;

                if (!json_is_object(d))
                        return (void) oci_json_at(&f->x, "linux.resources.devices[%zu]", i),
                               oci_json_bad(&f->x, "expected an object");
                (void) oci_json_at(&f->x, "linux.resources.devices[%zu].allow", i);
                if (oci_json_member(&f->x, d, "allow", JSON_TRUE, "expected true or false", &v) <= 0)
                        return oci_json_bad(&f->x, "expected true or false");
                rule.deny = !json_is_true(v);
                (void) oci_json_at(&f->x, "linux.resources.devices[%zu].type", i);
                if (oci_json_member(&f->x, d, "type", JSON_STRING, "expected \"a\", \"b\" or \"c\"", &v) < 0)
                        return -EINVAL;
                if (v) {
                        const char *t = json_string_value(v);
                        if (!streq(t, "a") && !streq(t, "b") && !streq(t, "c"))
                                return oci_json_bad(&f->x, "expected \"a\", \"b\" or \"c\"");
                        rule.type = t[0];
                }
                (void) oci_json_at(&f->x, "linux.resources.devices[%zu].major", i);
                num = -1;
                if (int_member(f, d, "major", -1, "expected a device major number, or -1 for any", &num) < 0)
                        return -EINVAL;
                if (num > 4095)
                        return oci_json_bad(&f->x, "expected a device major number (0-4095), or -1 for any");
                rule.major = num;
                (void) oci_json_at(&f->x, "linux.resources.devices[%zu].minor", i);
                num = -1;
                if (int_member(f, d, "minor", -1, "expected a device minor number, or -1 for any", &num) < 0)
                        return -EINVAL;
                if (num > (1 << 20) - 1)
                        return oci_json_bad(&f->x, "expected a device minor number (0-1048575), or -1 for any");
                rule.minor = num;
                (void) oci_json_at(&f->x, "linux.resources.devices[%zu].access", i);
                if (oci_json_member(&f->x, d, "access", JSON_STRING, "expected a combination of r, w and m", &v) < 0)
                        return -EINVAL;
                if (v && device_access_from_string(json_string_value(v), &rule.access) < 0)
                        return oci_json_bad(&f->x, "expected a combination of r, w and m");
                /* Type "a" matches any device: runc and crun ignore numbers there. */
                if (rule.type == 'a')
                        rule.major = rule.minor = -1;
                if (append_rule(c, rule) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int oci_resources_load(const char *file, json_t *linux_, Container *c) {
        Field f = { .x = { .file = file }, .writes = &c->cgroup_writes };
        json_t *res, *v;
        int r;

        (void) oci_json_at(&f.x, "linux.resources");
        r = oci_json_member(&f.x, linux_, "resources", JSON_OBJECT, "expected an object", &res);
        if (r <= 0)
                return r;
        r = memory_from_json(&f, res);
        if (r >= 0)
                r = cpu_from_json(&f, res);
        if (r >= 0)
                r = pids_from_json(&f, res);
        if (r >= 0)
                r = block_io_from_json(&f, res);
        if (r >= 0)
                r = hugepages_from_json(&f, res);
        if (r >= 0)
                r = devices_from_json(&f, res, c);
        /* Last: a raw file given twice wins over the field that set it. */
        if (r >= 0)
                r = unified_from_json(&f, res);
        if (r < 0)
                return r;
        /* v1 only: refused rather than silently not applied. */
        for (size_t i = 0; i < 2; i++) {
                const char *key = i == 0 ? "network" : "rdma";
                (void) oci_json_at(&f.x, "linux.resources.%s", key);
                v = json_object_get(res, key);
                if (v && !json_is_null(v) && !(json_is_object(v) && json_object_size(v) == 0))
                        return oci_json_bad(&f.x, "not supported with cgroup v2");
        }
        return 0;
}
