/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What changes a container: run, start, stop, restart, kill, remove. Each is a job of systemd's on
 * the container's unit; the D-Bus reply waits for the job's end (JobRemoved), and a job that did not
 * end in "done" becomes org.berth1.Error.JobFailed naming the journal to read. */

#include "berthd.h"

/* On the Manager, by name. */
int method_run_container(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_start_container(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_stop_container(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_restart_container(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_kill_container(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_remove_container(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* On a container object. */
int method_container_start(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_container_stop(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_container_restart(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_container_kill(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_container_remove(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* Logs() on a container, ContainerLogs(s name) on the Manager: a pipe's read end
 * with the container's journal (container-logs.c). */
int method_container_logs(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_container_logs_by_name(sd_bus_message *m, void *userdata, sd_bus_error *error);
/* LogsWithFlags(t flags), ContainerLogsWithFlags(s name, t flags): the same with LOGS_FOLLOW. */
#define LOGS_FOLLOW    UINT64_C(1)
#define LOGS_FLAGS_ALL LOGS_FOLLOW
int method_container_logs_with_flags(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_container_logs_by_name_with_flags(sd_bus_message *m, void *userdata, sd_bus_error *error);
void container_log_readers_free(Berthd *d);

/* Follows systemd's JobRemoved. */
int container_jobs_watch(Berthd *d);
/* Drops the jobs still waited for (at exit); their callers get no reply. */
void container_jobs_free(Berthd *d);
