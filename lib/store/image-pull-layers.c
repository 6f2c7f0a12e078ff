/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-pull-internal.h"
#include "log.h"
#include "lock-util.h"

#define PARTIAL_DIR "partial"
#define FILE_CHUNK  (256u * 1024)

/* What the workers share. */
typedef struct LayerPool {
        ImageStore *store;
        RegistryClient *client;
        ImageStaging *staging;
        LayerJob *jobs;
        size_t n_jobs;
        PullProgress *progress;
        pthread_mutex_t lock;
        size_t next;      /* the next job to take */
        int error;        /* the first failure */
        char *error_text; /* and its reason */
        atomic_bool abort;
} LayerPool;

/* The compressed blob as libarchive pulls it: first what an earlier run left in the partial file,
 * then the rest from the registry (also appended to the partial file); hashed and counted. */
typedef struct BlobStream {
        LayerPool *pool;
        RegistryClient *client;
        const LayerJob *job;
        RegistryTransfer *transfer;
        Sha256 *hash;
        uint64_t bytes, expected;
        int partial_fd;        /* -EBADF: another pull holds this blob's partial file; not kept */
        uint64_t partial_size; /* bytes in it when we started */
        char *file_buffer;
        int error;
        char *reason; /* why the download failed, from the registry client */
} BlobStream;

static void blob_stream_done(BlobStream *b) {
        registry_transfer_free(b->transfer);
        sha256_free(b->hash);
        safe_close(b->partial_fd);
        free(b->file_buffer);
        free(b->reason);
}

static la_ssize_t blob_fail(struct archive *a, BlobStream *b, int error, const char *what) {
        b->error = error;
        archive_set_error(a, EIO, "%s", what);
        return -1;
}

static la_ssize_t blob_read(struct archive *a, void *userdata, const void **ret) {
        BlobStream *b = userdata;
        ssize_t n;

        if (atomic_load(&b->pool->abort))
                return blob_fail(a, b, -ECANCELED, "cancelled: another layer failed");

        if (b->bytes < b->partial_size) {
                n = pread(b->partial_fd, b->file_buffer, MIN((uint64_t) FILE_CHUNK, b->partial_size - b->bytes),
                                (off_t) b->bytes);
                if (n <= 0)
                        return blob_fail(a, b, n < 0 ? negative_errno() : -EIO, "reading the partial blob failed");
                *ret = b->file_buffer;
        } else {
                if (b->bytes >= b->expected && !b->transfer)
                        return 0;
                if (!b->transfer) {
                        int r = registry_get_from(b->client, "blobs", b->job->blob.digest, NULL, b->bytes, &b->transfer,
                                        &b->reason);
                        if (r < 0)
                                return blob_fail(a, b, r, "download failed");
                        if (registry_transfer_length(b->transfer) >= 0 &&
                                        (uint64_t) registry_transfer_length(b->transfer) != b->expected - b->bytes &&
                                        (uint64_t) registry_transfer_length(b->transfer) != b->expected) {
                                (void) log_detail_errno(&b->reason, -EBADMSG,
                                                "Layer %s: the registry sends %jd bytes, the manifest says %ju.",
                                                b->job->blob.digest, (intmax_t) registry_transfer_length(b->transfer),
                                                (uintmax_t) b->expected);
                                return blob_fail(a, b, -EBADMSG, "size mismatch");
                        }
                }
                n = registry_transfer_read(b->transfer, ret, &b->reason);
                if (n < 0)
                        return blob_fail(a, b, (int) n, "download failed");
                if (n > 0 && b->partial_fd >= 0 && pwrite(b->partial_fd, *ret, (size_t) n, (off_t) b->bytes) != n) {
                        /* Only resuming later suffers; this pull goes on. */
                        log_warning_errno(negative_errno(), "Layer %s: cannot keep the partial blob: %m",
                                        b->job->blob.digest);
                        b->partial_fd = safe_close(b->partial_fd);
                }
                if (n > 0)
                        pull_progress_bytes(b->pool->progress, b->job->index, (uint64_t) n);
        }
        b->bytes += (uint64_t) n;
        if (b->bytes > b->expected)
                return blob_fail(a, b, -EBADMSG, "blob larger than its descriptor says");
        if (n > 0 && sha256_update(b->hash, *ret, (size_t) n) < 0)
                return blob_fail(a, b, -EIO, "hashing failed");
        return n;
}

/* <store>/partial/<hex>, locked for us alone: a second pull of the same blob downloads without it. */
static int partial_open(ImageStore *s, const char *digest, uint64_t expected, int *ret_fd, uint64_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        *ret_fd = -EBADF;
        *ret_size = 0;
        if (mkdirat(s->root_fd, PARTIAL_DIR, 0700) < 0 && errno != EEXIST)
                return log_warning_errno(negative_errno(), "Cannot create %s/" PARTIAL_DIR ": %m", s->root);
        path = path_join(PARTIAL_DIR, digest_hex(digest));
        if (!path)
                return -ENOMEM;
        fd = openat(s->root_fd, path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_warning_errno(negative_errno(), "Cannot open %s/%s: %m", s->root, path);
        if (lock_fd(fd, F_WRLCK, false) < 0)
                return 0; /* another pull is fetching this blob right now */
        if (fstat(fd, &st) < 0)
                return log_warning_errno(negative_errno(), "Cannot stat %s/%s: %m", s->root, path);
        if ((uint64_t) st.st_size > expected && ftruncate(fd, 0) < 0)
                return log_warning_errno(negative_errno(), "Cannot truncate %s/%s: %m", s->root, path);
        *ret_size = (uint64_t) st.st_size > expected ? 0 : (uint64_t) st.st_size;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void partial_remove(ImageStore *s, const char *digest) {
        _cleanup_free_ char *path = path_join(PARTIAL_DIR, digest_hex(digest));

        if (path && unlinkat(s->root_fd, path, 0) < 0 && errno != ENOENT)
                log_warning_errno(negative_errno(), "Cannot remove %s/%s: %m", s->root, path);
}

static int pull_layer(LayerPool *pool, RegistryClient *rc, const LayerJob *job, char **ret_error) {
        _cleanup_(archive_freep) struct archive *raw = NULL;
        _cleanup_close_ int diff_fd = -EBADF;
        _cleanup_free_ char *dir = NULL, *diff = NULL;
        const char *digest_want = job->blob.digest;
        char digest[SHA256_DIGEST_STRING_MAX];
        StagedLayer *out = job->out;
        _cleanup_free_ char *extract_error = NULL;
        BlobStream b = { .pool = pool, .client = rc, .job = job, .expected = (uint64_t) job->blob.size, .partial_fd = -EBADF };
        int r;

        if (asprintf(&dir, "layer%zu", job->index) < 0 || !(diff = strjoin(dir, "/diff")))
                return -ENOMEM;
        if (mkdirat(pool->staging->dir_fd, dir, 0755) < 0 || mkdirat(pool->staging->dir_fd, diff, 0755) < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to create the staging layer: %m");
        diff_fd = openat(pool->staging->dir_fd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (diff_fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open the staging layer: %m");

        (void) partial_open(pool->store, digest_want, b.expected, &b.partial_fd, &b.partial_size);
        b.hash = sha256_new();
        b.file_buffer = malloc(FILE_CHUNK);
        raw = image_layer_reader_new();
        if (!b.hash || !b.file_buffer || !raw) {
                blob_stream_done(&b);
                return -ENOMEM;
        }
        pull_progress_set(pool->progress, job->index, LAYER_DOWNLOADING, b.partial_size);

        if (archive_read_open(raw, &b, NULL, blob_read, NULL) != ARCHIVE_OK)
                r = log_detail_errno(&extract_error, b.error ?: -EBADMSG, "%s", archive_error_string(raw));
        else
                r = image_layer_extract_opened(raw, diff_fd, out->diff_id, &out->size, &extract_error);
        /* When the download broke off, its reason explains the extraction's failure. */
        if (r < 0 && b.error != -ECANCELED)
                r = log_detail_errno(ret_error, b.error ?: r, "Layer %s could not be extracted: %s", digest_want,
                                b.reason ?: extract_error ?: "unknown error");
        /* The decompressor may stop before the end of the blob; the digest covers all of it. */
        while (r >= 0) {
                const void *p;
                la_ssize_t n = blob_read(raw, &b, &p);
                if (n < 0)
                        r = b.error == -ECANCELED ? b.error
                                                  : log_detail_errno(ret_error, b.error, "Layer %s: %s", digest_want,
                                                                    b.reason ?: archive_error_string(raw));
                if (n <= 0)
                        break;
        }
        if (r >= 0 && b.bytes != b.expected)
                r = log_detail_errno(ret_error, -EBADMSG, "Layer %s: expected %ju bytes, got %ju.", digest_want,
                                (uintmax_t) b.expected, (uintmax_t) b.bytes);
        if (r >= 0) {
                r = sha256_finish(b.hash, digest);
                if (r < 0)
                        r = log_detail_errno(ret_error, r, "Failed to hash layer %s: %m", digest_want);
                else if (!streq(digest, digest_want))
                        r = log_detail_errno(ret_error, -EBADMSG, "Layer digest did not match: expected %s, got %s.",
                                        digest_want, digest);
                else if (!streq(out->diff_id, job->diff_id))
                        r = log_detail_errno(ret_error, -EBADMSG,
                                        "Layer %zu (blob %s) does not match the config's diffID: "
                                        "expected %s, got %s.",
                                        job->index, digest_want, job->diff_id, out->diff_id);
        }
        /* Bad bytes are not worth resuming; a broken connection or a kill is. */
        if (b.partial_fd >= 0 && (r >= 0 || r == -EBADMSG || b.error == -EBADMSG))
                partial_remove(pool->store, digest_want);
        pull_progress_set(pool->progress, job->index, r >= 0 ? LAYER_DONE : LAYER_FAILED, b.bytes);
        blob_stream_done(&b);
        if (r < 0)
                return r;
        out->dir = TAKE_PTR(dir);
        return 0;
}

static void *layer_worker(void *userdata) {
        LayerPool *pool = userdata;
        _cleanup_(registry_client_freep) RegistryClient *rc = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = registry_client_clone(pool->client, &rc);
        for (;;) {
                size_t i;

                pthread_mutex_lock(&pool->lock);
                if (r < 0 && pool->error == 0) {
                        pool->error = r;
                        pool->error_text = TAKE_PTR(error);
                }
                if (r < 0)
                        atomic_store(&pool->abort, true);
                i = pool->next;
                if (r >= 0 && !atomic_load(&pool->abort) && i < pool->n_jobs)
                        pool->next++;
                else
                        i = pool->n_jobs;
                pthread_mutex_unlock(&pool->lock);
                if (i >= pool->n_jobs)
                        break;
                r = pull_layer(pool, rc, &pool->jobs[i], &error);
        }
        return NULL;
}

int pull_layers(ImageStore *s, RegistryClient *rc, ImageStaging *staging, LayerJob *jobs, size_t n_jobs,
                PullProgress *progress, char **ret_error) {
        LayerPool pool = {
                .store = s,
                .client = rc,
                .staging = staging,
                .jobs = jobs,
                .n_jobs = n_jobs,
                .progress = progress,
        };
        pthread_t threads[PULL_PARALLEL];
        size_t n_threads = 0;
        int r;

        if (n_jobs == 0)
                return 0;
        pthread_mutex_init(&pool.lock, NULL);
        for (size_t i = 0; i < MIN(n_jobs, (size_t) PULL_PARALLEL); i++) {
                r = -pthread_create(&threads[n_threads], NULL, layer_worker, &pool);
                if (r < 0) {
                        log_warning_errno(r, "Cannot start a download thread: %m");
                        break;
                }
                n_threads++;
        }
        if (n_threads == 0)
                layer_worker(&pool); /* no thread at all: do it all here */
        for (size_t i = 0; i < n_threads; i++)
                pthread_join(threads[i], NULL);
        pthread_mutex_destroy(&pool.lock);
        if (pool.error < 0 && ret_error && !*ret_error)
                *ret_error = TAKE_PTR(pool.error_text);
        free(pool.error_text);
        return pool.error;
}
