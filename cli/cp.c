/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth cp SRC DST: files between a container and the host, or a tar stream ("-"), as docker cp.
 * The container's side runs in a child process chrooted into the container's root, so every path
 * there, symlinks included, resolves inside it: for a running container its root as its processes
 * see it (/proc/PID/root, its volumes included), for one that does not run its writable layer over
 * its image, mounted privately (a detached overlay mount nobody else sees). The two sides talk tar
 * (cp-archive.h). */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "container-lookup.h"
#include "cp-archive.h"
#include "fs-util.h"
#include "image-store.h"
#include "log.h"
#include "paths.h"

/* One side of the copy: a container's path, a host path, or "-" (a tar stream on stdin or stdout). */
typedef struct CpSide {
        char *container; /* NULL: the host */
        const char *path;
        bool stream;
} CpSide;

static void cp_side_done(CpSide *s) {
        free(s->container);
}

/* Docker's rule: "NAME:PATH" names a container unless what precedes the colon has a '/' (or the
 * argument starts with one), which makes it a local path. */
static int cp_side_parse(const char *arg, CpSide *ret) {
        const char *colon = strchr(arg, ':');

        *ret = (CpSide) { .path = arg, .stream = streq(arg, "-") };
        if (!colon || arg[0] == '/' || arg[0] == '.' || memchr(arg, '/', (size_t) (colon - arg)))
                return 0;
        if (colon == arg || isempty(colon + 1))
                return log_error_errno(-EINVAL, "'%s' is not CONTAINER:PATH: give a container and a path.", arg);
        ret->container = strndup(arg, (size_t) (colon - arg));
        ret->path = colon + 1;
        return ret->container ? 0 : log_oom();
}

static int fsconfig_string(int fs, const char *key, const char *value) {
        return RET_NERRNO((int) syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0));
}

/* The root of a container that does not run: its writable layer over its image's layers, as a
 * detached overlay mount (gone with the last fd to it), or its --rootfs directory. */
static int open_stopped_root(const ContainerRef *ref) {
        const ContainerSpec *spec = &ref->record.spec;
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *image = NULL;
        _cleanup_free_ char *state = NULL, *upper = NULL, *work = NULL, *lower = NULL;
        _cleanup_close_ int fs = -EBADF;
        int r, mnt;

        if (spec->rootfs) {
                r = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                return r < 0 ? log_error_errno(negative_errno(), "Failed to open %s: %m", spec->rootfs) : r;
        }
        /* its layer holds ids shifted into the user namespace: mounted as it is, owners would be wrong */
        if ((spec->userns && !streq(spec->userns, "host")) || spec->uidmap)
                return log_error_errno(-EOPNOTSUPP,
                                "Container '%s' runs in a user namespace; start it to copy files in or out.", ref->name);
        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        r = image_store_lookup(store, spec->image, &image);
        if (r < 0)
                return log_error_errno(r, "Failed to find image '%s' of container '%s': %m", spec->image, ref->name);
        state = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", ref->name);
        upper = state ? path_join(state, "upper") : NULL;
        work = state ? path_join(state, "work") : NULL;
        if (!upper || !work)
                return log_oom();
        /* a created container that never ran has no layer yet */
        r = mkdir_p(upper, 0755);
        if (r >= 0)
                r = mkdir_p(work, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create the writable layer of container '%s': %m", ref->name);
        for (size_t i = strv_length(image->layer_dirs); i > 0; i--) {
                char *l;
                if (strpbrk(image->layer_dirs[i - 1], ":,\\"))
                        return log_error_errno(-EINVAL, "Layer path %s cannot be given to overlayfs.",
                                        image->layer_dirs[i - 1]);
                l = strjoin(lower ?: "", lower ? ":" : "", image->layer_dirs[i - 1]);
                if (!l)
                        return log_oom();
                free(lower);
                lower = l;
        }
        if (!lower)
                return log_error_errno(-EINVAL, "Image '%s' has no layers.", spec->image);
        fs = (int) syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                return log_error_errno(negative_errno(), "Failed to open an overlay file system context: %m");
        r = fsconfig_string(fs, "lowerdir", lower);
        if (r >= 0)
                r = fsconfig_string(fs, "upperdir", upper);
        if (r >= 0)
                r = fsconfig_string(fs, "workdir", work);
        if (r >= 0)
                r = RET_NERRNO((int) syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
        if (r < 0)
                return log_error_errno(r, "Failed to mount the root of container '%s': %m", ref->name);
        mnt = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0)
                return log_error_errno(negative_errno(), "Failed to mount the root of container '%s': %m", ref->name);
        return mnt;
}

/* An fd of the container's root directory. */
static int open_container_root(sd_bus *bus, const char *name, ContainerRef *ref) {
        _cleanup_free_ char *proc = NULL;
        int r, fd;

        r = container_lookup(bus, name, ref);
        if (r < 0)
                return r;
        if (!ref->running) {
                if (!ref->recorded)
                        return log_error_errno(-ESRCH,
                                        "Container '%s' does not run and berth keeps no files of it (it is not "
                                        "berth run's).",
                                        ref->name);
                if (container_unit_is_ended(bus, ref) == 0)
                        return log_error_errno(-EBUSY, "Container '%s' is starting or stopping; try again.", ref->name);
                return open_stopped_root(ref);
        }
        if (asprintf(&proc, "/proc/%d/root", (int) ref->state.pid) < 0)
                return log_oom();
        fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open the root of container '%s': %m", ref->name);
        /* the pid was read under the container's lock; still held now, the fd is that container's root */
        if (!container_is_running(ref->name)) {
                safe_close(fd);
                return log_error_errno(-ESRCH, "Container '%s' stopped.", ref->name);
        }
        return fd;
}

/* The user namespace of a running container: 1 and its maps, or 0 when it has the host's ids. */
static int read_id_map(pid_t pid, CpIdMap *ret) {
        _cleanup_free_ char *uid_path = NULL, *gid_path = NULL, *uids = NULL, *gids = NULL;
        int r;

        if (asprintf(&uid_path, "/proc/%d/uid_map", (int) pid) < 0 ||
                        asprintf(&gid_path, "/proc/%d/gid_map", (int) pid) < 0)
                return -ENOMEM;
        r = read_full_file(uid_path, &uids, NULL);
        if (r >= 0)
                r = read_full_file(gid_path, &gids, NULL);
        if (r >= 0)
                r = cp_id_map_parse(uids, ret->uid, &ret->n_uid);
        if (r >= 0)
                r = cp_id_map_parse(gids, ret->gid, &ret->n_gid);
        if (r < 0)
                return r;
        /* the initial namespace's map: every id is itself */
        return !(ret->n_uid == 1 && ret->uid[0].inside == 0 && ret->uid[0].outside == 0 &&
                        ret->uid[0].count == UINT32_MAX && ret->n_gid == 1 && ret->gid[0].inside == 0 &&
                        ret->gid[0].outside == 0 && ret->gid[0].count == UINT32_MAX);
}

typedef struct CpOptions {
        bool archive, follow_link;
} CpOptions;

/* The container's half, in a child chrooted into root_fd: writes src as tar to fd, or extracts
 * the tar on fd at dest. Exits 0 or 1 (having logged why). */
static _Noreturn void run_container_side(int root_fd, int fd, const CpSide *side, bool source, CpDestination kind,
                const CpIdMap *map, const CpOptions *o) {
        _cleanup_free_ char *where = strjoin("container '", side->container, "'");
        int r;

        if (!where || fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
                log_error_errno(negative_errno(), "Failed to enter the root of container '%s': %m", side->container);
                _exit(EXIT_FAILURE);
        }
        safe_close(root_fd);
        if (source)
                r = cp_archive_write(fd, side->path, o->follow_link, map, where);
        else
                r = cp_archive_extract(fd, side->path, kind, o->archive, map, where);
        if (r == -EPIPE && !source)
                log_error("The copy to container '%s' received no complete archive.", side->container);
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int cp_run(const CpSide *src, const CpSide *dst, const CpOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(container_ref_done) ContainerRef ref = {};
        const CpSide *inside = src->container ? src : dst, *outside = src->container ? dst : src;
        const bool from_container = inside == src;
        _cleanup_close_ int root = -EBADF;
        int pipe_fds[2] = { -EBADF, -EBADF }, child_fd, status, r = 0;
        CpDestination kind = outside->stream ? CP_DEST_DIR_ONLY : CP_DEST_PATH;
        const CpIdMap *map_ptr;
        CpIdMap map = {};
        pid_t pid;

        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        root = open_container_root(bus, inside->container, &ref);
        if (root < 0)
                return root;
        r = ref.running ? read_id_map(ref.state.pid, &map) : 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read the user namespace of container '%s': %m", ref.name);
        map_ptr = r > 0 ? &map : NULL;
        if (outside->stream)
                child_fd = from_container ? STDOUT_FILENO : STDIN_FILENO;
        else {
                if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                        return log_error_errno(negative_errno(), "Failed to create a pipe: %m");
                child_fd = pipe_fds[from_container ? 1 : 0];
        }
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                r = log_error_errno(negative_errno(), "Failed to fork: %m");
                safe_close(pipe_fds[0]);
                safe_close(pipe_fds[1]);
                return r;
        }
        if (pid == 0) {
                safe_close(pipe_fds[from_container ? 0 : 1]);
                run_container_side(root, child_fd, inside, from_container, kind, map_ptr, o);
        }
        if (!outside->stream) {
                safe_close(pipe_fds[from_container ? 1 : 0]);
                if (from_container)
                        r = cp_archive_extract(pipe_fds[0], outside->path, CP_DEST_PATH, o->archive, NULL, "the host");
                else
                        r = cp_archive_write(pipe_fds[1], outside->path, o->follow_link, NULL, "the host");
                safe_close(pipe_fds[from_container ? 0 : 1]);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to wait for the copy: %m");
        /* a failed side logged why; the other then only saw its stream end */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EIO;
        if (r == -EPIPE)
                return log_error_errno(r, "The copy %s container '%s' ended early.", from_container ? "from" : "to",
                                inside->container);
        return r;
}

int verb_cp(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "archive", no_argument, NULL, 'a' },
                { "follow-link", no_argument, NULL, 'L' },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        static const char usage[] = "Usage: berth cp [-a] [-L] CONTAINER:SRC_PATH DEST_PATH|-\n"
                                    "       berth cp [-a] [-L] SRC_PATH|- CONTAINER:DEST_PATH";
        _cleanup_(cp_side_done) CpSide src = {}, dst = {};
        CpOptions o = {};
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+haLq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nCopies a file or directory out of a container or into it; '-' is a tar stream "
                               "on standard output or input.\n\n"
                               "  -a, --archive      keep owners (else the copy is root's)\n"
                               "  -L, --follow-link  follow a symlink that SRC_PATH names\n"
                               "  -q, --quiet        accepted for docker's sake\n",
                                        usage);
                        return 0;
                case 'a':
                        o.archive = true;
                        break;
                case 'L':
                        o.follow_link = true;
                        break;
                case 'q':
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (argc - optind != 2)
                return log_error_errno(-EINVAL, "%s", usage);
        r = cp_side_parse(argv[optind], &src);
        if (r < 0)
                return r;
        r = cp_side_parse(argv[optind + 1], &dst);
        if (r < 0)
                return r;
        if (src.container && dst.container)
                return log_error_errno(-EINVAL, "Copying between containers is not supported: copy through the host.");
        if (!src.container && !dst.container)
                return log_error_errno(-EINVAL, "Neither %s nor %s names a container: write CONTAINER:PATH.",
                                argv[optind], argv[optind + 1]);
        /* a side that stops reading ends the copy with EPIPE, not the process with SIGPIPE */
        (void) signal(SIGPIPE, SIG_IGN);
        return cp_run(&src, &dst, &o);
}
