/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "run-options.h"
#include "strv.h"
#include "volume-mount.h"
#include "volume-store.h"
#include "lock-util.h"

#define COPY_MAX_DEPTH 256

static int dir_is_empty(int dir_fd) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return 0;
        return 1;
}

static int copy_bytes(int in, int out) {
        char buf[64 * 1024];

        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, SIZE_MAX / 2, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
                        return negative_errno();
                break;
        }
        /* Across file systems on older kernels, and for files copy_file_range refuses. */
        for (;;) {
                ssize_t n = read(in, buf, sizeof buf);
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return 0;
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(out, buf + done, (size_t) (n - done));
                        if (w < 0)
                                return negative_errno();
                        done += w;
                }
        }
}

static void copy_metadata(int fd, const struct stat *st) {
        struct timespec times[2] = { st->st_atim, st->st_mtim };

        (void) fchown(fd, st->st_uid, st->st_gid);
        (void) fchmod(fd, st->st_mode & 07777);
        (void) futimens(fd, times);
}

/* Copies the entries of src into dst without following any symlink: the source is the image's tree,
 * which the container's author controls. */
static int copy_tree(int src, int dst, unsigned depth) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int fd, r;

        if (depth > COPY_MAX_DEPTH)
                return -ELOOP;
        fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                const char *n = de->d_name;
                struct stat st;

                if (streq(n, ".") || streq(n, ".."))
                        continue;
                if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int s = -EBADF, t = -EBADF;
                        if (mkdirat(dst, n, 0700) < 0 && errno != EEXIST)
                                return negative_errno();
                        s = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        t = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s < 0 || t < 0)
                                return negative_errno();
                        r = copy_tree(s, t, depth + 1);
                        if (r < 0)
                                return r;
                        copy_metadata(t, &st);
                } else if (S_ISREG(st.st_mode)) {
                        _cleanup_close_ int s = openat(dirfd(d), n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int t =
                                        openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                        if (s < 0 || t < 0)
                                return negative_errno();
                        r = copy_bytes(s, t);
                        if (r < 0)
                                return r;
                        copy_metadata(t, &st);
                } else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t l = readlinkat(dirfd(d), n, target, sizeof target - 1);
                        if (l < 0)
                                return negative_errno();
                        target[l] = 0;
                        if (symlinkat(target, dst, n) < 0)
                                return negative_errno();
                        (void) fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                } else if (S_ISFIFO(st.st_mode)) {
                        if (mkfifoat(dst, n, st.st_mode & 07777) < 0)
                                return negative_errno();
                        (void) fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                }
                /* Device nodes are not copied: the volume lives on the host, where a node an image
                 * chose would outlive the container and its device filter. Sockets mean nothing
                 * without their listener. */
        }
        return 0;
}

/* Docker's copy-up: an empty volume mounted over a directory of the image gets that directory's
 * content, and its owner and mode when the volume has no owner of its own. */
static int copy_up(const Volume *v, int image_dir, int volume_dir) {
        struct stat st;
        int r;

        r = dir_is_empty(volume_dir);
        if (r <= 0)
                return r;
        if (fstat(image_dir, &st) < 0)
                return negative_errno();
        r = copy_tree(image_dir, volume_dir, 0);
        if (r < 0)
                return r;
        if (v->uid == (uid_t) -1 && v->gid == (gid_t) -1) {
                (void) fchown(volume_dir, st.st_uid, st.st_gid);
                (void) fchmod(volume_dir, st.st_mode & 07777);
        }
        return 0;
}

int idmapped_access_begin(uid_t uid, gid_t gid) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        (void) setfsgid(gid);
        (void) setfsuid(uid);
        /* The kernel took CAP_CHOWN, CAP_DAC_OVERRIDE and the like out of the effective set; they are
         * still permitted, so they come back. */
        if (syscall(SYS_capget, &h, d) < 0)
                return negative_errno();
        d[0].effective = d[0].permitted;
        d[1].effective = d[1].permitted;
        return RET_NERRNO((int) syscall(SYS_capset, &h, d));
}

void idmapped_access_end(void) {
        /* Back at fsuid 0, the kernel raises the file system capabilities again by itself. */
        (void) setfsuid(0);
        (void) setfsgid(0);
}

/* Two containers starting with the same new volume must not both copy into it. */
static int lock_copy_up(const char *name) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_STATE), "/volumes/", name);
        int fd;

        if (!dir)
                return log_oom();
        fd = lock_file_take(dir, 0755, ".copy-up.lock");
        if (fd < 0)
                return log_error_errno(fd, "Failed to lock %s/.copy-up.lock: %m", dir);
        return fd;
}

static int record_user(const char *run_dir, const char *name) {
        _cleanup_free_ char *path = path_join(run_dir, VOLUME_USERS_FILE), *line = strjoin(name, "\n");
        _cleanup_close_ int fd = -EBADF;
        size_t l;

        if (!path || !line)
                return log_oom();
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        l = strlen(line);
        if (fd < 0 || write(fd, line, l) != (ssize_t) l)
                return log_error_errno(negative_errno(), "Failed to record volume '%s' in %s: %m", name, path);
        return 0;
}

static const struct {
        const char *name;
        uint64_t set, clear;
} mount_flags[] = {
        { "ro", MOUNT_ATTR_RDONLY, 0 },
        { "rw", 0, MOUNT_ATTR_RDONLY },
        { "nosuid", MOUNT_ATTR_NOSUID, 0 },
        { "suid", 0, MOUNT_ATTR_NOSUID },
        { "nodev", MOUNT_ATTR_NODEV, 0 },
        { "dev", 0, MOUNT_ATTR_NODEV },
        { "noexec", MOUNT_ATTR_NOEXEC, 0 },
        { "exec", 0, MOUNT_ATTR_NOEXEC },
        { "noatime", MOUNT_ATTR_NOATIME, 0 },
        { "relatime", MOUNT_ATTR_RELATIME, 0 },
        { "nodiratime", MOUNT_ATTR_NODIRATIME, 0 },
        { "strictatime", MOUNT_ATTR_STRICTATIME, 0 },
};

/* Splits o= into mount attributes and file system options. */
static int parse_o(const char *o, uint64_t *attrs, char ***fs_opts, bool *recursive) {
        _cleanup_free_ char *copy = strdup(o ?: "");
        char *save = NULL;

        if (!copy)
                return log_oom();
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                bool flag = false;
                for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
                        if (streq(w, mount_flags[i].name)) {
                                *attrs = (*attrs & ~mount_flags[i].clear) | mount_flags[i].set;
                                flag = true;
                        }
                if (flag)
                        continue;
                if (streq(w, "bind") || streq(w, "rbind")) {
                        *recursive = streq(w, "rbind");
                        continue;
                }
                if (strv_extend(fs_opts, w) < 0)
                        return log_oom();
        }
        return 0;
}

static int open_fs_mount(const Volume *v, const char *type, const char *device, char *const *fs_opts, uint64_t attrs) {
        _cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
        int mnt;

        if (fs < 0)
                return log_error_errno(negative_errno(), "Volume '%s': cannot mount a file system of type '%s': %m",
                                v->name, type);
        if (fsconfig(fs, FSCONFIG_SET_STRING, "source", device ?: type, 0) < 0)
                return log_error_errno(negative_errno(), "Volume '%s': invalid device '%s': %m", v->name, device);
        STRV_FOREACH(o, fs_opts) {
                _cleanup_free_ char *key = NULL;
                const char *eq = strchr(*o, '=');
                key = eq ? strndup(*o, (size_t) (eq - *o)) : strdup(*o);
                if (!key)
                        return log_oom();
                if ((eq ? fsconfig(fs, FSCONFIG_SET_STRING, key, eq + 1, 0)
                        : fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0)) < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': option o=%s is refused by %s: %m",
                                        v->name, *o, type);
        }
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return log_error_errno(negative_errno(), "Volume '%s': failed to create the %s file system%s%s: %m",
                                v->name, type, device ? " on " : "", device ?: "");
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned) (attrs & ~(uint64_t) MOUNT_ATTR_RDONLY));
        if (mnt < 0)
                return log_error_errno(negative_errno(), "Volume '%s': failed to mount the %s file system: %m", v->name,
                                type);
        return mnt;
}

static bool volume_is_device_backed(const Volume *v) {
        const char *type = volume_option(v, "type");
        return type && !streq(type, "tmpfs") && !streq(type, "bind") && !streq(type, "none");
}

/* A detached mount of the volume, still writable (read-only comes after copy-up). */
static int open_volume_mount(const Volume *v, int device_mount_fd, uint64_t *ret_attrs) {
        const char *type = volume_option(v, "type"), *device = volume_option(v, "device");
        _cleanup_strv_free_ char **fs_opts = NULL;
        bool recursive = true;
        uint64_t attrs = 0;
        int r, mnt;

        r = parse_o(volume_option(v, "o"), &attrs, &fs_opts, &recursive);
        if (r < 0)
                return r;
        *ret_attrs = attrs;
        if (device_mount_fd >= 0) {
                mnt = fcntl(device_mount_fd, F_DUPFD_CLOEXEC, 3);
                if (mnt < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': cannot duplicate its mount: %m", v->name);
                return mnt;
        }
        if (!type) {
                mnt = open_tree(AT_FDCWD, v->mountpoint, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (mnt < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': cannot open %s: %m", v->name,
                                        v->mountpoint);
                return mnt;
        }
        if (streq(type, "bind") || (streq(type, "none") && strv_contains(fs_opts, "bind"))) {
                mnt = open_tree(AT_FDCWD, device, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
                if (mnt < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': cannot bind %s: %m", v->name, device);
                if (attrs) {
                        struct mount_attr a = { .attr_set = attrs & ~(uint64_t) MOUNT_ATTR_RDONLY };
                        if (mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) {
                                r = log_error_errno(negative_errno(), "Volume '%s': cannot apply o=%s: %m", v->name,
                                                volume_option(v, "o"));
                                safe_close(mnt);
                                return r;
                        }
                }
                return mnt;
        }
        return open_fs_mount(v, type, device, fs_opts, attrs);
}

int volume_mount_prepare(const char *name, int target_fd, VolumeMountFlags flags, const char *container_run_dir,
                int device_mount_fd, int *ret_mount_fd) {
        return volume_mount_prepare_idmapped(name, target_fd, flags, container_run_dir, device_mount_fd, -EBADF,
                        ret_mount_fd);
}

int volume_mount_prepare_idmapped(const char *name, int target_fd, VolumeMountFlags flags,
                const char *container_run_dir, int device_mount_fd, int userns_fd, int *ret_mount_fd) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_close_ int mnt = -EBADF, root = -EBADF, image_dir = -EBADF;
        const char *copy;
        uint64_t attrs = 0;
        int r;

        r = volume_load_or_create(name, &v);
        if (r < 0)
                return log_error_errno(r, "Failed to open volume '%s': %m", name);
        if (container_run_dir) {
                r = record_user(container_run_dir, name);
                if (r < 0)
                        return r;
        }
        mnt = open_volume_mount(v, device_mount_fd, &attrs);
        if (mnt < 0)
                return mnt;

        root = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return log_error_errno(negative_errno(), "Volume '%s': cannot open its root: %m", name);
        /* The owner applies to what the driver mounts too (a fresh tmpfs belongs to root). */
        if ((v->uid != (uid_t) -1 || v->gid != (gid_t) -1) && volume_option(v, "type") && fchown(root, v->uid, v->gid) < 0)
                return log_error_errno(negative_errno(), "Volume '%s': cannot change the owner: %m", name);
        if (userns_fd >= 0) {
                /* The owner above is the host's; from here on ids go through the container's map. */
                struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };
                if (mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': cannot make an idmapped mount of it%s: %m",
                                        name, errno == EINVAL ? " (its file system may not support them)" : "");
                safe_close(root);
                root = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': cannot open its root: %m", name);
        }

        copy = volume_option(v, "copy");
        if (!(flags & VOLUME_MOUNT_NO_COPY) && (!copy || parse_boolean(copy) != 0)) {
                image_dir = openat(target_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (image_dir >= 0) {
                        _cleanup_close_ int lock = lock_copy_up(name);
                        if (lock < 0)
                                return lock;
                        struct stat st;
                        /* Through an idmapped mount, as the owner its root shows (the container's root
                         * for a volume root owns): host root is not mapped there. */
                        if (userns_fd >= 0 && (fstat(root, &st) < 0 || idmapped_access_begin(st.st_uid, st.st_gid) < 0))
                                return log_error_errno(negative_errno(), "Volume '%s': cannot take its owner's ids: %m",
                                                name);
                        r = copy_up(v, image_dir, root);
                        if (userns_fd >= 0)
                                idmapped_access_end();
                        if (r < 0)
                                return log_error_errno(r, "Volume '%s': failed to copy the image's content into it: %m",
                                                name);
                }
        }

        if ((flags & VOLUME_MOUNT_READ_ONLY) || (attrs & MOUNT_ATTR_RDONLY)) {
                struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
                if (mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
                        return log_error_errno(negative_errno(), "Volume '%s': cannot make it read-only: %m", name);
        }
        *ret_mount_fd = TAKE_FD(mnt);
        return 0;
}

struct VolumeDeviceMounts {
        char **names;
        int *fds;
        size_t n;
};

int volume_device_mounts_add(VolumeDeviceMounts **m, const char *name) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_strv_free_ char **fs_opts = NULL;
        _cleanup_close_ int mnt = -EBADF;
        bool recursive = true;
        uint64_t attrs = 0;
        int r, *fds;

        if (volume_device_mounts_get(*m, name) >= 0)
                return 0;
        r = volume_load(name, &v);
        if (r == -ENOENT)
                return 0; /* made by the child, without options */
        if (r < 0)
                return log_error_errno(r, "Failed to open volume '%s': %m", name);
        if (!volume_is_device_backed(v))
                return 0;
        r = parse_o(volume_option(v, "o"), &attrs, &fs_opts, &recursive);
        if (r < 0)
                return r;
        mnt = open_fs_mount(v, volume_option(v, "type"), volume_option(v, "device"), fs_opts, attrs);
        if (mnt < 0)
                return mnt;
        if (!*m && !(*m = calloc(1, sizeof **m)))
                return log_oom();
        fds = reallocarray((*m)->fds, (*m)->n + 1, sizeof(int));
        if (!fds)
                return log_oom();
        (*m)->fds = fds;
        if (strv_extend(&(*m)->names, name) < 0)
                return log_oom();
        (*m)->fds[(*m)->n++] = TAKE_FD(mnt);
        return 0;
}

int volume_device_mounts_get(const VolumeDeviceMounts *m, const char *name) {
        for (size_t i = 0; m && i < m->n; i++)
                if (streq(m->names[i], name))
                        return m->fds[i];
        return -EBADF;
}

VolumeDeviceMounts *volume_device_mounts_free(VolumeDeviceMounts *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n; i++)
                safe_close(m->fds[i]);
        free(m->fds);
        strv_free(m->names);
        free(m);
        return NULL;
}
