/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: `berth load` of untrusted archives, through the whole loader into a scratch image
 * store. The input is, by its first byte:
 *   '['  a docker archive's manifest.json, in a tar with a valid config.json and layer.tar;
 *   '{'  an OCI layout's index.json, next to valid blobs: a manifest, its config and its layer (the
 *        input's @M@, @C@ and @L@ become their digests, @m@ the manifest's size);
 *   else the archive stream itself (tar, or compressed).
 * Refusing is fine; crashes, leaks, UB, hangs and files left outside the store are not.
 * fuzz-sources: lib/store lib/sys
 * fuzz-libs: libarchive libcurl libnl-route-3.0 libnftables */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-digest.h"
#include "image-load.h"
#include "image-store.h"
#include "log.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[] = "/tmp/berth-fuzz-load.XXXXXX";
static ImageStore *store;
static int layout_fd = -EBADF;
static char *config, *layer, *manifest;
static size_t layer_size;
static char config_digest[SHA256_DIGEST_STRING_MAX], layer_digest[SHA256_DIGEST_STRING_MAX],
                manifest_digest[SHA256_DIGEST_STRING_MAX];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static void remove_root(void) {
        image_store_free(store);
        (void) nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Appends a regular file to a tar written into memory. */
static void tar_add(struct archive *a, const char *name, const void *content, size_t size) {
        struct archive_entry *e = archive_entry_new();

        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t) size);
        if (archive_write_header(a, e) != ARCHIVE_OK || archive_write_data(a, content, size) != (la_ssize_t) size)
                abort();
        archive_entry_free(e);
}

/* A tar of the given members (name, content, size; NULL name ends), in *ret. */
static size_t tar_build(char **ret, const char *const *names, const char *const *contents, const size_t *sizes) {
        size_t cap = 1024 * 1024, used = 0;
        struct archive *a = archive_write_new();

        for (size_t i = 0; names[i]; i++)
                cap += sizes[i] + 1024;
        *ret = malloc(cap);
        if (!a || !*ret || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
                        archive_write_open_memory(a, *ret, cap, &used) != ARCHIVE_OK)
                abort();
        for (size_t i = 0; names[i]; i++)
                tar_add(a, names[i], contents[i], sizes[i]);
        if (archive_write_close(a) != ARCHIVE_OK)
                abort();
        archive_write_free(a);
        return used;
}

static int write_blob(const char *digest, const char *content, size_t size) {
        _cleanup_free_ char *path = strjoin("blobs/sha256/", digest + strlen("sha256:"));
        _cleanup_close_ int fd = path ? openat(layout_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -ENOMEM;

        return fd >= 0 && write(fd, content, size) == (ssize_t) size ? 0 : -EIO;
}

static void setup(void) {
        _cleanup_free_ char *store_dir = NULL, *layout_dir = NULL;
        const char *names[] = { "hello", NULL };
        const char *contents[] = { "hi\n" };
        const size_t sizes[] = { 3 };

        if (!mkdtemp(root) || !(store_dir = path_join(root, "store")) || image_store_open(store_dir, &store) < 0)
                abort();
        (void) atexit(remove_root);
        layer_size = tar_build(&layer, names, contents, sizes);
        if (sha256_digest(layer, layer_size, layer_digest) < 0 ||
                        asprintf(&config,
                                        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/hello\"]},"
                                        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                                        layer_digest) < 0 ||
                        sha256_digest(config, strlen(config), config_digest) < 0 ||
                        asprintf(&manifest,
                                        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                                        "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
                                        "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
                                        config_digest, strlen(config), layer_digest, layer_size) < 0 ||
                        sha256_digest(manifest, strlen(manifest), manifest_digest) < 0)
                abort();
        if (!(layout_dir = path_join(root, "layout")) || mkdir(layout_dir, 0700) < 0)
                abort();
        layout_fd = open(layout_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (layout_fd < 0 || mkdirat(layout_fd, "blobs", 0700) < 0 || mkdirat(layout_fd, "blobs/sha256", 0700) < 0 ||
                        write_file_atomic_at(layout_fd, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0644,
                                        0) < 0 ||
                        write_blob(layer_digest, layer, layer_size) < 0 ||
                        write_blob(config_digest, config, strlen(config)) < 0 ||
                        write_blob(manifest_digest, manifest, strlen(manifest)) < 0)
                abort();
}

/* The input with every placeholder replaced. */
static char *substitute(const uint8_t *data, size_t size, size_t *ret_size) {
        char manifest_size[32];
        const char *const placeholders[][2] = { { "@M@", manifest_digest }, { "@C@", config_digest },
                { "@L@", layer_digest }, { "@m@", manifest_size } };
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);

        if (!f)
                abort();
        (void) snprintf(manifest_size, sizeof manifest_size, "%zu", strlen(manifest));
        for (size_t i = 0; i < size;) {
                size_t k;

                for (k = 0; k < ELEMENTSOF(placeholders); k++)
                        if (size - i >= 3 && memcmp(data + i, placeholders[k][0], 3) == 0)
                                break;
                if (k < ELEMENTSOF(placeholders)) {
                        fputs(placeholders[k][1], f);
                        i += 3;
                } else
                        fputc(data[i++], f);
        }
        if (fclose(f) != 0)
                abort();
        *ret_size = n;
        return out;
}

static void load_stream(const char *content, size_t size) {
        _cleanup_strv_free_ char **loaded = NULL;
        _cleanup_close_ int fd = memfd_create("archive", MFD_CLOEXEC);

        if (fd < 0 || write(fd, content, size) != (ssize_t) size || lseek(fd, 0, SEEK_SET) < 0)
                abort();
        _cleanup_free_ char *error = NULL;
        int r = image_store_load(store, fd, &loaded, &error);
        if (r < 0 && r != -ENOMEM && !error)
                abort(); /* every refusal says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL, *archive = NULL;
        _cleanup_strv_free_ char **loaded = NULL;
        size_t text_size;

        /* FUZZ_VERBOSE=1 shows why an input is refused (when writing seeds). */
        log_set_max_level(getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_CRIT);
        if (!store)
                setup();
        if (size > 0 && data[0] == '[') {
                const char *names[] = { "config.json", "layer.tar", "manifest.json", NULL };
                const char *contents[] = { config, layer, (const char *) data };
                const size_t sizes[] = { strlen(config), layer_size, size };

                size_t archive_size = tar_build(&archive, names, contents, sizes);

                load_stream(archive, archive_size);
        } else if (size > 0 && data[0] == '{') {
                text = substitute(data, size, &text_size);
                if (write_file_atomic_at(layout_fd, "index.json", text, text_size, 0644, 0) < 0)
                        abort();
                _cleanup_free_ char *error = NULL;
                int r = image_store_load_oci_dir(store, layout_fd, &loaded, &error);
                if (r < 0 && r != -ENOMEM && !error)
                        abort();
        } else
                load_stream((const char *) data, size);
        return 0;
}
