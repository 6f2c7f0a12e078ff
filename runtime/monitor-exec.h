/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Once a container of the unit face runs, berth-runtime supervise executes berth-runtime-monitor
 * (monitor/, a small static program installed next to berth-runtime), keeping its pid: it stays the
 * unit's main process and the container's parent, but without the libraries and the heap of the
 * setup. The monitor forwards signals, honours the stop timeout, relays the payload's notifications
 * (--notify=true), runs the health checks through `berth-runtime health-run` and acts on their
 * result, keeps --userns=auto's block lock, and reaps the container; then it executes `berth-runtime supervise-finish KEY=VALUE...`,
 * which tears down as supervise would have. BERTH_RUNTIME_NO_MONITOR=1 keeps all of it in
 * berth-runtime. */

#include <stdbool.h>

#include "cgroup.h"
#include "container.h"
#include "health.h"

/* The fds the monitor takes over; notify_fd is -EBADF without a notify proxy. */
typedef struct MonitorFds {
        int pid_fd, signal_fd, timer_fd, notify_fd;
} MonitorFds;

/* Whether c can be handed over at all. */
bool monitor_exec_possible(const Container *c);
/* Does not return on success; on failure (no monitor installed, say) returns a negative errno and
 * the caller goes on waiting itself. */
int monitor_exec(const Container *c, const CgroupPaths *cg, const MonitorFds *fds, const HealthCheck *h);
/* The value of KEY=VALUE among the monitor's FINISH-ARGs (which supervise-finish and health-run get),
 * or NULL. */
const char *monitor_arg(char *argv[], int argc, const char *key);
/* `berth-runtime supervise-finish`: the teardown after the monitor. Returns the exit status. */
int supervise_finish_main(int argc, char *argv[]);
