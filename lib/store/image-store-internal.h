/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the writers of the store (import, pull) share with it: a staging directory and the commit
 * that makes staged layers and an image visible at once. */

#include <archive.h>
#include <stdint.h>

#include "image-digest.h"
#include "image-store.h"

typedef struct ImageStaging {
        ImageStore *store;
        char *name;  /* tmp/<name> */
        int dir_fd;  /* tmp/<name> */
        int lock_fd; /* tmp/<name>/lock, OFD write-locked while the staging is alive */
} ImageStaging;

/* A layer extracted into staging: <staging>/<dir>/diff, with its diffID and file bytes. */
typedef struct StagedLayer {
        char *dir; /* NULL: not staged, the store already has it (checked again at commit) */
        char diff_id[SHA256_DIGEST_STRING_MAX];
        uint64_t size;
} StagedLayer;

int image_staging_new(ImageStore *store, ImageStaging *ret, char **ret_error);
/* Removes the staging directory and drops its lock. Safe on a zeroed one with fds -EBADF. */
void image_staging_done(ImageStaging *staging);
#define IMAGE_STAGING_NULL ((ImageStaging) { .dir_fd = -EBADF, .lock_fd = -EBADF })

/* A libarchive reader that only decompresses (every filter, the "raw" format); open it on any source
 * and hand it to image_layer_extract_opened(). */
struct archive *image_layer_reader_new(void);
static inline void archive_freep(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}
int image_layer_extract_opened(struct archive *raw, int diff_fd, char ret_diff_id[static SHA256_DIGEST_STRING_MAX],
                uint64_t *ret_size, char **ret_error);
/* Extracts the (possibly compressed) tar read from fd into diff_fd, hardened (tar-extract.h), and
 * returns its diffID (sha256 of the uncompressed stream) and the bytes of file data. */
int image_layer_extract_stream(int fd, int diff_fd, char ret_diff_id[static SHA256_DIGEST_STRING_MAX],
                uint64_t *ret_size, char **ret_error);

/* True when the store already has the layer with this diffID. */
bool image_store_has_layer(ImageStore *store, const char *diff_id);

/* Under the exclusive lock: moves staged layers into layers/ (unless present), writes the config
 * blob and the extra blobs (e.g. the manifest), writes the image record and moves names to it.
 * The image's layers are config's rootfs.diff_ids, which must all be staged or present. */
typedef struct ImageCommit {
        const char *config;
        size_t config_size;
        const StagedLayer *layers;
        size_t n_layers;
        char *const *names;   /* normalized */
        char *const *digests; /* repository digests */
        const char *manifest; /* optional, stored as a blob too */
        size_t manifest_size;
} ImageCommit;
int image_store_commit(ImageStore *store, ImageStaging *staging, const ImageCommit *c, Image **ret, char **ret_error);

/* ---- shared by image-store.c and image-store-write.c ---- */

struct ImageStore {
        char *root;
        int root_fd, blobs_fd, layers_fd, images_fd, tmp_fd;
        int lock_fd; /* store.lock */
};

int store_lock(ImageStore *s, short type, char **ret_error);
void store_unlock(ImageStore *s);

/* Unlocks when the scope ends. */
typedef struct StoreLockGuard {
        ImageStore *store;
} StoreLockGuard;
void store_lock_guard_release(StoreLockGuard *g);
#define _cleanup_store_lock_ _cleanup_(store_lock_guard_release)
int store_lock_guarded(ImageStore *s, short type, StoreLockGuard *g, char **ret_error);

/* One images/<hex>.json. */
typedef struct ImageRecord {
        char *id;
        char **names, **digests, **layers;
        uint64_t created, size;
} ImageRecord;
void image_record_done(ImageRecord *r);

typedef struct RecordSet {
        ImageRecord *items;
        size_t n;
} RecordSet;
void record_set_done(RecordSet *s);

int records_load(ImageStore *s, RecordSet *ret, char **ret_error);
int record_save(ImageStore *s, const ImageRecord *rec, char **ret_error);
int record_delete(ImageStore *s, const ImageRecord *rec, char **ret_error);

typedef enum MatchKind {
        MATCH_NONE,
        MATCH_NAME,
        MATCH_ID,
} MatchKind;
/* Finds the record a user's reference means; -ENOENT when none. *ret_name is the matched name. */
int records_find(ImageStore *s, const RecordSet *set, const char *reference, ImageRecord **ret, char **ret_name,
                MatchKind *ret_kind, char **ret_error);
/* The start of every operation on one image: locks the store (F_RDLCK or F_WRLCK, held by g), loads
 * the records into set and finds reference among them (records_find()); for a missing image
 * (-ENOENT) *ret_error says "No such image" when log_missing. */
int records_lock_and_find(ImageStore *s, short lock_type, const char *reference, bool log_missing, StoreLockGuard *g,
                RecordSet *set, ImageRecord **ret, char **ret_name, MatchKind *ret_kind, char **ret_error);

const char *digest_hex(const char *digest);
/* <root>/layers/<hex>/diff */
int layer_path(ImageStore *s, const char *diff_id, char **ret);
