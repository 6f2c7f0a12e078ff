/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Turning a ContainerSpec plus the image's OCI config into what the container's process gets:
 * Docker's rules for Entrypoint/Cmd, Env, WorkingDir and User. Pure functions: no file system, no
 * namespaces. Option values are parsed by lib's parsers (parse-util.h, signal-name.h). */

#include <stdbool.h>
#include <stdint.h>

#include "container-spec.h"
#include "image-store.h"
#include "object-name.h"
#include "parse-util.h"
#include "signal-name.h"

typedef struct ProcessConfig {
        char **argv;   /* what is executed: entrypoint followed by cmd */
        char **env;    /* KEY=VALUE, image env overridden by --env-file then --env */
        char *workdir; /* absolute path inside the container */
        char *user;    /* USER[:GROUP] as given, resolved in the container against its /etc/passwd */
        char *hostname;
        mode_t umask; /* --umask, 0022 by default */
} ProcessConfig;

void process_config_done(ProcessConfig *p);

/* image may be NULL (--rootfs). host_env is consulted for "--env KEY" without a value. */
int process_config_resolve(const ContainerSpec *spec, const ImageConfig *image, char *const *host_env,
                ProcessConfig *ret);

/* Sets KEY=VALUE in env, replacing an earlier KEY. */
int env_set(char ***env, const char *assignment);
/* Returns the value of key in env, or NULL. */
const char *env_get(char *const *env, const char *key);
/* Reads an --env-file: KEY=VALUE lines, '#' comments and blank lines skipped; a bare KEY takes the
 * value from host_env (and is skipped when the host has none), as docker does. */
int env_file_load(const char *path, char *const *host_env, char ***env);

/* Reads --env-private-file (unit-container-env.h): expands each value as systemd would on ExecStart=
 * (the specifiers of the unit we run in, ${VAR} from host_env) and sets it; a bare KEY as env_file_load. */
int private_env_load(const char *path, char *const *host_env, char ***env);
/* The --secret entries of type=env: each secret's value from the store, set as its target variable. */
int secrets_to_env(char *const *secrets, char ***env);

/* A host name derived from the container name: invalid characters become '-', at most 63. */
char *hostname_from_name(const char *name);
