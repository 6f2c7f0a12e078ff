/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --secret entries of type=mount (Quadlet's Secret=): each becomes a file of the container's run
 * directory ($BERTH_RUN_DIR/containers/NAME/secrets/N, in a 0700 directory on /run's tmpfs, gone with
 * the run directory) with the owner and mode the entry asks for (uid=, gid=, mode=; podman's 0, 0 and
 * 0444 by default), the owner in the container's ids, so that under a user namespace the container's
 * root or user owns it; the file is bound read-only at the target. The store itself stays root's
 * only. */

#include "container.h"

/* Appends a --mount entry per secret of type=mount to *mounts: the file secrets_write_files() makes
 * below run_dir, bound read-only at the target (/run/secrets/NAME by default). Errors name the entry or
 * a missing secret. */
int secrets_to_mounts(char *const *secrets, const char *run_dir, char ***mounts);
/* Writes those files, once c's run directory exists and its user namespace is set up. */
int secrets_write_files(const Container *c);
