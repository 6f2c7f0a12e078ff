/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the parts of the builder share (build.c drives; build-layer.c, build-run.c, build-copy.c,
 * build-ignore.c and build-cache.c do one thing each). */

#include <jansson.h>
#include <stdio.h>

#include "build.h"
#include "dockerfile.h"
#include "image-digest.h"
#include "image-store-internal.h"

typedef struct BuildContext {
        ImageStore *store;
        const BuildOptions *options;
        ImageStaging staging; /* every scratch directory of the build lives in it */
        char *staging_path;   /* its absolute path */
        char **ignore;        /* .dockerignore patterns */
        FILE *out;            /* progress, RUN output; /dev/null when quiet */
        unsigned counter;     /* names of scratch directories */
} BuildContext;

/* The state of a stage while it is built. */
typedef struct BuildState {
        json_t *image; /* the OCI image config being built (owns a reference) */
        char **args;   /* ARG values in scope, KEY=VALUE */
        char cache_key[SHA256_DIGEST_STRING_MAX];
        bool cache_broken; /* a step missed: the ones after it are built, not looked up */
        bool cmd_set;      /* a CMD in this stage (ENTRYPOINT then keeps it) */
        char *name;        /* the stage's name, or its index as text */
} BuildState;

/* config.Env of the image plus the ARGs (ENV wins), for expansion and for RUN. */
int build_state_env(const BuildState *st, char ***ret);
/* The layers' diff directories of the image config, lowest first. */
int build_layer_dirs(BuildContext *b, json_t *image, char ***ret);

/* ---- build-layer.c: overlays and layers ---- */

typedef struct BuildMount {
        char *dir;    /* scratch dir: merged/, upper/, work/ below it */
        char *merged; /* where the root is mounted */
        bool mounted;
        bool writable;
} BuildMount;

/* Mounts the layers (lowest first) at a fresh merged/, writable (upper/ records the changes) or not. */
int build_mount(BuildContext *b, char *const *layer_dirs, bool writable, BuildMount *ret);
void build_mount_done(BuildMount *m);
/* Unmounts and turns upper/ into a layer in the staging dir: *ret_dir (relative to the staging
 * dir), its diffID and size. Returns 0 and *ret_dir NULL when upper/ is empty. */
int build_mount_commit(BuildContext *b, BuildMount *m, StagedLayer *ret);

/* ---- build-run.c ---- */

/* Runs argv in a container on m->merged as the image's config says (Env, WorkingDir, User). */
int build_run(BuildContext *b, BuildMount *m, json_t *config, char *const *env, char *const *argv, const char *network,
                unsigned line);

/* USER[:GROUP] (names or numbers) to ids, from the root's /etc/passwd and /etc/group (user-db.h);
 * a name not found is -ESRCH with *ret_error saying which, for the caller's message. */
int build_resolve_user(const char *root, const char *spec, unsigned *ret_uid, unsigned *ret_gid, char **ret_error);

/* ---- build-copy.c ---- */

typedef struct BuildCopy {
        const char *source_root; /* the context, or a mounted stage/image root */
        bool from_context;       /* apply .dockerignore; owner 0:0 unless chown */
        char **sources;          /* expanded, relative to source_root (globs allowed) */
        const char *dest;        /* expanded; relative to workdir */
        const char *workdir;
        const char *chown;                 /* expanded, or NULL */
        const char *chmod;                 /* octal, or NULL */
        bool add;                          /* ADD: local tar archives are extracted, URLs fetched */
        const DockerfileHeredoc *heredocs; /* COPY <<EOF: sources named <<EOF are these bodies */
        size_t n_heredocs;
        char **heredoc_bodies; /* their bodies, expanded when the delimiter was not quoted */
        unsigned line;
} BuildCopy;

/* The checksum of what c selects (names, modes, owners, sizes, link targets, content; not
 * mtimes), for the cache key. */
int build_copy_checksum(BuildContext *b, const BuildCopy *c, char ret[static SHA256_DIGEST_STRING_MAX]);
/* Copies into the root mounted at root (a writable BuildMount's merged/). */
int build_copy(BuildContext *b, const BuildCopy *c, const char *root);

/* ---- build-ignore.c: .dockerignore ---- */

/* Reads DOCKERFILE.dockerignore, else CONTEXT/.dockerignore. */
int build_ignore_load(const char *context, const char *dockerfile, char ***ret);
/* Whether path (relative to the context, no leading "/") is excluded: the last matching pattern
 * decides, a pattern matching a parent directory matches everything below it. */
bool build_ignore_match(char *const *patterns, const char *path);

/* ---- build-cache.c ---- */

/* key = sha256(parent key, text...). */
int build_cache_key(const char *parent, char *const *parts, char ret[static SHA256_DIGEST_STRING_MAX]);
/* The image config a step with this key produced before, if its layers are all still stored. */
int build_cache_lookup(BuildContext *b, const char *key, json_t **ret);
/* Remembers config for key; a step with a new layer also commits the config as a nameless image,
 * so that the store keeps the layer. */
int build_cache_store(BuildContext *b, const char *key, json_t *image, const StagedLayer *layer);
