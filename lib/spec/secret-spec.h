/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A secret's reference in a definition or on the command line (Quadlet's Secret=, --secret): parsed
 * here, where files are read; the bytes live in the secret store (secret-store.h). */

#include <stdbool.h>

typedef struct SecretSpec {
        char *name;
        bool env;     /* type=env: an environment variable; else type=mount: a file */
        char *target; /* the variable (default: NAME) or the path (default: /run/secrets/NAME) */
} SecretSpec;

void secret_spec_done(SecretSpec *s);
/* Parses NAME[,type=mount|env][,target=...] (podman's --secret). A relative mount target is below
 * /run/secrets. -EINVAL for anything else (uid=, gid=, mode= are not supported). */
int secret_spec_parse(const char *s, SecretSpec *ret);

bool secret_name_is_valid(const char *name);
