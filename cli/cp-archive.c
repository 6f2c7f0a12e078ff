/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cp-archive.h"
#include "fs-util.h"
#include "log.h"

#define OVERFLOW_ID UINT32_C(65534)

int cp_id_map_parse(const char *text, CpIdRange ranges[static CP_ID_RANGES_MAX], size_t *ret_n) {
        size_t n = 0;

        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                unsigned inside, outside, count;
                if (sscanf(line, "%u %u %u", &inside, &outside, &count) != 3)
                        continue;
                if (n >= CP_ID_RANGES_MAX)
                        return -E2BIG;
                ranges[n++] = (CpIdRange) { inside, outside, count };
        }
        *ret_n = n;
        return 0;
}

/* id through the ranges: inside to outside (to_host), or back */
static uint32_t id_map(const CpIdRange *ranges, size_t n, uint32_t id, bool to_host) {
        for (size_t i = 0; i < n; i++) {
                uint32_t from = to_host ? ranges[i].inside : ranges[i].outside,
                         to = to_host ? ranges[i].outside : ranges[i].inside;
                if (id >= from && id - from < ranges[i].count)
                        return to + (id - from);
        }
        return OVERFLOW_ID;
}

static void entry_map_ids(struct archive_entry *e, const CpIdMap *map, bool to_host) {
        if (!map)
                return;
        archive_entry_set_uid(e, id_map(map->uid, map->n_uid, (uint32_t) archive_entry_uid(e), to_host));
        archive_entry_set_gid(e, id_map(map->gid, map->n_gid, (uint32_t) archive_entry_gid(e), to_host));
}

static void archive_readp(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}

static void archive_writep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

static void archive_entryp(struct archive_entry **e) {
        if (*e)
                archive_entry_free(*e);
}

/* path without its trailing slashes ("/" stays "/"), and whether it ended in "/." or was "/" */
static char *path_trim(const char *path, bool *ret_contents) {
        size_t n = strlen(path);
        bool contents = false;

        for (;;) {
                while (n > 1 && path[n - 1] == '/')
                        n--;
                if (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/') {
                        contents = true;
                        n -= 2;
                        continue;
                }
                break;
        }
        if (n == 0) /* "/." */
                n = 1;
        *ret_contents = contents || (n == 1 && path[0] == '/');
        return strndup(path, n);
}

/* The kernel's views (/proc, /sys, cgroups, ...) a running container's root has mounted: listed,
 * never descended into (/proc/kcore alone would be the size of the address space). */
static bool is_kernel_view(const char *path) {
        struct statfs sf;

        if (!path || statfs(path, &sf) < 0)
                return false;
        switch ((unsigned long) sf.f_type) {
        case PROC_SUPER_MAGIC:
        case SYSFS_MAGIC:
        case CGROUP_SUPER_MAGIC:
        case CGROUP2_SUPER_MAGIC:
        case DEBUGFS_MAGIC:
        case TRACEFS_MAGIC:
        case SECURITYFS_MAGIC:
        case BPF_FS_MAGIC:
        case DEVPTS_SUPER_MAGIC:
                return true;
        default:
                return false;
        }
}

static int write_entries(struct archive *out, struct archive *disk, const CpIdMap *map, const char *where) {
        char buf[65536];

        for (;;) {
                _cleanup_(archive_entryp) struct archive_entry *e = archive_entry_new();
                la_ssize_t n;
                int r;

                if (!e)
                        return log_oom();
                r = archive_read_next_header2(disk, e);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return log_error_errno(-EIO, "Failed to read %s in %s: %s", archive_entry_pathname(e) ?: "?",
                                        where, archive_error_string(disk));
                if (archive_entry_filetype(e) != AE_IFDIR || !is_kernel_view(archive_entry_sourcepath(e)))
                        (void) archive_read_disk_descend(disk);
                /* sockets and the like have no place in an archive */
                if (archive_entry_filetype(e) == AE_IFSOCK)
                        continue;
                entry_map_ids(e, map, false);
                r = archive_write_header(out, e);
                if (r < ARCHIVE_WARN)
                        return archive_errno(out) == EPIPE ? -EPIPE
                                                           : log_error_errno(-EIO, "Failed to write the archive: %s",
                                                                             archive_error_string(out));
                if (archive_entry_filetype(e) != AE_IFREG)
                        continue;
                while ((n = archive_read_data(disk, buf, sizeof buf)) > 0)
                        if (archive_write_data(out, buf, (size_t) n) != n)
                                return archive_errno(out) == EPIPE
                                                       ? -EPIPE
                                                       : log_error_errno(-EIO, "Failed to write the archive: %s",
                                                                         archive_error_string(out));
                if (n < 0)
                        return log_error_errno(-EIO, "Failed to read %s in %s: %s", archive_entry_pathname(e), where,
                                        archive_error_string(disk));
        }
}

int cp_archive_write(int fd, const char *path, bool follow_link, const CpIdMap *map, const char *where) {
        _cleanup_(archive_writep) struct archive *out = NULL;
        _cleanup_(archive_readp) struct archive *disk = NULL;
        _cleanup_free_ char *trimmed = NULL, *dir = NULL, *base = NULL;
        bool contents, slash = endswith(path, "/") != NULL;
        struct stat st;
        int r;

        trimmed = path_trim(path, &contents);
        if (!trimmed)
                return log_oom();
        if ((follow_link || contents || slash ? stat(trimmed, &st) : lstat(trimmed, &st)) < 0)
                return log_error_errno(negative_errno(), "Could not find %s in %s: %m", path, where);
        if ((contents || slash) && !S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, "%s in %s is not a directory.", path, where);
        dir = strdup(trimmed);
        base = strdup(trimmed);
        if (!dir || !base)
                return log_oom();
        /* a directory's contents are written as ".", "./x", ...; anything else under its own name */
        if (chdir(contents ? trimmed : dirname(dir)) < 0)
                return log_error_errno(negative_errno(), "Failed to enter %s in %s: %m", contents ? trimmed : dir, where);

        out = archive_write_new();
        disk = archive_read_disk_new();
        if (!out || !disk)
                return log_oom();
        if (archive_write_set_format_pax_restricted(out) != ARCHIVE_OK || archive_write_open_fd(out, fd) != ARCHIVE_OK)
                return log_error_errno(-EIO, "Failed to start the archive: %s", archive_error_string(out));
        /* Numeric owners only: looking names up would read the container's NSS configuration. */
        (void) archive_read_disk_set_behavior(disk,
                        ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
        if (follow_link)
                (void) archive_read_disk_set_symlink_hybrid(disk);
        else
                (void) archive_read_disk_set_symlink_physical(disk);
        if (archive_read_disk_open(disk, contents ? "." : basename(base)) != ARCHIVE_OK)
                return log_error_errno(-EIO, "Failed to read %s in %s: %s", path, where, archive_error_string(disk));
        r = write_entries(out, disk, map, where);
        if (r < 0)
                return r;
        if (archive_write_close(out) != ARCHIVE_OK)
                return archive_errno(out) == EPIPE ? -EPIPE
                                                   : log_error_errno(-EIO, "Failed to write the archive: %s",
                                                                     archive_error_string(out));
        return 0;
}

/* Renames the stream's top entry (and what lies under it) to new_top; NULL keeps the names. */
static int entry_rename(struct archive_entry *e, const char *top, const char *new_top) {
        const char *names[2] = { archive_entry_pathname(e), archive_entry_hardlink(e) };

        for (size_t i = 0; new_top && i < 2; i++) {
                _cleanup_free_ char *n = NULL;
                const char *rest = names[i] ? startswith(names[i], top) : NULL;

                if (!rest || (*rest && *rest != '/'))
                        continue;
                n = strjoin(new_top, rest);
                if (!n)
                        return -ENOMEM;
                if (i == 0)
                        archive_entry_copy_pathname(e, n);
                else
                        archive_entry_copy_hardlink(e, n);
        }
        return 0;
}

/* Decides, from the stream's first entry, where it goes (Docker's rules): enters the directory it is
 * extracted in and sets *ret_new_top to the name its top entry takes there (NULL: its own). */
static int enter_destination(struct archive_entry *first, const char *dest, CpDestination kind, char **ret_new_top,
                const char *where) {
        _cleanup_free_ char *trimmed = NULL, *dir = NULL, *base = NULL;
        const char *name = archive_entry_pathname(first);
        bool src_dir = archive_entry_filetype(first) == AE_IFDIR, contents, ignored;
        struct stat st;
        int r;

        contents = streq(name, ".") || streq(name, "./");
        trimmed = path_trim(dest, &ignored);
        if (!trimmed)
                return log_oom();
        r = stat(trimmed, &st) < 0 ? negative_errno() : 0;
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Cannot use %s in %s: %m", dest, where);
        if (kind == CP_DEST_DIR_ONLY || (r >= 0 && S_ISDIR(st.st_mode))) {
                if (r < 0 || !S_ISDIR(st.st_mode))
                        return log_error_errno(r < 0 ? r : -ENOTDIR,
                                        "%s in %s must be an existing directory to extract an archive in.", dest, where);
                if (chdir(trimmed) < 0)
                        return log_error_errno(negative_errno(), "Failed to enter %s in %s: %m", dest, where);
                *ret_new_top = NULL;
                return 0;
        }
        if (r >= 0 && src_dir)
                return log_error_errno(-ENOTDIR, "Cannot copy a directory onto the file %s in %s.", dest, where);
        if (r < 0 && endswith(dest, "/") && !src_dir)
                return log_error_errno(-ENOENT, "The directory %s does not exist in %s.", dest, where);
        dir = strdup(trimmed);
        base = strdup(trimmed);
        if (!dir || !base)
                return log_oom();
        if (chdir(dirname(dir)) < 0)
                return log_error_errno(negative_errno(), "The directory %s does not exist in %s: %m", dir, where);
        if (contents) {
                /* a directory's contents into a new directory of that name */
                if (mkdir(basename(base), 0755) < 0 && errno != EEXIST)
                        return log_error_errno(negative_errno(), "Failed to create %s in %s: %m", dest, where);
                if (chdir(basename(base)) < 0)
                        return log_error_errno(negative_errno(), "Failed to enter %s in %s: %m", dest, where);
                *ret_new_top = NULL;
                return 0;
        }
        *ret_new_top = strdup(basename(base));
        return *ret_new_top ? 0 : log_oom();
}

int cp_archive_extract(int fd, const char *dest, CpDestination kind, bool keep_owner, const CpIdMap *map,
                const char *where) {
        _cleanup_(archive_readp) struct archive *in = NULL;
        _cleanup_(archive_writep) struct archive *disk = NULL;
        _cleanup_free_ char *top = NULL, *new_top = NULL;
        struct archive_entry *e;
        bool first = true;
        int r;

        in = archive_read_new();
        disk = archive_write_disk_new();
        if (!in || !disk)
                return log_oom();
        (void) archive_read_support_format_tar(in);
        (void) archive_read_support_format_gnutar(in);
        /* nothing of the stream may land outside the destination: no "..", no absolute names, no
         * extraction through a symlink already there */
        (void) archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_OWNER |
                                                                    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                                    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                                    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
        if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK)
                return -EPIPE;
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;

                r = archive_read_next_header(in, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return -EPIPE;
                if (first) {
                        const char *name = archive_entry_pathname(e);
                        top = strndup(name, strlen(name) - (endswith(name, "/") && strlen(name) > 1 ? 1 : 0));
                        if (!top)
                                return log_oom();
                        r = enter_destination(e, dest, kind, &new_top, where);
                        if (r < 0)
                                return r;
                        first = false;
                }
                if (entry_rename(e, top, new_top) < 0)
                        return log_oom();
                /* device nodes are the runtime's business, never a copy's */
                if (archive_entry_filetype(e) == AE_IFCHR || archive_entry_filetype(e) == AE_IFBLK) {
                        log_warning("Skipping the device node %s.", archive_entry_pathname(e));
                        continue;
                }
                /* without -a: the container's root, or the host's; a setuid or setgid bit meant its
                 * old owner, so it goes */
                if (!keep_owner) {
                        archive_entry_set_uid(e, 0);
                        archive_entry_set_gid(e, 0);
                        if (archive_entry_filetype(e) != AE_IFDIR)
                                archive_entry_set_perm(e, archive_entry_perm(e) & ~(mode_t) (S_ISUID | S_ISGID));
                }
                entry_map_ids(e, map, true);
                r = archive_write_header(disk, e);
                if (r < ARCHIVE_WARN)
                        return log_error_errno(-EIO, "Failed to extract %s in %s: %s", archive_entry_pathname(e), where,
                                        archive_error_string(disk));
                while ((r = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK)
                        if (archive_write_data_block(disk, buf, size, offset) < ARCHIVE_WARN)
                                return log_error_errno(-EIO, "Failed to write %s in %s: %s", archive_entry_pathname(e),
                                                where, archive_error_string(disk));
                if (r != ARCHIVE_EOF)
                        return -EPIPE;
                if (archive_write_finish_entry(disk) < ARCHIVE_WARN)
                        return log_error_errno(-EIO, "Failed to extract %s in %s: %s", archive_entry_pathname(e), where,
                                        archive_error_string(disk));
        }
        if (first)
                return -EPIPE;
        if (archive_write_close(disk) != ARCHIVE_OK)
                return log_error_errno(-EIO, "Failed to finish extracting in %s: %s", where, archive_error_string(disk));
        /* the writer pads the archive past its end marker: read that too, so it does not see EPIPE */
        for (char buf[4096];;) {
                ssize_t n = read(fd, buf, sizeof buf);
                if (n == 0 || (n < 0 && errno != EINTR))
                        break;
        }
        return 0;
}
