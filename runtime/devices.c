/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "device-spec.h"
#include "devices.h"
#include "fs-util.h"
#include "log.h"
#include "mount-util.h"
#include "parse-util.h"

int open_special_dir(int root_fd, const char *name) {
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, root_fd, name, &how, sizeof how);

        if (fd < 0 && errno == ENOENT) {
                if (mkdirat(root_fd, name, 0755) < 0 && errno != EEXIST)
                        return log_error_errno(negative_errno(), "Failed to create /%s in the container: %m", name);
                fd = (int) syscall(SYS_openat2, root_fd, name, &how, sizeof how);
        }
        if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
                return log_error_errno(-ELOOP, "The image's /%s is not a plain directory; refusing to mount over it.",
                                name);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open /%s in the container: %m", name);
        return fd;
}

static const struct {
        const char *name;
        unsigned major, minor;
} default_devices[] = {
        { "null", 1, 3 },
        { "zero", 1, 5 },
        { "full", 1, 7 },
        { "random", 1, 8 },
        { "urandom", 1, 9 },
        { "tty", 5, 0 },
};

static const struct {
        const char *name;
        const char *target;
} default_links[] = {
        { "fd", "/proc/self/fd" },
        { "stdin", "/proc/self/fd/0" },
        { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" },
        { "ptmx", "pts/ptmx" },
        { "core", "/proc/kcore" },
};

static int make_node(int dev_fd, const char *name, mode_t type, dev_t rdev, mode_t mode) {
        if (mknodat(dev_fd, name, type | mode, rdev) < 0)
                return log_error_errno(negative_errno(), "Failed to create /dev/%s: %m", name);
        /* mknod obeys the umask; the mode must be exactly what was asked. */
        if (fchmodat(dev_fd, name, mode, 0) < 0)
                return log_error_errno(negative_errno(), "Failed to chmod /dev/%s: %m", name);
        return 0;
}

/* A node at inside (under /dev) in the container, replacing what is there: for --device and
 * config.json's linux.devices alike. */
static int make_node_in_root(int root_fd, const char *inside, mode_t type, dev_t rdev, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const char *base = strrchr(inside, '/');

        parent = strndup(inside, (size_t) (base - inside));
        if (!parent)
                return log_oom();
        dfd = mkdir_in_root(root_fd, parent, 0755);
        if (dfd < 0)
                return log_error_errno(dfd, "Failed to create %s in the container: %m", parent);
        (void) unlinkat(dfd, base + 1, 0);
        if (mknodat(dfd, base + 1, type | 0600, rdev) < 0 || fchmodat(dfd, base + 1, mode & 07777, 0) < 0 ||
                        fchownat(dfd, base + 1, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(negative_errno(), "Failed to create %s in the container: %m", inside);
        return 0;
}

/* --device HOST[:CONTAINER][:PERMS]: the node is recreated with the host's numbers. */
static int add_host_device(int root_fd, const char *spec) {
        _cleanup_(device_spec_done) DeviceSpec d = {};
        const char *host, *inside;
        struct stat st;
        int r;

        r = device_spec_parse(spec, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "--device '%s': expected " DEVICE_SPEC_EXPECTED ".", spec);
        /* permissions: enforced by the device cgroup program (device_rule_from_spec) */
        host = d.host;
        inside = d.container;
        if (stat(host, &st) < 0)
                return log_error_errno(negative_errno(), "--device '%s': %s: %m", spec, host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_error_errno(-ENODEV, "--device '%s': %s is not a device node.", spec, host);
        return make_node_in_root(root_fd, inside, st.st_mode & S_IFMT, st.st_rdev, st.st_mode, st.st_uid, st.st_gid);
}

int device_rule_from_spec(const char *spec, DeviceRule *ret) {
        _cleanup_(device_spec_done) DeviceSpec d = {};
        struct stat st;
        unsigned access;
        int r;

        r = device_spec_parse(spec, &d);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || device_access_from_string(d.perms, &access) < 0)
                return log_error_errno(-EINVAL, "--device '%s': expected " DEVICE_SPEC_EXPECTED ".", spec);
        if (stat(d.host, &st) < 0)
                return log_error_errno(negative_errno(), "--device '%s': %s: %m", spec, d.host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_error_errno(-ENODEV, "--device '%s': %s is not a device node.", spec, d.host);
        *ret = (DeviceRule) {
                .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
                .major = major(st.st_rdev),
                .minor = minor(st.st_rdev),
                .access = access,
        };
        return 0;
}

/* The default devices and links, where there is nothing of that name yet. */
static int make_default_nodes(int dev) {
        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                int r;
                if (faccessat(dev, default_devices[i].name, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                        continue;
                r = make_node(dev, default_devices[i].name, S_IFCHR,
                                makedev(default_devices[i].major, default_devices[i].minor), 0666);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(default_links); i++)
                if (symlinkat(default_links[i].target, dev, default_links[i].name) < 0 && errno != EEXIST)
                        return log_error_errno(negative_errno(), "Failed to create /dev/%s: %m", default_links[i].name);
        return 0;
}

/* --device entries and config.json's linux.devices. */
static int make_extra_devices(const Container *c, int root_fd) {
        int r;

        STRV_FOREACH(d, c->spec.devices) {
                r = add_host_device(root_fd, *d);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_oci_devices; i++) {
                const OciDevice *d = &c->oci_devices[i];
                r = make_node_in_root(root_fd, d->path, d->type, d->rdev, d->mode, d->uid, d->gid);
                if (r < 0)
                        return r;
        }
        return 0;
}

int devices_setup(const Container *c, int root_fd) {
        _cleanup_close_ int mp = -EBADF, dev = -EBADF, pts = -EBADF, shm = -EBADF, mq = -EBADF;
        char *dev_opts[] = { "mode=755", "size=65536k", NULL };
        char *pts_opts[] = { "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
        char shm_size[40] = "size=65536k"; /* Docker's 64M unless --shm-size says */
        char *shm_opts[] = { "mode=1777", shm_size, NULL };
        int r;

        if (c->spec.shm_size) {
                uint64_t size;
                r = parse_size(c->spec.shm_size, &size);
                if (r < 0)
                        return log_error_errno(r, "Invalid --shm-size '%s'.", c->spec.shm_size);
                (void) snprintf(shm_size, sizeof shm_size, "size=%" PRIu64, size);
        }

        mp = open_special_dir(root_fd, "dev");
        if (mp < 0)
                return mp;
        r = mount_fs_on(mp, "tmpfs", "tmpfs", dev_opts, MNT_NOSUID);
        if (r < 0)
                return log_error_errno(r, "Failed to mount a tmpfs on /dev: %m");
        /* The fresh tmpfs, not whatever the image had. */
        dev = open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY, 0);
        if (dev < 0)
                return log_error_errno(dev, "Failed to open the new /dev: %m");

        r = make_default_nodes(dev);
        if (r < 0)
                return r;

        if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 || mkdirat(dev, "mqueue", 0755) < 0)
                return log_error_errno(negative_errno(), "Failed to create directories in /dev: %m");
        pts = openat(dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        shm = openat(dev, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        mq = openat(dev, "mqueue", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pts < 0 || shm < 0 || mq < 0)
                return log_error_errno(negative_errno(), "Failed to open directories in /dev: %m");
        r = mount_fs_on(pts, "devpts", "devpts", pts_opts, MNT_NOSUID | MNT_NOEXEC);
        if (r < 0)
                return log_error_errno(r, "Failed to mount devpts on /dev/pts: %m");
        r = mount_fs_on(shm, "tmpfs", "shm", shm_opts, MNT_NOSUID | MNT_NOEXEC | MNT_NODEV);
        if (r < 0)
                return log_error_errno(r, "Failed to mount a tmpfs on /dev/shm: %m");
        r = mount_fs_on(mq, "mqueue", "mqueue", NULL, MNT_NOSUID | MNT_NOEXEC | MNT_NODEV);
        if (r < 0)
                return log_error_errno(r, "Failed to mount mqueue on /dev/mqueue: %m");

        return make_extra_devices(c, root_fd);
}

int devices_populate(const Container *c, int root_fd) {
        _cleanup_close_ int dev = mkdir_in_root(root_fd, "/dev", 0755);
        int r;

        if (dev < 0)
                return log_error_errno(dev, "Failed to open /dev in the container: %m");
        r = make_default_nodes(dev);
        if (r < 0)
                return r;
        return make_extra_devices(c, root_fd);
}
