/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The secret store of `berth secret` and Quadlet's Secret= (issue 16): $BERTH_STATE_DIR/secrets, a
 * 0700 directory of 0600 files named after the secrets, each holding the secret's bytes, written
 * atomically. Only root reads them; a container gets one mounted read-only at /run/secrets/NAME or set
 * as an environment variable by the runtime at start, so a value is never on a command line, in a
 * unit or in `berth inspect`. */

#include <stdbool.h>
#include <stddef.h>

/* The largest secret: podman's limit (512 KiB). */
#define SECRET_SIZE_MAX (512u * 1024u)

#include "secret-spec.h"

/* $BERTH_STATE_DIR/secrets/NAME (or the directory for name NULL). */
char *secret_store_path(const char *name);
/* -EEXIST when name exists and !replace; -EFBIG over SECRET_SIZE_MAX. */
int secret_store_create(const char *name, const void *data, size_t size, bool replace);
/* -ENOENT when there is no such secret. */
int secret_store_read(const char *name, char **ret, size_t *ret_size);
int secret_store_remove(const char *name);
/* The names, sorted; an empty list when there are none. */
int secret_store_list(char ***ret);
