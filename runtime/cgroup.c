/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"

void cgroup_paths_done(CgroupPaths *c) {
        free(c->mount);
        free(c->own);
        free(c->supervisor);
        free(c->payload);
        *c = (CgroupPaths) {};
}

int cgroup2_mount_from_mountinfo(const char *mountinfo, char **ret_mount, char **ret_root) {
        _cleanup_free_ char *copy = strdup(mountinfo);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
                char root[4096], point[4096];
                const char *sep = strstr(line, " - ");
                if (!sep || !startswith(sep + 3, "cgroup2 "))
                        continue;
                if (sscanf(line, "%*u %*u %*u:%*u %4095s %4095s", root, point) != 2)
                        continue;
                /* mountinfo escapes space, tab, newline and backslash as \ooo; cgroup paths have none
                 * in practice, and an escaped one would simply not be found later. */
                *ret_mount = strdup(point);
                *ret_root = strdup(root);
                if (!*ret_mount || !*ret_root) {
                        free(*ret_mount);
                        free(*ret_root);
                        return -ENOMEM;
                }
                return 0;
        }
        return -ENOENT;
}

int cgroup2_path_from_proc(const char *text, char **ret) {
        const char *p = startswith(text, "0::") ? text + 3 : strstr(text, "\n0::");

        if (!p)
                return -ENOENT;
        if (p != text + 3)
                p += 4;
        *ret = strndup(p, strcspn(p, "\n"));
        return *ret ? 0 : -ENOMEM;
}

static int write_string(const char *dir, const char *file, const char *value) {
        _cleanup_free_ char *p = path_join(dir, file);
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(value);

        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (write(fd, value, l) != (ssize_t) l)
                return negative_errno();
        return 0;
}

static int move_pid(const char *dir, pid_t pid) {
        char buf[32];

        (void) snprintf(buf, sizeof buf, "%d", (int) pid);
        return write_string(dir, "cgroup.procs", buf);
}

/* Finds the cgroup2 mount and our own cgroup below it; returns the relative path in *ret_rel. */
static int cgroup_locate(CgroupPaths *c, char **ret_rel) {
        _cleanup_free_ char *mountinfo = NULL, *self = NULL, *own_rel = NULL, *root = NULL;
        const char *rel;
        int r;

        r = read_full_file("/proc/self/mountinfo", &mountinfo, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read /proc/self/mountinfo: %m");
        r = cgroup2_mount_from_mountinfo(mountinfo, &c->mount, &root);
        if (r == -ENOENT)
                return log_error_errno(r, "No cgroup2 file system is mounted; berth-runtime needs cgroup v2.");
        if (r < 0)
                return log_oom();

        r = read_full_file("/proc/self/cgroup", &self, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read /proc/self/cgroup: %m");
        r = cgroup2_path_from_proc(self, &own_rel);
        if (r == -ENOENT)
                return log_error_errno(r, "/proc/self/cgroup has no cgroup v2 entry (\"0::\").");
        if (r < 0)
                return log_oom();

        /* A mount of a subtree (root != "/") shows only what is below its root. */
        rel = own_rel;
        if (!streq(root, "/")) {
                const char *s = startswith(own_rel, root);
                if (!s || (*s != 0 && *s != '/'))
                        return log_error_errno(-ENOENT, "Our cgroup %s is not below the cgroup2 mount's root %s.",
                                        own_rel, root);
                rel = s;
        }
        *ret_rel = strdup(rel);
        return *ret_rel ? 0 : log_oom();
}

int cgroup_setup_payload_at(CgroupPaths *c, const char *path) {
        _cleanup_free_ char *rel = NULL;
        int r;

        if (c->payload)
                return 0;
        r = cgroup_locate(c, &rel);
        if (r < 0)
                return r;
        c->own = strjoin(c->mount, rel);
        if (!c->own)
                return log_oom();
        c->payload = path_is_absolute(path) ? strjoin(c->mount, path) : path_join(c->own, path);
        if (!c->payload)
                return log_oom();
        if (strstr(path, ".."))
                return log_error_errno(-EINVAL, "cgroup path '%s' may not contain '..'.", path);
        r = mkdir_p(c->payload, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create cgroup %s: %m", c->payload);
        if (cgroup_payload_populated(c))
                return log_error_errno(-EBUSY, "Cgroup %s already holds processes.", c->payload);
        return 0;
}

int cgroup_setup(CgroupPaths *c) {
        _cleanup_free_ char *owned = NULL;
        const char *rel;
        int r;

        r = cgroup_locate(c, &owned);
        if (r < 0)
                return r;
        rel = owned;
        if (isempty(rel) || streq(rel, "/"))
                return log_error_errno(-EPERM,
                                "berth-runtime runs in the root cgroup; start it in its own delegated cgroup "
                                "(a unit with Delegate=yes).");
        /* With systemd's DelegateSubgroup=supervisor we already are in our leaf. */
        if (endswith(rel, "/supervisor")) {
                c->own = strjoin(c->mount, rel);
                if (c->own)
                        c->own[strlen(c->own) - strlen("/supervisor")] = 0;
        } else
                c->own = strjoin(c->mount, rel);
        c->supervisor = c->own ? path_join(c->own, "supervisor") : NULL;
        c->payload = c->own ? path_join(c->own, "payload") : NULL;
        if (!c->supervisor || !c->payload)
                return log_oom();

        if (mkdir(c->supervisor, 0755) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "Failed to create cgroup %s: %m", c->supervisor);
        if (mkdir(c->payload, 0755) < 0) {
                if (errno != EEXIST)
                        return log_error_errno(negative_errno(), "Failed to create cgroup %s: %m", c->payload);
                /* Left over by a runtime that was killed: reusable only when nothing runs in it. */
                if (cgroup_payload_populated(c))
                        return log_error_errno(-EBUSY,
                                        "Cgroup %s already holds running processes: is another container "
                                        "running in this unit?",
                                        c->payload);
        }
        r = move_pid(c->supervisor, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to move the runtime into %s: %m", c->supervisor);
        c->moved = true;
        return 0;
}

/* Whether the space-separated list in dir/file names word. */
static int file_lists(const char *dir, const char *file, const char *word) {
        _cleanup_free_ char *p = path_join(dir, file), *text = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        r = read_full_file(p, &text, NULL);
        if (r < 0)
                return r;
        for (char *save = NULL, *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
                if (streq(w, word))
                        return 1;
        return 0;
}

int cgroup_enable_controller(const CgroupPaths *c, const char *controller, const char *why) {
        _cleanup_strv_free_ char **todo = NULL; /* the cgroups to enable it in, lowest first */
        _cleanup_free_ char *dir = NULL, *plus = strjoin("+", controller);
        const char *bound;
        int r;

        if (!plus)
                return log_oom();
        /* A payload below our own cgroup: nothing above our own is ours to change. Elsewhere (an
         * absolute cgroupsPath), the caller chose the place, as with runc and crun. */
        bound = c->own && startswith(c->payload, c->own) && c->payload[strlen(c->own)] == '/' ? c->own : NULL;
        dir = strdup(c->payload);
        if (!dir)
                return log_oom();
        for (;;) {
                char *slash = strrchr(dir, '/');
                if (!slash || slash == dir || strlen(dir) <= strlen(c->mount))
                        break; /* the payload is the root itself: nothing is above it */
                *slash = 0;
                r = file_lists(dir, "cgroup.subtree_control", controller);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s/cgroup.subtree_control: %m", dir);
                if (r > 0)
                        break;
                /* The root's subtree_control belongs to the host's manager. */
                if (streq(dir, c->mount))
                        return log_error_errno(-EOPNOTSUPP,
                                        "%s set but the cgroup v2 %s controller is not "
                                        "available in %s.",
                                        why, controller, dir);
                if (strv_extend(&todo, dir) < 0)
                        return log_oom();
                if (bound && streq(dir, bound))
                        break;
        }
        for (size_t i = strv_length(todo); todo && i > 0; i--) {
                const char *d = todo[i - 1];
                r = file_lists(d, "cgroup.controllers", controller);
                if (r < 0)
                        return log_error_errno(r, "Failed to read %s/cgroup.controllers: %m", d);
                if (r == 0)
                        return log_error_errno(-EOPNOTSUPP,
                                        "%s set but the cgroup v2 %s controller is not available "
                                        "in %s.",
                                        why, controller, d);
                r = write_string(d, "cgroup.subtree_control", plus);
                if (r == -EBUSY)
                        return log_error_errno(r,
                                        "%s set but the cgroup v2 %s controller cannot be enabled in %s: "
                                        "it holds processes (cgroup v2 allows controllers only for cgroups whose "
                                        "parent holds none; give linux.cgroupsPath an empty parent).",
                                        why, controller, d);
                if (r < 0)
                        return log_error_errno(r,
                                        "%s set but the cgroup v2 %s controller cannot be enabled in "
                                        "%s/cgroup.subtree_control: %m",
                                        why, controller, d);
        }
        return 0;
}

int cgroup_open_payload(const CgroupPaths *c) {
        int fd = open(c->payload, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open cgroup %s: %m", c->payload);
        return fd;
}

int cgroup_enter_payload(const CgroupPaths *c, pid_t pid) {
        int r = move_pid(c->payload, pid);
        if (r < 0)
                return log_error_errno(r, "Failed to move the container into %s: %m", c->payload);
        return 0;
}

bool cgroup_payload_populated(const CgroupPaths *c) {
        _cleanup_free_ char *p = path_join(c->payload, "cgroup.events"), *text = NULL;

        if (!p || read_full_file(p, &text, NULL) < 0)
                return false;
        return strstr(text, "populated 1") != NULL;
}

int cgroup_kill_payload(const CgroupPaths *c) {
        int r = write_string(c->payload, "cgroup.kill", "1");
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to kill the processes of %s: %m", c->payload);
        return r == -ENOENT ? 0 : r;
}

/* Waits for "populated 0": cgroup.events signals changes with POLLPRI. */
static int wait_until_empty(const CgroupPaths *c, int timeout_ms) {
        _cleanup_free_ char *p = path_join(c->payload, "cgroup.events");
        _cleanup_close_ int fd = -EBADF;
        struct timespec start, now;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        (void) clock_gettime(CLOCK_MONOTONIC, &start);
        while (cgroup_payload_populated(c)) {
                struct pollfd pfd = { .fd = fd, .events = POLLPRI };
                long elapsed;
                (void) clock_gettime(CLOCK_MONOTONIC, &now);
                elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms)
                        return -ETIMEDOUT;
                (void) poll(&pfd, 1, (int) MIN(timeout_ms - elapsed, 100L));
        }
        return 0;
}

int cgroup_teardown(CgroupPaths *c) {
        int r, ret = 0;

        if (!c->payload)
                return 0;
        if (cgroup_payload_populated(c)) {
                (void) cgroup_kill_payload(c);
                r = wait_until_empty(c, 5000);
                if (r < 0)
                        ret = log_error_errno(r, "Processes in %s did not go away: %m", c->payload);
        }
        if (rmdir(c->payload) < 0 && errno != ENOENT)
                ret = log_error_errno(negative_errno(), "Failed to remove cgroup %s: %m", c->payload);
        if (c->moved) {
                r = move_pid(c->own, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to move the runtime back to %s: %m", c->own);
                c->moved = false;
        }
        if (c->supervisor && rmdir(c->supervisor) < 0 && errno != ENOENT && errno != EBUSY)
                ret = log_error_errno(negative_errno(), "Failed to remove cgroup %s: %m", c->supervisor);
        return ret;
}
