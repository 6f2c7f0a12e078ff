/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image store API as the runtime and berthd use it: import, lookup by name, short name and id,
 * layer dirs, pins that keep layers alive across rm, and prune. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-store.h"
#include "log.h"
#include "tap.h"

/* A tiny rootfs tarball written with libarchive into a memory file. */
static int make_tar(const char *content) {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        int fd = memfd_create("rootfs.tar", MFD_CLOEXEC);

        archive_write_set_format_pax_restricted(a);
        archive_write_open_fd(a, fd);
        archive_entry_set_pathname(e, "etc/hostname");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t) strlen(content));
        archive_write_header(a, e);
        archive_write_data(a, content, strlen(content));
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
        lseek(fd, 0, SEEK_SET);
        return fd;
}

static bool exists(const char *dir, const char *name) {
        _cleanup_free_ char *p = path_join(dir, name);
        return p && access(p, F_OK) == 0;
}

int main(void) {
        char root[] = "/tmp/berth-test-store-XXXXXX";
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *img = NULL, *by_short = NULL, *by_id = NULL;
        _cleanup_(image_pin_freep) ImagePin *pin = NULL;
        _cleanup_free_ char *layer = NULL, *deleted = NULL;
        _cleanup_strv_free_ char **untagged = NULL, **pruned = NULL;
        _cleanup_close_ int fd = -EBADF;
        char short_id[13];
        Image **list = NULL;
        size_t n = 0;

        log_set_max_level(LOG_WARNING);
        CHECK(mkdtemp(root) != NULL);
        CHECK(image_store_open(root, &store) == 0);

        fd = make_tar("unit\n");
        CHECK(image_store_import_rootfs(store, fd, "unit/test:1", &img, NULL) == 0);
        CHECK(img && strv_length(img->names) == 1);
        CHECK_STREQ(img->names[0], "localhost/unit/test:1");
        CHECK(strv_length(img->layer_dirs) == 1 && strv_length(img->diff_ids) == 1);
        CHECK(img->config.cmd == NULL && img->config.entrypoint == NULL);
        layer = strdup(img->layer_dirs[0]);
        CHECK(layer && exists(layer, "etc/hostname"));

        CHECK(image_store_lookup(store, "unit/test:1", &by_short) == 0);
        CHECK(by_short && streq(by_short->id, img->id));
        snprintf(short_id, sizeof(short_id), "%s", img->id + strlen("sha256:"));
        CHECK(image_store_lookup(store, short_id, &by_id) == 0);
        CHECK(by_id && streq(by_id->id, img->id));
        CHECK(image_store_lookup(store, "unit/test:2", NULL) == -ENOENT);
        CHECK(image_store_lookup(store, "docker.io/unit/test:1", NULL) == -ENOENT);

        CHECK(image_store_list(store, &list, &n) == 0 && n == 1);
        for (size_t i = 0; i < n; i++)
                image_free(list[i]);
        free(list);

        /* A pinned layer outlives its image, and goes at the next collection after the pin. */
        CHECK(image_store_pin(store, img, &pin, NULL) == 0);
        CHECK(image_store_remove(store, "unit/test:1", false, &untagged, &deleted, NULL) == 0);
        CHECK(deleted && streq(deleted, img->id));
        CHECK(image_store_lookup(store, img->id, NULL) == -ENOENT);
        CHECK(exists(layer, "etc/hostname"));
        pin = image_pin_free(pin);
        CHECK(image_store_prune(store, &pruned, NULL) == 0);
        CHECK(!exists(layer, "etc/hostname"));
        CHECK(image_store_pin(store, img, &pin, NULL) == -ENOENT);
        {
                _cleanup_free_ char *error = NULL;
                CHECK(image_store_tag(store, "unit/none:1", "unit/other:1", &error) == -ENOENT);
                CHECK(error && strstr(error, "No such image: unit/none:1"));
        }

        /* Untagging an image a container uses keeps it, nameless; prune_except keeps what it is told. */
        {
                _cleanup_(image_freep) Image *used = NULL, *after = NULL;
                _cleanup_strv_free_ char **gone = NULL, **kept = NULL, **none = NULL;
                _cleanup_close_ int fd2 = make_tar("used\n");

                CHECK(image_store_import_rootfs(store, fd2, "unit/used:1", &used, NULL) == 0);
                CHECK(used && image_store_tag(store, "unit/used:1", "unit/used:2", NULL) == 0);
                CHECK(image_store_untag(store, "unit/used:2", &gone, NULL) == 0);
                CHECK(strv_length(gone) == 1 && streq(gone[0], "localhost/unit/used:2"));
                gone = strv_free(gone);
                CHECK(used && image_store_untag(store, used->id, &gone, NULL) == 0);
                CHECK(strv_length(gone) == 1 && streq(gone[0], "localhost/unit/used:1"));
                CHECK(used && image_store_lookup(store, used->id, &after) == 0);
                CHECK(after && strv_length(after->names) == 0);
                CHECK(used && strv_extend(&kept, used->id) == 0);
                CHECK(image_store_prune_except(store, kept, &none, NULL) == 0 && strv_length(none) == 0);
                CHECK(used && image_store_lookup(store, used->id, NULL) == 0);
                none = strv_free(none);
                CHECK(image_store_prune(store, &none, NULL) == 0 && strv_length(none) == 1);
                CHECK(used && image_store_lookup(store, used->id, NULL) == -ENOENT);
        }

        CHECK(rm_rf(root) == 0);
        return tap_done();
}
