/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Credentials from the files podman, skopeo and docker write on login (containers-auth.json(5)):
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, /run/containers/<uid>/auth.json,
 * $XDG_CONFIG_HOME/containers/auth.json (~/.config), ~/.docker/config.json. The first file with a
 * matching "auths" entry wins; within a file the most specific key wins ("host/ns/repo", then
 * "host/ns", then "host"; docker.io also answers to its historical names). Only "auth"
 * (base64 user:password) entries are used; credential helpers and identity tokens are not supported. */

/* Returns 1 and the credentials when found, 0 when not, <0 on error (*ret_error naming the file). */
int registry_auth_find(const char *domain, const char *repository, char **ret_username, char **ret_password,
                char **ret_error);
