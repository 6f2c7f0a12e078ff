/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-save.h"
#include "image-store-internal.h"
#include "log.h"

#define COPY_BUFFER_SIZE (128 * 1024)
#define MT_OCI_INDEX     "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST  "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG    "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER     "application/vnd.oci.image.layer.v1.tar"
#define OCI_LAYOUT       "{\"imageLayoutVersion\":\"1.0.0\"}"

/* Writes a tar stream to a file while hashing it: the diffID comes out of the same pass. */
typedef struct HashedFile {
        int fd;
        Sha256 *hash;
        uint64_t size;
} HashedFile;

static la_ssize_t hashed_write(struct archive *a, void *userdata, const void *buf, size_t n) {
        HashedFile *h = userdata;
        int r;

        if (sha256_update(h->hash, buf, n) < 0) {
                archive_set_error(a, EIO, "hashing failed");
                return -1;
        }
        r = write_all(h->fd, buf, n);
        if (r < 0) {
                archive_set_error(a, -r, "write failed");
                return -1;
        }
        h->size += n;
        return (la_ssize_t) n;
}

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        char *path;
} HardLink;

typedef struct LayerWriter {
        struct archive *archive;
        HardLink *links;
        size_t n_links;
        char *buffer;
} LayerWriter;

static void layer_writer_done(LayerWriter *w) {
        for (size_t i = 0; i < w->n_links; i++)
                free(w->links[i].path);
        free(w->links);
        free(w->buffer);
}

static int write_entry(LayerWriter *w, struct archive_entry *e, const char *path, char **ret_error) {
        if (archive_write_header(w->archive, e) != ARCHIVE_OK)
                return log_detail_errno(ret_error, -EIO, "Failed to write the tar header of %s: %s", path,
                                archive_error_string(w->archive));
        return 0;
}

static void add_xattrs(struct archive_entry *e, int fd) {
        char names[4096];
        ssize_t n = flistxattr(fd, names, sizeof(names));

        for (ssize_t i = 0; i < n; i += (ssize_t) strlen(names + i) + 1) {
                const char *name = names + i;
                char value[4096];
                ssize_t l;

                /* what extraction keeps; overlay's own attributes are expressed as .wh. entries */
                if (!startswith(name, "user.") && !streq(name, "security.capability"))
                        continue;
                if (startswith(name, "user.overlay."))
                        continue;
                l = fgetxattr(fd, name, value, sizeof(value));
                if (l >= 0)
                        archive_entry_xattr_add_entry(e, name, value, (size_t) l);
        }
}

static int write_file_data(LayerWriter *w, int fd, const char *path, char **ret_error) {
        for (;;) {
                ssize_t n = read(fd, w->buffer, COPY_BUFFER_SIZE);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_detail_errno(ret_error, negative_errno(), "Failed to read %s: %m", path);
                }
                if (n == 0)
                        return 0;
                if (archive_write_data(w->archive, w->buffer, (size_t) n) != n)
                        return log_detail_errno(ret_error, -EIO, "Failed to write %s: %s", path,
                                        archive_error_string(w->archive));
        }
}

static int walk(LayerWriter *w, int dir_fd, const char *prefix, char **ret_error);

static int write_node(LayerWriter *w, int dir_fd, const char *name, const char *path, char **ret_error) {
        struct archive_entry *e = archive_entry_new();
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r = 0;

        if (!e)
                return -ENOMEM;
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                archive_entry_free(e);
                return log_detail_errno(ret_error, negative_errno(), "Failed to stat %s: %m", path);
        }
        archive_entry_copy_stat(e, &st);
        archive_entry_set_pathname(e, path);

        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                /* an overlay whiteout goes back to the OCI ".wh." form */
                _cleanup_free_ char *wh = NULL;
                const char *slash = strrchr(path, '/');
                if (asprintf(&wh, "%.*s.wh.%s", slash ? (int) (slash - path + 1) : 0, path, name) < 0)
                        r = -ENOMEM;
                else {
                        archive_entry_set_pathname(e, wh);
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_perm(e, 0);
                        archive_entry_set_size(e, 0);
                        r = write_entry(w, e, path, ret_error);
                }
        } else if (S_ISREG(st.st_mode)) {
                bool linked = false;
                if (st.st_nlink > 1) {
                        for (size_t i = 0; i < w->n_links && !linked; i++)
                                if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino) {
                                        archive_entry_set_hardlink(e, w->links[i].path);
                                        archive_entry_set_size(e, 0);
                                        linked = true;
                                }
                        if (!linked) {
                                HardLink *l = reallocarray(w->links, w->n_links + 1, sizeof(HardLink));
                                if (!l) {
                                        archive_entry_free(e);
                                        return -ENOMEM;
                                }
                                w->links = l;
                                w->links[w->n_links] = (HardLink) { st.st_dev, st.st_ino, strdup(path) };
                                if (!w->links[w->n_links++].path) {
                                        archive_entry_free(e);
                                        return -ENOMEM;
                                }
                        }
                }
                if (!linked) {
                        fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0)
                                r = log_detail_errno(ret_error, negative_errno(), "Failed to open %s: %m", path);
                        else
                                add_xattrs(e, fd);
                }
                if (r >= 0)
                        r = write_entry(w, e, path, ret_error);
                if (r >= 0 && !linked)
                        r = write_file_data(w, fd, path, ret_error);
        } else if (S_ISDIR(st.st_mode)) {
                char opaque = 0;
                fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        r = log_detail_errno(ret_error, negative_errno(), "Failed to open %s: %m", path);
                else {
                        add_xattrs(e, fd);
                        r = write_entry(w, e, path, ret_error);
                }
                if (r >= 0 && fgetxattr(fd, "trusted.overlay.opaque", &opaque, 1) == 1 && opaque == 'y') {
                        struct archive_entry *o = archive_entry_new();
                        _cleanup_free_ char *marker = strjoin(path, "/.wh..wh..opq");
                        if (!o || !marker)
                                r = -ENOMEM;
                        else {
                                archive_entry_set_pathname(o, marker);
                                archive_entry_set_filetype(o, AE_IFREG);
                                archive_entry_set_perm(o, 0);
                                archive_entry_set_size(o, 0);
                                r = write_entry(w, o, marker, ret_error);
                        }
                        archive_entry_free(o);
                }
                if (r >= 0)
                        r = walk(w, fd, path, ret_error);
        } else if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);
                if (n < 0)
                        r = log_detail_errno(ret_error, negative_errno(), "Failed to read the symlink %s: %m", path);
                else {
                        target[n] = 0;
                        archive_entry_set_symlink(e, target);
                        r = write_entry(w, e, path, ret_error);
                }
        } else if (S_ISFIFO(st.st_mode))
                r = write_entry(w, e, path, ret_error);
        else
                log_debug("Skipping %s: not a file type images carry.", path);

        archive_entry_free(e);
        return r;
}

/* Entries in name order, so the same tree gives the same tar. */
static int walk(LayerWriter *w, int dir_fd, const char *prefix, char **ret_error) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return log_detail_errno(ret_error, -EIO, "Failed to read directory %s.", isempty(prefix) ? "/" : prefix);
        }
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && strv_extend(&names, de->d_name) < 0)
                        return -ENOMEM;
        strv_sort(names);
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *path = isempty(prefix) ? strdup(*n) : strjoin(prefix, "/", *n);
                int r;

                if (!path)
                        return -ENOMEM;
                r = write_node(w, dirfd(d), *n, path, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Writes layer_dir as a tar into a new file in staging; returns its diffID. */
static int write_layer(int staging_fd, const char *file, const char *layer_dir,
                char diff_id[static SHA256_DIGEST_STRING_MAX], char **ret_error) {
        _cleanup_(sha256_freep) Sha256 *hash = sha256_new();
        _cleanup_close_ int out = -EBADF, dir = -EBADF;
        LayerWriter w = { .buffer = malloc(COPY_BUFFER_SIZE) };
        HashedFile h;
        int r;

        if (!hash || !w.buffer) {
                layer_writer_done(&w);
                return -ENOMEM;
        }
        out = openat(staging_fd, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        dir = open(layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (out < 0 || dir < 0) {
                layer_writer_done(&w);
                return log_detail_errno(ret_error, negative_errno(), "Failed to prepare layer %s: %m", layer_dir);
        }
        h = (HashedFile) { .fd = out, .hash = hash };
        w.archive = archive_write_new();
        if (!w.archive) {
                layer_writer_done(&w);
                return -ENOMEM;
        }
        archive_write_set_format_pax_restricted(w.archive);
        archive_write_set_bytes_in_last_block(w.archive, 1);
        if (archive_write_open(w.archive, &h, NULL, hashed_write, NULL) != ARCHIVE_OK)
                r = log_detail_errno(ret_error, -EIO, "Failed to start a layer tar: %s", archive_error_string(w.archive));
        else
                r = walk(&w, dir, "", ret_error);
        if (r >= 0 && archive_write_close(w.archive) != ARCHIVE_OK)
                r = log_detail_errno(ret_error, -EIO, "Failed to finish the layer tar: %s",
                                archive_error_string(w.archive));
        archive_write_free(w.archive);
        layer_writer_done(&w);
        if (r < 0)
                return r;
        return sha256_finish(hash, diff_id);
}

/* Adds a file from staging (or a buffer) to the outer archive. */
static int add_to_archive(struct archive *a, const char *name, int staging_fd, const char *file, const char *data,
                size_t size, char **ret_error) {
        struct archive_entry *e = archive_entry_new();
        _cleanup_close_ int fd = -EBADF;
        struct stat st = {};
        int r = 0;

        if (!e)
                return -ENOMEM;
        if (file) {
                fd = openat(staging_fd, file, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        archive_entry_free(e);
                        return log_detail_errno(ret_error, negative_errno(), "Failed to open the staged %s: %m", file);
                }
                size = (size_t) st.st_size;
        }
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0444);
        archive_entry_set_size(e, (la_int64_t) size);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                r = log_detail_errno(ret_error, -EIO, "Failed to write %s: %s", name, archive_error_string(a));
        archive_entry_free(e);
        if (r < 0)
                return r;
        if (!file)
                return archive_write_data(a, data, size) == (la_ssize_t) size
                                       ? 0
                                       : log_detail_errno(ret_error, -EIO, "Failed to write %s: %s", name,
                                                         archive_error_string(a));
        for (;;) {
                char buf[65536];
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return log_detail_errno(ret_error, negative_errno(), "Failed to read the staged %s: %m", file);
                if (n == 0)
                        return 0;
                if (archive_write_data(a, buf, (size_t) n) != n)
                        return log_detail_errno(ret_error, -EIO, "Failed to write %s: %s", name, archive_error_string(a));
        }
}

/* The image's OCI manifest as a blob, and an index.json entry per name (ref.name is the tag, as
 * podman and skopeo read it; the full name goes in io.containerd.image.name, as docker writes it). */
static int add_oci_manifest(struct archive *out, json_t *index, const Image *img, const char *config_digest,
                size_t config_size, json_t *layers, char **ret_error) {
        _cleanup_free_ char *text = NULL, *name = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        json_t *m;
        int r;

        m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST, "config",
                        "mediaType", MT_OCI_CONFIG, "digest", config_digest, "size", (json_int_t) config_size, "layers",
                        layers);
        text = m ? json_dumps(m, JSON_COMPACT) : NULL;
        json_decref(m);
        if (!text || sha256_digest(text, strlen(text), digest) < 0 ||
                        !(name = strjoin("blobs/sha256/", digest + strlen("sha256:"))))
                return -ENOMEM;
        r = add_to_archive(out, name, -EBADF, NULL, text, strlen(text), ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i == 0 || (img->names && img->names[i]); i++) {
                const char *full = img->names ? img->names[i] : NULL;
                const char *tag = full ? strrchr(full, ':') : NULL;
                json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_MANIFEST, "digest", digest, "size",
                                (json_int_t) strlen(text));

                if (!d)
                        return -ENOMEM;
                if (full && tag && !strchr(tag, '/'))
                        json_object_set_new(d, "annotations",
                                        json_pack("{s:s, s:s}", "io.containerd.image.name", full,
                                                        "org.opencontainers.image.ref.name", tag + 1));
                json_array_append_new(index, d);
                if (!img->names)
                        break;
        }
        return 0;
}

static int add_directory(struct archive *a, const char *name, char **ret_error) {
        struct archive_entry *e = archive_entry_new();
        int r = 0;

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                r = log_detail_errno(ret_error, -EIO, "Failed to write %s: %s", name, archive_error_string(a));
        archive_entry_free(e);
        return r;
}

static int save_image(ImageStore *s, ImageStaging *st, struct archive *out, const char *reference, json_t *manifest,
                json_t *index, char ***written, char **ret_error) {
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *config = NULL, *new_config = NULL, *config_name = NULL;
        char config_digest[SHA256_DIGEST_STRING_MAX];
        json_t *cj = NULL, *diff_ids, *layers, *tags, *rootfs, *oci_layers = json_array();
        struct stat lst;
        size_t size;
        int r;

        r = image_store_lookup(s, reference, &img);
        if (r == -ENOENT)
                return log_detail_errno(ret_error, r, "No such image: %s", reference);
        if (r < 0)
                return r;
        r = image_store_read_blob(s, img->id, &config, &size);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to read the config of %s: %m", img->id);
        cj = json_loadb(config, size, 0, NULL);
        diff_ids = json_array();
        layers = json_array();
        if (!json_is_object(cj) || !diff_ids || !layers || !oci_layers) {
                r = log_detail_errno(ret_error, -EBADMSG, "The config of %s is unreadable.", img->id);
                goto finish;
        }
        for (size_t i = 0; img->layer_dirs && img->layer_dirs[i]; i++) {
                char diff_id[SHA256_DIGEST_STRING_MAX];
                _cleanup_free_ char *file = NULL, *name = NULL;

                if (asprintf(&file, "layer-%zu-%zu.tar", json_array_size(manifest), i) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                r = write_layer(st->dir_fd, file, img->layer_dirs[i], diff_id, ret_error);
                if (r < 0)
                        goto finish;
                /* the uncompressed tar is the OCI blob too: its digest is the diffID */
                name = strjoin("blobs/sha256/", diff_id + strlen("sha256:"));
                if (!name) {
                        r = -ENOMEM;
                        goto finish;
                }
                /* a layer shared by two saved images is written once */
                if (fstatat(st->dir_fd, file, &lst, 0) < 0) {
                        r = log_detail_errno(ret_error, negative_errno(), "Failed to stat the staged %s: %m", file);
                        goto finish;
                }
                if (!strv_contains(*written, name)) {
                        r = add_to_archive(out, name, st->dir_fd, file, NULL, 0, ret_error);
                        if (r < 0)
                                goto finish;
                        if (strv_extend(written, name) < 0) {
                                r = -ENOMEM;
                                goto finish;
                        }
                }
                (void) unlinkat(st->dir_fd, file, 0);
                json_array_append_new(diff_ids, json_string(diff_id));
                json_array_append_new(layers, json_string(name));
                json_array_append_new(oci_layers, json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_LAYER, "digest",
                                                                  diff_id, "size", (json_int_t) lst.st_size));
        }
        rootfs = json_object_get(cj, "rootfs");
        if (!json_is_object(rootfs)) {
                rootfs = json_pack("{s:s}", "type", "layers");
                json_object_set_new(cj, "rootfs", rootfs);
        }
        json_object_set_new(rootfs, "diff_ids", diff_ids);
        diff_ids = NULL;
        new_config = json_dumps(cj, JSON_COMPACT);
        if (!new_config || sha256_digest(new_config, strlen(new_config), config_digest) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        config_name = strjoin("blobs/sha256/", config_digest + strlen("sha256:"));
        if (!config_name) {
                r = -ENOMEM;
                goto finish;
        }
        r = add_to_archive(out, config_name, -EBADF, NULL, new_config, strlen(new_config), ret_error);
        if (r < 0)
                goto finish;
        r = add_oci_manifest(out, index, img, config_digest, strlen(new_config), oci_layers, ret_error);
        if (r < 0)
                goto finish;
        tags = json_array();
        STRV_FOREACH(n, img->names)
                json_array_append_new(tags, json_string(*n));
        json_array_append_new(manifest,
                        json_pack("{s:s, s:o, s:o}", "Config", config_name, "RepoTags", tags, "Layers", layers));
        layers = NULL;
        log_info("Saved %s (%s) as %s.", reference, img->id, config_digest);
finish:
        json_decref(cj);
        json_decref(diff_ids);
        json_decref(layers);
        json_decref(oci_layers);
        return r;
}

static la_ssize_t fd_write(struct archive *a, void *userdata, const void *buf, size_t n) {
        int r = write_all(*(int *) userdata, buf, n);

        if (r < 0) {
                archive_set_error(a, -r, "write failed");
                return -1;
        }
        return (la_ssize_t) n;
}

int image_store_save(ImageStore *s, char *const *references, int fd, char **ret_error) {
        _cleanup_(image_staging_done) ImageStaging staging = IMAGE_STAGING_NULL;
        _cleanup_strv_free_ char **written = NULL;
        _cleanup_free_ char *text = NULL, *index_text = NULL;
        struct archive *out;
        json_t *manifest, *index;
        int r;

        r = image_staging_new(s, &staging, ret_error);
        if (r < 0)
                return r;
        out = archive_write_new();
        manifest = json_array();
        index = json_array();
        if (!out || !manifest || !index) {
                if (out)
                        archive_write_free(out);
                json_decref(manifest);
                json_decref(index);
                return -ENOMEM;
        }
        archive_write_set_format_pax_restricted(out);
        archive_write_set_bytes_in_last_block(out, 1);
        if (archive_write_open(out, &fd, NULL, fd_write, NULL) != ARCHIVE_OK)
                r = log_detail_errno(ret_error, -EIO, "Failed to start the archive: %s", archive_error_string(out));
        if (r >= 0)
                r = add_directory(out, "blobs", ret_error);
        if (r >= 0)
                r = add_directory(out, "blobs/sha256", ret_error);
        STRV_FOREACH(ref, references) {
                if (r < 0)
                        break;
                r = save_image(s, &staging, out, *ref, manifest, index, &written, ret_error);
        }
        if (r >= 0) {
                text = json_dumps(manifest, JSON_COMPACT);
                r = text ? add_to_archive(out, "manifest.json", -EBADF, NULL, text, strlen(text), ret_error) : -ENOMEM;
        }
        if (r >= 0) {
                json_t *top = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX, "manifests",
                                index);
                index_text = top ? json_dumps(top, JSON_COMPACT) : NULL;
                json_decref(top);
                r = index_text ? add_to_archive(out, "index.json", -EBADF, NULL, index_text, strlen(index_text), ret_error)
                               : -ENOMEM;
        }
        if (r >= 0)
                r = add_to_archive(out, "oci-layout", -EBADF, NULL, OCI_LAYOUT, strlen(OCI_LAYOUT), ret_error);
        if (r >= 0 && archive_write_close(out) != ARCHIVE_OK)
                r = log_detail_errno(ret_error, -EIO, "Failed to finish the archive: %s", archive_error_string(out));
        archive_write_free(out);
        json_decref(manifest);
        json_decref(index);
        return r;
}
