/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* OCI hooks (config.json "hooks"): programs the runtime runs in its own namespaces at points of the
 * lifecycle, each with the container's state JSON on its standard input. Run here: prestart and
 * createRuntime (once the container is created, before `start` can run it; a failure is an error and
 * the container is removed), poststart (after the process started; a failure is a warning) and
 * poststop (at delete; a failure is a warning). createContainer and startContainer, which would run in
 * the container's namespaces, are refused by oci_config_load(). */

#include <stdbool.h>

#include "container.h"

/* Checks config.json's "hooks" (hooks may be NULL) and keeps them in c->hooks_json. */
int oci_hooks_parse(void *hooks, const char *file, Container *c);
/* Runs the hooks of kind from hooks_json (may be NULL: nothing to do). Each gets state_json on stdin
 * and must exit 0 within its timeout (default 30 s). Returns the first failure, logged as an error
 * when fatal, else as a warning. */
int oci_hooks_run(const char *hooks_json, const char *kind, const char *state_json, bool fatal);
