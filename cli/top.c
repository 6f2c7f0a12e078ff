/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth top NAME: the container's processes, read from /proc for every pid in its payload cgroup (the
 * runtime that supervises it lives beside, in supervisor/, and is not the container's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "container-cgroup.h"
#include "fs-util.h"
#include "log.h"

/* The value of "Key:" in /proc/PID/status (its first number). */
static long status_field(const char *status, const char *key) {
        const char *p = strstr(status, key);
        return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void print_process(pid_t pid) {
        _cleanup_free_ char *status = NULL, *cmdline = NULL, *stat = NULL;
        char path[64];
        size_t size = 0;
        unsigned long utime = 0, stime = 0;
        long ticks = sysconf(_SC_CLK_TCK);

        (void) snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        if (read_full_file(path, &status, NULL) < 0)
                return; /* ended meanwhile */
        (void) snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
        if (read_full_file(path, &cmdline, &size) < 0)
                return;
        for (size_t i = 0; i + 1 < size; i++)
                if (cmdline[i] == 0)
                        cmdline[i] = ' ';
        (void) snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        if (read_full_file(path, &stat, NULL) >= 0) {
                /* after "(comm)", which may hold spaces: state is field 3, utime and stime 14 and 15 */
                const char *p = strrchr(stat, ')');
                if (p)
                        (void) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
        }
        unsigned long secs = ticks > 0 ? (utime + stime) / (unsigned long) ticks : 0;
        if (size == 0) { /* a kernel-side or zombie process: its name in brackets, as ps shows it */
                const char *name = strstr(status, "Name:\t");
                free(cmdline);
                cmdline = name ? strndup(name + 6, strcspn(name + 6, "\n")) : strdup("?");
        }
        printf("%-8ld %-8d %-8ld %02lu:%02lu:%02lu %s\n", status_field(status, "Uid:"), (int) pid,
                        status_field(status, "PPid:"), secs / 3600, secs / 60 % 60, secs % 60, cmdline ?: "?");
}

int verb_top(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(container_ref_done) ContainerRef ref = {};
        _cleanup_free_ char *dir = NULL, *payload = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (argc != 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth top CONTAINER\n\nLists the processes running in the container.\n");
                return argc == 2 ? 0 : -EINVAL;
        }
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        r = container_lookup(bus, argv[1], &ref);
        if (r < 0)
                return r;
        if (!ref.running)
                return log_error_errno(-ESRCH, "Container '%s' is not running.", argv[1]);
        r = container_cgroup_dir(bus, &ref, &dir);
        if (r < 0)
                return log_error_errno(r, "Cannot find the cgroup of container '%s': %m", argv[1]);
        payload = path_join(dir, "payload");
        if (!payload)
                return log_oom();
        r = cgroup_pids_recursive(access(payload, F_OK) == 0 ? payload : dir, &pids, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list the processes of container '%s': %m", argv[1]);
        printf("%-8s %-8s %-8s %-8s %s\n", "UID", "PID", "PPID", "TIME", "CMD");
        for (size_t i = 0; i < n; i++)
                print_process(pids[i]);
        return 0;
}
