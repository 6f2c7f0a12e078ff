/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "mount-util.h"
#include "strv.h"
#include "volume-mount.h"

int open_in_root(int root_fd, const char *path, int flags, mode_t mode) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        return fd < 0 ? negative_errno() : fd;
}

/* Creates path below root_fd component by component. A dangling symlink in the way (an image's
 * "/etc -> /somewhere" where /somewhere is missing) is followed the way RESOLVE_IN_ROOT reads it:
 * its target is created inside the root instead. depth bounds symlink loops. */
static int mkdir_in_root_internal(int root_fd, const char *path, mode_t mode, unsigned depth) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int cur = -EBADF;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        if (depth > 32)
                return -ELOOP;
        cur = open_in_root(root_fd, "/", O_PATH | O_DIRECTORY, 0);
        if (cur < 0)
                return cur;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                _cleanup_free_ char *sofar = NULL;
                int next;

                if (streq(c, ".") || streq(c, ".."))
                        return -EINVAL;
                /* Resolve the prefix from the root every time: a symlink component is followed, but
                 * RESOLVE_IN_ROOT keeps it inside. A created component is a plain name below an fd we
                 * resolved that way, so it lands inside too. */
                sofar = strndup(path, (size_t) (c - copy) + strlen(c));
                if (!sofar)
                        return -ENOMEM;
                next = open_in_root(root_fd, sofar, O_PATH | O_DIRECTORY, 0);
                if (next == -ENOENT) {
                        char target[4096];
                        ssize_t n;

                        if (mkdirat(cur, c, mode) >= 0)
                                next = open_in_root(root_fd, sofar, O_PATH | O_DIRECTORY, 0);
                        else if (errno != EEXIST)
                                return negative_errno();
                        else if ((n = readlinkat(cur, c, target, sizeof target - 1)) >= 0) {
                                _cleanup_free_ char *parent = strndup(path, (size_t) (c - copy)), *redirected = NULL;
                                const char *rest = path + (c - copy) + strlen(c);
                                target[n] = 0;
                                if (!parent)
                                        return -ENOMEM;
                                redirected = target[0] == '/' ? strjoin(target, rest)
                                                              : strjoin(parent, "/", target, rest);
                                if (!redirected)
                                        return -ENOMEM;
                                return mkdir_in_root_internal(root_fd, redirected, mode, depth + 1);
                        } else
                                next = open_in_root(root_fd, sofar, O_PATH | O_DIRECTORY, 0);
                }
                if (next < 0)
                        return next;
                safe_close(cur);
                cur = next;
        }
        return TAKE_FD(cur);
}

/* Through an idmapped root (a user namespace with --rootfs or an OCI root), host root is not mapped
 * and can create nothing (EOVERFLOW); the container's root, who owns "/" as it shows there, can. */
static bool retry_as_root_owner(int r, int root_fd) {
        struct stat st;

        return r == -EOVERFLOW && fstat(root_fd, &st) >= 0 && st.st_uid != 0 &&
               idmapped_access_begin(st.st_uid, st.st_gid) >= 0;
}

int mkdir_in_root(int root_fd, const char *path, mode_t mode) {
        int r = mkdir_in_root_internal(root_fd, path, mode, 0);

        if (retry_as_root_owner(r, root_fd)) {
                r = mkdir_in_root_internal(root_fd, path, mode, 0);
                idmapped_access_end();
        }
        return r;
}

static int mountpoint_in_root_internal(int root_fd, const char *path, bool directory) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        const char *base;
        struct stat st;

        if (directory)
                return mkdir_in_root_internal(root_fd, path, 0755, 0);

        fd = open_in_root(root_fd, path, O_PATH, 0);
        if (fd == -ENOENT) {
                base = strrchr(path, '/');
                if (!base || isempty(base + 1))
                        return -EINVAL;
                parent = strndup(path, (size_t) (base - path));
                if (!parent)
                        return -ENOMEM;
                dfd = mkdir_in_root_internal(root_fd, isempty(parent) ? "/" : parent, 0755, 0);
                if (dfd < 0)
                        return dfd;
                /* O_PATH fds cannot create; reopen the directory for real to use openat(O_CREAT). */
                {
                        _cleanup_close_ int real = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        int f;
                        if (real < 0)
                                return negative_errno();
                        f = openat(real, base + 1, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                        if (f < 0 && errno != EEXIST)
                                return negative_errno();
                        safe_close(f);
                }
                fd = open_in_root(root_fd, path, O_PATH, 0);
        }
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        return TAKE_FD(fd);
}

static unsigned mount_attr_bits(MountAttr a) {
        return ((a & MNT_RDONLY) ? MOUNT_ATTR_RDONLY : 0) | ((a & MNT_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
               ((a & MNT_NODEV) ? MOUNT_ATTR_NODEV : 0) | ((a & MNT_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
}

static unsigned long mount_flag_bits(MountAttr a) {
        return ((a & MNT_RDONLY) ? MS_RDONLY : 0) | ((a & MNT_NOSUID) ? MS_NOSUID : 0) |
               ((a & MNT_NODEV) ? MS_NODEV : 0) | ((a & MNT_NOEXEC) ? MS_NOEXEC : 0);
}

bool mount_api_available(void) {
        int fd;

        if (getenv("BERTH_RUNTIME_LEGACY_MOUNT")) /* lets the tests exercise the mount(2) path */
                return false;
        fd = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fd < 0)
                return false;
        safe_close(fd);
        return true;
}

static char *fd_path(int fd) {
        char *p;
        if (asprintf(&p, "/proc/self/fd/%d", fd) < 0)
                return NULL;
        return p;
}

int mount_fs_on(int target_fd, const char *fstype, const char *source, char *const *options, MountAttr attrs) {
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;

        if (!mount_api_available()) {
                _cleanup_free_ char *data = options ? strv_join(options, ",") : NULL, *p = fd_path(target_fd);
                if (!p || (options && !data))
                        return -ENOMEM;
                return RET_NERRNO(mount(source ?: fstype, p, fstype, mount_flag_bits(attrs), data));
        }

        fs = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fs < 0)
                return negative_errno();
        if (source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return negative_errno();
        STRV_FOREACH(o, options) {
                _cleanup_free_ char *key = NULL;
                const char *eq = strchr(*o, '=');
                int r;
                key = eq ? strndup(*o, (size_t) (eq - *o)) : strdup(*o);
                if (!key)
                        return -ENOMEM;
                r = eq ? fsconfig(fs, FSCONFIG_SET_STRING, key, eq + 1, 0)
                       : fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0);
                if (r < 0)
                        return negative_errno();
        }
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, mount_attr_bits(attrs));
        if (mnt < 0)
                return negative_errno();
        return RET_NERRNO(move_mount(mnt, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

int bind_mount_on(int target_fd, int source_fd, const char *source, MountAttr attrs) {
        _cleanup_close_ int tree = -EBADF;

        if (!mount_api_available()) {
                _cleanup_free_ char *t = fd_path(target_fd), *s = source_fd >= 0 ? fd_path(source_fd) : NULL;
                if (!t || (source_fd >= 0 && !s))
                        return -ENOMEM;
                char where[4096];
                ssize_t n;
                if (mount(s ?: source, t, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return negative_errno();
                if (attrs == 0)
                        return 0;
                /* The fd still names the covered directory, not the new mount on top of it; the remount
                 * must go through the path. No container process exists yet to race with. */
                n = readlink(t, where, sizeof where - 1);
                if (n < 0)
                        return negative_errno();
                where[n] = 0;
                return RET_NERRNO(mount(NULL, where, NULL, MS_REMOUNT | MS_BIND | mount_flag_bits(attrs), NULL));
        }

        tree = open_tree(source_fd >= 0 ? source_fd : AT_FDCWD, source_fd >= 0 ? "" : source,
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | (source_fd >= 0 ? AT_EMPTY_PATH : 0));
        if (tree < 0)
                return negative_errno();
        return attach_tree_on(target_fd, tree, attrs, 0);
}

int attach_tree_on(int target_fd, int tree_fd, MountAttr attrs, unsigned long propagation) {
        if (attrs != 0) {
                struct mount_attr a = { .attr_set = mount_attr_bits(attrs) };
                if (mount_setattr(tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
                        return negative_errno();
        }
        if (propagation != 0) {
                struct mount_attr a = { .propagation = propagation & ~(unsigned long) MS_REC };
                if (mount_setattr(tree_fd, "", AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0), &a,
                                    sizeof a) < 0)
                        return negative_errno();
        }
        return RET_NERRNO(move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

int bind_mount_idmapped_on(int target_fd, const char *source, int userns_fd) {
        _cleanup_close_ int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };

        if (tree < 0)
                return negative_errno();
        if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
                return negative_errno();
        return RET_NERRNO(move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

int bind_mount_idmapped_tree_on(int target_fd, int source_fd, int userns_fd, MountAttr attrs) {
        _cleanup_close_ int tree =
                        open_tree(source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        /* The idmap goes on every mount of the tree, or on none: the kernel checks them all first. */
        struct mount_attr a = {
                .attr_set = MOUNT_ATTR_IDMAP | mount_attr_bits(attrs),
                .userns_fd = (uint64_t) userns_fd,
        };

        if (tree < 0)
                return negative_errno();
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
                return negative_errno();
        return RET_NERRNO(move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

int remount_on_itself(int fd, MountAttr attrs) {
        return bind_mount_on(fd, fd, NULL, attrs);
}

int mount_set_attrs(int fd, MountAttr attrs) {
        if (!mount_api_available()) {
                _cleanup_free_ char *p = fd_path(fd);
                if (!p)
                        return -ENOMEM;
                return RET_NERRNO(mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | mount_flag_bits(attrs), NULL));
        }
        struct mount_attr a = { .attr_set = mount_attr_bits(attrs) };
        return RET_NERRNO(mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof a));
}

int mountpoint_in_root(int root_fd, const char *path, bool directory) {
        int r = mountpoint_in_root_internal(root_fd, path, directory);

        if (retry_as_root_owner(r, root_fd)) {
                r = mountpoint_in_root_internal(root_fd, path, directory);
                idmapped_access_end();
        }
        return r;
}
