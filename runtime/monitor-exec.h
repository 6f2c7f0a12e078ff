/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Once a container of the unit face runs and nothing but waiting is left (no health check, no notify
 * proxy), berth-runtime supervise executes berth-runtime-monitor (monitor/, a small static program
 * installed next to berth-runtime), keeping its pid: it stays the unit's main process and the
 * container's parent, but without the libraries and the heap of the setup. The monitor forwards
 * signals, honours the stop timeout and reaps the container, then executes
 * `berth-runtime supervise-finish KEY=VALUE...`, which tears down as supervise would have.
 * BERTH_RUNTIME_NO_MONITOR=1 keeps the waiting in berth-runtime. */

#include <stdbool.h>

#include "cgroup.h"
#include "container.h"

/* Whether c can be handed over at all. */
bool monitor_exec_possible(const Container *c, bool has_health_check);
/* Does not return on success; on failure (no monitor installed, say) returns a negative errno and
 * the caller goes on waiting itself. */
int monitor_exec(const Container *c, const CgroupPaths *cg, int pid_fd, int signal_fd, int timer_fd);
/* `berth-runtime supervise-finish`: the teardown after the monitor. Returns the exit status. */
int supervise_finish_main(int argc, char *argv[]);
