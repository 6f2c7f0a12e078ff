/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth load`: images from a docker-archive tarball (what `docker save` and `podman save` write):
 * manifest.json lists each image's config file, RepoTags and layer tarballs. The outer archive is
 * unpacked into staging with the hardened extractor, every path manifest.json names is opened with
 * RESOLVE_IN_ROOT (the archive's own symlinks resolve inside it). A config or layer file whose name
 * states its digest (blobs/sha256/<hex>, <hex>.json, <hex>.tar) must have it, checked for every image
 * before the first is stored; each layer's diffID must equal the config's. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-config.h"
#include "image-load.h"
#include "image-ref.h"
#include "image-store-internal.h"
#include "log.h"

#define ARCHIVE_CONFIG_MAX   IMAGE_CONFIG_MAX
#define ARCHIVE_MANIFEST_MAX IMAGE_MANIFEST_MAX

int image_archive_open(int archive_fd, const char *path) {
        /* O_NONBLOCK: a FIFO in the archive must not block the open (nor a read); anything but a regular
         * file is refused once opened. The archive's own symlinks stay usable (docker save links shared
         * layers), resolved inside it. */
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        do
                fd = (int) syscall(SYS_openat2, archive_fd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        return TAKE_FD(fd);
}

const char *image_archive_open_error(int r) {
        return r == -EBADMSG ? "not a regular file" : strerror(-r);
}

int image_archive_read(int archive_fd, const char *path, size_t max, char **ret, size_t *ret_size, char **ret_error) {
        _cleanup_close_ int fd = image_archive_open(archive_fd, path);
        struct stat st;

        if (fd < 0)
                return log_detail_errno(ret_error, fd, "Archive: cannot open '%s': %s", path,
                                image_archive_open_error(fd));
        if (fstat(fd, &st) < 0 || (uint64_t) st.st_size > max)
                return log_detail_errno(ret_error, -EBADMSG, "Archive: '%s' is larger than the limit of %zu bytes.",
                                path, max);
        return read_full_fd(fd, ret, ret_size) < 0
                               ? log_detail_errno(ret_error, -EIO, "Archive: cannot read '%s'.", path)
                               : 0;
}

typedef struct LoadState {
        ImageStore *store;
        ImageStaging *staging;
        int archive_fd;
        size_t n_staged;
} LoadState;

static int load_layer(LoadState *st, const char *path, const char *diff_id, StagedLayer *ret, char **ret_error) {
        _cleanup_close_ int fd = -EBADF, diff_fd = -EBADF;
        _cleanup_free_ char *dir = NULL, *diff = NULL, *error = NULL;
        int r;

        if (asprintf(&dir, "layer%zu", st->n_staged++) < 0 || !(diff = strjoin(dir, "/diff")))
                return -ENOMEM;
        fd = image_archive_open(st->archive_fd, path);
        if (fd < 0)
                return log_detail_errno(ret_error, fd, "Archive: cannot open layer '%s': %s", path,
                                image_archive_open_error(fd));
        if (mkdirat(st->staging->dir_fd, dir, 0755) < 0 || mkdirat(st->staging->dir_fd, diff, 0755) < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to create the staging layer: %m");
        diff_fd = openat(st->staging->dir_fd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (diff_fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open the staging layer: %m");
        r = image_layer_extract_stream(fd, diff_fd, ret->diff_id, &ret->size, &error);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Archive: layer '%s' could not be extracted: %s", path,
                                error_reason(error, r));
        if (!streq(ret->diff_id, diff_id))
                return log_detail_errno(ret_error, -EBADMSG,
                                "Archive: layer '%s' does not match the config's diffID: expected %s, "
                                "got %s.",
                                path, diff_id, ret->diff_id);
        ret->dir = TAKE_PTR(dir);
        return 0;
}

/* The digest a file name of an archive states: docker 25 writes blobs/sha256/<hex>, skopeo and older
 * docker <hex>.json configs and skopeo <hex>.tar layers. Other names (docker's <id>/layer.tar,
 * whose id is no content hash) state none. */
static bool digest_of_name(const char *path, char ret[static SHA256_DIGEST_STRING_MAX]) {
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t n = strspn(base, "0123456789abcdef");

        if (n != 64 || !(base[n] == 0 || streq(base + n, ".json") || streq(base + n, ".tar")))
                return false;
        (void) snprintf(ret, SHA256_DIGEST_STRING_MAX, "sha256:%.64s", base);
        return true;
}

/* A file whose name states its digest must have it. */
static int check_named_digest(LoadState *st, const char *path, const char *what, char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        char expected[SHA256_DIGEST_STRING_MAX], got[SHA256_DIGEST_STRING_MAX];
        int r;

        if (!digest_of_name(path, expected))
                return 0;
        fd = image_archive_open(st->archive_fd, path);
        if (fd < 0)
                return log_detail_errno(ret_error, fd, "Archive: cannot open %s '%s': %s", what, path,
                                image_archive_open_error(fd));
        r = sha256_fd(fd, got, NULL);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Archive: failed to read %s '%s': %m", what, path);
        if (!streq(got, expected))
                return log_detail_errno(ret_error, -EBADMSG,
                                "Archive: %s '%s' does not match the digest its name states: "
                                "expected %s, got %s.",
                                what, path, expected, got);
        return 0;
}

/* Before anything is stored: every config and layer file of every image whose name states a digest. */
static int check_image_files(LoadState *st, json_t *entry, size_t index, char **ret_error) {
        const char *config_path = json_string_value(json_object_get(entry, "Config"));
        json_t *layers = json_object_get(entry, "Layers"), *v;
        size_t i;
        int r;

        if (!config_path || !json_is_array(layers))
                return log_detail_errno(ret_error, -EBADMSG, "Archive: manifest.json entry %zu lacks Config or Layers.",
                                index);
        /* Counted before any file is hashed: a layer listed thousands of times is hashed as often. */
        if (json_array_size(layers) > IMAGE_LAYERS_MAX)
                return log_detail_errno(ret_error, -EFBIG,
                                "Archive: image %zu lists %zu layers, more than the limit of %u.", index,
                                json_array_size(layers), IMAGE_LAYERS_MAX);
        r = check_named_digest(st, config_path, "config", ret_error);
        if (r < 0)
                return r;
        json_array_foreach(layers, i, v) {
                if (!json_is_string(v))
                        return log_detail_errno(ret_error, -EBADMSG, "Archive: image %zu, layer %zu: bad path.", index,
                                        i);
                r = check_named_digest(st, json_string_value(v), "layer", ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_image(LoadState *st, json_t *entry, size_t index, char ***loaded, char **ret_error) {
        _cleanup_(image_config_info_done) ImageConfigInfo info = {};
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *config = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        const char *config_path = json_string_value(json_object_get(entry, "Config"));
        json_t *layers = json_object_get(entry, "Layers"), *tags = json_object_get(entry, "RepoTags"), *v;
        StagedLayer *staged = NULL;
        size_t config_size = 0, n, i;
        int r;

        if (!config_path || !json_is_array(layers))
                return log_detail_errno(ret_error, -EBADMSG, "Archive: manifest.json entry %zu lacks Config or Layers.",
                                index);
        r = image_archive_read(st->archive_fd, config_path, ARCHIVE_CONFIG_MAX, &config, &config_size, ret_error);
        if (r < 0)
                return r;
        r = image_config_parse(config, config_size, &info, ret_error);
        if (r < 0)
                return r;
        n = json_array_size(layers);
        if (n != strv_length(info.diff_ids))
                return log_detail_errno(ret_error, -EBADMSG,
                                "Archive: image %zu lists %zu layers, its config %zu diffIDs.", index, n,
                                strv_length(info.diff_ids));

        json_array_foreach(tags, i, v) {
                _cleanup_free_ char *name = NULL;
                const char *why = NULL;

                /* docker writes Docker Hub names short ("busybox:latest"), as docker means them */
                r = json_is_string(v) ? image_reference_normalize(json_string_value(v), IMAGE_DOMAIN_DOCKER, &name, &why)
                                      : -EINVAL;
                if (r == -ENOMEM)
                        return -ENOMEM;
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Archive: invalid RepoTags entry %s: %s.",
                                        json_is_string(v) ? json_string_value(v) : "(not a string)", why ?: "");
                if (strv_consume(&names, TAKE_PTR(name)) < 0)
                        return -ENOMEM;
        }

        staged = calloc(MAX(n, (size_t) 1), sizeof(StagedLayer));
        if (!staged)
                return -ENOMEM;
        for (i = 0; i < n && r >= 0; i++) {
                const char *path = json_string_value(json_array_get(layers, i));

                if (!path || !image_digest_is_valid(info.diff_ids[i]))
                        r = log_detail_errno(ret_error, -EBADMSG, "Archive: image %zu, layer %zu: bad path or diffID.",
                                        index, i);
                else if (image_store_has_layer(st->store, info.diff_ids[i]))
                        strcpy(staged[i].diff_id, info.diff_ids[i]);
                else
                        r = load_layer(st, path, info.diff_ids[i], &staged[i], ret_error);
        }
        if (r >= 0)
                r = image_store_commit(st->store, st->staging,
                                &(ImageCommit) {
                                                .config = config,
                                                .config_size = config_size,
                                                .layers = staged,
                                                .n_layers = n,
                                                .names = names,
                                },
                                &img, ret_error);
        for (i = 0; i < n; i++)
                free(staged[i].dir);
        free(staged);
        if (r < 0)
                return r;

        if (names) {
                if (strv_extend_strv(loaded, names) < 0)
                        return -ENOMEM;
        } else if (strv_extend(loaded, img->id) < 0)
                return -ENOMEM;
        return 0;
}

int image_store_load(ImageStore *s, int fd, char ***ret_loaded, char **ret_error) {
        _cleanup_(image_staging_done) ImageStaging staging = IMAGE_STAGING_NULL;
        _cleanup_close_ int archive_fd = -EBADF;
        _cleanup_strv_free_ char **loaded = NULL;
        _cleanup_free_ char *manifest = NULL, *read_error = NULL;
        char ignored_digest[SHA256_DIGEST_STRING_MAX];
        uint64_t ignored_size;
        LoadState st;
        json_error_t err;
        json_t *list, *entry;
        size_t size = 0, i;
        int r;

        r = image_staging_new(s, &staging, ret_error);
        if (r < 0)
                return r;
        if (mkdirat(staging.dir_fd, "archive", 0700) < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to create the staging directory: %m");
        archive_fd = openat(staging.dir_fd, "archive", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (archive_fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open the staging directory: %m");
        r = image_layer_extract_stream(fd, archive_fd, ignored_digest, &ignored_size, ret_error);
        if (r < 0)
                return r;

        if (faccessat(archive_fd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
                        faccessat(archive_fd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) >= 0) {
                r = image_load_oci_layout(s, &staging, archive_fd, &loaded, ret_error);
                if (r >= 0 && ret_loaded)
                        *ret_loaded = TAKE_PTR(loaded);
                return r;
        }
        r = image_archive_read(archive_fd, "manifest.json", ARCHIVE_MANIFEST_MAX, &manifest, &size, &read_error);
        if (r < 0 && r != -ENOENT) {
                error_pass(ret_error, &read_error);
                return r;
        }
        if (r < 0)
                return log_detail_errno(ret_error, r,
                                "Not a docker archive (docker save, podman save) nor an OCI layout: no "
                                "manifest.json or index.json.");
        list = json_loadb(manifest, size, 0, &err);
        if (!json_is_array(list)) {
                json_decref(list);
                return log_detail_errno(ret_error, -EBADMSG, "Archive: manifest.json:%d: not a JSON array%s%s.",
                                err.line, err.text[0] ? ": " : "", err.text);
        }
        st = (LoadState) { .store = s, .staging = &staging, .archive_fd = archive_fd };
        r = 0;
        /* A tampered file stores nothing: all are checked before the first image is. */
        json_array_foreach(list, i, entry) {
                r = check_image_files(&st, entry, i, ret_error);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                json_array_foreach(list, i, entry) {
                        r = load_image(&st, entry, i, &loaded, ret_error);
                        if (r < 0)
                                break;
                }
        json_decref(list);
        if (r < 0)
                return r;
        if (ret_loaded)
                *ret_loaded = TAKE_PTR(loaded);
        return 0;
}

int image_store_load_oci_dir(ImageStore *s, int dir_fd, char ***ret_loaded, char **ret_error) {
        _cleanup_(image_staging_done) ImageStaging staging = IMAGE_STAGING_NULL;
        _cleanup_strv_free_ char **loaded = NULL;
        int r;

        if (faccessat(dir_fd, "oci-layout", F_OK, 0) < 0)
                return log_detail_errno(ret_error, -EINVAL, "Not an OCI image layout: no oci-layout file.");
        r = image_staging_new(s, &staging, ret_error);
        if (r < 0)
                return r;
        r = image_load_oci_layout(s, &staging, dir_fd, &loaded, ret_error);
        if (r >= 0 && ret_loaded)
                *ret_loaded = TAKE_PTR(loaded);
        return r;
}
