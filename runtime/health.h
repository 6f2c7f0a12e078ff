/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Health checks (--health-*): the supervisor runs the check command inside the container every
 * interval, kills it after the timeout, and after `retries` failures in a row (failures during the
 * start period do not count) calls the container unhealthy and acts on --health-on-failure.
 * With --notify=healthy, READY=1 goes to systemd when the first check passes.
 * While berth-runtime-monitor watches the container (monitor-exec.h), it schedules the checks and
 * runs each through `berth-runtime health-run`; without the monitor, supervise runs them itself. */

#include <stdbool.h>
#include <stdint.h>

#include "child.h"
#include "container-spec.h"
#include "parse-util.h"

typedef enum HealthAction {
        HEALTH_ACTION_NONE,
        HEALTH_ACTION_KILL,
        HEALTH_ACTION_STOP,
} HealthAction;

typedef struct HealthCheck {
        char **argv; /* NULL: no health check */
        uint64_t interval_usec, timeout_usec, start_period_usec;
        unsigned retries;
        HealthAction on_failure;

        int timer_fd;          /* the next check, or the running check's timeout */
        int check_pidfd;       /* the running check, or -EBADF */
        unsigned failures;     /* in a row */
        const char *status;    /* "starting", "healthy", "unhealthy" */
        uint64_t started_usec; /* CLOCK_MONOTONIC of the container's start */
} HealthCheck;

/* Reads the --health-* options; a check command of "" or "none" means no check. */
int health_from_spec(const ContainerSpec *spec, HealthCheck *ret);
void health_done(HealthCheck *h);

/* Arms the first check, one interval after the start. */
int health_begin(HealthCheck *h);
/* The timer fired: starts a check (inside the container, like exec), or kills one that ran too long. */
int health_on_timer(HealthCheck *h, int target_pidfd, int cgroup_fd, const ExecParams *base);
/* The check process ended. Returns 1 when the status changed (see h->status), 0 otherwise. */
int health_on_exit(HealthCheck *h);
/* Counts one check's result (ok, or failed) since_start_usec after the container's start; returns
 * whether h->status changed. */
bool health_record(HealthCheck *h, bool ok, uint64_t since_start_usec);

/* `berth-runtime health-run KEY=VALUE...`: what berth-runtime-monitor runs for each check. Runs the
 * check once (through exec, killed after its timeout), keeps the count and the health in state.json,
 * logs a change, and exits with HEALTH_RUN_* (monitor/supervisor-protocol.h) or 125. */
int health_run_main(int argc, char *argv[]);
