/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The image store: content-addressed and shared by every berth program.
 *
 * Layout under the storage root (berth_path(BERTH_PATH_STORAGE)):
 *   store.lock                 OFD lock: shared for readers, exclusive for writers
 *   blobs/sha256/<hex>         image configs and the manifests of pulled images (layers are
 *                              extracted while they download; their compressed bytes are not kept)
 *   layers/<diffid-hex>/diff/  one extracted layer, shared by every image that has it
 *   layers/<diffid-hex>/layer.json   {"diff_id", "size"}; a running container's pin is a shared
 *                              OFD lock on it (image_store_pin())
 *   images/<config-hex>.json   image record: names, repo digests, layer diffIDs, created, size
 *   tmp/<random>/              staging of one writer, which holds an OFD lock on tmp/<random>/lock;
 *                              an unlocked one is what a killed writer left, removed on open
 * A layer or image becomes visible only by rename() once complete, so a killed import or pull
 * leaves nothing half-visible. Writers extract without the store lock and take it exclusively only
 * to commit (rename layers, write the config blob and the record, move names); garbage collection
 * also runs under the exclusive lock, so it never sees a layer that is committed but unreferenced,
 * and it skips pinned layers.
 *
 * Errors (docs/ARCHITECTURE.md, "Errors"): these functions, and the pull, load and save, log at debug
 * level only. Those that take char **ret_error (may be NULL) put there why they failed, naming what
 * the user sees (the tar entry, the digest, the registry's answer, the image); the program reports
 * it once with what was asked. lookup and list hand out nothing: -ENOENT is "No such image". */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "strv.h"

typedef struct ImageStore ImageStore;

/* What the runtime needs from an image's OCI config (Docker's field names in comments). */
typedef struct ImageConfig {
        char **env;           /* Env */
        char **entrypoint;    /* Entrypoint */
        char **cmd;           /* Cmd */
        char *working_dir;    /* WorkingDir */
        char *user;           /* User */
        char *stop_signal;    /* StopSignal */
        char **exposed_ports; /* ExposedPorts keys, e.g. "80/tcp" */
        char **volumes;       /* Volumes keys */
        char **labels;        /* Labels as KEY=VALUE */
} ImageConfig;

typedef struct Image {
        char *id;          /* "sha256:<hex>" of the config blob */
        char **names;      /* full references, e.g. "localhost/busybox:latest" */
        char **layer_dirs; /* absolute paths of the layers' diff/ dirs, lowest first */
        ImageConfig config;
        uint64_t created; /* seconds since the epoch */
        uint64_t size;    /* bytes on disk of its layers */
        char **diff_ids;  /* "sha256:<hex>" per layer, lowest first (RootFS.Layers) */
        char **digests;   /* repository digests, "domain/path@sha256:<hex>" of pulled manifests */
        char *os, *architecture;
} Image;

/* Opens (creating if needed) the store at root, and removes what an interrupted writer left. Logs at
 * debug level only: the caller reports a failure, naming root. */
int image_store_open(const char *root, ImageStore **ret);
ImageStore *image_store_free(ImageStore *store);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageStore *, image_store_free);

/* Imports a rootfs tarball (plain, gzip, zstd or xz, detected from content) read from fd as a
 * single-layer image named name (normalized: "busybox" -> "localhost/busybox:latest"). */
int image_store_import_rootfs(ImageStore *store, int fd, const char *name, Image **ret, char **ret_error);

/* The same, with docker import's options. */
typedef struct ImageImportOptions {
        char *const *changes; /* Dockerfile instructions for the config (CMD, ENV, ...), see image-change.h */
        const char *message;  /* the history entry's comment */
} ImageImportOptions;
int image_store_import_rootfs_with(ImageStore *store, int fd, const char *name, const ImageImportOptions *options,
                Image **ret, char **ret_error);

/* Finds an image by name, short name, full or abbreviated id. -ENOENT when absent. */
int image_store_lookup(ImageStore *store, const char *reference, Image **ret);

/* All images, sorted by name. */
int image_store_list(ImageStore *store, Image ***ret, size_t *ret_n);

void image_config_done(ImageConfig *c);
Image *image_free(Image *image);
DEFINE_TRIVIAL_CLEANUP_FUNC(Image *, image_free);

/* Adds new_name (normalized like an import name) to the image reference names, taking it from
 * whichever image had it. */
int image_store_tag(ImageStore *store, const char *reference, const char *new_name, char **ret_error);

/* Docker's `image rm`: a reference by name removes that name; the image itself goes when its last
 * name goes, or when named by id (which needs force if it still has several names). Layers and
 * blobs no image uses any more are removed. *ret_untagged lists removed names, *ret_deleted the
 * deleted image id (NULL when only untagged). Both may be NULL. */
int image_store_remove(ImageStore *store, const char *reference, bool force, char ***ret_untagged, char **ret_deleted,
                char **ret_error);

/* Removes images without names, then unused layers and blobs. *ret_deleted lists removed ids. */
int image_store_prune(ImageStore *store, char ***ret_deleted, char **ret_error);

/* For images that containers use (docker's rmi -f of such an image): removes the name reference
 * means, or every name when it is an id, and keeps the image, nameless when no name is left.
 * *ret_untagged lists the removed names (may be NULL). */
int image_store_untag(ImageStore *store, const char *reference, char ***ret_untagged, char **ret_error);

/* image_store_prune() that keeps the nameless images whose ids ("sha256:<hex>") are in keep. */
int image_store_prune_except(ImageStore *store, char *const *keep, char ***ret_deleted, char **ret_error);

/* The bytes of a stored blob (e.g. an image's config: digest = image->id). */
int image_store_read_blob(ImageStore *store, const char *digest, char **ret, size_t *ret_size);

const char *image_store_root(const ImageStore *store);

/* Keeps an image's layers on disk while a container uses them: each layer's layer.json gets a
 * shared OFD lock, and garbage collection (rm, prune) skips locked layers; they go at the first
 * collection after the pin is freed. Take it right after the lookup and keep it for the
 * container's life (forked children share it). -ENOENT when a layer is already gone. */
typedef struct ImagePin ImagePin;
int image_store_pin(ImageStore *store, const Image *image, ImagePin **ret, char **ret_error);
ImagePin *image_pin_free(ImagePin *pin);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImagePin *, image_pin_free);
