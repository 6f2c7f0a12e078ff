/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading an OCI bundle's config.json into a Container. Every field that berth uses is checked for its
 * type and value before anything is created; a bad one gets exactly one error that names the file and
 * the field, e.g. "/b/config.json: process.args: expected a non-empty array of strings". Pure: no
 * file system changes, no namespaces. */

#include "container.h"

int oci_config_load(Container *c, const char *bundle);

/* `exec --process FILE`: an OCI process object (args, env, cwd, user, terminal, capabilities,
 * noNewPrivileges, rlimits) into c->process, c->caps, c->caps_added and c->spec, checked as
 * config.json's process is. */
int oci_process_load(const char *path, Container *c, bool *ret_terminal, bool *ret_has_caps);
