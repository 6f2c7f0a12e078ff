/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth build`: a Dockerfile and a context directory into an image in the store (berth-build(1)).
 *
 * Every stage the target needs is built in order; unused stages are skipped. Each instruction that
 * changes files (RUN, COPY, ADD) runs on an overlay of the previous step's layers, and the overlay's
 * upper directory becomes the step's layer, written through the image store's writer. RUN executes
 * in a container made by berth-runtime (its OCI face). The cache: a step is reused when its parent
 * step, its instruction, the build arguments in scope and, for COPY and ADD, the content of its
 * sources (not their mtimes) are the same; see build-cache.c. */

#include <stdbool.h>
#include <stdio.h>

#include "image-store.h"

typedef struct BuildOptions {
        const char *context;     /* the context directory */
        const char *dockerfile;  /* the Dockerfile; NULL: CONTEXT/Dockerfile */
        char *const *tags;       /* names of the result (normalized like import names) */
        const char *target;      /* the stage to build; NULL: the last one */
        char *const *build_args; /* KEY=VALUE, or KEY alone (the value from the environment) */
        char *const *labels;     /* KEY=VALUE added to the result's Labels */
        char *const *env;        /* KEY=VALUE added to the result's Env (podman build --env) */
        const char *pull;        /* pull policy of FROM images (image-pull.h); NULL: never, use the store */
        bool no_cache;
        bool quiet;     /* no progress, no RUN output */
        FILE *progress; /* where steps and RUN output go (stderr when NULL) */
} BuildOptions;

/* Builds and returns the image id ("sha256:<hex>"). Must be called before the process starts
 * threads: it moves the process into a mount namespace of its own. Logs its errors. */
int build_image(ImageStore *store, const BuildOptions *options, char **ret_id);
