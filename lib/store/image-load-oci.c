/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth load` of an OCI image layout (a directory, or an oci-archive tarball of one): index.json's
 * entries lead to manifests (through nested indexes, this machine's platform). Every blob, manifests,
 * configs and compressed layers, is checked against its descriptor's digest and size before anything
 * is stored; each layer's diffID is checked against the config's while it is extracted. Names come
 * from the io.containerd.image.name annotation, else org.opencontainers.image.ref.name when that
 * is a full reference. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-config.h"
#include "image-load.h"
#include "image-ref.h"
#include "image-store-internal.h"
#include "log.h"

#define OCI_JSON_MAX  (8u * 1024 * 1024)
#define OCI_DEPTH_MAX 4

/* A descriptor's "size", when it has one (OCI requires it; some writers leave it out). */
static bool descriptor_size(json_t *desc, uint64_t *ret) {
        json_t *v = json_object_get(desc, "size");

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *ret = (uint64_t) json_integer_value(v);
        return true;
}

static const char *descriptor_digest(json_t *desc) {
        return json_string_value(json_object_get(desc, "digest"));
}

static int check_digest_and_size(const char *path, const char *what, json_t *desc, const char *got, uint64_t size,
                char **ret_error) {
        const char *digest = descriptor_digest(desc);
        uint64_t expected = size;
        bool size_known = descriptor_size(desc, &expected);

        if (!streq(got, digest))
                return log_detail_errno(ret_error, -EBADMSG,
                                "OCI layout: %s (%s) does not match its digest: expected %s, got %s "
                                "(%ju bytes; its descriptor says %s%ju).",
                                path, what, digest, got, (uintmax_t) size,
                                size_known ? "" : "nothing: ", (uintmax_t) expected);
        if (size_known && expected != size)
                return log_detail_errno(ret_error, -EBADMSG,
                                "OCI layout: %s (%s) has %ju bytes, its descriptor says %ju.", path, what,
                                (uintmax_t) size, (uintmax_t) expected);
        return 0;
}

static int blob_path(json_t *desc, const char *what, char **ret, char **ret_error) {
        const char *digest = descriptor_digest(desc);

        if (!digest || !image_digest_is_valid(digest))
                return log_detail_errno(ret_error, -EBADMSG, "OCI layout: %s has an invalid digest '%s'.", what,
                                digest ?: "(none)");
        *ret = strjoin("blobs/sha256/", digest_hex(digest));
        return *ret ? 0 : -ENOMEM;
}

/* A JSON blob (manifest, index, config) named by desc, its bytes checked against the digest and size. */
static int read_blob(int layout_fd, json_t *desc, const char *what, char **ret, size_t *ret_size, char **ret_error) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        char got[SHA256_DIGEST_STRING_MAX];
        size_t size = 0;
        int r;

        r = blob_path(desc, what, &path, ret_error);
        if (r < 0)
                return r;
        r = image_archive_read(layout_fd, path, OCI_JSON_MAX, &data, &size, ret_error);
        if (r < 0)
                return r;
        r = sha256_digest(data, size, got);
        if (r < 0)
                return log_detail_errno(ret_error, r, "OCI layout: failed to hash %s: %m", path);
        r = check_digest_and_size(path, what, desc, got, size, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

/* A layer blob: its compressed bytes against the manifest's digest and size, read once before
 * anything is extracted, so a tampered archive stores nothing (the diffID, the digest of the
 * uncompressed stream, is checked while extracting). */
static int check_layer_blob(int layout_fd, json_t *desc, const char *what, char **ret_error) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        char got[SHA256_DIGEST_STRING_MAX];
        uint64_t size = 0;
        int r;

        r = blob_path(desc, what, &path, ret_error);
        if (r < 0)
                return r;
        fd = image_archive_open(layout_fd, path);
        if (fd < 0)
                return log_detail_errno(ret_error, fd, "OCI layout: cannot open %s (%s): %s", path, what,
                                image_archive_open_error(fd));
        r = sha256_fd(fd, got, &size);
        if (r < 0)
                return log_detail_errno(ret_error, r, "OCI layout: failed to read %s: %m", path);
        return check_digest_and_size(path, what, desc, got, size, ret_error);
}

static int load_layer(int layout_fd, ImageStaging *staging, size_t *n_staged, const char *digest, const char *diff_id,
                StagedLayer *ret, char **ret_error) {
        _cleanup_close_ int fd = -EBADF, diff_fd = -EBADF;
        _cleanup_free_ char *dir = NULL, *diff = NULL, *path = NULL, *error = NULL;
        int r;

        if (!digest || !image_digest_is_valid(digest))
                return log_detail_errno(ret_error, -EBADMSG, "OCI layout: a layer has no valid digest.");
        path = strjoin("blobs/sha256/", digest_hex(digest));
        if (!path || asprintf(&dir, "oci-layer%zu", (*n_staged)++) < 0 || !(diff = strjoin(dir, "/diff")))
                return -ENOMEM;
        fd = image_archive_open(layout_fd, path);
        if (fd < 0)
                return log_detail_errno(ret_error, fd, "OCI layout: cannot open layer %s: %s", path,
                                image_archive_open_error(fd));
        if (mkdirat(staging->dir_fd, dir, 0755) < 0 || mkdirat(staging->dir_fd, diff, 0755) < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to create the staging layer: %m");
        diff_fd = openat(staging->dir_fd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (diff_fd < 0)
                return log_detail_errno(ret_error, negative_errno(), "Failed to open the staging layer: %m");
        r = image_layer_extract_stream(fd, diff_fd, ret->diff_id, &ret->size, &error);
        if (r < 0)
                return log_detail_errno(ret_error, r, "OCI layout: layer %s could not be extracted: %s", path,
                                error_reason(error, r));
        if (!streq(ret->diff_id, diff_id))
                return log_detail_errno(ret_error, -EBADMSG,
                                "OCI layout: layer %s does not match the config's diffID: expected %s, "
                                "got %s.",
                                path, diff_id, ret->diff_id);
        ret->dir = TAKE_PTR(dir);
        return 0;
}

static char *entry_name(json_t *entry) {
        json_t *a = json_object_get(entry, "annotations");
        const char *n = json_string_value(json_object_get(a, "io.containerd.image.name"));
        char *name = NULL;

        if (!n) {
                n = json_string_value(json_object_get(a, "org.opencontainers.image.ref.name"));
                /* a bare tag ("latest") names no repository */
                if (!n || (!strchr(n, '/') && !strchr(n, ':')))
                        return NULL;
        }
        if (image_reference_normalize(n, IMAGE_DOMAIN_DOCKER, &name, NULL) < 0)
                log_warning("OCI layout: ignoring the invalid name '%s'.", n);
        return name;
}

/* The entry of an index for this machine's platform, or NULL. */
static json_t *index_select_platform(json_t *list) {
        json_t *e;
        size_t i;

        json_array_foreach(list, i, e) {
                json_t *p = json_object_get(e, "platform");
                if (streq_ptr(json_string_value(json_object_get(p, "os")), "linux") &&
                                streq_ptr(json_string_value(json_object_get(p, "architecture")),
                                                image_host_architecture()))
                        return e;
        }
        return NULL;
}

/* With verify_only, checks every blob the entry leads to (manifests, config, layers) and stores
 * nothing; else loads the image, whose blobs were checked by a verify_only pass before. */
static int load_manifest(ImageStore *s, ImageStaging *staging, int layout_fd, size_t *n_staged, json_t *desc,
                const char *name, unsigned depth, bool verify_only, char ***loaded, char **ret_error) {
        _cleanup_(image_config_info_done) ImageConfigInfo info = {};
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *body = NULL, *config = NULL;
        const char *digest = descriptor_digest(desc);
        size_t size = 0, config_size = 0, n = 0;
        StagedLayer *staged = NULL;
        char *names[2] = { (char *) name, NULL };
        json_t *m, *layers, *list;
        int r;

        r = read_blob(layout_fd, desc, "a manifest", &body, &size, ret_error);
        if (r < 0)
                return r;
        m = json_loadb(body, size, 0, NULL);
        if (!json_is_object(m)) {
                json_decref(m);
                return log_detail_errno(ret_error, -EBADMSG, "OCI layout: %s is not a JSON object.", digest);
        }
        /* an index inside: this machine's platform */
        list = json_object_get(m, "manifests");
        if (json_is_array(list)) {
                json_t *e = depth < OCI_DEPTH_MAX ? index_select_platform(list) : NULL;

                if (e)
                        r = load_manifest(s, staging, layout_fd, n_staged, e, name, depth + 1, verify_only, loaded,
                                        ret_error);
                else
                        r = log_detail_errno(ret_error, -ENOENT, "OCI layout: index %s has no linux/%s image.", digest,
                                        image_host_architecture());
                json_decref(m);
                return r;
        }
        r = read_blob(layout_fd, json_object_get(m, "config"), "a config", &config, &config_size, ret_error);
        if (r >= 0)
                r = image_config_parse(config, config_size, &info, ret_error);
        layers = json_object_get(m, "layers");
        n = json_array_size(layers);
        if (r >= 0 && n != strv_length(info.diff_ids))
                r = log_detail_errno(ret_error, -EBADMSG,
                                "OCI layout: manifest %s lists %zu layers, its config %zu diffIDs.", digest, n,
                                strv_length(info.diff_ids));
        if (verify_only) {
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        char what[64];
                        (void) snprintf(what, sizeof what, "layer %zu of %zu", i + 1, n);
                        r = check_layer_blob(layout_fd, json_array_get(layers, i), what, ret_error);
                }
                json_decref(m);
                return r;
        }
        if (r >= 0 && !(staged = calloc(MAX(n, (size_t) 1), sizeof(StagedLayer))))
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (!image_digest_is_valid(info.diff_ids[i]))
                        r = log_detail_errno(ret_error, -EBADMSG, "OCI layout: invalid diffID %s.", info.diff_ids[i]);
                else if (image_store_has_layer(s, info.diff_ids[i]))
                        strcpy(staged[i].diff_id, info.diff_ids[i]);
                else
                        r = load_layer(layout_fd, staging, n_staged, descriptor_digest(json_array_get(layers, i)),
                                        info.diff_ids[i], &staged[i], ret_error);
        }
        if (r >= 0)
                r = image_store_commit(s, staging,
                                &(ImageCommit) {
                                                .config = config,
                                                .config_size = config_size,
                                                .layers = staged,
                                                .n_layers = n,
                                                .names = name ? names : NULL,
                                },
                                &img, ret_error);
        for (size_t i = 0; staged && i < n; i++)
                free(staged[i].dir);
        free(staged);
        json_decref(m);
        if (r < 0)
                return r;
        return strv_extend(loaded, name ?: img->id) < 0 ? -ENOMEM : 0;
}

int image_load_oci_layout(ImageStore *s, ImageStaging *staging, int layout_fd, char ***loaded, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0, i, n_staged = 0;
        json_t *index, *list, *e;
        int r;

        r = image_archive_read(layout_fd, "index.json", OCI_JSON_MAX, &text, &size, ret_error);
        if (r < 0)
                return r;
        index = json_loadb(text, size, 0, NULL);
        list = json_object_get(index, "manifests");
        if (!json_is_array(list)) {
                json_decref(index);
                return log_detail_errno(ret_error, -EBADMSG, "OCI layout: index.json has no manifests list.");
        }
        /* Every blob of every image first: a tampered layout loads nothing at all. */
        r = 0;
        for (int pass = 0; pass < 2 && r >= 0; pass++)
                json_array_foreach(list, i, e) {
                        _cleanup_free_ char *name = pass == 0 ? NULL : entry_name(e);
                        r = load_manifest(s, staging, layout_fd, &n_staged, e, name, 0, pass == 0, loaded, ret_error);
                        if (r < 0)
                                break;
                }
        json_decref(index);
        return r;
}
