/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json linux.resources: the conversions to cgroup v2 (cpu.shares -> cpu.weight, memory+swap ->
 * swap, blkio weight -> io.weight), the "FILE=VALUE" lines a config turns into, the device rules, and
 * the refusals, each naming its field. (Named test-runtime-* so that it links the runtime's objects.) */
#include <jansson.h>
#include <linux/bpf.h>

#include "../../runtime/container.h"
#include "../../runtime/device-filter.h"
#include "../../runtime/oci-config.h"
#include "../../runtime/resources.h"
#include "fs-util.h"
#include "strv.h"
#include "tap.h"

/* Parses {"resources": RESOURCES} as linux_ and returns the result; *c gets the writes and rules. */
static int load(const char *resources, Container *c) {
        _cleanup_free_ char *text = strjoin("{\"resources\": ", resources, "}");
        json_t *linux_ = text ? json_loads(text, 0, NULL) : NULL;
        int r;

        *c = (Container) { .created_fd = -1, .console_socket = -1, .lock_fd = -1 };
        if (!linux_)
                return -999;
        r = oci_resources_load("/b/config.json", linux_, c);
        json_decref(linux_);
        return r;
}

static void test_conversions(void) {
        int64_t v = 0;
        const char *why = NULL;

        /* crun's and runc's current curve: the ends and the default meet cgroup v2's. */
        CHECK(oci_cpu_shares_to_weight(2) == 1);
        CHECK(oci_cpu_shares_to_weight(1024) == 100);
        CHECK(oci_cpu_shares_to_weight(262144) == 10000);
        CHECK(oci_cpu_shares_to_weight(512) == 59);
        CHECK(oci_cpu_shares_to_weight(2048) == 174);
        CHECK(oci_cpu_shares_to_weight(1) == 1);

        CHECK(oci_blkio_weight_to_io_weight(10) == 1);
        CHECK(oci_blkio_weight_to_io_weight(500) == 4950);
        CHECK(oci_blkio_weight_to_io_weight(1000) == 10000);

        /* memory.swap is memory plus swap; memory.swap.max is the swap alone. */
        CHECK(oci_swap_to_v2(0, 0, &v, &why) == 0);
        CHECK(oci_swap_to_v2(200, 100, &v, &why) == 1 && v == 100);
        CHECK(oci_swap_to_v2(100, 100, &v, &why) == 1 && v == 0);
        CHECK(oci_swap_to_v2(-1, 100, &v, &why) == 1 && v == -1);
        CHECK(oci_swap_to_v2(0, -1, &v, &why) == 1 && v == -1);
        CHECK(oci_swap_to_v2(50, 100, &v, &why) == -EINVAL && why);
        CHECK(oci_swap_to_v2(50, 0, &v, &why) == -EINVAL);

        CHECK(resources_controller_of("memory.max") == 6);
        CHECK(resources_controller_of("cpuset.cpus") == 6);
        CHECK(resources_controller_of("cgroup.freeze") == 0);
        CHECK(resources_controller_of("nodot") == 0);
}

static void test_writes(void) {
        _cleanup_(container_done) Container c = {};
        _cleanup_free_ char *joined = NULL;

        CHECK(load("{\"memory\": {\"limit\": 33554432, \"reservation\": 1048576, \"swap\": 67108864},"
                   " \"pids\": {\"limit\": 20},"
                   " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\", \"mems\": \"0\"},"
                   " \"blockIO\": {\"weight\": 1000, \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]},"
                   " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 0}],"
                   " \"unified\": {\"memory.high\": \"50M\"}}",
                              &c) == 0);
        joined = strv_join(c.cgroup_writes, " | ");
        CHECK_STREQ(joined, "memory.max=33554432 | memory.low=1048576 | memory.swap.max=33554432 | cpu.weight=100 | "
                            "cpu.max=50000 100000 | cpuset.cpus=0-1 | cpuset.mems=0 | pids.max=20 | "
                            "io.weight=default 10000 | io.max=8:0 rbps=1048576 | hugetlb.2MB.max=0 | memory.high=50M");
        CHECK(c.n_device_rules == 0);
        container_done(&c);

        /* -1: no limit; quota alone gets the default period; period alone, no quota. */
        CHECK(load("{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}, \"cpu\": {\"quota\": -1, \"period\": 50000}}",
                              &c) == 0);
        free(joined);
        joined = strv_join(c.cgroup_writes, " | ");
        CHECK_STREQ(joined, "memory.max=max | memory.swap.max=max | cpu.max=max 50000 | pids.max=max");
        container_done(&c);

        CHECK(load("{\"cpu\": {\"quota\": 20000}}", &c) == 0);
        CHECK_STREQ(c.cgroup_writes ? c.cgroup_writes[0] : NULL, "cpu.max=20000 100000");
        container_done(&c);

        /* Nothing asked: nothing to write (the hybrid host keeps working). */
        CHECK(load("{}", &c) == 0 && !c.cgroup_writes);
        container_done(&c);
        CHECK(load("{\"memory\": {\"limit\": 0}, \"pids\": {\"limit\": 0}, \"cpu\": {\"shares\": 0}}", &c) == 0 &&
                        !c.cgroup_writes);
}

static void test_devices(void) {
        _cleanup_(container_done) Container c = {};

        CHECK(load("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                   " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": \"rw\"},"
                   " {\"allow\": false, \"type\": \"b\", \"major\": 8, \"access\": \"r\"}]}",
                              &c) == 0);
        CHECK(c.n_device_rules == 3);
        CHECK(c.n_device_rules == 3 && c.device_rules[0].deny && c.device_rules[0].type == 'a' &&
                        c.device_rules[0].major == -1 && c.device_rules[0].access == 7);
        CHECK(c.n_device_rules == 3 && !c.device_rules[1].deny && c.device_rules[1].type == 'c' &&
                        c.device_rules[1].major == 1 && c.device_rules[1].minor == 11 &&
                        c.device_rules[1].access == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE));
        CHECK(c.n_device_rules == 3 && c.device_rules[2].deny && c.device_rules[2].type == 'b' &&
                        c.device_rules[2].major == 8 && c.device_rules[2].minor == -1 &&
                        c.device_rules[2].access == BPF_DEVCG_ACC_READ);
}

static void test_refused(void) {
        static const char *const bad[] = {
                "[]",
                "{\"memory\": {\"limit\": \"1G\"}}",
                "{\"memory\": {\"limit\": -2}}",
                "{\"memory\": {\"limit\": 100, \"swap\": 50}}",
                "{\"memory\": {\"swap\": 50}}",
                "{\"memory\": {\"swappiness\": 10}}",
                "{\"memory\": {\"disableOOMKiller\": true}}",
                "{\"cpu\": {\"shares\": 300000}}",
                "{\"cpu\": {\"period\": 10}}",
                "{\"cpu\": {\"quota\": 10}}",
                "{\"cpu\": {\"cpus\": \"0; rm\"}}",
                "{\"cpu\": {\"realtimeRuntime\": 1000}}",
                "{\"blockIO\": {\"weight\": 5}}",
                "{\"blockIO\": {\"leafWeight\": 10}}",
                "{\"hugepageLimits\": [{\"pageSize\": \"../x\", \"limit\": 1}]}",
                "{\"unified\": {\"../memory.max\": \"1\"}}",
                "{\"unified\": {\"memory.max/x\": \"1\"}}",
                "{\"unified\": {\"nodot\": \"1\"}}",
                "{\"unified\": {\"memory.max\": 1}}",
                "{\"devices\": [{\"access\": \"rwm\"}]}",
                "{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}",
                "{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}",
                "{\"devices\": [{\"allow\": true, \"major\": 5000}]}",
                "{\"network\": {\"classID\": 1}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(container_done) Container c = {};
                int r = load(bad[i], &c);
                if (r != -EINVAL)
                        printf("# %s: %d\n", bad[i], r);
                CHECK(r == -EINVAL);
        }
}

int main(void) {
        test_conversions();
        test_writes();
        test_devices();
        test_refused();
        return tap_done();
}
