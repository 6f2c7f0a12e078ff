/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* OCI hooks (config.json "hooks"): programs run at points of the lifecycle, each with the container's
 * state JSON on its standard input:
 *   prestart, createRuntime  by the supervisor, in the runtime's namespaces, once the container's
 *                            mounts are made (state "creating"); a failure fails `create`
 *   createContainer          by the container's process, in its namespaces, before pivot_root (the
 *                            path resolves in the runtime's mount namespace); a failure fails `create`
 *   startContainer           by the container's process at `start`, right before the user's program
 *                            (the path resolves in the container); a failure fails `start`
 *   poststart                by the supervisor once the program runs, before `start` returns
 *   poststop                 at `delete`
 * A failing poststart or poststop hook is a warning, and the hooks after it still run. */

#include <stdbool.h>

#include "container.h"

/* Checks config.json's "hooks" (hooks may be NULL) and keeps them in c->hooks_json. */
int oci_hooks_parse(void *hooks, const char *file, Container *c);
/* Runs the hooks of kind from hooks_json (may be NULL: nothing to do). Each gets state_json on stdin
 * and must exit 0 within its timeout (default 30 s). fatal: stops at the first failure, logged as an
 * error, and returns it; else each failure is a warning, the rest run, and the first is returned. */
int oci_hooks_run(const char *hooks_json, const char *kind, const char *state_json, bool fatal);
/* Whether hooks_json has hooks of kind. */
bool oci_hooks_has(const char *hooks_json, const char *kind);
/* state_json with another "status"; NULL on failure. */
char *oci_state_with_status(const char *state_json, const char *status);
