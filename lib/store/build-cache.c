/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The build cache: <storage>/build-cache/<key> holds the image config a step produced. A step that
 * added a layer also committed its config as a nameless image, which keeps the layer in the store;
 * `berth image prune` removes those images, and an entry whose layers are gone is a miss. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-internal.h"
#include "fs-util.h"
#include "log.h"

int build_cache_key(const char *parent, char *const *parts, char ret[static SHA256_DIGEST_STRING_MAX]) {
        _cleanup_free_ char *joined = NULL, *text = NULL;

        joined = strv_join(parts, "\n\x1f");
        text = joined ? strjoin(parent, "\n\x1e", joined) : NULL;
        if (!text)
                return log_oom();
        return sha256_digest(text, strlen(text), ret);
}

static int cache_dir(BuildContext *b) {
        int fd;

        if (mkdirat(b->store->root_fd, "build-cache", 0700) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "Failed to create %s/build-cache: %m", b->store->root);
        fd = openat(b->store->root_fd, "build-cache", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s/build-cache: %m", b->store->root);
        return fd;
}

int build_cache_lookup(BuildContext *b, const char *key, json_t **ret) {
        _cleanup_close_ int dir = cache_dir(b), fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        json_t *image, *v;
        size_t i;

        *ret = NULL;
        if (dir < 0)
                return dir;
        fd = openat(dir, digest_hex(key), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, &text, NULL) < 0)
                return 0;
        image = json_loads(text, 0, NULL);
        if (!json_is_object(image)) {
                json_decref(image);
                return 0;
        }
        json_array_foreach(json_object_get(json_object_get(image, "rootfs"), "diff_ids"), i,
                        v) if (!image_store_has_layer(b->store, json_string_value(v))) {
                json_decref(image);
                return 0;
        }
        *ret = image;
        return 1;
}

int build_cache_store(BuildContext *b, const char *key, json_t *image, const StagedLayer *layer) {
        _cleanup_free_ char *error = NULL;
        _cleanup_close_ int dir = -EBADF;
        _cleanup_free_ char *text = json_dumps(image, JSON_COMPACT | JSON_SORT_KEYS);
        int r;

        if (!text)
                return log_oom();
        if (layer && layer->dir) {
                r = image_store_commit(b->store, &b->staging,
                                &(ImageCommit) {
                                                .config = text,
                                                .config_size = strlen(text),
                                                .layers = layer,
                                                .n_layers = 1,
                                },
                                NULL, &error);
                if (r < 0)
                        return log_error_errno(r, "%s", error_reason(error, r));
        }
        dir = cache_dir(b);
        if (dir < 0)
                return dir;
        r = write_file_atomic_at(dir, digest_hex(key), text, strlen(text), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write the build cache entry %s: %m", key);
        return 0;
}
