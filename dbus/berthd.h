/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthd's one context object: the bus, the event loop, and the calls and jobs in flight. Nothing
 * here outlives the process that a restart could miss: containers are units in systemd, images,
 * volumes and networks are files; what is in flight ends with the call it serves. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"

#define BERTH_BUS_NAME         "org.berth1"
#define BERTH_MANAGER_PATH     "/org/berth1"
#define BERTH_MANAGER_IFACE    "org.berth1.Manager"
#define BERTH_CONTAINER_IFACE  "org.berth1.Container"
#define BERTH_CONTAINER_PREFIX "/org/berth1/container"
#define BERTH_IMAGE_IFACE      "org.berth1.Image"
#define BERTH_IMAGE_PREFIX     "/org/berth1/image"
#define BERTH_TRANSFER_IFACE   "org.berth1.Transfer"
#define BERTH_TRANSFER_PREFIX  "/org/berth1/transfer"

/* Errors berthd answers with (org.berth1(5) lists them). */
#define BERTH_ERROR_NO_SUCH_CONTAINER    "org.berth1.Error.NoSuchContainer"
#define BERTH_ERROR_CONTAINER_EXISTS     "org.berth1.Error.ContainerExists"
#define BERTH_ERROR_CONTAINER_RUNNING    "org.berth1.Error.ContainerRunning"
#define BERTH_ERROR_NOT_RUNNING          "org.berth1.Error.ContainerNotRunning"
#define BERTH_ERROR_NO_SUCH_IMAGE        "org.berth1.Error.NoSuchImage"
#define BERTH_ERROR_NO_SUCH_TRANSFER     "org.berth1.Error.NoSuchTransfer"
#define BERTH_ERROR_INVALID_OPTION       "org.berth1.Error.InvalidOption"
#define BERTH_ERROR_JOB_FAILED           "org.berth1.Error.JobFailed"
#define BERTH_ERROR_COMMAND_FAILED       "org.berth1.Error.CommandFailed"
#define BERTH_ERROR_COMMAND_NOT_FOUND    "org.berth1.Error.CommandNotFound"
#define BERTH_ERROR_COMMAND_NOT_RUNNABLE "org.berth1.Error.CommandNotRunnable"
#define BERTH_ERROR_NOT_SUPPORTED        "org.berth1.Error.NotSupported"
#define BERTH_ERROR_NO_SUCH_EXEC         "org.berth1.Error.NoSuchExec"

/* Limits on what callers can make berthd hold at once. */
#define BERTHD_JOBS_MAX    128
#define BERTHD_WORKERS_MAX 16
#define BERTHD_POLKIT_MAX  128
#define BERTHD_EXECS_MAX   64

typedef struct PolkitQuery PolkitQuery;
typedef struct PendingJob PendingJob;
typedef struct Worker Worker;
typedef struct StateHint StateHint;
typedef struct LogReader LogReader;
typedef struct ExecProcess ExecProcess;

typedef struct Berthd {
        sd_event *event;
        sd_bus *bus;
        PolkitQuery *polkit_queries;
        size_t n_polkit_queries;
        PendingJob *jobs;
        size_t n_jobs;
        Worker *workers;
        size_t n_workers;
        uint32_t last_transfer_id;
        LogReader *log_readers; /* journalctl processes writing a container's logs to a caller */
        size_t n_log_readers;
        ExecProcess *execs; /* processes started by Exec(), and the statuses of ended ones */
        size_t n_execs;
        uint32_t last_exec_id;
        StateHint *state_hints; /* the last State announced per container, to announce changes only */
        const char *emitting_name, *emitting_state; /* while PropertiesChanged is built */
} Berthd;

/* Whether anything is in flight; berthd does not exit on idle while it is. */
bool berthd_busy(const Berthd *d);
