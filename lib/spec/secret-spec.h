/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A secret's reference in a definition or on the command line (Quadlet's Secret=, --secret): parsed
 * here, where files are read; the bytes live in the secret store (secret-store.h). */

#include <stdbool.h>
#include <sys/types.h>

/* A mounted secret's file, as podman makes it: owned by the container's root, readable by all. */
#define SECRET_DEFAULT_MODE 0444

typedef struct SecretSpec {
        char *name;
        bool env;     /* type=env: an environment variable; else type=mount: a file */
        char *target; /* the variable (default: NAME) or the path (default: /run/secrets/NAME) */
        uid_t uid;    /* type=mount: the file's owner and mode, in the container's ids */
        gid_t gid;
        mode_t mode;
} SecretSpec;

void secret_spec_done(SecretSpec *s);
/* Parses NAME[,type=mount|env][,target=...][,uid=UID][,gid=GID][,mode=MODE] (podman's --secret). A
 * relative mount target is below /run/secrets. uid=, gid= (numbers) and mode= (octal, at most 0777)
 * are for type=mount only, which defaults to 0, 0 and 0444. -EINVAL for anything else. */
int secret_spec_parse(const char *s, SecretSpec *ret);

bool secret_name_is_valid(const char *name);
