/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COPY and ADD: sources (globs, .dockerignore, directories copied by their contents) from the context
 * or another stage's root, into the step's overlay. Sources resolve inside their root
 * (RESOLVE_IN_ROOT), and destinations inside the image's root, so no symlink leads out of either.
 * ADD also extracts local tar archives (with the store's hardened extractor) and fetches URLs. */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build-internal.h"
#include "fs-util.h"
#include "log.h"
#include "tar-extract.h"

static int openat_in_root(int root_fd, const char *path, int flags, mode_t mode) {
        struct open_how how = { .flags = flags | O_CLOEXEC,
                .mode = mode,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        int fd = (int) syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

static bool is_url(const char *s) {
        return startswith(s, "http://") || startswith(s, "https://");
}

static bool has_glob(const char *s) {
        return strpbrk(s, "*?[") != NULL;
}

/* A source as written: leading "/" and "./" dropped; ".." cannot leave the root (clamped). */
static char *clean_source(const char *s) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *copy = strdup(s);
        char *save = NULL;

        if (!copy)
                return NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        size_t n = strv_length(parts);
                        if (n > 0) {
                                free(parts[n - 1]);
                                parts[n - 1] = NULL;
                        }
                        continue;
                }
                if (strv_extend(&parts, c) < 0)
                        return NULL;
        }
        return parts ? strv_join(parts, "/") : strdup("");
}

static bool ignored(const BuildContext *b, const BuildCopy *c, const char *rel) {
        return c->from_context && *rel && build_ignore_match(b->ignore, rel);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int names_sorted(int dir_fd, char ***ret) {
        _cleanup_close_ int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_strv_free_ char **names = NULL;
        DIR *d;

        if (fd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return -ENOMEM;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && strv_extend(&names, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        closedir(d);
        if (names)
                qsort(names, strv_length(names), sizeof(char *), compare_names);
        *ret = TAKE_PTR(names);
        return 0;
}

/* Expands a glob, component by component, into the matching paths (sorted). */
static int glob_in(const BuildContext *b, const BuildCopy *c, int root_fd, const char *prefix, const char *pattern,
                char ***matches) {
        const char *slash = strchr(pattern, '/');
        _cleanup_free_ char *comp = slash ? strndup(pattern, slash - pattern) : strdup(pattern);
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_close_ int dir = -EBADF;
        int r;

        if (!comp)
                return -ENOMEM;
        dir = openat_in_root(root_fd, prefix, O_RDONLY | O_DIRECTORY, 0);
        if (dir < 0)
                return 0;
        r = names_sorted(dir, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *rel = NULL;
                if (fnmatch(comp, *n, FNM_PATHNAME) != 0)
                        continue;
                rel = *prefix ? strjoin(prefix, "/", *n) : strdup(*n);
                if (!rel)
                        return -ENOMEM;
                if (ignored(b, c, rel))
                        continue;
                if (slash) {
                        r = glob_in(b, c, root_fd, rel, slash + 1, matches);
                        if (r < 0)
                                return r;
                } else if (strv_consume(matches, TAKE_PTR(rel)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The sources' paths relative to the root (heredocs and URLs are kept as they are). */
static int select_sources(BuildContext *b, const BuildCopy *c, int root_fd, char ***ret) {
        _cleanup_strv_free_ char **selected = NULL;
        int r;

        STRV_FOREACH(s, c->sources) {
                _cleanup_free_ char *clean = NULL;
                bool heredoc = false;

                for (size_t i = 0; i < c->n_heredocs; i++)
                        if (startswith(*s, "<<"))
                                heredoc = true;
                if (heredoc || (c->add && is_url(*s))) {
                        if (strv_extend(&selected, *s) < 0)
                                return log_oom();
                        continue;
                }
                clean = clean_source(*s);
                if (!clean)
                        return log_oom();
                if (has_glob(clean)) {
                        size_t before = strv_length(selected);
                        r = glob_in(b, c, root_fd, "", clean, &selected);
                        if (r < 0)
                                return log_error_errno(r, "%s:%u: %s: %m", b->options->dockerfile, c->line, *s);
                        if (strv_length(selected) == before)
                                return log_error_errno(-ENOENT,
                                                "%s:%u: no source files were specified: nothing "
                                                "matches %s.",
                                                b->options->dockerfile, c->line, *s);
                        continue;
                }
                {
                        _cleanup_close_ int fd = openat_in_root(root_fd, clean, O_PATH | O_NOFOLLOW, 0);
                        if (fd < 0 || ignored(b, c, clean))
                                return log_error_errno(-ENOENT, "%s:%u: %s not found%s.", b->options->dockerfile,
                                                c->line, *s, c->from_context ? " in the build context" : "");
                }
                if (strv_consume(&selected, TAKE_PTR(clean)) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(selected);
        return 0;
}

/* ---- the checksum ---- */

static int hash_tree(const BuildContext *b, const BuildCopy *c, Sha256 *h, int dir_fd, const char *name, const char *rel) {
        struct stat st;
        char head[512], target[PATH_MAX];
        ssize_t n;
        int r;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        /* name, type and mode, owner (only where it is kept), size; never the mtime */
        n = snprintf(head, sizeof(head), "%s\n%o\n%u:%u\n%jd\n", rel, (unsigned) st.st_mode,
                        c->from_context ? 0 : (unsigned) st.st_uid, c->from_context ? 0 : (unsigned) st.st_gid,
                        (intmax_t) st.st_size);
        r = sha256_update(h, head, MIN((size_t) n, sizeof(head)));
        if (r < 0)
                return r;
        if (S_ISLNK(st.st_mode)) {
                n = readlinkat(dir_fd, name, target, sizeof(target));
                return n < 0 ? -errno : sha256_update(h, target, n);
        }
        if (S_ISREG(st.st_mode)) {
                char buf[64 * 1024];
                _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                while ((n = read(fd, buf, sizeof(buf))) > 0)
                        if ((r = sha256_update(h, buf, n)) < 0)
                                return r;
                return n < 0 ? -errno : 0;
        }
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int sub = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_strv_free_ char **names = NULL;
                if (sub < 0)
                        return -errno;
                r = names_sorted(sub, &names);
                if (r < 0)
                        return r;
                STRV_FOREACH(e, names) {
                        _cleanup_free_ char *sub_rel = *rel ? strjoin(rel, "/", *e) : strdup(*e);
                        if (!sub_rel)
                                return -ENOMEM;
                        if (ignored(b, c, sub_rel))
                                continue;
                        r = hash_tree(b, c, h, sub, *e, sub_rel);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int build_copy_checksum(BuildContext *b, const BuildCopy *c, char ret[static SHA256_DIGEST_STRING_MAX]) {
        _cleanup_close_ int root_fd = open(c->source_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_strv_free_ char **selected = NULL;
        _cleanup_(sha256_freep) Sha256 *h = NULL;
        int r;

        if (root_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", c->source_root);
        r = select_sources(b, c, root_fd, &selected);
        if (r < 0)
                return r;
        h = sha256_new();
        if (!h)
                return log_oom();
        STRV_FOREACH(s, selected) {
                if (startswith(*s, "<<") || is_url(*s)) {
                        r = sha256_update(h, *s, strlen(*s) + 1);
                } else {
                        _cleanup_free_ char *parent = NULL;
                        const char *slash = strrchr(*s, '/');
                        _cleanup_close_ int dir = -EBADF;
                        parent = slash ? strndup(*s, slash - *s) : strdup("");
                        if (!parent) {
                                r = -ENOMEM;
                                break;
                        }
                        dir = openat_in_root(root_fd, parent, O_RDONLY | O_DIRECTORY, 0);
                        /* "" is the source root itself (COPY . /dest) */
                        r = dir < 0 ? dir : hash_tree(b, c, h, dir, slash ? slash + 1 : isempty(*s) ? "." : *s, *s);
                }
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = sha256_finish(h, ret);
        if (r < 0)
                return log_error_errno(r, "%s:%u: failed to checksum the sources: %m", b->options->dockerfile, c->line);
        return 0;
}

/* ---- copying ---- */

typedef struct CopyOwner {
        bool set;
        uid_t uid;
        gid_t gid;
        bool chmod;
        mode_t mode;
} CopyOwner;

static int set_owner_mode(int dir_fd, const char *name, const struct stat *st, const CopyOwner *o, bool keep_owner) {
        uid_t uid = o->set ? o->uid : keep_owner ? st->st_uid : 0;
        gid_t gid = o->set ? o->gid : keep_owner ? st->st_gid : 0;

        if (fchownat(dir_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(st->st_mode))
                return 0;
        if (fchmodat(dir_fd, name, o->chmod ? o->mode : st->st_mode & 07777, 0) < 0)
                return -errno;
        return 0;
}

/* Creates every missing directory of path (absolute, in the root) and returns an fd of the last. */
static int mkdir_in_root(int root_fd, const char *path, const CopyOwner *o) {
        _cleanup_free_ char *copy = strdup(path), *done = strdup("");
        char *save = NULL;
        int fd = openat_in_root(root_fd, "/", O_RDONLY | O_DIRECTORY, 0);

        if (!copy || !done) {
                safe_close(fd);
                return -ENOMEM;
        }
        for (char *c = strtok_r(copy, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
                char *next = strjoin(done, "/", c);
                int sub;
                if (!next) {
                        safe_close(fd);
                        return -ENOMEM;
                }
                free(done);
                done = next;
                sub = openat_in_root(root_fd, done, O_RDONLY | O_DIRECTORY, 0);
                if (sub == -ENOENT) {
                        if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
                                safe_close(fd);
                                return -errno;
                        }
                        if (o->set)
                                (void) fchownat(fd, c, o->uid, o->gid, AT_SYMLINK_NOFOLLOW);
                        sub = openat_in_root(root_fd, done, O_RDONLY | O_DIRECTORY, 0);
                }
                safe_close(fd);
                fd = sub;
        }
        return fd;
}

static int copy_file_data(int from, int to) {
        ssize_t n;

        while ((n = copy_file_range(from, NULL, to, NULL, SIZE_MAX >> 2, 0)) > 0)
                ;
        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS)) {
                char buf[128 * 1024];
                while ((n = read(from, buf, sizeof(buf))) > 0)
                        if (write(to, buf, n) != n)
                                return -EIO;
        }
        return n < 0 ? -errno : 0;
}

static int copy_entry(const BuildContext *b, const BuildCopy *c, const CopyOwner *o, int src_dir, const char *name,
                const char *rel, int dst_dir, const char *dst_name) {
        struct stat st;
        int r;

        if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int from = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
                                    to = -EBADF;
                _cleanup_strv_free_ char **names = NULL;
                if (from < 0)
                        return -errno;
                if (mkdirat(dst_dir, dst_name, 0755) < 0 && errno != EEXIST)
                        return -errno;
                to = openat(dst_dir, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (to < 0)
                        return -errno;
                r = set_owner_mode(dst_dir, dst_name, &st, o, !c->from_context);
                if (r < 0)
                        return r;
                r = names_sorted(from, &names);
                if (r < 0)
                        return r;
                STRV_FOREACH(e, names) {
                        _cleanup_free_ char *sub = *rel ? strjoin(rel, "/", *e) : strdup(*e);
                        if (!sub)
                                return -ENOMEM;
                        if (ignored(b, c, sub))
                                continue;
                        r = copy_entry(b, c, o, from, *e, sub, to, *e);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        /* replace what is there, without following it */
        if (unlinkat(dst_dir, dst_name, 0) < 0 && errno != ENOENT && errno != EISDIR)
                return -errno;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = 0;
                if (symlinkat(target, dst_dir, dst_name) < 0)
                        return -errno;
                return set_owner_mode(dst_dir, dst_name, &st, o, !c->from_context);
        }
        if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int from = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), to = -EBADF;
                struct timespec times[2] = { st.st_atim, st.st_mtim };
                if (from < 0)
                        return -errno;
                to = openat(dst_dir, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (to < 0)
                        return -errno;
                r = copy_file_data(from, to);
                if (r < 0)
                        return r;
                r = set_owner_mode(dst_dir, dst_name, &st, o, !c->from_context);
                if (r < 0)
                        return r;
                return futimens(to, times) < 0 ? -errno : 0;
        }
        return 0; /* devices, fifos and sockets are not copied */
}

static int write_heredoc(const BuildCopy *c, const CopyOwner *o, const char *marker, int dst_dir, const char *dst_name) {
        const char *delim = marker + 2 + (marker[2] == '-');
        _cleanup_close_ int fd = -EBADF;
        struct stat st = { .st_mode = S_IFREG | 0644 };

        for (size_t i = 0; i < c->n_heredocs; i++) {
                const char *d = delim;
                size_t n = strlen(c->heredocs[i].delimiter);
                if (*d == '"' || *d == '\'')
                        d++;
                if (strncmp(d, c->heredocs[i].delimiter, n) != 0)
                        continue;
                (void) unlinkat(dst_dir, dst_name, 0);
                fd = openat(dst_dir, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return -errno;
                if (write(fd, c->heredoc_bodies[i], strlen(c->heredoc_bodies[i])) < 0)
                        return -errno;
                return set_owner_mode(dst_dir, dst_name, &st, o, false);
        }
        return -ENOENT;
}

static size_t fetch_write(char *data, size_t size, size_t n, void *userdata) {
        int fd = *(int *) userdata;
        return write(fd, data, size * n) == (ssize_t) (size * n) ? size * n : 0;
}

static int fetch_url(const BuildContext *b, const BuildCopy *c, const CopyOwner *o, const char *url, int dst_dir,
                const char *dst_name) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st = { .st_mode = S_IFREG | 0600 };
        CURL *curl;
        CURLcode code;
        long status = 0;

        (void) unlinkat(dst_dir, dst_name, 0);
        fd = openat(dst_dir, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        curl = curl_easy_init();
        if (!curl)
                return -ENOMEM;
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &fd);
        code = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
        if (code != CURLE_OK || status >= 400)
                return log_error_errno(-EIO, "%s:%u: ADD %s: %s (HTTP %ld).", b->options->dockerfile, c->line, url,
                                curl_easy_strerror(code), status);
        return set_owner_mode(dst_dir, dst_name, &st, o, false);
}

/* ADD of a local file that is a tar archive (any compression): extracted into the destination. */
static int try_extract(int src_dir, const char *name, int dst_fd) {
        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        _cleanup_close_ int fd = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        TarExtractLimits limits = tar_extract_limits_default();
        struct archive_entry *e;

        if (!a)
                return -ENOMEM;
        if (fd < 0)
                return -errno;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK)
                return 0; /* not an archive: copied as it is */
        archive_read_free(a);
        a = archive_read_new();
        if (!a || lseek(fd, 0, SEEK_SET) < 0)
                return -ENOMEM;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK)
                return -EIO;
        _cleanup_free_ char *error = NULL; /* the build still logs its errors itself */
        return tar_extract(a, dst_fd, &limits, NULL, &error) < 0 ? log_error_errno(-EIO, "%s", error_reason(error, -EIO))
                                                                 : 1;
}

int build_copy(BuildContext *b, const BuildCopy *c, const char *root) {
        _cleanup_close_ int src_root = open(c->source_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                            dst_root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_strv_free_ char **selected = NULL;
        _cleanup_free_ char *dest = NULL;
        CopyOwner owner = {};
        bool dest_dir;
        int r;

        if (src_root < 0 || dst_root < 0)
                return log_error_errno(negative_errno(), "Failed to open the roots of the copy: %m");
        r = select_sources(b, c, src_root, &selected);
        if (r < 0)
                return r;
        if (c->chown) {
                _cleanup_free_ char *error = NULL;
                unsigned uid, gid;
                r = build_resolve_user(root, c->chown, &uid, &gid, &error);
                if (r < 0 && error)
                        return log_error_errno(r, "%s:%u: --chown=%s: %s in the image.", b->options->dockerfile,
                                        c->line, c->chown, error);
                if (r < 0)
                        return r;
                owner = (CopyOwner) { .set = true, .uid = uid, .gid = strchr(c->chown, ':') ? gid : uid };
        }
        if (c->chmod) {
                char *end;
                unsigned long m = strtoul(c->chmod, &end, 8);
                if (*end || end == c->chmod || m > 07777)
                        return log_error_errno(-EINVAL, "%s:%u: --chmod=%s: expected an octal mode.",
                                        b->options->dockerfile, c->line, c->chmod);
                owner.chmod = true;
                owner.mode = (mode_t) m;
        }

        dest = path_is_absolute(c->dest) ? strdup(c->dest) : path_join(isempty(c->workdir) ? "/" : c->workdir, c->dest);
        if (!dest)
                return log_oom();
        dest_dir = endswith(c->dest, "/") || strv_length(selected) > 1 || streq(c->dest, ".");
        if (!dest_dir) {
                _cleanup_close_ int fd = openat_in_root(dst_root, dest, O_RDONLY | O_DIRECTORY, 0);
                dest_dir = fd >= 0;
        }
        if (strv_length(selected) > 1 && !endswith(c->dest, "/") && !dest_dir)
                return log_error_errno(-EINVAL,
                                "%s:%u: with more than one source the destination must be a "
                                "directory and end with a /.",
                                b->options->dockerfile, c->line);

        STRV_FOREACH(s, selected) {
                _cleanup_free_ char *parent = NULL, *base = NULL, *src_parent = NULL;
                _cleanup_close_ int dst = -EBADF, src = -EBADF;
                const char *slash = strrchr(*s, '/');
                struct stat st = {};
                bool heredoc = startswith(*s, "<<"), url = c->add && is_url(*s);

                if (!heredoc && !url) {
                        src_parent = slash ? strndup(*s, slash - *s) : strdup("");
                        if (!src_parent)
                                return log_oom();
                        src = openat_in_root(src_root, src_parent, O_RDONLY | O_DIRECTORY, 0);
                        if (src < 0 || fstatat(src, slash ? slash + 1 : **s ? *s : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return log_error_errno(-ENOENT, "%s:%u: cannot read %s.", b->options->dockerfile,
                                                c->line, *s);
                }
                if (S_ISDIR(st.st_mode) || dest_dir) {
                        /* into dest/ (a directory's contents, or the file under its own name) */
                        dst = mkdir_in_root(dst_root, dest, &owner);
                        if (dst < 0)
                                return log_error_errno(dst, "%s:%u: failed to create %s: %m", b->options->dockerfile,
                                                c->line, dest);
                        if (S_ISDIR(st.st_mode)) {
                                _cleanup_strv_free_ char **names = NULL;
                                _cleanup_close_ int from = openat_in_root(src_root, *s, O_RDONLY | O_DIRECTORY, 0);
                                if (from < 0 || names_sorted(from, &names) < 0)
                                        return log_error_errno(-EIO, "%s:%u: cannot read %s.", b->options->dockerfile,
                                                        c->line, *s);
                                STRV_FOREACH(e, names) {
                                        _cleanup_free_ char *rel = **s ? strjoin(*s, "/", *e) : strdup(*e);
                                        if (!rel)
                                                return log_oom();
                                        if (ignored(b, c, rel))
                                                continue;
                                        r = copy_entry(b, c, &owner, from, *e, rel, dst, *e);
                                        if (r < 0)
                                                return log_error_errno(r, "%s:%u: failed to copy %s: %m",
                                                                b->options->dockerfile, c->line, rel);
                                }
                                continue;
                        }
                        if (url) {
                                const char *q = *s + strcspn(*s, "?#"), *p = q;
                                while (p > *s && p[-1] != '/')
                                        p--;
                                base = strndup(p, q - p);
                                if (base && !*base) {
                                        free(base);
                                        base = strdup("index.html");
                                }
                        } else
                                base = strdup(heredoc ? *s + strspn(*s, "<-\"'") : slash ? slash + 1 : *s);
                        if (!base)
                                return log_oom();
                        if (heredoc) {
                                char *q = base + strcspn(base, "\"'");
                                *q = 0;
                        }
                } else {
                        const char *dslash = strrchr(dest, '/');
                        parent = strndup(dest, dslash - dest);
                        base = strdup(dslash + 1);
                        if (!parent || !base)
                                return log_oom();
                        dst = mkdir_in_root(dst_root, *parent ? parent : "/", &owner);
                        if (dst < 0)
                                return log_error_errno(dst, "%s:%u: failed to create %s: %m", b->options->dockerfile,
                                                c->line, parent);
                }
                if (heredoc)
                        r = write_heredoc(c, &owner, *s, dst, base);
                else if (url)
                        r = fetch_url(b, c, &owner, *s, dst, base);
                else {
                        r = 0;
                        if (c->add && S_ISREG(st.st_mode)) {
                                _cleanup_close_ int into = mkdir_in_root(dst_root, dest, &owner);
                                /* an archive goes into the destination directory */
                                if (into >= 0 && (endswith(c->dest, "/") || dest_dir))
                                        r = try_extract(src, slash ? slash + 1 : *s, into);
                        }
                        if (r == 0)
                                r = copy_entry(b, c, &owner, src, slash ? slash + 1 : *s, *s, dst, base);
                        else if (r > 0)
                                r = 0;
                }
                if (r < 0)
                        return log_error_errno(r, "%s:%u: failed to copy %s: %m", b->options->dockerfile, c->line, *s);
        }
        return 0;
}
