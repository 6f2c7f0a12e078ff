/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth-runtime supervise [OPTIONS] IMAGE [COMMAND...]`: the main process of a container's unit.
 * Returns the exit status for the runtime (the container's, or 125 when it could not be started). */
int supervise_main(int argc, char *argv[]);
/* berth-runtime check-options [OPTIONS] IMAGE [COMMAND...]: reads a supervise command line exactly as
 * supervise does (every value through the option table's checks) and starts nothing; exit status 0
 * when supervise would take it. For `berth check`'s and the tests' comparison of verdicts. */
int check_options_main(int argc, char *argv[]);

#include "cgroup.h"
#include "container.h"

/* Starts the prepared container c (its directories exist, its lock is held) and supervises it until
 * it exits; returns the exit status. The caller tears down cg and the directories afterwards. */
int container_run(Container *c, CgroupPaths *cg);

/* Whether wait status ended the container because it was stopped: stop_signal, SIGTERM or SIGKILL
 * (also as 128+N from a shell as PID 1). */
bool status_ended_by_stop(int stop_signal, int status);
