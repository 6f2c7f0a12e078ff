/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "fs-util.h"
#include "log.h"
#include "mount-idmap.h"
#include "mount-propagation.h"
#include "mount-util.h"
#include "mount.h"
#include "strv.h"
#include "network.h"
#include "paths.h"
#include "run-options.h"
#include "volume-mount.h"

/* Docker's masked paths plus Podman's /sys/fs/selinux; and Docker's read-only paths plus /proc/asound. */
static const char *const masked_paths[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/interrupts",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/sys/devices/virtual/powercap",
        "/sys/firmware",
        "/sys/fs/selinux",
};
static const char *const readonly_paths[] = {
        "/proc/asound",
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
};

int mount_foreach_entry(const Container *c,
                int (*fn)(const VolumeSpec *v, size_t index, const char *what, void *userdata), void *userdata) {
        size_t index = 0;
        int r;

        STRV_FOREACH(e, c->spec.volumes) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                if (volume_spec_parse(*e, &vs) >= 0 && (r = fn(&vs, index, "--volume", userdata)) != 0)
                        return r;
                index++;
        }
        STRV_FOREACH(e, c->spec.mounts) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                _cleanup_free_ char *tmpfs_opts = NULL;
                bool tmpfs;
                if (mount_spec_parse(*e, &vs, &tmpfs, &tmpfs_opts) >= 0 && !tmpfs &&
                                (r = fn(&vs, index, "--mount", userdata)) != 0)
                        return r;
                index++;
        }
        return 0;
}

size_t mount_entry_count(const Container *c) {
        return strv_length(c->spec.volumes) + strv_length(c->spec.mounts);
}

/* --userns=auto: every layer through an idmapped mount under run_dir/layers/N, so that the overlay
 * (and copy-up into the upper dir) sees the container's ids. */
static int stage_idmapped_layers(const Container *c, char ***ret) {
        _cleanup_strv_free_ char **staged = NULL;
        size_t i = 0;

        STRV_FOREACH(l, c->image->layer_dirs) {
                char name[32];
                _cleanup_free_ char *dir = NULL;
                _cleanup_close_ int fd = -EBADF;
                int r;

                (void) snprintf(name, sizeof name, "layers/%zu", i++);
                dir = path_join(c->run_dir, name);
                if (!dir || mkdir_p(dir, 0700) < 0 || (fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                        return log_error_errno(dir ? negative_errno() : -ENOMEM, "Failed to create %s: %m", dir ?: name);
                r = bind_mount_idmapped_on(fd, *l, c->userns.ns_fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to make an idmapped mount of layer %s: %m", *l);
                if (strv_consume(&staged, TAKE_PTR(dir)) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(staged);
        return 0;
}

static int mount_overlay(const Container *c, int target_fd) {
        _cleanup_strv_free_ char **staged = NULL;
        char **layers = c->image->layer_dirs;
        size_t n = strv_length(layers);
        _cleanup_free_ char *upper = path_join(c->state_dir, "upper"), *work = path_join(c->state_dir, "work");
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;
        int r;

        if (!upper || !work)
                return log_oom();
        if (n == 0)
                return log_error_errno(-EINVAL, "Image '%s' has no layers.", c->spec.image);
        if (c->userns_auto) {
                r = stage_idmapped_layers(c, &staged);
                if (r < 0)
                        return r;
                assert(staged); /* one idmapped mount per layer, and there are n > 0 of them */
                layers = staged;
        }

        if (mount_api_available()) {
                bool plus = true;
                fs = fsopen("overlay", FSOPEN_CLOEXEC);
                if (fs < 0)
                        return log_error_errno(negative_errno(), "Failed to open an overlay file system context: %m");
                /* "lowerdir+" (Linux 6.8) takes one layer per call, the topmost first, and needs no
                 * escaping. Older kernels reject the key; then fall back to one colon-joined list. */
                for (size_t i = n; i > 0; i--) {
                        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", layers[i - 1], 0) < 0) {
                                if (i == n && errno == EINVAL) {
                                        plus = false;
                                        break;
                                }
                                return log_error_errno(negative_errno(), "Failed to add overlay layer %s: %m",
                                                layers[i - 1]);
                        }
                }
                if (!plus) {
                        _cleanup_free_ char *joined = NULL;
                        for (size_t i = n; i > 0; i--) {
                                char *j;
                                if (strpbrk(layers[i - 1], ":,\\"))
                                        return log_error_errno(-EINVAL, "Layer path %s cannot be given to overlayfs.",
                                                        layers[i - 1]);
                                j = strjoin(joined ?: "", joined ? ":" : "", layers[i - 1]);
                                if (!j)
                                        return log_oom();
                                free(joined);
                                joined = j;
                        }
                        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", joined, 0) < 0)
                                return log_error_errno(negative_errno(), "Failed to set overlay layers: %m");
                }
                if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                                fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
                                fsconfig(fs, FSCONFIG_SET_STRING, "source", "berth", 0) < 0)
                        return log_error_errno(negative_errno(), "Failed to configure the overlay: %m");
                if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                        return log_error_errno(negative_errno(), "Failed to create the overlay of image '%s': %m",
                                        c->spec.image);
                mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
                if (mnt < 0 || move_mount(mnt, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return log_error_errno(negative_errno(), "Failed to mount the overlay: %m");
                return 0;
        }

        /* mount(2): one option string, where ':' and ',' cannot be escaped portably. */
        _cleanup_free_ char *data = strjoin("upperdir=", upper, ",workdir=", work, ",lowerdir=");
        if (!data)
                return log_oom();
        for (size_t i = n; i > 0; i--) {
                char *d;
                if (strpbrk(layers[i - 1], ":,\\") || strpbrk(upper, ":,\\"))
                        return log_error_errno(-EINVAL, "Layer path %s cannot be given to overlayfs.", layers[i - 1]);
                d = strjoin(data, i == n ? "" : ":", layers[i - 1]);
                if (!d)
                        return log_oom();
                free(data);
                data = d;
        }
        r = RET_NERRNO(mount("berth", c->root_mnt, "overlay", 0, data));
        if (r < 0)
                return log_error_errno(r, "Failed to mount the overlay of image '%s': %m", c->spec.image);
        return 0;
}

/* A root already owned by the container's root on the host (podman chowns an image's copy for its
 * --uidmap) is used as it is: an idmapped mount would map its ids a second time. */
static bool rootfs_belongs_to_container_root(const Container *c) {
        struct stat st;

        return stat(c->spec.rootfs, &st) >= 0 && st.st_uid == c->userns.base;
}

int mount_root(const Container *c) {
        _cleanup_close_ int target = -EBADF;
        int r, fd;

        /* Nothing done from here on may propagate back to the host's mount namespace (shared volumes
         * come as clones made by the supervisor). A slave volume needs the host's mounts to reach us. */
        bool slave = mount_wants_slave_root(c) || (c->rootfs_propagation & (MS_SLAVE | MS_SHARED));

        if (mount(NULL, "/", NULL, MS_REC | (slave ? MS_SLAVE : MS_PRIVATE), NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to make the mount tree private: %m");

        target = open(c->root_mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (target < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", c->root_mnt);
        if (c->spec.rootfs && c->userns_auto && !rootfs_belongs_to_container_root(c)) {
                r = bind_mount_idmapped_on(target, c->spec.rootfs, c->userns.ns_fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to make an idmapped mount of --rootfs %s: %m", c->spec.rootfs);
        } else if (c->spec.rootfs) {
                r = bind_mount_on(target, -EBADF, c->spec.rootfs, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to bind-mount --rootfs %s: %m", c->spec.rootfs);
        } else {
                r = mount_overlay(c, target);
                if (r < 0)
                        return r;
        }
        fd = open(c->root_mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the container root: %m");
        return fd;
}

static int mask_path(int root_fd, int null_fd, const char *path) {
        _cleanup_close_ int fd = open_in_root(root_fd, path, O_PATH | O_NOFOLLOW, 0);
        char *opts[] = { "nr_blocks=1", "nr_inodes=1", "mode=0555", NULL };
        struct stat st;
        int r;

        if (fd == -ENOENT)
                return 0;
        if (fd < 0 || fstat(fd, &st) < 0)
                return log_error_errno(fd < 0 ? fd : negative_errno(), "Failed to open %s to mask it: %m", path);
        if (S_ISDIR(st.st_mode))
                r = mount_fs_on(fd, "tmpfs", "tmpfs", opts, MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
        else
                r = bind_mount_on(fd, null_fd, NULL, MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
        if (r < 0)
                return log_error_errno(r, "Failed to mask %s: %m", path);
        return 0;
}

static int readonly_path(int root_fd, const char *path) {
        _cleanup_close_ int fd = open_in_root(root_fd, path, O_PATH | O_NOFOLLOW, 0);
        int r;

        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", path);
        r = remount_on_itself(fd, MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
        if (r < 0)
                return log_error_errno(r, "Failed to make %s read-only: %m", path);
        return 0;
}

/* The host's /dev/null, checked to be the real 1:3 before it is bound over masked files
 * (CVE-2025-31133 swapped the container's /dev/null for a symlink). */
static int open_host_null(void) {
        _cleanup_close_ int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to open /dev/null: %m");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                return log_error_errno(-ENODEV, "/dev/null is not the null device; refusing to use it for masking.");
        return TAKE_FD(fd);
}

static int mount_proc_sys(const Container *c, int root_fd) {
        _cleanup_close_ int proc = -EBADF, sys = -EBADF, cg = -EBADF;
        MountAttr sys_ro = c->spec.privileged ? 0 : MNT_RDONLY;
        int r;

        proc = open_special_dir(root_fd, "proc");
        if (proc < 0)
                return proc;
        r = mount_fs_on(proc, "proc", "proc", NULL, MNT_NOSUID | MNT_NOEXEC | MNT_NODEV);
        if (r < 0)
                return log_error_errno(r, "Failed to mount /proc: %m");

        sys = open_special_dir(root_fd, "sys");
        if (sys < 0)
                return sys;
        r = mount_fs_on(sys, "sysfs", "sysfs", NULL, sys_ro | MNT_NOSUID | MNT_NOEXEC | MNT_NODEV);
        if (r < 0)
                return log_error_errno(r, "Failed to mount /sys: %m");
        /* The container's own cgroup (our cgroup namespace root is the payload cgroup). */
        cg = open_in_root(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
        if (cg >= 0) {
                r = mount_fs_on(cg, "cgroup2", "cgroup2", NULL, sys_ro | MNT_NOSUID | MNT_NOEXEC | MNT_NODEV);
                if (r < 0)
                        return log_error_errno(r, "Failed to mount /sys/fs/cgroup: %m");
        }
        return 0;
}

static int bind_file_from_run_dir(const Container *c, int root_fd, const char *name, const char *dest) {
        _cleanup_free_ char *src = path_join(c->run_dir, name);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!src)
                return log_oom();
        fd = mountpoint_in_root(root_fd, dest, false);
        if (fd < 0)
                return log_error_errno(fd, "Failed to create %s in the container: %m", dest);
        r = bind_mount_on(fd, -EBADF, src,
                        c->spec.read_only ? MNT_RDONLY | MNT_NOSUID | MNT_NODEV : MNT_NOSUID | MNT_NODEV);
        if (r < 0)
                return log_error_errno(r, "Failed to mount %s: %m", dest);
        return 0;
}

static bool user_mount_at(const Container *c, const char *dest) {
        STRV_FOREACH(v, c->spec.volumes) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                if (volume_spec_parse(*v, &vs) >= 0 && streq(vs.destination, dest))
                        return true;
        }
        return false;
}

/* A named volume (lib/volume-mount.h): created if missing, filled from the image when empty, and
 * mounted as its driver options say. */
static int mount_named_volume(const Container *c, int root_fd, const VolumeSpec *v, int userns_fd, const char *what) {
        _cleanup_close_ int dst = -EBADF, mnt = -EBADF;
        int r;

        dst = mountpoint_in_root(root_fd, v->destination, true);
        if (dst < 0)
                return log_error_errno(dst, "%s: cannot create mount point %s in the container: %m", what,
                                v->destination);
        r = volume_mount_prepare_idmapped(v->name, dst,
                        (v->read_only ? VOLUME_MOUNT_READ_ONLY : 0) | (v->nocopy ? VOLUME_MOUNT_NO_COPY : 0),
                        c->run_dir, volume_device_mounts_get(c->device_volumes, v->name), userns_fd, &mnt);
        if (r < 0)
                return r;
        if (move_mount(mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return log_error_errno(negative_errno(), "%s: failed to mount volume '%s' on %s: %m", what, v->name,
                                v->destination);
        return 0;
}

static int add_device_volume(const VolumeSpec *v, size_t index, const char *what, void *userdata) {
        Container *c = userdata;

        return v->named ? volume_device_mounts_add(&c->device_volumes, v->name) : 0;
}

int mount_open_device_volumes(Container *c) {
        int r = mount_foreach_entry(c, add_device_volume, c);

        if (r >= 0)
                r = mount_open_idmap_namespaces(c);
        if (r >= 0)
                r = mount_open_shared_sources(c);
        return r;
}

static int mount_volume(const Container *c, int root_fd, const VolumeSpec *v, size_t index, const char *what) {
        _cleanup_close_ int src = -EBADF, dst = -EBADF;
        int userns_fd = -EBADF;
        struct stat st;
        int r;

        if (v->idmap) {
                userns_fd = mount_idmap_userns(c, index, v, what);
                if (userns_fd < 0)
                        return userns_fd;
        }
        if (v->named)
                return mount_named_volume(c, root_fd, v, userns_fd, what);
        src = open(v->source, O_PATH | O_CLOEXEC);
        if (src < 0 || fstat(src, &st) < 0)
                return log_error_errno(negative_errno(), "%s '%s': source %s: %m", what, v->destination, v->source);
        dst = mountpoint_in_root(root_fd, v->destination, S_ISDIR(st.st_mode));
        if (dst < 0)
                return log_error_errno(dst, "%s: cannot create mount point %s in the container: %m", what,
                                v->destination);
        if (v->idmap) {
                r = bind_mount_idmapped_tree_on(dst, src, userns_fd, v->read_only ? MNT_RDONLY : 0);
                if (r == -EINVAL)
                        return log_error_errno(r,
                                        "%s: cannot make an idmapped mount of %s: its file system (or one "
                                        "mounted below it) does not support idmapped mounts.",
                                        what, v->source);
        } else
                r = mount_bind_with_propagation(c, index, v, dst, src);
        if (r < 0)
                return log_error_errno(r, "%s: failed to mount %s on %s: %m", what, v->source, v->destination);
        return 0;
}

/* --tmpfs DST[:OPTS]: docker's defaults are rw,noexec,nosuid,nodev; OPTS may turn flags back on. */
static int mount_tmpfs(int root_fd, const char *dest, const char *options) {
        _cleanup_strv_free_ char **fs_opts = NULL;
        _cleanup_free_ char *copy = options ? strdup(options) : NULL;
        _cleanup_close_ int fd = -EBADF;
        MountAttr attrs = MNT_NOEXEC | MNT_NOSUID | MNT_NODEV;
        char *save = NULL;
        int r;

        if (options && !copy)
                return log_oom();
        if (!path_is_absolute(dest))
                return log_error_errno(-EINVAL, "--tmpfs '%s': the destination must be absolute.", dest);
        for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
                if (streq(o, "ro"))
                        attrs |= MNT_RDONLY;
                else if (streq(o, "rw"))
                        attrs &= ~MNT_RDONLY;
                else if (streq(o, "exec"))
                        attrs &= ~MNT_NOEXEC;
                else if (streq(o, "noexec"))
                        attrs |= MNT_NOEXEC;
                else if (streq(o, "suid"))
                        attrs &= ~MNT_NOSUID;
                else if (streq(o, "nosuid"))
                        attrs |= MNT_NOSUID;
                else if (streq(o, "dev"))
                        attrs &= ~MNT_NODEV;
                else if (streq(o, "nodev"))
                        attrs |= MNT_NODEV;
                else if (startswith(o, "size=") || startswith(o, "mode=") || startswith(o, "uid=") ||
                                startswith(o, "gid=") || startswith(o, "nr_inodes=") || startswith(o, "nr_blocks=")) {
                        if (strv_extend(&fs_opts, o) < 0)
                                return log_oom();
                } else
                        return log_error_errno(-EINVAL, "--tmpfs '%s': unknown option '%s'.", dest, o);
        }
        fd = mountpoint_in_root(root_fd, dest, true);
        if (fd < 0)
                return log_error_errno(fd, "--tmpfs: cannot create %s in the container: %m", dest);
        r = mount_fs_on(fd, "tmpfs", "tmpfs", fs_opts, attrs);
        if (r < 0)
                return log_error_errno(r, "Failed to mount a tmpfs on %s: %m", dest);
        return 0;
}

static int mount_user_mounts(const Container *c, int root_fd) {
        size_t index = 0; /* volumes, then mounts: as mount_open_idmap_namespaces() counts them */
        int r;

        STRV_FOREACH(v, c->spec.volumes) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                r = volume_spec_parse(*v, &vs);
                if (r < 0)
                        return log_error_errno(r, "Invalid --volume '%s': expected SRC:DST[:ro|rw].", *v);
                r = mount_volume(c, root_fd, &vs, index++, "--volume");
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(m, c->spec.mounts) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                _cleanup_free_ char *tmpfs_opts = NULL;
                bool tmpfs;
                r = mount_spec_parse(*m, &vs, &tmpfs, &tmpfs_opts);
                if (r < 0)
                        return log_error_errno(r,
                                        "Invalid --mount '%s': expected type=bind|volume|tmpfs,"
                                        "source=...,destination=...[,ro].",
                                        *m);
                if (tmpfs) {
                        _cleanup_free_ char *o =
                                        vs.read_only ? strjoin(tmpfs_opts ?: "", tmpfs_opts ? "," : "", "ro") : NULL;
                        r = mount_tmpfs(root_fd, vs.destination, o ?: tmpfs_opts);
                } else
                        r = mount_volume(c, root_fd, &vs, index, "--mount");
                index++;
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(t, c->spec.tmpfs) {
                _cleanup_free_ char *dest = strdup(*t);
                char *colon;
                if (!dest)
                        return log_oom();
                colon = strchr(dest, ':');
                if (colon)
                        *colon = 0;
                r = mount_tmpfs(root_fd, dest, colon ? colon + 1 : NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A config.json mount of a file system type (not a bind mount). */
static int mount_oci_fs(int root_fd, const OciMount *m, size_t i) {
        _cleanup_close_ int fd = mountpoint_in_root(root_fd, m->destination, true);
        int r;

        if (fd < 0)
                return log_error_errno(fd, "config.json mounts[%zu]: cannot create mount point %s in the container: %m",
                                i, m->destination);
        /* "cgroup" is how runc's and crun's default specs ask for the container's cgroup file system;
         * on cgroup v2, which berth targets, that is cgroup2 (the payload cgroup, as the namespace's root). */
        if (streq(m->type, "cgroup") || streq(m->type, "cgroup2"))
                r = mount_fs_on(fd, "cgroup2", "cgroup2", NULL, m->attrs);
        else
                r = mount_fs_on(fd, m->type, m->source, m->data, m->attrs);
        if (r < 0)
                return log_error_errno(r, "config.json mounts[%zu]: failed to mount %s (%s) on %s: %m", i, m->source,
                                m->type, m->destination);
        return 0;
}

/* An OCI container: config.json's mounts in the listed order, and nothing of the runtime's own but
 * the default devices in /dev (the spec's). */
static int mount_oci_entries(const Container *c, int root_fd) {
        bool dev_listed = false;
        int r;

        for (size_t i = 0; i < c->n_oci_mounts; i++)
                dev_listed = dev_listed || streq_ptr(c->oci_mounts[i].destination, "/dev");
        /* No /dev in the list: the runtime's own (as `supervise` makes it), first, so that listed mounts
         * below /dev go on top. Nodes cannot be made in the root itself where it is an idmapped mount
         * of a user namespace's (host root's ids are not mapped there). */
        if (!dev_listed) {
                r = devices_setup(c, root_fd);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_oci_mounts; i++) {
                const OciMount *m = &c->oci_mounts[i];
                if (m->volume >= 0) {
                        _cleanup_(volume_spec_done) VolumeSpec vs = {};
                        char what[48];
                        (void) snprintf(what, sizeof what, "config.json mounts[%zu]", i);
                        r = volume_spec_parse(c->spec.volumes[m->volume], &vs);
                        if (r < 0)
                                return log_error_errno(r, "%s: invalid bind mount.", what);
                        r = mount_volume(c, root_fd, &vs, (size_t) m->volume, what);
                } else
                        r = mount_oci_fs(root_fd, m, i);
                if (r < 0)
                        return r;
        }
        return dev_listed ? devices_populate(c, root_fd) : 0;
}

/* Masked and read-only paths: the runtime's defaults, or an OCI config.json's lists. */
static int mask_paths(const Container *c, int root_fd) {
        _cleanup_close_ int null_fd = -EBADF;
        int r;

        if (c->spec.privileged)
                return 0;
        null_fd = open_host_null();
        if (null_fd < 0)
                return null_fd;
        const char *const *masked = c->masked_paths ? (const char *const *) c->masked_paths : masked_paths;
        const char *const *readonly = c->readonly_paths ? (const char *const *) c->readonly_paths : readonly_paths;
        size_t n_masked = c->masked_paths ? strv_length(c->masked_paths) : ELEMENTSOF(masked_paths);
        size_t n_readonly = c->readonly_paths ? strv_length(c->readonly_paths) : ELEMENTSOF(readonly_paths);

        for (size_t i = 0; i < n_masked; i++) {
                r = mask_path(root_fd, null_fd, masked[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_readonly; i++) {
                r = readonly_path(root_fd, readonly[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mount_container(const Container *c, int root_fd) {
        int r;

        if (c->oci) {
                r = mount_oci_entries(c, root_fd);
                /* Sysctls go through the container's /proc before /proc/sys becomes read-only. */
                if (r >= 0)
                        r = network_apply_sysctls(c, root_fd);
                if (r >= 0)
                        r = mask_paths(c, root_fd);
                return r;
        }
        r = mount_proc_sys(c, root_fd);
        if (r < 0)
                return r;
        r = devices_setup(c, root_fd);
        if (r < 0)
                return r;
        /* Sysctls go through the container's new /proc before /proc/sys becomes read-only. */
        r = network_apply_sysctls(c, root_fd);
        if (r < 0)
                return r;
        r = mask_paths(c, root_fd);
        if (r < 0)
                return r;

        /* Generated network files, unless the user mounts their own there. */
        static const char *const etc_files[][2] = {
                { "hostname", "/etc/hostname" },
                { "hosts", "/etc/hosts" },
                { "resolv.conf", "/etc/resolv.conf" },
        };
        for (size_t i = 0; i < ELEMENTSOF(etc_files) && !c->oci; i++) {
                if (user_mount_at(c, etc_files[i][1]))
                        continue;
                r = bind_file_from_run_dir(c, root_fd, etc_files[i][0], etc_files[i][1]);
                if (r < 0)
                        return r;
        }

        r = mount_user_mounts(c, root_fd);
        if (r < 0)
                return r;

        if (c->notify_proxy) {
                _cleanup_free_ char *src = path_join(c->run_dir, "notify");
                _cleanup_close_ int fd = -EBADF;
                if (!src)
                        return log_oom();
                fd = mountpoint_in_root(root_fd, "/run/notify", true);
                if (fd < 0)
                        return log_error_errno(fd, "Failed to create /run/notify in the container: %m");
                r = bind_mount_on(fd, -EBADF, src, MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
                if (r < 0)
                        return log_error_errno(r, "Failed to mount the notify socket directory: %m");
        }
        return 0;
}

int mount_finish_and_pivot(const Container *c, int root_fd) {
        int r;

        if (c->spec.read_only) {
                r = mount_set_attrs(root_fd, MNT_RDONLY);
                if (r < 0)
                        return log_error_errno(r, "Failed to make the root file system read-only: %m");
        }
        if (fchdir(root_fd) < 0)
                return log_error_errno(negative_errno(), "Failed to enter the container root: %m");
        /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
         * the container's tree in this mount namespace. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return log_error_errno(negative_errno(), "pivot_root failed: %m");
        if (umount2(".", MNT_DETACH) < 0)
                return log_error_errno(negative_errno(), "Failed to detach the old root: %m");
        if (chdir("/") < 0)
                return log_error_errno(negative_errno(), "chdir(\"/\") failed: %m");
        /* OCI linux.rootfsPropagation, on the root as the container sees it (as crun does). */
        if (c->rootfs_propagation && mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to apply linux.rootfsPropagation: %m");
        return 0;
}
