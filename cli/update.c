/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth update [--memory M] [--cpus N] [--cpu-shares N] [--pids-limit N] NAME...: changes the resource
 * limits of running containers, as systemd properties of their units (SetUnitProperties, the call of
 * `systemctl set-property --runtime`), so systemd applies them to the unit's cgroup at once. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "container-lookup.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"
#include "unit-property.h"

typedef struct UpdateFlag {
        const char *name, *key; /* the flag and unit_property_parse()'s key */
} UpdateFlag;

static const UpdateFlag update_flags[] = {
        { "memory", "MemoryMax" },
        { "memory-reservation", "MemoryLow" },
        { "cpus", "CPUs" },
        { "cpu-shares", "CPUShares" },
        { "pids-limit", "TasksMax" },
};

/* Appends each "Key=value" of the a(sv) to send, checked when the flags were read. */
static int append_properties(sd_bus_message *m, void *userdata) {
        STRV_FOREACH(p, (char **) userdata) {
                _cleanup_free_ char *key = strndup(*p, strcspn(*p, "="));
                const char *bus_property;
                uint64_t v;
                int r;
                if (!key)
                        return -ENOMEM;
                r = unit_property_parse(key, *p + strlen(key) + 1, &bus_property, &v);
                if (r >= 0)
                        r = sd_bus_message_append(m, "(sv)", bus_property, "t", v);
                if (r < 0)
                        return r;
        }
        return 0;
}

int verb_update(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "memory", required_argument, NULL, 'm' },
                { "memory-reservation", required_argument, NULL, 0 },
                { "cpus", required_argument, NULL, 0 },
                { "cpu-shares", required_argument, NULL, 'c' },
                { "pids-limit", required_argument, NULL, 0 },
                {},
        };
        static const char usage[] = "Usage: berth update [--memory SIZE] [--memory-reservation SIZE] [--cpus N] "
                                    "[--cpu-shares N] [--pids-limit N] CONTAINER...";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **properties = NULL;
        int c, index, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hm:c:", options, &index)) >= 0) {
                const char *flag, *key = NULL, *bus_property;
                uint64_t v;

                if (c == 'h') {
                        printf("%s\n\nChanges the resource limits of running containers at once (MemoryMax=, "
                               "MemoryLow=, CPUQuota=, CPUWeight=, TasksMax= of their units).\n",
                                        usage);
                        return 0;
                }
                if (c == '?' || c == ':')
                        return log_error_errno(-EINVAL, "%s", usage);
                flag = c == 'm' ? "memory" : c == 'c' ? "cpu-shares" : options[index].name;
                for (size_t i = 0; i < ELEMENTSOF(update_flags); i++)
                        if (streq(update_flags[i].name, flag))
                                key = update_flags[i].key;
                r = unit_property_parse(key, optarg, &bus_property, &v);
                if (r < 0)
                        return log_error_errno(-EINVAL, "Invalid value '%s' for option --%s (expected %s).", optarg,
                                        flag, unit_property_expected(key));
                if (strv_consume(&properties, strjoin(key, "=", optarg)) < 0)
                        return log_oom();
        }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        if (!properties)
                return log_error_errno(-EINVAL, "Nothing to update: give at least one of --memory, "
                                                "--memory-reservation, --cpus, --cpu-shares or --pids-limit.");
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(container_ref_done) ContainerRef ref = {};
                sd_bus_error error = SD_BUS_ERROR_NULL;

                r = container_lookup(bus, argv[i], &ref);
                if (r >= 0 && !ref.unit_path)
                        r = log_error_errno(-EOPNOTSUPP, "Container '%s' does not run in a systemd unit.", argv[i]);
                if (r >= 0) {
                        r = systemd_set_unit_properties(bus, ref.unit, true, append_properties, properties, &error);
                        if (r < 0)
                                log_unit_error(r, &error, "update", argv[i]);
                        sd_bus_error_free(&error);
                }
                if (r < 0)
                        ret = r;
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}
