/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Dockerfile instructions applied to an image config, as `docker import --change` takes them:
 * CMD, ENTRYPOINT (JSON array, or shell form run by /bin/sh -c), ENV K=V..., WORKDIR, USER,
 * EXPOSE PORT[/PROTO]..., LABEL K=V..., VOLUME PATH... or a JSON array, STOPSIGNAL. */

#include "macro.h"

/* Applies changes to the config JSON (the "config" object inside it) and returns the new JSON, and
 * sets history's comment to message when given. -EINVAL (*ret_error naming the change) when a change
 * is malformed or unsupported. */
int image_config_apply_changes(const char *config, char *const *changes, const char *message, char **ret,
                char **ret_error);
