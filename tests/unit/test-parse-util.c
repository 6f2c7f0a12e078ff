/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value parsers shared by the generator, the CLI and the runtime, and the option checks built on
 * them (run-option-check.h): each refusal here is one the runtime used to make only at start. */
#include <linux/capability.h>
#include <signal.h>

#include "capability-name.h"
#include "device-spec.h"
#include "namespace-spec.h"
#include "parse-util.h"
#include "run-option-check.h"
#include "signal-name.h"
#include "sysctl-spec.h"
#include "tap.h"
#include "ulimit-spec.h"
#include "unit-property.h"
#include "unit-property.h"
#include "user-name.h"

static void test_values(void) {
        uint64_t u;
        mode_t m;
        struct rlimit rl;

        CHECK(parse_boolean("Yes") == 1 && parse_boolean("off") == 0 && parse_boolean("maybe") == -EINVAL);
        CHECK(parse_duration("1m30s", &u) == 0 && u == 90000000ULL);
        CHECK(parse_duration("250ms", &u) == 0 && u == 250000ULL);
        CHECK(parse_duration("10", &u) == 0 && u == 10000000ULL);
        CHECK(parse_duration("10 s", &u) == -EINVAL);
        CHECK(parse_duration("-1", &u) == -EINVAL);
        CHECK(parse_duration("99999999999999999999h", &u) < 0);
        CHECK(parse_duration("5000000000000h", &u) == -ERANGE);
        CHECK(parse_size("512m", &u) == 0 && u == 512ULL << 20);
        CHECK(parse_size("1GB", &u) == 0 && u == 1ULL << 30);
        CHECK(parse_size("infinity", &u) == 0 && u == UINT64_MAX);
        CHECK(parse_size("lots", &u) == -EINVAL);
        CHECK(parse_size(" 1", &u) == -EINVAL);
        CHECK(parse_size("99999999999T", &u) == -ERANGE);
        CHECK(parse_umask("0027", &m) == 0 && m == 027);
        CHECK(parse_umask("0828", &m) == -EINVAL && parse_umask("1000", &m) == -EINVAL);
        CHECK(parse_uint_range("3", 1, 1000, &u) == 0 && u == 3);
        CHECK(parse_uint_range("0", 1, 1000, &u) == -ERANGE);
        CHECK(signal_from_string("SIGRTMIN+2") == SIGRTMIN + 2);
        CHECK(signal_from_string("RTMIN+99") == -EINVAL);
        CHECK(capability_from_option_word("ALL") == CAPABILITY_ALL);
        CHECK(capability_from_option_word("cap_sys_time") == CAP_SYS_TIME);
        CHECK(capability_from_option_word("SYS_NOPE") == -EINVAL);
        CHECK(ulimit_parse("nofile=1024:2048", &rl) == RLIMIT_NOFILE && rl.rlim_cur == 1024 && rl.rlim_max == 2048);
        CHECK(ulimit_parse("core=unlimited", &rl) == RLIMIT_CORE && rl.rlim_max == RLIM_INFINITY);
        CHECK(ulimit_parse("nofile=2048:1024", &rl) == -EINVAL); /* setrlimit refuses soft > hard */
        CHECK(ulimit_parse("nofiles=1", &rl) == -EINVAL);
        CHECK(sysctl_option_check("net.ipv4.ip_forward=1") == 0);
        CHECK(sysctl_option_check("kernel.panic=1") == -EINVAL);
        CHECK(sysctl_option_check("net/../x=1") == -EINVAL);
        CHECK(user_spec_is_valid("www-data:1000") && !user_spec_is_valid("a:b:c") && !user_spec_is_valid(":g"));
        CHECK(!user_name_is_valid("-rf") && !user_name_is_valid("a b") && user_name_is_valid("%i"));
}

static void test_specs(void) {
        DeviceSpec d = {};
        const char *arg;
        uint64_t a, b, c;

        CHECK(device_spec_parse("/dev/fuse", &d) == 0 && streq(d.container, "/dev/fuse") && streq(d.perms, "rwm"));
        device_spec_done(&d);
        CHECK(device_spec_parse("/dev/null:r", &d) == 0 && streq(d.container, "/dev/null") && streq(d.perms, "r"));
        device_spec_done(&d);
        CHECK(device_spec_parse("/dev/null:/dev/x:rw", &d) == 0 && streq(d.container, "/dev/x"));
        device_spec_done(&d);
        CHECK(device_spec_parse("/dev/null:/dev/x:rwx", &d) == -EINVAL);
        CHECK(device_spec_parse("/dev/null:/x", &d) == -EINVAL);
        CHECK(device_spec_parse("dev/null", &d) == -EINVAL);
        CHECK(device_spec_parse("/dev/a:/dev/b:r:w", &d) == -EINVAL);
        CHECK(namespace_option_parse("container:db", &arg) == NAMESPACE_OPTION_CONTAINER && streq(arg, "db"));
        CHECK(namespace_option_parse("container:", &arg) == -EINVAL);
        CHECK(namespace_option_parse("shared", &arg) == -EINVAL);
        CHECK(userns_option_parse("ns:/proc/1/ns/user", &arg) == USERNS_OPTION_PATH);
        CHECK(userns_option_parse("ns:relative", &arg) == -EINVAL);
        CHECK(userns_option_parse("keep-id", &arg) == -EINVAL);
        CHECK(idmap_entry_parse("0:100000:65536", &a, &b, &c) == 0 && b == 100000 && c == 65536);
        CHECK(idmap_entry_parse("0:1:0", &a, &b, &c) == -EINVAL);
        CHECK(idmap_entry_parse(" 0:1:1", &a, &b, &c) == -EINVAL);
        CHECK(idmap_entry_parse("0:4294967295:2", &a, &b, &c) == -EINVAL);
        CHECK(idmap_entry_parse("0:1:1:1", &a, &b, &c) == -EINVAL);
}

/* The values the issue named: each passed `berth check` and failed only when the unit started. */
static void test_option_checks(void) {
        static const struct {
                const char *option, *value;
                int verdict;
        } cases[] = {
                { "pull", "bogus", -EINVAL },
                { "pull", "newer", 0 },
                { "memory", "lots", -EINVAL },
                { "memory", "512M", 0 },
                { "stop-timeout", "soon", -EINVAL },
                { "stop-timeout", "1m", 0 },
                { "health-interval", "0", -EINVAL },
                { "health-interval", "30s", 0 },
                { "health-retries", "0", -EINVAL },
                { "notify", "maybe", -EINVAL },
                { "umask", "999", -EINVAL },
                { "stop-signal", "SIGNOPE", -EINVAL },
                { "seccomp-profile", "rel.json", -EINVAL },
                { "seccomp-profile", "unconfined", 0 },
                { "ipc", "shared", -EINVAL },
                { "userns", "keep-id", -EINVAL },
                { "uidmap", "0:1", -EINVAL },
                { "device", "/dev/null:rwx", -EINVAL },
                { "ulimit", "nofile=x", -EINVAL },
                { "user", "a:b:c", -EINVAL },
                { "cpu-quota", "50", 0 },
                { "cpu-quota", "half", -EINVAL },
                { "pids-limit", "-1", 0 },
                { "pids-limit", "many", -EINVAL },
                { "workdir", "srv", -EINVAL },
                { "health-on-failure", "restart", -EINVAL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const RunOption *o = run_option_by_name(cases[i].option);
                ContainerSpec spec;

                CHECK(o && run_option_check(o, cases[i].value) == cases[i].verdict);
                /* run_option_apply() refuses what the check refuses, and leaves the spec alone */
                container_spec_init(&spec);
                CHECK(o && run_option_apply(o, &spec, cases[i].value) == cases[i].verdict);
                container_spec_done(&spec);
                CHECK(o && (cases[i].verdict == 0 || run_option_expected(o)));
        }
}

/* docker's --cpus and --cpu-shares: the transient unit's D-Bus value and the unit file's line agree. */
static void test_unit_properties(void) {
        const char *bus;
        uint64_t v;
        char *line;

        CHECK(unit_property_parse("CPUs", "1.5", &bus, &v) == 0 && streq(bus, "CPUQuotaPerSecUSec") && v == 1500000);
        CHECK(unit_property_parse("CPUs", "0", &bus, &v) == -EINVAL);
        CHECK(unit_property_parse("CPUs", "many", &bus, &v) == -EINVAL);
        CHECK(unit_property_parse("CPUShares", "1", &bus, &v) == -EINVAL);
        CHECK(unit_property_parse("CPUShares", "262144", &bus, &v) == 0 && streq(bus, "CPUWeight") && v == 10000);
        line = unit_property_unit_line("CPUs", "1.5");
        CHECK_STREQ(line, "CPUQuota=150%");
        free(line);
        line = unit_property_unit_line("CPUShares", "262144");
        CHECK_STREQ(line, "CPUWeight=10000");
        free(line);
        line = unit_property_unit_line("MemoryMax", "64M");
        CHECK_STREQ(line, "MemoryMax=64M");
        free(line);
        CHECK(!unit_property_unit_line("CPUs", "lots"));
        CHECK(run_option_check(run_option_by_name("cpus"), "2") == 0);
        CHECK(run_option_check(run_option_by_name("cpus"), "x") == -EINVAL);
        CHECK(run_option_check(run_option_by_name("cpu-shares"), "512") == 0);
        CHECK(run_option_check(run_option_by_name("memory-reservation"), "32M") == 0);
}

int main(void) {
        test_values();
        test_unit_properties();
        test_specs();
        test_option_checks();
        return tap_done();
}
