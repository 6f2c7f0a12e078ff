/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The builder's overlays, and their upper directories turned into layers: overlay whiteouts (char
 * 0/0) become ".wh.NAME" entries and opaque directories ".wh..wh..opq", in a tar that goes through
 * the image store's layer writer (image_layer_extract_stream()), which hashes and extracts it. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build-internal.h"
#include "fs-util.h"
#include "log.h"

static int scratch_dir(BuildContext *b, const char *prefix, char **ret_name) {
        char name[64];

        snprintf(name, sizeof(name), "%s%u", prefix, ++b->counter);
        if (mkdirat(b->staging.dir_fd, name, 0700) < 0)
                return log_error_errno(negative_errno(), "Failed to create %s/%s: %m", b->staging_path, name);
        *ret_name = strdup(name);
        return *ret_name ? 0 : log_oom();
}

int build_mount(BuildContext *b, char *const *layer_dirs, bool writable, BuildMount *ret) {
        _cleanup_(build_mount_done) BuildMount m = {};
        _cleanup_free_ char *name = NULL, *data = NULL, *lower = NULL;
        size_t n = strv_length(layer_dirs);
        int r;

        r = scratch_dir(b, "mnt", &name);
        if (r < 0)
                return r;
        m.dir = path_join(b->staging_path, name);
        m.merged = path_join(m.dir, "merged");
        if (!m.dir || !m.merged)
                return log_oom();
        m.writable = writable;
        for (size_t i = 0; i < (writable ? 4 : 2); i++) {
                static const char *const subdirs[] = { "merged", "empty", "upper", "work" };
                _cleanup_free_ char *p = strjoin(name, "/", subdirs[i]);
                if (!p)
                        return log_oom();
                if (mkdirat(b->staging.dir_fd, p, i == 3 ? 0700 : 0755) < 0)
                        return log_error_errno(negative_errno(), "Failed to create %s/%s: %m", b->staging_path, p);
        }

        /* overlayfs takes the top layer first; an empty directory stands in for a root without layers
         * and makes a read-only overlay of one layer possible */
        lower = path_join(m.dir, "empty");
        if (!lower)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                char *l;
                if (strpbrk(layer_dirs[i], ":,\\"))
                        return log_error_errno(-EINVAL, "Layer path %s cannot be given to overlayfs.", layer_dirs[i]);
                l = strjoin(layer_dirs[i], ":", lower);
                if (!l)
                        return log_oom();
                free(lower);
                lower = l;
        }
        if (writable)
                data = strjoin("lowerdir=", lower, ",upperdir=", m.dir, "/upper,workdir=", m.dir, "/work");
        else
                data = strjoin("lowerdir=", lower);
        if (!data)
                return log_oom();
        if (strlen(data) >= 4095)
                return log_error_errno(-E2BIG, "The image has too many layers (%zu) for one overlay mount.", n);
        if (mount("berth-build", m.merged, "overlay", writable ? 0 : MS_RDONLY, data) < 0)
                return log_error_errno(negative_errno(), "Failed to mount the overlay of the build step at %s: %m",
                                m.merged);
        m.mounted = true;
        *ret = TAKE_STRUCT(m);
        return 0;
}

void build_mount_done(BuildMount *m) {
        if (m->mounted && umount2(m->merged, MNT_DETACH) < 0)
                log_debug_errno(negative_errno(), "Failed to unmount %s: %m", m->merged);
        m->mounted = false;
        free(m->dir);
        free(m->merged);
        *m = (BuildMount) {};
}

/* ---- upper directory to tar ---- */

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        char *path;
} HardLink;

typedef struct TarWriter {
        struct archive *a;
        HardLink *links;
        size_t n_links;
        bool any;
} TarWriter;

static int write_whiteout(TarWriter *w, const char *dir, const char *name) {
        _cleanup_free_ char *path = strjoin(dir, *dir ? "/" : "", ".wh.", name);
        struct archive_entry *e = archive_entry_new();
        int r = 0;

        if (!path || !e) {
                archive_entry_free(e);
                return log_oom();
        }
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 0);
        if (archive_write_header(w->a, e) != ARCHIVE_OK)
                r = log_error_errno(-EIO, "Failed to write the layer: %s", archive_error_string(w->a));
        archive_entry_free(e);
        w->any = true;
        return r;
}

static int copy_data(TarWriter *w, int fd) {
        char buf[128 * 1024];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0)
                if (archive_write_data(w->a, buf, n) != n)
                        return log_error_errno(-EIO, "Failed to write the layer: %s", archive_error_string(w->a));
        return n < 0 ? log_error_errno(negative_errno(), "Failed to read a file of the layer: %m") : 0;
}

static int write_tree(TarWriter *w, int dir_fd, const char *rel);

static int write_entry(TarWriter *w, int dir_fd, const char *name, const char *rel) {
        _cleanup_free_ char *path = strjoin(rel, *rel ? "/" : "", name);
        struct archive_entry *e = NULL;
        struct stat st;
        char opaque[2] = {}, target[PATH_MAX];
        char cap[1024];
        ssize_t n;
        int r = 0;

        if (!path)
                return log_oom();
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(negative_errno(), "Failed to stat %s in the layer: %m", path);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
                return write_whiteout(w, rel, name);

        e = archive_entry_new();
        if (!e)
                return log_oom();
        archive_entry_copy_stat(e, &st);
        archive_entry_set_pathname(e, path);
        archive_entry_set_uname(e, "");
        archive_entry_set_gname(e, "");
        if (S_ISLNK(st.st_mode)) {
                n = readlinkat(dir_fd, name, target, sizeof(target) - 1);
                if (n < 0) {
                        archive_entry_free(e);
                        return log_error_errno(negative_errno(), "Failed to read link %s: %m", path);
                }
                target[n] = 0;
                archive_entry_set_symlink(e, target);
        } else if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
                for (size_t i = 0; i < w->n_links; i++)
                        if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino) {
                                archive_entry_set_hardlink(e, w->links[i].path);
                                archive_entry_set_size(e, 0);
                                goto header;
                        }
                HardLink *l = reallocarray(w->links, w->n_links + 1, sizeof(*l));
                if (!l) {
                        archive_entry_free(e);
                        return log_oom();
                }
                w->links = l;
                w->links[w->n_links++] = (HardLink) { st.st_dev, st.st_ino, strdup(path) };
        }
        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                _cleanup_free_ char *p = NULL;
                /* file capabilities are part of what a program is; overlay's own xattrs are not */
                if (asprintf(&p, "/proc/self/fd/%d/%s", dir_fd, name) >= 0 &&
                                (n = lgetxattr(p, "security.capability", cap, sizeof(cap))) > 0)
                        archive_entry_xattr_add_entry(e, "security.capability", cap, n);
                if (p && S_ISDIR(st.st_mode) && lgetxattr(p, "trusted.overlay.opaque", opaque, 1) == 1 && opaque[0] == 'y')
                        opaque[1] = 1;
        }
header:
        if (archive_write_header(w->a, e) != ARCHIVE_OK)
                r = log_error_errno(-EIO, "Failed to write %s into the layer: %s", path, archive_error_string(w->a));
        w->any = true;
        if (r >= 0 && S_ISREG(st.st_mode) && archive_entry_size(e) > 0) {
                _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                r = fd < 0 ? log_error_errno(negative_errno(), "Failed to open %s: %m", path) : copy_data(w, fd);
        }
        archive_entry_free(e);
        if (r < 0)
                return r;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int sub = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        return log_error_errno(negative_errno(), "Failed to open %s: %m", path);
                if (opaque[1]) {
                        r = write_whiteout(w, path, ".wh..opq");
                        if (r < 0)
                                return r;
                }
                return write_tree(w, sub, path);
        }
        return 0;
}

static int write_tree(TarWriter *w, int dir_fd, const char *rel) {
        struct dirent **list = NULL;
        _cleanup_free_ char *self = NULL;
        int n, r = 0;

        if (asprintf(&self, "/proc/self/fd/%d", dir_fd) < 0)
                return log_oom();
        /* sorted, so the same changes give the same layer */
        n = scandir(self, &list, NULL, alphasort);
        if (n < 0)
                return log_error_errno(negative_errno(), "Failed to read %s in the layer: %m", *rel ? rel : "/");
        for (int i = 0; i < n; i++) {
                if (r >= 0 && !streq(list[i]->d_name, ".") && !streq(list[i]->d_name, ".."))
                        r = write_entry(w, dir_fd, list[i]->d_name, rel);
                free(list[i]);
        }
        free(list);
        return r;
}

int build_mount_commit(BuildContext *b, BuildMount *m, StagedLayer *ret) {
        _cleanup_free_ char *upper = path_join(m->dir, "upper"), *layer = NULL, *diff = NULL;
        _cleanup_close_ int upper_fd = -EBADF, tar_fd = -EBADF, diff_fd = -EBADF;
        TarWriter w = {};
        int r;

        if (!upper)
                return log_oom();
        if (m->mounted && umount2(m->merged, 0) < 0)
                return log_error_errno(negative_errno(), "Failed to unmount %s: %m", m->merged);
        m->mounted = false;

        upper_fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        tar_fd = openat(b->staging.dir_fd, ".", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
        if (upper_fd < 0 || tar_fd < 0)
                return log_error_errno(negative_errno(), "Failed to prepare the layer of the step: %m");
        w.a = archive_write_new();
        if (!w.a)
                return log_oom();
        archive_write_set_format_pax_restricted(w.a);
        archive_write_set_bytes_in_last_block(w.a, 1);
        if (archive_write_open_fd(w.a, tar_fd) != ARCHIVE_OK)
                r = log_error_errno(-EIO, "Failed to write the layer: %s", archive_error_string(w.a));
        else
                r = write_tree(&w, upper_fd, "");
        if (archive_write_close(w.a) != ARCHIVE_OK && r >= 0)
                r = log_error_errno(-EIO, "Failed to write the layer: %s", archive_error_string(w.a));
        archive_write_free(w.a);
        for (size_t i = 0; i < w.n_links; i++)
                free(w.links[i].path);
        free(w.links);
        if (r < 0)
                return r;
        *ret = (StagedLayer) {};
        if (!w.any)
                return 0;

        r = scratch_dir(b, "layer", &layer);
        if (r < 0)
                return r;
        diff = strjoin(layer, "/diff");
        if (!diff)
                return log_oom();
        if (mkdirat(b->staging.dir_fd, diff, 0755) < 0 ||
                        (diff_fd = openat(b->staging.dir_fd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return log_error_errno(negative_errno(), "Failed to create %s/%s: %m", b->staging_path, diff);
        if (lseek(tar_fd, 0, SEEK_SET) < 0)
                return log_error_errno(negative_errno(), "Failed to read the layer back: %m");
        _cleanup_free_ char *error = NULL;
        r = image_layer_extract_stream(tar_fd, diff_fd, ret->diff_id, &ret->size, &error);
        if (r < 0)
                return log_error_errno(r, "%s", error_reason(error, r));
        ret->dir = TAKE_PTR(layer);
        /* the upper dir is no longer needed; drop it now rather than at the end of the build */
        (void) rm_rf(m->dir);
        return 0;
}
