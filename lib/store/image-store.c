/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image store: see image-store.h for the layout and the locking rules. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-config.h"
#include "image-ref.h"
#include "image-store-internal.h"
#include "json-util.h"
#include "log.h"
#include "lock-util.h"

void image_record_done(ImageRecord *r) {
        free(r->id);
        strv_free(r->names);
        strv_free(r->digests);
        strv_free(r->layers);
        *r = (ImageRecord) {};
}

void record_set_done(RecordSet *s) {
        for (size_t i = 0; i < s->n; i++)
                image_record_done(&s->items[i]);
        free(s->items);
        *s = (RecordSet) {};
}

const char *image_store_root(const ImageStore *store) {
        return store->root;
}

/* ---- locking ------------------------------------------------------------------------------- */

int store_lock(ImageStore *s, short type, char **ret_error) {
        int r = lock_fd(s->lock_fd, type, true);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to lock %s/store.lock: %m", s->root);
        return 0;
}

void store_unlock(ImageStore *s) {
        unlock_fd(s->lock_fd);
}

void store_lock_guard_release(StoreLockGuard *g) {
        if (g->store)
                store_unlock(g->store);
}

int store_lock_guarded(ImageStore *s, short type, StoreLockGuard *g, char **ret_error) {
        int r = store_lock(s, type, ret_error);
        if (r >= 0)
                g->store = s;
        return r;
}

/* ---- open, staging and leftovers ----------------------------------------------------------- */

static int open_subdir(int root_fd, const char *root, const char *name, int *ret) {
        if (mkdirat(root_fd, name, 0700) < 0 && errno != EEXIST)
                return log_debug_errno(negative_errno(), "Failed to create %s/%s: %m", root, name);
        *ret = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*ret < 0)
                return log_debug_errno(negative_errno(), "Failed to open %s/%s: %m", root, name);
        return 0;
}

/* A staging directory whose lock nobody holds belongs to a writer that died. */
static bool staging_is_abandoned(int tmp_fd, const char *name) {
        _cleanup_free_ char *p = path_join(name, "lock");
        _cleanup_close_ int fd = -EBADF;

        if (!p)
                return false;
        fd = openat(tmp_fd, p, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return true; /* never got its lock: staging is created under the store lock, so it died */
        return lock_fd(fd, F_WRLCK, false) >= 0;
}

/* Needs the exclusive lock: writers create their staging directory under the shared one. */
static int remove_leftovers(ImageStore *s, char **ret_error) {
        _cleanup_(closedirp) DIR *d = NULL;
        int fd = openat(s->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open %s/tmp: %m", s->root);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        for (struct dirent *de; (de = readdir(d));) {
                int r;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (!staging_is_abandoned(s->tmp_fd, de->d_name))
                        continue;
                log_debug("Removing %s/tmp/%s left by an interrupted writer.", s->root, de->d_name);
                r = rm_rf_at(s->tmp_fd, de->d_name);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove %s/tmp/%s: %m", s->root, de->d_name);
        }
        return 0;
}

static bool dir_is_empty_at(int dir_fd) {
        _cleanup_(closedirp) DIR *d = NULL;
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return true;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return true;
        }
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return false;
        return true;
}

int image_store_open(const char *root, ImageStore **ret) {
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        int r;

        s = calloc(1, sizeof(ImageStore));
        if (!s)
                return -ENOMEM;
        s->root_fd = s->blobs_fd = s->layers_fd = s->images_fd = s->tmp_fd = s->lock_fd = -EBADF;
        s->root = strdup(root);
        if (!s->root)
                return -ENOMEM;

        r = mkdir_p(root, 0700);
        if (r < 0)
                return log_debug_errno(r, "Failed to create %s: %m", root);
        s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return log_debug_errno(negative_errno(), "Failed to open %s: %m", root);
        s->lock_fd = openat(s->root_fd, "store.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (s->lock_fd < 0)
                return log_debug_errno(negative_errno(), "Failed to open %s/store.lock: %m", root);

        if (mkdirat(s->root_fd, "blobs", 0700) < 0 && errno != EEXIST)
                return log_debug_errno(negative_errno(), "Failed to create %s/blobs: %m", root);
        if ((r = open_subdir(s->root_fd, root, "blobs/sha256", &s->blobs_fd)) < 0 ||
                        (r = open_subdir(s->root_fd, root, "layers", &s->layers_fd)) < 0 ||
                        (r = open_subdir(s->root_fd, root, "images", &s->images_fd)) < 0 ||
                        (r = open_subdir(s->root_fd, root, "tmp", &s->tmp_fd)) < 0)
                return r;

        if (!dir_is_empty_at(s->tmp_fd)) {
                _cleanup_store_lock_ StoreLockGuard g = {};
                r = lock_fd(s->lock_fd, F_WRLCK, true);
                if (r < 0)
                        return log_debug_errno(r, "Failed to lock %s/store.lock: %m", root);
                g.store = s;
                (void) remove_leftovers(s, NULL);
        }

        *ret = TAKE_PTR(s);
        return 0;
}

ImageStore *image_store_free(ImageStore *s) {
        if (!s)
                return NULL;
        safe_close(s->root_fd);
        safe_close(s->blobs_fd);
        safe_close(s->layers_fd);
        safe_close(s->images_fd);
        safe_close(s->tmp_fd);
        safe_close(s->lock_fd);
        free(s->root);
        free(s);
        return NULL;
}

int image_staging_new(ImageStore *s, ImageStaging *ret, char **ret_error) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_close_ int dir_fd = -EBADF, staging_lock_fd = -EBADF;
        char name[32];
        uint64_t rnd;
        int r;

        r = store_lock_guarded(s, F_RDLCK, &g, ret_error);
        if (r < 0)
                return r;
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return log_detail_errno(ret_error, negative_errno(), "Failed to get random bytes: %m");
        snprintf(name, sizeof(name), "%016llx", (unsigned long long) rnd);
        if (mkdirat(s->tmp_fd, name, 0700) < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to create %s/tmp/%s: %m", s->root, name);
        dir_fd = openat(s->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd >= 0)
                staging_lock_fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        r = staging_lock_fd < 0 ? negative_errno() : lock_fd(staging_lock_fd, F_WRLCK, false);
        if (r < 0) {
                r = log_detail_errno(ret_error, r, "Failed to set up %s/tmp/%s: %m", s->root, name);
                (void) rm_rf_at(s->tmp_fd, name);
                return r;
        }
        *ret = (ImageStaging) { .store = s,
                .name = strdup(name),
                .dir_fd = TAKE_FD(dir_fd),
                .lock_fd = TAKE_FD(staging_lock_fd) };
        if (!ret->name) {
                image_staging_done(ret);
                return -ENOMEM;
        }
        return 0;
}

void image_staging_done(ImageStaging *st) {
        ImageStore *s = st->store;

        if (s && st->name) {
                int r = rm_rf_at(s->tmp_fd, st->name);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove %s/tmp/%s: %m", s->root, st->name);
        }
        safe_close(st->dir_fd);
        safe_close(st->lock_fd);
        free(st->name);
        *st = (ImageStaging) { .dir_fd = -EBADF, .lock_fd = -EBADF };
}

/* ---- records ------------------------------------------------------------------------------- */

const char *digest_hex(const char *digest) {
        return startswith(digest, "sha256:") ?: digest;
}

static int record_load(ImageStore *s, const char *file, ImageRecord *ret) {
        _cleanup_(image_record_done) ImageRecord rec = {};
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        json_error_t err;
        json_t *j;
        size_t size;
        int r;

        fd = openat(s->images_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = read_full_fd(fd, &data, &size);
        if (r < 0)
                return r;
        j = json_loadb(data, size, 0, &err);
        if (!j)
                return log_warning_errno(-EBADMSG, "%s/images/%s:%d: %s; ignoring the record.", s->root, file, err.line,
                                err.text);
        rec.created = (uint64_t) json_integer_value(json_object_get(j, "created"));
        rec.size = (uint64_t) json_integer_value(json_object_get(j, "size"));
        r = json_object_get_optional_string(j, "id", &rec.id);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(j, "names"), &rec.names);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(j, "digests"), &rec.digests);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(j, "layers"), &rec.layers);
        json_decref(j);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0 || !rec.id || !image_digest_is_valid(rec.id))
                return log_warning_errno(-EBADMSG, "%s/images/%s: malformed record; ignoring it.", s->root, file);
        *ret = TAKE_GENERIC(rec, ImageRecord, (ImageRecord) {});
        return 0;
}

int record_save(ImageStore *s, const ImageRecord *rec, char **ret_error) {
        _cleanup_free_ char *file = strjoin(digest_hex(rec->id), ".json");
        int r;

        if (!file)
                return -ENOMEM;
        r = json_write_record_at(s->images_fd, file,
                        json_pack("{s:s, s:o, s:o, s:o, s:I, s:I}", "id", rec->id, "names",
                                        strv_to_json_array(rec->names), "digests", strv_to_json_array(rec->digests),
                                        "layers", strv_to_json_array(rec->layers), "created", (json_int_t) rec->created,
                                        "size", (json_int_t) rec->size),
                        0600, WRITE_FILE_SYNC);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to write %s/images/%s: %m", s->root, file);
        return 0;
}

int record_delete(ImageStore *s, const ImageRecord *rec, char **ret_error) {
        _cleanup_free_ char *file = strjoin(digest_hex(rec->id), ".json");

        if (!file)
                return -ENOMEM;
        if (unlinkat(s->images_fd, file, 0) < 0 && errno != ENOENT)
                return log_detail_errno(ret_error, negative_errno(), "Failed to remove %s/images/%s: %m", s->root, file);
        return 0;
}

static int compare_records(const void *a, const void *b) {
        const ImageRecord *x = a, *y = b;
        /* Named images by name, then unnamed ones newest first. */
        if (x->names && y->names)
                return strcmp(x->names[0], y->names[0]);
        if (x->names || y->names)
                return x->names ? -1 : 1;
        return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->id, y->id);
}

int records_load(ImageStore *s, RecordSet *ret, char **ret_error) {
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_(closedirp) DIR *d = NULL;
        size_t allocated = 0;
        int fd = openat(s->images_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open %s/images: %m", s->root);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        for (struct dirent *de; (de = readdir(d));) {
                ImageRecord rec = {};
                int r;

                if (!endswith(de->d_name, ".json") || de->d_name[0] == '.')
                        continue;
                r = record_load(s, de->d_name, &rec);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                if (set.n == allocated) {
                        ImageRecord *n = reallocarray(set.items, allocated = MAX(allocated * 2, (size_t) 16),
                                        sizeof(ImageRecord));
                        if (!n) {
                                image_record_done(&rec);
                                return -ENOMEM;
                        }
                        set.items = n;
                }
                set.items[set.n++] = rec;
        }
        if (set.n > 0)
                qsort(set.items, set.n, sizeof(ImageRecord), compare_records);
        *ret = TAKE_GENERIC(set, RecordSet, (RecordSet) {});
        return 0;
}

/* Names beat ids: "beef" is first the image "localhost/beef:latest", then an id prefix. */
int records_find(ImageStore *s, const RecordSet *set, const char *reference, ImageRecord **ret, char **ret_name,
                MatchKind *ret_kind, char **ret_error) {
        ImageRecord *best = NULL, *by_id = NULL;
        const char *best_name = NULL, *hex;
        int best_pref = 0, n_id = 0;

        for (size_t i = 0; i < set->n; i++) {
                STRV_FOREACH(name, set->items[i].names) {
                        int p = image_reference_match(reference, *name);
                        if (p > 0 && (best_pref == 0 || p < best_pref)) {
                                best = &set->items[i];
                                best_name = *name;
                                best_pref = p;
                        }
                }
                /* name@sha256:... names a pulled image by its manifest digest */
                STRV_FOREACH(digest, set->items[i].digests)
                        if (!best && image_reference_match(reference, *digest) > 0) {
                                best = &set->items[i];
                                best_pref = 1;
                        }
        }
        if (best) {
                *ret = best;
                if (ret_name)
                        *ret_name = best_name ? strdup(best_name) : NULL;
                *ret_kind = best_name ? MATCH_NAME : MATCH_ID;
                return 0;
        }

        hex = startswith(reference, "sha256:") ?: reference;
        if (strlen(hex) >= 4 && image_id_prefix_is_valid(hex))
                for (size_t i = 0; i < set->n; i++)
                        if (startswith(digest_hex(set->items[i].id), hex)) {
                                by_id = &set->items[i];
                                n_id++;
                        }
        if (n_id > 1)
                return log_detail_errno(ret_error, -ENOTUNIQ, "Image id prefix '%s' is ambiguous; give more digits.",
                                hex);
        if (n_id == 0)
                return -ENOENT;
        *ret = by_id;
        if (ret_name)
                *ret_name = NULL;
        *ret_kind = MATCH_ID;
        return 0;
}

/* ---- images -------------------------------------------------------------------------------- */

int layer_path(ImageStore *s, const char *diff_id, char **ret) {
        *ret = strjoin(s->root, "/layers/", digest_hex(diff_id), "/diff");
        return *ret ? 0 : -ENOMEM;
}

int image_store_read_blob(ImageStore *s, const char *digest, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        if (!image_digest_is_valid(digest))
                return -EINVAL;
        fd = openat(s->blobs_fd, digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, ret, ret_size);
}

static int image_from_record(ImageStore *s, const ImageRecord *rec, Image **ret, char **ret_error) {
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_(image_config_info_done) ImageConfigInfo info = {};
        _cleanup_free_ char *config = NULL;
        size_t size = 0; /* the analyzer cannot tell that "return -errno" is negative */
        int r;

        r = image_store_read_blob(s, rec->id, &config, &size);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to read the config of image %s from %s/blobs: %m",
                                rec->id, s->root);
        r = image_config_parse(config, size, &info, ret_error);
        if (r < 0)
                return r;

        img = calloc(1, sizeof(Image));
        if (!img)
                return -ENOMEM;
        img->id = strdup(rec->id);
        img->names = strv_copy(rec->names);
        img->digests = strv_copy(rec->digests);
        img->diff_ids = strv_copy(rec->layers);
        if (!img->id || (rec->names && !img->names) || (rec->digests && !img->digests) || (rec->layers && !img->diff_ids))
                return -ENOMEM;
        STRV_FOREACH(l, rec->layers) {
                char *p;
                if (layer_path(s, *l, &p) < 0 || strv_consume(&img->layer_dirs, p) < 0)
                        return -ENOMEM;
        }
        img->created = rec->created;
        img->size = rec->size;
        img->config = info.config;
        info.config = (ImageConfig) {};
        img->os = TAKE_PTR(info.os);
        img->architecture = TAKE_PTR(info.architecture);
        *ret = TAKE_PTR(img);
        return 0;
}

int records_lock_and_find(ImageStore *s, short lock_type, const char *reference, bool log_missing, StoreLockGuard *g,
                RecordSet *set, ImageRecord **ret, char **ret_name, MatchKind *ret_kind, char **ret_error) {
        int r;

        r = store_lock_guarded(s, lock_type, g, ret_error);
        if (r < 0)
                return r;
        r = records_load(s, set, ret_error);
        if (r < 0)
                return r;
        r = records_find(s, set, reference, ret, ret_name, ret_kind, ret_error);
        if (r == -ENOENT && log_missing)
                return log_detail_errno(ret_error, r, "No such image: %s", reference);
        return r;
}

int image_store_lookup(ImageStore *s, const char *reference, Image **ret) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(record_set_done) RecordSet set = {};
        ImageRecord *rec = NULL;
        MatchKind kind;
        int r;

        r = records_lock_and_find(s, F_RDLCK, reference, false, &g, &set, &rec, NULL, &kind, NULL);
        if (r < 0)
                return r;
        return ret ? image_from_record(s, rec, ret, NULL) : 0;
}

int image_store_list(ImageStore *s, Image ***ret, size_t *ret_n) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(record_set_done) RecordSet set = {};
        Image **list;
        size_t n = 0;
        int r;

        r = store_lock_guarded(s, F_RDLCK, &g, NULL);
        if (r < 0)
                return r;
        r = records_load(s, &set, NULL);
        if (r < 0)
                return r;
        list = calloc(set.n + 1, sizeof(Image *));
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < set.n; i++) {
                r = image_from_record(s, &set.items[i], &list[n], NULL);
                if (r == -ENOMEM) {
                        for (size_t k = 0; k < n; k++)
                                image_free(list[k]);
                        free(list);
                        return r;
                }
                if (r >= 0)
                        n++;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

void image_config_done(ImageConfig *c) {
        if (!c)
                return;
        c->env = strv_free(c->env);
        c->entrypoint = strv_free(c->entrypoint);
        c->cmd = strv_free(c->cmd);
        free(c->working_dir);
        c->working_dir = NULL;
        free(c->user);
        c->user = NULL;
        free(c->stop_signal);
        c->stop_signal = NULL;
        c->exposed_ports = strv_free(c->exposed_ports);
        c->volumes = strv_free(c->volumes);
        c->labels = strv_free(c->labels);
}

Image *image_free(Image *image) {
        if (!image)
                return NULL;
        free(image->id);
        strv_free(image->names);
        strv_free(image->layer_dirs);
        strv_free(image->diff_ids);
        strv_free(image->digests);
        free(image->os);
        free(image->architecture);
        image_config_done(&image->config);
        free(image);
        return NULL;
}

struct ImagePin {
        int *fds;
        size_t n;
};

ImagePin *image_pin_free(ImagePin *pin) {
        if (!pin)
                return NULL;
        for (size_t i = 0; i < pin->n; i++)
                safe_close(pin->fds[i]);
        free(pin->fds);
        free(pin);
        return NULL;
}

int image_store_pin(ImageStore *s, const Image *image, ImagePin **ret, char **ret_error) {
        _cleanup_store_lock_ StoreLockGuard g = {};
        _cleanup_(image_pin_freep) ImagePin *pin = NULL;
        size_t n = strv_length(image->diff_ids);
        int r;

        pin = calloc(1, sizeof(ImagePin));
        if (!pin || !(pin->fds = calloc(MAX(n, (size_t) 1), sizeof(int))))
                return -ENOMEM;
        /* Under the store lock: collection runs under the exclusive one, so a layer is either
         * still there and gets pinned, or already gone. */
        r = store_lock_guarded(s, F_RDLCK, &g, ret_error);
        if (r < 0)
                return r;
        STRV_FOREACH(d, image->diff_ids) {
                _cleanup_free_ char *p = strjoin(digest_hex(*d), "/layer.json");
                int fd;

                if (!p)
                        return -ENOMEM;
                fd = openat(s->layers_fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return log_detail_errno(ret_error, negative_errno(), "Layer %s of image %s is gone from %s: %m",
                                        *d, image->id, s->root);
                pin->fds[pin->n++] = fd;
                r = lock_fd(fd, F_RDLCK, false);
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Failed to pin layer %s: %m", *d);
        }
        *ret = TAKE_PTR(pin);
        return 0;
}
