/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI runtime face: create, start, state, kill, delete, run and features on a bundle's
 * config.json (read and checked by oci-config.c), with the same core as `supervise`. State lives in
 * $BERTH_RUN_DIR/oci/<id>/ (or the global --root):
 *     state.json     the OCI state (ociVersion, id, status, pid, bundle, annotations; plus
 *                    "exitStatus" once stopped, where the monitor could see it)
 *     monitor.lock   held by the monitor process that watches the container
 *     exec.fifo      `start` writes one byte here to let the created container run
 *     started.fifo   and waits for one here: the process runs and the poststart hooks ran
 *     hooks.json     config.json's hooks, for the poststop hooks at delete
 * `create` sets the container up in its own process and returns once it is created: the container's
 * process is left to the caller's subreaper (conmon), which reaps it and gets its status, and a forked
 * monitor (stdio on /dev/null) waits for `start`, records running and stopped and removes the cgroup.
 * `run` does the same in the foreground and exits with the container's status. With process.terminal,
 * the pty master goes to --console-socket. `exec` on an OCI container is exec.c's, with the target
 * found by oci_exec_target(). */

#include <sys/types.h>

#include "container.h"

int oci_main(const char *verb, int argc, char *argv[]);
bool oci_verb(const char *verb);

/* Writes state.json for c (status "created", "running" or "stopped"; exit_status < 0: none). */
int oci_state_write(const Container *c, const char *status, pid_t pid, int exit_status);

/* The supervisor's steps of the OCI lifecycle (supervise.c calls them):
 * once the child's mounts are made: state "creating", the prestart and createRuntime hooks, then
 * the go for the child on sync_fd (which runs the createContainer hooks); */
int oci_run_create_hooks(const Container *c, pid_t pid, int sync_fd);
/* once the process runs: state "running", the poststart hooks, then word to a waiting `start`. */
int oci_on_started(const Container *c, pid_t pid);

/* Whether id names an OCI container (its state directory exists). */
bool oci_container_exists(const char *id);
/* The pid of a running OCI container's process and its state directory (process.json). */
int oci_exec_target(const char *id, pid_t *ret_pid, char **ret_dir);
/* Writes pid to path, as --pid-file. */
int oci_write_pid_file(const char *path, pid_t pid);
/* Connects to --console-socket, where a pty master is sent (SCM_RIGHTS). Returns the socket. */
int oci_connect_console_socket(const char *path);
