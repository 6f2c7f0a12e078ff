/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Exec(s name, as command, as environment, s workdir, s user, b tty) -> (u id, h stdin, h stdout,
 * h stderr) and ExecWait(u id) -> (i status) on the Manager; ExecExited(u id, i status) at the end
 * (container-exec.c). */

#include "berthd.h"

int method_exec(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_exec_wait(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* Whether a process started by Exec() still runs (berthd stays for it). */
bool exec_processes_running(const Berthd *d);
/* Kills what still runs and forgets every status (at exit). */
void exec_processes_free(Berthd *d);
