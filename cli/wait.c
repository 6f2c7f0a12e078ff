/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth wait NAME...: blocks until each container has ended and prints its exit code, as docker does.
 * The unit is referenced (RefUnit) while we wait, so systemd keeps it, and its exit status, loaded
 * even when it would be collected the moment it ends (a `run --rm` or a successful `run -d`). */
#include <getopt.h>
#include <stdio.h>
#include <sys/wait.h>

#include "commands.h"
#include "container-lookup.h"
#include "log.h"
#include "systemd-unit.h"

#define SERVICE_IFACE "org.freedesktop.systemd1.Service"

/* Waits for one container: 1 and its code in *ret once it ended, a negative errno on failure. */
static int wait_container(sd_bus *bus, ContainerRef *c, int *ret) {
        bool referenced;
        int r;

        if (!c->unit)
                return log_error_errno(-EOPNOTSUPP, "Container '%s' does not run in a systemd unit.", c->name);
        referenced = systemd_ref_unit(bus, c->unit, NULL) >= 0;
        for (;;) {
                _cleanup_free_ char *path = NULL, *state = NULL;
                uint64_t started = 0;

                r = systemd_get_unit(bus, c->unit, &path);
                if (r == -ENOENT) {
                        /* collected before we held it: only a unit that ended well goes that fast */
                        *ret = 0;
                        break;
                }
                if (r >= 0)
                        r = systemd_unit_get_string(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState", &state);
                if (r >= 0)
                        r = systemd_unit_get_u64(bus, path, SERVICE_IFACE, "ExecMainStartTimestamp", &started);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the state of container '%s': %m", c->name);
                /* a created container that never ran is waited for until it has run, as docker does */
                if (unit_active_state_is_ended(state) && started > 0) {
                        r = container_unit_exit_code(bus, path, ret);
                        if (r < 0)
                                return log_error_errno(r, "Failed to read the exit code of '%s': %m", c->name);
                        break;
                }
                r = sd_bus_wait(bus, 100000);
                if (r < 0 && r != -EINTR)
                        return log_error_errno(r, "Failed to wait for container '%s': %m", c->name);
                while (sd_bus_process(bus, NULL) > 0)
                        ;
        }
        if (referenced)
                (void) systemd_unref_unit(bus, c->unit, NULL);
        return 1;
}

int verb_wait(int argc, char *argv[]) {
        static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
        static const char usage[] = "Usage: berth wait CONTAINER...";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                if (c == 'h') {
                        printf("%s\n\nBlocks until each container stops, then prints its exit code.\n", usage);
                        return 0;
                }
                return log_error_errno(-EINVAL, "%s", usage);
        }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(container_ref_done) ContainerRef ref = {};
                int code;
                r = container_lookup(bus, argv[i], &ref);
                if (r >= 0)
                        r = wait_container(bus, &ref, &code);
                if (r < 0)
                        ret = r;
                else {
                        printf("%d\n", code);
                        fflush(stdout);
                }
        }
        return ret;
}
