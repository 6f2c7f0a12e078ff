/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-writeback.h"
#include "log.h"
#include "macro.h"
#include "tar-extract.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER   ".wh..wh..opq"

typedef struct DeferredDir {
        char *path;
        mode_t mode;
        struct timespec times[2];
} DeferredDir;

typedef struct Extractor {
        struct archive *archive;
        int root_fd;
        bool privileged;
        uid_t uid;
        gid_t gid;
        const TarExtractLimits *limits;
        uint64_t bytes, entries;
        /* Directories get their mode and times at the end: creating children would change the
         * times, and a read-only mode would stop an unprivileged extraction. */
        DeferredDir *dirs;
        size_t n_dirs, n_dirs_allocated;
        /* The parent directory of the last regular file, kept open for the next one in the same
         * directory (most entries of a layer): it saves opening every path component again. Any
         * entry that is not a regular file, or whose path covers it, drops it, so it never outlives
         * a change to the tree above it. */
        char *cached_parent;
        int cached_fd;
        Writeback *writeback;
        char **ret_error; /* the caller's: the reason of the first failure */
} Extractor;

static void parent_cache_drop(Extractor *x) {
        free(x->cached_parent);
        x->cached_parent = NULL;
        x->cached_fd = safe_close(x->cached_fd);
}

/* The cached parent, when path's parent is it. */
static bool parent_cache_hit(const Extractor *x, const char *path) {
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t) (slash - path) : 0;

        return x->cached_parent && slash && strlen(x->cached_parent) == n && strncmp(x->cached_parent, path, n) == 0;
}

/* Does path name the cached parent or a directory above it? */
static bool parent_cache_covered(const Extractor *x, const char *path) {
        size_t n = strlen(path);

        return x->cached_parent && strncmp(x->cached_parent, path, n) == 0 &&
               (x->cached_parent[n] == 0 || x->cached_parent[n] == '/');
}

static uint64_t limit_from_env(const char *name, uint64_t def) {
        const char *v = getenv(name);
        char *end;
        unsigned long long n;

        if (isempty(v))
                return def;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno != 0 || *end != 0 || n == 0) {
                log_warning("Ignoring invalid $%s=%s, using %llu.", name, v, (unsigned long long) def);
                return def;
        }
        return n;
}

TarExtractLimits tar_extract_limits_default(void) {
        return (TarExtractLimits) {
                .max_bytes = limit_from_env("BERTH_LAYER_MAX_BYTES", TAR_EXTRACT_MAX_BYTES_DEFAULT),
                .max_entries = limit_from_env("BERTH_LAYER_MAX_ENTRIES", TAR_EXTRACT_MAX_ENTRIES_DEFAULT),
        };
}

/* Turns an archive path into components joined by '/', dropping "." and empty components.
 * "" stands for the layer root. Absolute paths and ".." are refused. */
static int normalize_entry_path(const char *raw, char **ret, const char **ret_why) {
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (isempty(raw)) {
                *ret_why = "empty path";
                return -EINVAL;
        }
        if (raw[0] == '/') {
                *ret_why = "absolute path";
                return -EINVAL;
        }
        out = malloc(strlen(raw) + 1);
        if (!out)
                return -ENOMEM;
        for (const char *c = raw; *c;) {
                size_t len = strcspn(c, "/");
                if (len == 2 && c[0] == '.' && c[1] == '.') {
                        *ret_why = "path contains '..'";
                        return -EINVAL;
                }
                if (len > 0 && !(len == 1 && c[0] == '.')) {
                        if (n > 0)
                                out[n++] = '/';
                        memcpy(out + n, c, len);
                        n += len;
                }
                c += len;
                while (*c == '/')
                        c++;
        }
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

static int openat2_beneath(int dir_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        int fd;

        do
                fd = (int) syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd < 0 ? -errno : fd;
}

static bool resolve_refused(int r) {
        /* openat2 says ELOOP for a symlink, EXDEV for an escape, ENOTDIR for a non-directory. */
        return r == -ELOOP || r == -EXDEV || r == -ENOTDIR;
}

/* An overlay whiteout: what extract_whiteout() makes. Device nodes from the archive are skipped, so
 * a 0/0 character device in the layer is always one. */
static bool stat_is_whiteout(const struct stat *st) {
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int mark_opaque(const char *entry, int dir_fd, char **ret_error) {
        if (fsetxattr(dir_fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                return log_detail_errno(ret_error, negative_errno(),
                                "Layer entry '%s': failed to mark the directory opaque: %m", entry);
        return 0;
}

typedef enum Replaced {
        REPLACED_NOTHING,  /* nothing was there, or it was removed */
        REPLACED_KEPT_DIR, /* a directory over a directory: the existing one stays */
        REPLACED_WHITEOUT, /* a whiteout of this layer was removed */
} Replaced;

/* Later entries replace earlier ones of the same name, except that a directory over a directory
 * merges. Says what it did with what was there. */
static int remove_existing(const char *entry, int parent_fd, const char *name, bool new_is_dir, char **ret_error) {
        struct stat st;
        int r;

        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return REPLACED_NOTHING;
                return log_detail_errno(ret_error, negative_errno(), "Layer entry '%s': failed to stat: %m", entry);
        }
        if (S_ISDIR(st.st_mode) && new_is_dir)
                return REPLACED_KEPT_DIR;
        r = S_ISDIR(st.st_mode) ? rm_rf_at(parent_fd, name) : RET_NERRNO(unlinkat(parent_fd, name, 0));
        if (r < 0)
                return log_detail_errno(ret_error, r, "Layer entry '%s': failed to replace the earlier entry: %m", entry);
        return stat_is_whiteout(&st) ? REPLACED_WHITEOUT : REPLACED_NOTHING;
}

/* A whiteout of this layer is in the way of a directory of this layer (".wh.b", then "b/" or "b/c"):
 * the whiteout hides the lower layers' b, and this layer's b must still appear. An opaque directory
 * says both, as OCI wants: whiteouts apply to the lower layers only. */
static int whiteout_to_opaque_dir(const char *entry, int parent_fd, const char *name, char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !stat_is_whiteout(&st))
                return 0;
        if (unlinkat(parent_fd, name, 0) < 0 || mkdirat(parent_fd, name, 0755) < 0)
                return log_detail_errno(ret_error, negative_errno(),
                                "Layer entry '%s': failed to replace the whiteout of '%s' "
                                "with a directory: %m",
                                entry, name);
        fd = openat2_beneath(parent_fd, name, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return log_detail_errno(ret_error, fd, "Layer entry '%s': failed to open directory '%s': %m", entry,
                                name);
        return mark_opaque(entry, fd, ret_error);
}

/* Opens the directory that holds path (creating missing directories on the way, as tar does) and
 * returns it as an O_PATH fd plus the offset of the last component. A parent that is a symlink or
 * not a directory is an error: nothing is ever followed. */
static int open_parent(Extractor *x, const char *entry, const char *path, int *ret_fd, const char **ret_name) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *slash = strrchr(path, '/');
        int r;

        fd = openat2_beneath(x->root_fd, ".", O_PATH | O_DIRECTORY);
        if (fd < 0)
                return log_detail_errno(x->ret_error, fd, "Layer entry '%s': failed to open the layer directory: %m",
                                entry);
        if (!slash) {
                *ret_fd = TAKE_FD(fd);
                *ret_name = path;
                return 0;
        }

        parent = strndup(path, slash - path);
        if (!parent)
                return -ENOMEM;
        for (char *c = parent, *next; c; c = next) {
                int child;

                next = strchr(c, '/');
                if (next)
                        *next++ = 0;
                if (startswith(c, WHITEOUT_PREFIX))
                        return log_detail_errno(x->ret_error, -EINVAL,
                                        "Layer entry '%s': whiteout name '%s' used as a directory.", entry, c);
                child = openat2_beneath(fd, c, O_PATH | O_DIRECTORY);
                if (child == -ENOTDIR) {
                        /* "a/.wh.b" then "a/b/c": this layer's a/b replaces the whiteout */
                        r = whiteout_to_opaque_dir(entry, fd, c, x->ret_error);
                        if (r < 0)
                                return r;
                        child = openat2_beneath(fd, c, O_PATH | O_DIRECTORY);
                }
                if (child == -ENOENT) {
                        if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
                                return log_detail_errno(x->ret_error, negative_errno(),
                                                "Layer entry '%s': failed to create directory '%s': %m", entry, c);
                        child = openat2_beneath(fd, c, O_PATH | O_DIRECTORY);
                }
                if (resolve_refused(child))
                        return log_detail_errno(x->ret_error, -ELOOP,
                                        "Layer entry '%s': parent '%s' is a symlink or not a "
                                        "directory; refusing to follow it.",
                                        entry, c);
                if (child < 0)
                        return log_detail_errno(x->ret_error, child, "Layer entry '%s': failed to open parent '%s': %m",
                                        entry, c);
                safe_close(fd);
                fd = child;
        }
        *ret_fd = TAKE_FD(fd);
        *ret_name = slash + 1;
        return 0;
}

static bool xattr_is_allowed(const char *name) {
        if (streq(name, "security.capability"))
                return true;
        return !startswith(name, "trusted.") && !startswith(name, "security.") && !startswith(name, "user.overlay.");
}

static int apply_xattrs(const char *entry, struct archive_entry *e, int fd, char **ret_error) {
        const char *name;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!xattr_is_allowed(name)) {
                        log_warning("Layer entry '%s': dropping extended attribute '%s'.", entry, name);
                        continue;
                }
                if (fsetxattr(fd, name, value, size, 0) < 0) {
                        if (errno == EOPNOTSUPP) {
                                log_warning("Layer entry '%s': extended attribute '%s' not supported here, dropped.",
                                                entry, name);
                                continue;
                        }
                        return log_detail_errno(ret_error, negative_errno(), "Layer entry '%s': failed to set '%s': %m",
                                        entry, name);
                }
        }
        return 0;
}

static mode_t entry_mode(struct archive_entry *e, mode_t type) {
        mode_t mode = archive_entry_perm(e) & 07777;

        /* Setuid only on root's regular files (docker keeps it everywhere; an image has no business
         * making a file run as some other uid). Setgid stays on files and directories, as images need
         * e.g. group shadow tools. */
        if (type == S_IFREG) {
                if (archive_entry_uid(e) != 0)
                        mode &= ~S_ISUID;
        } else if (type == S_IFDIR)
                mode &= ~S_ISUID;
        else
                mode &= ~(S_ISUID | S_ISGID);
        return mode;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2]) {
        ts[1] = (struct timespec) { archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        if (archive_entry_atime_is_set(e))
                ts[0] = (struct timespec) { archive_entry_atime(e), archive_entry_atime_nsec(e) };
        else
                ts[0] = ts[1];
}

/* Ownership first: chown clears setuid bits, so the mode comes after. */
static int apply_owner_and_mode(Extractor *x, const char *entry, struct archive_entry *e, int fd, mode_t mode) {
        /* A new file is ours already: most layers are root's, and so is the extractor. */
        if ((uid_t) archive_entry_uid(e) == x->uid && (gid_t) archive_entry_gid(e) == x->gid)
                ;
        else if (fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0 &&
                        (x->privileged || errno != EPERM))
                return log_detail_errno(x->ret_error, negative_errno(),
                                "Layer entry '%s': failed to set owner %jd:%jd: %m", entry,
                                (intmax_t) archive_entry_uid(e), (intmax_t) archive_entry_gid(e));
        if (fchmod(fd, mode) < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set mode %04o: %m",
                                entry, mode);
        return 0;
}

/* Returns the end of the data written (a sparse file's trailing hole is not written). */
static int write_data(Extractor *x, const char *entry, int fd, uint64_t *ret_end) {
        *ret_end = 0;
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;
                int r;

                r = archive_read_data_block(x->archive, &buf, &size, &offset);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return log_detail_errno(x->ret_error, -EIO, "Layer entry '%s': failed to read data: %s", entry,
                                        archive_error_string(x->archive));
                while (size > 0) {
                        ssize_t n = pwrite(fd, buf, size, offset);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return log_detail_errno(x->ret_error, negative_errno(),
                                                "Layer entry '%s': failed to write: %m", entry);
                        }
                        buf = (const char *) buf + n;
                        size -= (size_t) n;
                        offset += n;
                }
                *ret_end = MAX(*ret_end, (uint64_t) offset);
        }
}

static int extract_regular(Extractor *x, const char *entry, struct archive_entry *e, int parent_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct timespec ts[2];
        uint64_t end;
        int r;

        /* Usually nothing is there yet; an earlier entry of the same name is replaced. */
        fd = openat(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) {
                r = remove_existing(entry, parent_fd, name, false, x->ret_error);
                if (r < 0)
                        return r;
                fd = openat(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to create: %m", entry);
        r = write_data(x, entry, fd, &end);
        if (r < 0)
                return r;
        if (archive_entry_size_is_set(e) && (uint64_t) archive_entry_size(e) > end &&
                        ftruncate(fd, archive_entry_size(e)) < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set the size: %m",
                                entry);
        r = apply_owner_and_mode(x, entry, e, fd, entry_mode(e, S_IFREG));
        if (r < 0)
                return r;
        r = apply_xattrs(entry, e, fd, x->ret_error);
        if (r < 0)
                return r;
        entry_times(e, ts);
        if (futimens(fd, ts) < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set times: %m",
                                entry);
        /* The disk starts on the data while the rest of the layer is extracted. */
        if (end > 0)
                writeback_file(x->writeback, TAKE_FD(fd));
        return 0;
}

static int defer_dir(Extractor *x, const char *path, struct archive_entry *e) {
        DeferredDir *d;

        if (x->n_dirs == x->n_dirs_allocated) {
                size_t n = MAX(x->n_dirs_allocated * 2, (size_t) 64);
                d = reallocarray(x->dirs, n, sizeof(DeferredDir));
                if (!d)
                        return -ENOMEM;
                x->dirs = d;
                x->n_dirs_allocated = n;
        }
        d = &x->dirs[x->n_dirs];
        *d = (DeferredDir) { .path = strdup(path), .mode = entry_mode(e, S_IFDIR) };
        if (!d->path)
                return -ENOMEM;
        entry_times(e, d->times);
        x->n_dirs++;
        return 0;
}

static int extract_directory(Extractor *x, const char *entry, const char *path, struct archive_entry *e, int parent_fd,
                const char *name) {
        _cleanup_close_ int fd = -EBADF;
        Replaced replaced = REPLACED_NOTHING;
        int r;

        if (isempty(path))
                fd = openat2_beneath(x->root_fd, ".", O_RDONLY | O_DIRECTORY);
        else {
                r = remove_existing(entry, parent_fd, name, true, x->ret_error);
                if (r < 0)
                        return r;
                replaced = r;
                if (replaced != REPLACED_KEPT_DIR && mkdirat(parent_fd, name, 0700) < 0)
                        return log_detail_errno(x->ret_error, negative_errno(),
                                        "Layer entry '%s': failed to create: %m", entry);
                fd = openat2_beneath(parent_fd, name, O_RDONLY | O_DIRECTORY);
        }
        if (fd < 0)
                return log_detail_errno(x->ret_error, fd, "Layer entry '%s': failed to open the directory: %m", entry);
        if (replaced == REPLACED_WHITEOUT) {
                /* ".wh.NAME" then "NAME/" in one layer: the lower NAME is gone, this layer's is new */
                r = mark_opaque(entry, fd, x->ret_error);
                if (r < 0)
                        return r;
        }
        if (fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0 &&
                        (x->privileged || errno != EPERM))
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set the owner: %m",
                                entry);
        r = apply_xattrs(entry, e, fd, x->ret_error);
        if (r < 0)
                return r;
        return defer_dir(x, path, e);
}

static int extract_symlink(Extractor *x, const char *entry, struct archive_entry *e, int parent_fd, const char *name) {
        const char *target = archive_entry_symlink(e);
        struct timespec ts[2];
        int r;

        if (isempty(target))
                return log_detail_errno(x->ret_error, -EINVAL, "Layer entry '%s': symlink without a target.", entry);
        r = remove_existing(entry, parent_fd, name, false, x->ret_error);
        if (r < 0)
                return r;
        /* Stored verbatim: the target is resolved inside the container, never here. */
        if (symlinkat(target, parent_fd, name) < 0)
                return log_detail_errno(x->ret_error, negative_errno(),
                                "Layer entry '%s': failed to create the symlink: %m", entry);
        if (fchownat(parent_fd, name, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) <
                                        0 &&
                        (x->privileged || errno != EPERM))
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set the owner: %m",
                                entry);
        entry_times(e, ts);
        if (utimensat(parent_fd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set times: %m",
                                entry);
        return 0;
}

static int extract_hardlink(Extractor *x, const char *entry, const char *raw_target, int parent_fd, const char *name) {
        _cleanup_free_ char *target = NULL;
        _cleanup_close_ int target_parent_fd = -EBADF;
        const char *target_name = NULL, *why = NULL;
        struct stat st;
        int r;

        r = normalize_entry_path(raw_target, &target, &why);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0)
                return log_detail_errno(x->ret_error, r, "Layer entry '%s': hard link target '%s' refused: %s.", entry,
                                raw_target, why);
        if (isempty(target))
                return log_detail_errno(x->ret_error, -EINVAL, "Layer entry '%s': hard link to the layer root refused.",
                                entry);

        /* The target must already exist in this layer; resolving it never follows a symlink. */
        r = open_parent(x, entry, target, &target_parent_fd, &target_name);
        if (r < 0)
                return r;
        if (!target_name)
                return -EINVAL; /* open_parent() always sets it on success */
        if (fstatat(target_parent_fd, target_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_detail_errno(x->ret_error, negative_errno(),
                                "Layer entry '%s': hard link target '%s' is not an earlier "
                                "entry of this layer: %m",
                                entry, target);
        if (S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                return log_detail_errno(x->ret_error, -EPERM,
                                "Layer entry '%s': hard link target '%s' is a directory or device.", entry, target);
        r = remove_existing(entry, parent_fd, name, false, x->ret_error);
        if (r < 0)
                return r;
        if (linkat(target_parent_fd, target_name, parent_fd, name, 0) < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to link to '%s': %m",
                                entry, target);
        return 0;
}

static int extract_fifo(Extractor *x, const char *entry, struct archive_entry *e, int parent_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = remove_existing(entry, parent_fd, name, false, x->ret_error);
        if (r < 0)
                return r;
        if (mknodat(parent_fd, name, S_IFIFO | 0600, 0) < 0)
                return log_detail_errno(x->ret_error, negative_errno(),
                                "Layer entry '%s': failed to create the fifo: %m", entry);
        /* O_PATH: opening a fifo for real would block. */
        fd = openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to open the fifo: %m",
                                entry);
        if (fchownat(fd, "", (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_EMPTY_PATH) < 0 &&
                        (x->privileged || errno != EPERM))
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set the owner: %m",
                                entry);
        if (fchmodat(parent_fd, name, entry_mode(e, S_IFIFO), 0) < 0)
                return log_detail_errno(x->ret_error, negative_errno(), "Layer entry '%s': failed to set the mode: %m",
                                entry);
        return 0;
}

static int extract_whiteout(const char *entry, int parent_fd, const char *name, char **ret_error) {
        const char *target = name + strlen(WHITEOUT_PREFIX);
        struct stat st;

        if (streq(name, OPAQUE_MARKER)) {
                _cleanup_close_ int fd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return log_detail_errno(ret_error, negative_errno(),
                                        "Layer entry '%s': failed to open the directory: %m", entry);
                return mark_opaque(entry, fd, ret_error);
        }
        if (isempty(target) || streq(target, ".") || streq(target, "..") || startswith(target, WHITEOUT_PREFIX))
                return log_detail_errno(ret_error, -EINVAL, "Layer entry '%s': invalid whiteout.", entry);

        /* A whiteout applies to the lower layers only; an entry of this layer of the same name stays
         * (OCI image spec, "Whiteouts"). A directory of this layer becomes opaque, which hides the
         * lower one; anything else hides the lower one by itself. */
        if (fstatat(parent_fd, target, &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                _cleanup_close_ int fd = -EBADF;

                if (!S_ISDIR(st.st_mode))
                        return 0;
                fd = openat2_beneath(parent_fd, target, O_RDONLY | O_DIRECTORY);
                if (fd < 0)
                        return log_detail_errno(ret_error, fd, "Layer entry '%s': failed to open directory '%s': %m",
                                        entry, target);
                return mark_opaque(entry, fd, ret_error);
        }
        if (errno != ENOENT)
                return log_detail_errno(ret_error, negative_errno(), "Layer entry '%s': failed to stat '%s': %m", entry,
                                target);
        /* An overlay whiteout: a character device 0/0 (needs no CAP_MKNOD since Linux 5.8). */
        if (mknodat(parent_fd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
                return log_detail_errno(ret_error, negative_errno(),
                                "Layer entry '%s': failed to create the whiteout: %m", entry);
        return 0;
}

static int extract_entry(Extractor *x, struct archive_entry *e) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int parent_fd = -EBADF;
        const char *entry = archive_entry_pathname(e) ?: "", *name = NULL, *why = NULL, *hardlink;
        mode_t type = archive_entry_filetype(e);
        int r;

        if (++x->entries > x->limits->max_entries)
                return log_detail_errno(x->ret_error, -EFBIG,
                                "Layer entry '%s': the layer has more than %ju entries (the limit, "
                                "see $BERTH_LAYER_MAX_ENTRIES).",
                                entry, (uintmax_t) x->limits->max_entries);

        r = normalize_entry_path(entry, &path, &why);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0)
                return log_detail_errno(x->ret_error, r, "Layer entry '%s' refused: %s.", entry, why);

        if (type == AE_IFREG && archive_entry_size(e) > 0) {
                uint64_t size = (uint64_t) archive_entry_size(e);
                if (size > x->limits->max_bytes - MIN(x->bytes, x->limits->max_bytes))
                        return log_detail_errno(x->ret_error, -EFBIG,
                                        "Layer entry '%s': the layer's files exceed %ju bytes (the "
                                        "limit, see $BERTH_LAYER_MAX_BYTES).",
                                        entry, (uintmax_t) x->limits->max_bytes);
                x->bytes += size;
        }

        if (isempty(path)) {
                if (type != AE_IFDIR)
                        return log_detail_errno(x->ret_error, -EINVAL,
                                        "Layer entry '%s': the layer root must be a directory.", entry);
                return extract_directory(x, entry, path, e, -EBADF, NULL);
        }

        /* A regular file next to the last one: its parent is open already. */
        if (type == AE_IFREG && !archive_entry_hardlink(e) && parent_cache_hit(x, path) &&
                        !startswith(strrchr(path, '/') + 1, WHITEOUT_PREFIX))
                return extract_regular(x, entry, e, x->cached_fd, strrchr(path, '/') + 1);
        if (type != AE_IFREG || archive_entry_hardlink(e) || parent_cache_covered(x, path) ||
                        startswith(strrchr(path, '/') ? strrchr(path, '/') + 1 : path, WHITEOUT_PREFIX))
                parent_cache_drop(x); /* the tree above changes, or may */

        r = open_parent(x, entry, path, &parent_fd, &name);
        if (r < 0)
                return r;

        if (!name)
                return -EINVAL; /* open_parent() always sets it on success */
        if (startswith(name, WHITEOUT_PREFIX))
                return extract_whiteout(entry, parent_fd, name, x->ret_error);

        hardlink = archive_entry_hardlink(e);
        if (hardlink)
                return extract_hardlink(x, entry, hardlink, parent_fd, name);

        switch (type) {
        case AE_IFREG:
                r = extract_regular(x, entry, e, parent_fd, name);
                if (r >= 0 && name != path) {
                        /* keep the parent for the next entry in the same directory */
                        char *p = strndup(path, name - 1 - path);
                        if (p) {
                                parent_cache_drop(x);
                                x->cached_parent = p;
                                x->cached_fd = TAKE_FD(parent_fd);
                        }
                }
                return r;
        case AE_IFDIR:
                return extract_directory(x, entry, path, e, parent_fd, name);
        case AE_IFLNK:
                return extract_symlink(x, entry, e, parent_fd, name);
        case AE_IFIFO:
                return extract_fifo(x, entry, e, parent_fd, name);
        case AE_IFCHR:
        case AE_IFBLK:
                log_warning("Layer entry '%s': device node skipped; containers get devices from the runtime.", entry);
                return 0;
        case AE_IFSOCK:
                log_warning("Layer entry '%s': socket skipped.", entry);
                return 0;
        default:
                return log_detail_errno(x->ret_error, -EINVAL, "Layer entry '%s': unknown file type 0%o.", entry,
                                (unsigned) type);
        }
}

static int finish_dirs(Extractor *x) {
        /* Last entry first, so children are done before a parent's mode could shut an unprivileged
         * extractor out of them. Setting a child's times does not touch the parent's. */
        for (size_t i = x->n_dirs; i > 0; i--) {
                const DeferredDir *d = &x->dirs[i - 1];
                _cleanup_close_ int fd =
                                openat2_beneath(x->root_fd, isempty(d->path) ? "." : d->path, O_RDONLY | O_DIRECTORY);
                if (fd < 0)
                        continue; /* replaced by a later entry */
                if (fchmod(fd, d->mode) < 0)
                        return log_detail_errno(x->ret_error, negative_errno(),
                                        "Layer entry '%s': failed to set mode %04o: %m", d->path, d->mode);
                if (futimens(fd, d->times) < 0)
                        return log_detail_errno(x->ret_error, negative_errno(),
                                        "Layer entry '%s': failed to set times: %m", d->path);
        }
        return 0;
}

int tar_extract(struct archive *a, int dir_fd, const TarExtractLimits *limits, uint64_t *ret_bytes, char **ret_error) {
        Extractor x = {
                .archive = a,
                .root_fd = dir_fd,
                .privileged = geteuid() == 0,
                .uid = geteuid(),
                .gid = getegid(),
                .limits = limits,
                .cached_fd = -EBADF,
                .writeback = writeback_new(),
                .ret_error = ret_error,
        };
        int r;

        if (!x.writeback)
                return -ENOMEM;

        for (;;) {
                struct archive_entry *e;

                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF) {
                        r = 0;
                        break;
                }
                if (r == ARCHIVE_WARN)
                        log_warning("Layer entry '%s': %s", archive_entry_pathname(e) ?: "", archive_error_string(a));
                else if (r != ARCHIVE_OK) {
                        r = log_detail_errno(ret_error, -EBADMSG,
                                        "Failed to read the layer archive after %ju entries: %s", (uintmax_t) x.entries,
                                        archive_error_string(a));
                        break;
                }
                r = extract_entry(&x, e);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = finish_dirs(&x);

        parent_cache_drop(&x);
        writeback_free(x.writeback);
        for (size_t i = 0; i < x.n_dirs; i++)
                free(x.dirs[i].path);
        free(x.dirs);
        if (r >= 0 && ret_bytes)
                *ret_bytes = x.bytes;
        return r;
}
