/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI runtime face: create, start, state, kill, delete, run and features on a bundle's
 * config.json, with the same core as `supervise`. State lives in $BERTH_RUN_DIR/oci/<id>/:
 *     state.json     the OCI state (ociVersion, id, status, pid, bundle, annotations; plus
 *                    "exitStatus" once stopped)
 *     monitor.lock   held by the monitor process that supervises the container
 *     exec.fifo      `start` writes one byte here to let the created container run
 * `create` leaves a monitor process behind (its stdio is the container's); the container is
 * "stopped" once its process exits, until `delete`. Not supported yet: terminal/console sockets,
 * user namespaces, hooks, custom masked paths. */

#include <sys/types.h>

#include "container.h"

int oci_main(const char *verb, int argc, char *argv[]);
bool oci_verb(const char *verb);

/* Writes state.json for c (status "created", "running" or "stopped"; exit_status < 0: none). */
int oci_state_write(const Container *c, const char *status, pid_t pid, int exit_status);
