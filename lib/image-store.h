/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The image store: content-addressed and shared by every berth program.
 *
 * Layout under the storage root (berth_path(BERTH_PATH_STORAGE)):
 *   store.lock                 OFD lock: shared for readers, exclusive for writers
 *   blobs/sha256/<hex>         configs, manifests (and compressed layers while pulling)
 *   layers/<diffid-hex>/diff/  one extracted layer, shared by every image that has it
 *   images/<config-hex>.json   image record: names, manifest, config digest, layer diffIDs
 *   tmp/                       staging; anything here after a crash is removed on open
 * A layer or image becomes visible only by rename() once complete, so a killed import or pull
 * leaves nothing half-visible. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "strv.h"

typedef struct ImageStore ImageStore;

/* What the runtime needs from an image's OCI config (Docker's field names in comments). */
typedef struct ImageConfig {
        char **env;        /* Env */
        char **entrypoint; /* Entrypoint */
        char **cmd;        /* Cmd */
        char *working_dir; /* WorkingDir */
        char *user;        /* User */
        char *stop_signal; /* StopSignal */
        char **exposed_ports; /* ExposedPorts keys, e.g. "80/tcp" */
        char **volumes;       /* Volumes keys */
        char **labels;        /* Labels as KEY=VALUE */
} ImageConfig;

typedef struct Image {
        char *id;           /* "sha256:<hex>" of the config blob */
        char **names;       /* full references, e.g. "localhost/busybox:latest" */
        char **layer_dirs;  /* absolute paths of the layers' diff/ dirs, lowest first */
        ImageConfig config;
        uint64_t created;   /* seconds since the epoch */
        uint64_t size;      /* bytes on disk of its layers */
} Image;

/* Opens (creating if needed) the store at root, and removes what an interrupted writer left. */
int image_store_open(const char *root, ImageStore **ret);
ImageStore *image_store_free(ImageStore *store);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageStore *, image_store_free);

/* Imports a rootfs tarball (plain, gzip, zstd or xz, detected from content) read from fd as a
 * single-layer image named name (normalized: "busybox" -> "localhost/busybox:latest"). */
int image_store_import_rootfs(ImageStore *store, int fd, const char *name, Image **ret);

/* Finds an image by name, short name, full or abbreviated id. -ENOENT when absent. */
int image_store_lookup(ImageStore *store, const char *reference, Image **ret);

/* All images, sorted by name. */
int image_store_list(ImageStore *store, Image ***ret, size_t *ret_n);

void image_config_done(ImageConfig *c);
Image *image_free(Image *image);
DEFINE_TRIVIAL_CLEANUP_FUNC(Image *, image_free);
