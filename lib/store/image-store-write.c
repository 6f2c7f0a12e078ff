/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changing the image store: committing staged layers and images, names, removal and garbage
 * collection. Everything here runs under the exclusive store lock. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-config.h"
#include "image-ref.h"
#include "image-store-internal.h"
#include "log.h"
#include "lock-util.h"

bool image_store_has_layer(ImageStore *s, const char *diff_id) {
        return image_digest_is_valid(diff_id) &&
               faccessat(s->layers_fd, digest_hex(diff_id), F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

static uint64_t layer_size(ImageStore *s, const char *hex) {
        _cleanup_free_ char *p = strjoin(hex, "/layer.json"), *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t size = 0;
        json_t *j;

        if (!p)
                return 0;
        fd = openat(s->layers_fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, &data, NULL) < 0)
                return 0;
        j = json_loads(data, 0, NULL);
        if (j)
                size = (uint64_t) json_integer_value(json_object_get(j, "size"));
        json_decref(j);
        return size;
}

static int write_layer_meta(ImageStore *s, int dir_fd, const StagedLayer *l, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        json_t *j = json_pack("{s:s, s:I}", "diff_id", l->diff_id, "size", (json_int_t) l->size);
        int r;

        if (!j)
                return -ENOMEM;
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        if (!text)
                return -ENOMEM;
        r = write_file_atomic_at(dir_fd, "layer.json", text, strlen(text), 0644, 0);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to write the metadata of layer %s: %m", l->diff_id);
        return 0;
}

static int write_blob(ImageStore *s, const char *data, size_t size, char digest[static SHA256_DIGEST_STRING_MAX],
                char **ret_error) {
        int r;

        r = sha256_digest(data, size, digest);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to hash a blob: %m");
        if (faccessat(s->blobs_fd, digest_hex(digest), F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 0;
        r = write_file_atomic_at(s->blobs_fd, digest_hex(digest), data, size, 0644, WRITE_FILE_SYNC);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to write %s/blobs/sha256/%s: %m", s->root,
                                digest_hex(digest));
        return 0;
}

/* Moves the staged layers the config names into layers/ and returns their total size. */
static int commit_layers(ImageStore *s, ImageStaging *st, const ImageCommit *c, char *const *diff_ids,
                uint64_t *ret_size, char **ret_error) {
        uint64_t total = 0;
        bool synced = false;
        int r;

        STRV_FOREACH(d, diff_ids) {
                const StagedLayer *staged = NULL;
                _cleanup_close_ int dir_fd = -EBADF;

                if (!image_digest_is_valid(*d))
                        return log_detail_errno(ret_error, -EBADMSG, "Image config: invalid diffID '%s'.", *d);
                for (size_t i = 0; i < c->n_layers; i++)
                        if (c->layers[i].dir && streq(c->layers[i].diff_id, *d))
                                staged = &c->layers[i];

                if (image_store_has_layer(s, *d)) {
                        total += layer_size(s, digest_hex(*d));
                        continue; /* shared: the staged copy, if any, goes with the staging dir */
                }
                if (!staged)
                        return log_detail_errno(ret_error, -ESTALE,
                                        "Layer %s vanished from the store while the image was being "
                                        "prepared; try again.",
                                        *d);

                dir_fd = openat(st->dir_fd, staged->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir_fd < 0)
                        return log_detail_errno(ret_error, negative_errno(), "Failed to open staged layer %s: %m",
                                        staged->dir);
                r = write_layer_meta(s, dir_fd, staged, ret_error);
                if (r < 0)
                        return r;
                /* The layer must be on disk before its name says it is complete. */
                if (!synced && syncfs(dir_fd) < 0)
                        return log_detail_errno(ret_error, negative_errno(), "Failed to sync %s: %m", s->root);
                synced = true;
                if (renameat(st->dir_fd, staged->dir, s->layers_fd, digest_hex(*d)) < 0)
                        return log_detail_errno(ret_error, negative_errno(),
                                        "Failed to move layer %s into %s/layers: %m", *d, s->root);
                total += staged->size;
        }
        *ret_size = total;
        return 0;
}

/* Takes name away from every record but keep; records left without names stay as dangling images. */
static int take_name(ImageStore *s, RecordSet *set, const ImageRecord *keep, const char *name, char **ret_error) {
        for (size_t i = 0; i < set->n; i++) {
                ImageRecord *rec = &set->items[i];
                char **dst;
                int r;

                if (rec == keep || !strv_contains(rec->names, name))
                        continue;
                dst = rec->names;
                STRV_FOREACH(n, rec->names) {
                        if (streq(*n, name))
                                free(*n);
                        else
                                *dst++ = *n;
                }
                *dst = NULL;
                if (!rec->names[0])
                        rec->names = strv_free(rec->names);
                r = record_save(s, rec, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static ImageRecord *record_by_id(RecordSet *set, const char *id) {
        for (size_t i = 0; i < set->n; i++)
                if (streq(set->items[i].id, id))
                        return &set->items[i];
        return NULL;
}

int image_store_commit(ImageStore *s, ImageStaging *st, const ImageCommit *c, Image **ret, char **ret_error) {
        _cleanup_(image_config_info_done) ImageConfigInfo info = {};
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_(image_record_done) ImageRecord fresh = {};
        char id[SHA256_DIGEST_STRING_MAX], manifest_digest[SHA256_DIGEST_STRING_MAX];
        ImageRecord *rec;
        uint64_t size = 0;
        int r;

        r = image_config_parse(c->config, c->config_size, &info, ret_error);
        if (r < 0)
                return r;

        {
                _cleanup_store_lock_ StoreLockGuard g = {};
                r = store_lock_guarded(s, F_WRLCK, &g, ret_error);
                if (r < 0)
                        return r;

                r = commit_layers(s, st, c, info.diff_ids, &size, ret_error);
                if (r < 0)
                        return r;
                r = write_blob(s, c->config, c->config_size, id, ret_error);
                if (r < 0)
                        return r;
                if (c->manifest) {
                        r = write_blob(s, c->manifest, c->manifest_size, manifest_digest, ret_error);
                        if (r < 0)
                                return r;
                }

                r = records_load(s, &set, ret_error);
                if (r < 0)
                        return r;
                rec = record_by_id(&set, id);
                if (!rec) {
                        fresh = (ImageRecord) {
                                .id = strdup(id),
                                .layers = strv_copy(info.diff_ids),
                                .created = info.created ?: (uint64_t) time(NULL),
                                .size = size,
                        };
                        if (!fresh.id || (info.diff_ids && !fresh.layers))
                                return -ENOMEM;
                        rec = &fresh;
                }
                STRV_FOREACH(n, c->names) {
                        r = take_name(s, &set, rec, *n, ret_error);
                        if (r < 0)
                                return r;
                        if (!strv_contains(rec->names, *n) && strv_extend(&rec->names, *n) < 0)
                                return -ENOMEM;
                }
                STRV_FOREACH(d, c->digests)
                        if (!strv_contains(rec->digests, *d) && strv_extend(&rec->digests, *d) < 0)
                                return -ENOMEM;
                r = record_save(s, rec, ret_error);
                if (r < 0)
                        return r;
        }

        return ret ? image_store_lookup(s, id, ret) : 0;
}

/* ---- garbage collection -------------------------------------------------------------------- */

/* A running container holds a shared lock on the layer's layer.json (image_store_pin()). */
static bool layer_is_pinned(int layers_fd, const char *hex) {
        _cleanup_free_ char *p = strjoin(hex, "/layer.json");
        _cleanup_close_ int fd = -EBADF;

        if (!p)
                return true;
        fd = openat(layers_fd, p, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return false; /* no metadata: a leftover nobody can have pinned */
        /* Pins are taken under the shared store lock and we hold the exclusive one, so the answer
         * stays true until the layer is gone. */
        return lock_fd_is_held(fd, F_WRLCK) != 0;
}

static int collect_unreferenced(ImageStore *s, int dir_fd, const char *what, char *const *keep, bool is_layer,
                char **ret_error) {
        _cleanup_(closedirp) DIR *d = NULL;
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open %s/%s: %m", s->root, what);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *graveyard = NULL;
                int r;

                if (streq(de->d_name, ".") || streq(de->d_name, "..") || strv_contains(keep, de->d_name))
                        continue;
                if (!is_layer) {
                        if (unlinkat(dir_fd, de->d_name, 0) < 0 && errno != ENOENT)
                                log_warning_errno(negative_errno(), "Failed to remove %s/%s/%s: %m", s->root, what,
                                                de->d_name);
                        continue;
                }
                if (layer_is_pinned(dir_fd, de->d_name)) {
                        log_debug("Layer sha256:%s is unused but a container still runs on it; keeping it.", de->d_name);
                        continue;
                }
                /* Out of sight first, then delete: a crash midway leaves only a tmp/ leftover. */
                graveyard = strjoin("gc-", de->d_name);
                if (!graveyard)
                        return -ENOMEM;
                (void) rm_rf_at(s->tmp_fd, graveyard);
                if (renameat(dir_fd, de->d_name, s->tmp_fd, graveyard) < 0) {
                        log_warning_errno(negative_errno(), "Failed to remove layer %s: %m", de->d_name);
                        continue;
                }
                r = rm_rf_at(s->tmp_fd, graveyard);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove %s/tmp/%s: %m", s->root, graveyard);
                else
                        log_debug("Removed unused layer sha256:%s.", de->d_name);
        }
        return 0;
}

/* Called with the exclusive lock held. */
static int store_gc(ImageStore *s, char **ret_error) {
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_strv_free_ char **layers = NULL, **blobs = NULL;
        int r;

        r = records_load(s, &set, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < set.n; i++) {
                if (strv_extend(&blobs, digest_hex(set.items[i].id)) < 0)
                        return -ENOMEM;
                STRV_FOREACH(l, set.items[i].layers)
                        if (strv_extend(&layers, digest_hex(*l)) < 0)
                                return -ENOMEM;
                STRV_FOREACH(d, set.items[i].digests) {
                        const char *at = strrchr(*d, '@');
                        if (at && strv_extend(&blobs, digest_hex(at + 1)) < 0)
                                return -ENOMEM;
                }
        }
        r = collect_unreferenced(s, s->layers_fd, "layers", layers, true, ret_error);
        if (r < 0)
                return r;
        return collect_unreferenced(s, s->blobs_fd, "blobs/sha256", blobs, false, ret_error);
}

/* ---- names and removal --------------------------------------------------------------------- */

int image_store_tag(ImageStore *s, const char *reference, const char *new_name, char **ret_error) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_free_ char *name = NULL;
        const char *why = NULL;
        ImageRecord *rec = NULL;
        MatchKind kind;
        int r;

        r = image_reference_normalize(new_name, IMAGE_DOMAIN_LOCAL, &name, &why);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0)
                return log_detail_errno(ret_error, r, "Invalid image name '%s': %s.", new_name, why);
        if (strchr(name, '@'))
                return log_detail_errno(ret_error, -EINVAL, "Invalid image name '%s': a tag cannot hold a digest.",
                                new_name);

        r = records_lock_and_find(s, F_WRLCK, reference, true, &g, &set, &rec, NULL, &kind, ret_error);
        if (r < 0)
                return r;
        r = take_name(s, &set, rec, name, ret_error);
        if (r < 0)
                return r;
        if (strv_contains(rec->names, name))
                return 0;
        if (strv_extend(&rec->names, name) < 0)
                return -ENOMEM;
        return record_save(s, rec, ret_error);
}

int image_store_remove(ImageStore *s, const char *reference, bool force, char ***ret_untagged, char **ret_deleted,
                char **ret_error) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_strv_free_ char **untagged = NULL;
        _cleanup_free_ char *name = NULL, *deleted = NULL;
        ImageRecord *rec = NULL;
        MatchKind kind;
        int r;

        r = records_lock_and_find(s, F_WRLCK, reference, true, &g, &set, &rec, &name, &kind, ret_error);
        if (r < 0)
                return r;

        if (kind == MATCH_NAME && strv_length(rec->names) > 1) {
                r = take_name(s, &set, NULL, name, ret_error);
                if (r < 0)
                        return r;
                if (strv_extend(&untagged, name) < 0)
                        return -ENOMEM;
        } else {
                if (kind == MATCH_ID && strv_length(rec->names) > 1 && !force)
                        return log_detail_errno(ret_error, -EBUSY,
                                        "Image %s has %zu names; remove them by name, or use --force.", rec->id,
                                        strv_length(rec->names));
                r = record_delete(s, rec, ret_error);
                if (r < 0)
                        return r;
                untagged = TAKE_PTR(rec->names);
                deleted = strdup(rec->id);
                if (!deleted)
                        return -ENOMEM;
                r = store_gc(s, ret_error);
                if (r < 0)
                        return r;
        }
        if (ret_untagged)
                *ret_untagged = TAKE_PTR(untagged);
        if (ret_deleted)
                *ret_deleted = TAKE_PTR(deleted);
        return 0;
}

/* Partial blobs (partial/<hex>) that no pull holds: what interrupted pulls left for resuming. */
static int prune_partial_blobs(ImageStore *s, char **ret_error) {
        _cleanup_(closedirp) DIR *d = NULL;
        int fd;

        fd = openat(s->root_fd, "partial", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0
                                       : log_detail_errno(ret_error, negative_errno(), "Failed to open %s/partial: %m",
                                                         s->root);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_close_ int f = -EBADF;

                if (de->d_name[0] == '.')
                        continue;
                f = openat(dirfd(d), de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
                if (f < 0 || lock_fd(f, F_WRLCK, false) < 0)
                        continue; /* a pull is writing it */
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        return log_detail_errno(ret_error, negative_errno(), "Failed to remove %s/partial/%s: %m",
                                        s->root, de->d_name);
        }
        return 0;
}

int image_store_untag(ImageStore *s, const char *reference, char ***ret_untagged, char **ret_error) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_strv_free_ char **untagged = NULL;
        _cleanup_free_ char *name = NULL;
        ImageRecord *rec = NULL;
        MatchKind kind;
        int r;

        r = records_lock_and_find(s, F_WRLCK, reference, true, &g, &set, &rec, &name, &kind, ret_error);
        if (r < 0)
                return r;
        if (kind == MATCH_NAME) {
                if (strv_extend(&untagged, name) < 0)
                        return -ENOMEM;
        } else
                untagged = TAKE_PTR(rec->names);
        /* take_name() saves every record that loses a name, this one included */
        STRV_FOREACH(n, untagged) {
                r = take_name(s, &set, NULL, *n, ret_error);
                if (r < 0)
                        return r;
        }
        if (kind != MATCH_NAME) {
                r = record_save(s, rec, ret_error);
                if (r < 0)
                        return r;
        }
        if (ret_untagged)
                *ret_untagged = TAKE_PTR(untagged);
        return 0;
}

int image_store_prune(ImageStore *s, char ***ret_deleted, char **ret_error) {
        return image_store_prune_except(s, NULL, ret_deleted, ret_error);
}

int image_store_prune_except(ImageStore *s, char *const *keep, char ***ret_deleted, char **ret_error) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_strv_free_ char **deleted = NULL;
        int r;

        r = store_lock_guarded(s, F_WRLCK, &g, ret_error);
        if (r < 0)
                return r;
        r = records_load(s, &set, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < set.n; i++) {
                if (set.items[i].names || strv_contains(keep, set.items[i].id))
                        continue;
                r = record_delete(s, &set.items[i], ret_error);
                if (r < 0)
                        return r;
                if (strv_extend(&deleted, set.items[i].id) < 0)
                        return -ENOMEM;
        }
        r = store_gc(s, ret_error);
        if (r >= 0)
                r = prune_partial_blobs(s, ret_error);
        if (r < 0)
                return r;
        if (ret_deleted)
                *ret_deleted = TAKE_PTR(deleted);
        return 0;
}
