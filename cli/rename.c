/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth rename OLD NEW: a container's new name. A container that does not run is its record (the
 * unit is made from it at the next start), so renaming it renames the record. A running one is named
 * in its unit (berth-NAME.service), its lock and its state directory, none of which can be renamed
 * while it runs: it is refused with a word on stopping it first. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "container-lookup.h"
#include "container-record.h"
#include "container-unit.h"
#include "log.h"
#include "object-name.h"
#include "systemd-unit.h"

static int rename_container(sd_bus *bus, const char *old_name, const char *new_name) {
        _cleanup_(container_ref_done) ContainerRef ref = {};
        _cleanup_free_ char *new_unit = NULL, *new_env = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (!container_name_is_valid(new_name))
                return log_error_errno(-EINVAL, "Invalid container name '%s': %s.", new_name, CONTAINER_NAME_RULE);
        r = container_lookup(bus, old_name, &ref);
        if (r < 0)
                return r;
        if (streq(ref.name, new_name))
                return log_error_errno(-EINVAL, "Container '%s' already has that name.", new_name);
        r = container_name_in_use(bus, new_name);
        if (r < 0)
                return log_error_errno(r, "Failed to check whether the name '%s' is in use: %m", new_name);
        if (r > 0)
                return log_error_errno(-EEXIST,
                                "The container name '%s' is already in use; remove that container or choose "
                                "another name.",
                                new_name);
        if (ref.running || (ref.unit && container_unit_is_ended(bus, &ref) == 0))
                return log_error_errno(-EBUSY,
                                "Container '%s' is running: stop it first ('berth stop %s'); a running "
                                "container's unit, lock and state are named after it.",
                                ref.name, ref.name);
        if (!ref.recorded)
                return log_error_errno(-EOPNOTSUPP,
                                "Container '%s' is not berth run's (its unit %s comes from a definition "
                                "file): rename it there.",
                                ref.name, ref.unit ? ref.unit : "-");
        new_unit = container_unit_name(new_name);
        if (!new_unit)
                return log_oom();
        new_env = container_unit_private_env_path(new_unit);
        if (!new_env)
                return log_oom();
        /* An ended unit systemd still holds would list the old name in `ps -a`: let it go. */
        r = systemd_reset_failed_unit(bus, ref.unit, &error);
        sd_bus_error_free(&error);
        if (r < 0 && r != -ENOENT)
                log_debug_errno(r, "Cannot reset unit %s, ignoring: %m", ref.unit);
        r = container_record_rename(ref.name, new_name, new_unit, new_env);
        if (r == -EEXIST)
                return log_error_errno(r, "The container name '%s' is already in use.", new_name);
        if (r < 0)
                return log_error_errno(r, "Failed to rename container '%s' to '%s': %m", ref.name, new_name);
        return 0;
}

int verb_rename(int argc, char *argv[]) {
        static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
        static const char usage[] = "Usage: berth rename CONTAINER NEW_NAME";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                if (c == 'h') {
                        printf("%s\n\nGives a container that does not run (exited or created) a new name; its ID "
                               "stays. A running container must be stopped first.\n",
                                        usage);
                        return 0;
                }
                return log_error_errno(-EINVAL, "%s", usage);
        }
        if (argc - optind != 2)
                return log_error_errno(-EINVAL, "%s", usage);
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        return rename_container(bus, argv[optind], argv[optind + 1]);
}
