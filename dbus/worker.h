/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Work berthd hands to a `berth` process of its own, as importd hands pulls to systemd-pull: image
 * pulls and imports (org.berth1.Transfer objects, /org/berth1/transfer/_ID, with LogMessage and
 * ProgressUpdate signals and TransferRemoved at the end), and the image, volume and network verbs,
 * whose call is answered when the process exits (its stdout as the result, its last line of stderr
 * as the error). The CLI's checks and messages thereby stay one copy, and berthd links no HTTP or
 * archive code: its idle footprint stays small. */

#include "berthd.h"

typedef enum WorkerKind {
        WORKER_CALL,     /* answer the call with the output */
        WORKER_TRANSFER, /* a Transfer object; the call was answered at once */
} WorkerKind;

/* Starts `berth argv...` with stdin from stdin_fd (or /dev/null when < 0). For WORKER_CALL, call is
 * answered on exit ("s" output when reply_output, else nothing); for WORKER_TRANSFER, with the
 * transfer's (u id, o path) right away. type/remote/local describe a transfer. Returns 1 or a
 * negative errno with error set. */
int worker_start(Berthd *d, sd_bus_message *call, WorkerKind kind, char *const *argv, int stdin_fd, bool reply_output,
                const char *type, const char *remote, const char *local, sd_bus_error *error);

int method_list_transfers(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_cancel_transfer(sd_bus_message *m, void *userdata, sd_bus_error *error);

int transfer_objects_add(Berthd *d);
void workers_free(Berthd *d);
