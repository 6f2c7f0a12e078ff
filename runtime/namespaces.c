/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "config.h"
#include "container.h"
#include "fs-util.h"
#include "log.h"
#include "namespace-spec.h"
#include "namespaces.h"
#include "paths.h"
#include "running-containers.h"
#include "state.h"

static const struct {
        const char *name;
        int flag;
} namespace_kinds[] = {
        { "pid", CLONE_NEWPID },
        { "network", CLONE_NEWNET },
        { "mount", CLONE_NEWNS },
        { "ipc", CLONE_NEWIPC },
        { "uts", CLONE_NEWUTS },
        { "user", CLONE_NEWUSER },
        { "cgroup", CLONE_NEWCGROUP },
        { "time", CLONE_NEWTIME },
};

void namespace_paths_done(NamespacePaths *p) {
        free(p->pid);
        free(p->mnt);
        free(p->cgroup);
        free(p->time);
        free(p->user);
        free(p->time_offsets);
        *p = (NamespacePaths) {};
}

int namespace_flag_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(namespace_kinds); i++)
                if (streq(namespace_kinds[i].name, name))
                        return namespace_kinds[i].flag;
        return 0;
}

const char *namespace_flag_to_name(int flag) {
        for (size_t i = 0; i < ELEMENTSOF(namespace_kinds); i++)
                if (namespace_kinds[i].flag == flag)
                        return namespace_kinds[i].name;
        return NULL;
}

int namespace_open(const char *path, int flag, int *ret_actual) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int type;

        if (ret_actual)
                *ret_actual = 0;
        if (fd < 0)
                return negative_errno();
        /* Any other file answers ENOTTY (or EINVAL on some file systems): not a namespace. */
        type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0)
                return -ENOTTY;
        if (ret_actual)
                *ret_actual = type;
        if (type != flag)
                return -EINVAL;
        return TAKE_FD(fd);
}

int namespace_check(const char *path, int flag, const char *what) {
        int actual, fd = namespace_open(path, flag, &actual);

        if (fd >= 0) {
                safe_close(fd);
                return 0;
        }
        if (fd == -ENOTTY)
                return log_error_errno(-EINVAL, "%s: %s is not a namespace file (expected one like /proc/PID/ns/%s).",
                                what, path,
                                flag == CLONE_NEWNET  ? "net"
                                : flag == CLONE_NEWNS ? "mnt"
                                                      : namespace_flag_to_name(flag));
        if (fd == -EINVAL)
                return log_error_errno(-EINVAL, "%s: %s is a namespace of type %s, not %s.", what, path,
                                namespace_flag_to_name(actual) ?: "unknown", namespace_flag_to_name(flag));
        return log_error_errno(fd, "%s: cannot open %s: %m", what, path);
}

/* One --ipc/--pid/--uts/--userns value into the path of the namespace to join; NULL: a new one. */
static int option_namespace_path(const char *option, const char *value, int flag, char **ret) {
        const char *file = flag == CLONE_NEWNET ? "net" : namespace_flag_to_name(flag), *other;
        _cleanup_free_ char *path = NULL, *what = NULL;
        pid_t pid;
        int r;

        *ret = NULL;
        /* --userns=container:NAME comes here too; its other forms are handled by the caller. */
        r = namespace_option_parse(value, &other);
        if (r == NAMESPACE_OPTION_PRIVATE)
                return 0;
        if (r == NAMESPACE_OPTION_HOST)
                /* The supervisor's: the host's, where systemd started us. */
                pid = getpid();
        else if (r == NAMESPACE_OPTION_CONTAINER) {
                r = running_container_pid(other, &pid);
                if (r < 0)
                        return log_error_errno(r, "--%s=%s: the container must be running.", option, value);
        } else
                return log_error_errno(-EINVAL, "Invalid --%s=%s: expected " NAMESPACE_OPTION_EXPECTED ".", option,
                                value);
        if (asprintf(&path, "/proc/%d/ns/%s", (int) pid, file) < 0 || asprintf(&what, "--%s=%s", option, value) < 0)
                return log_oom();
        r = namespace_check(path, flag, what);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(path);
        return 0;
}

/* --uts shares the host name: the container's /etc/hostname and HOSTNAME say what that namespace's is. */
static int take_hostname(Container *c) {
        _cleanup_free_ char *name = NULL, *h = NULL;
        const char *other = startswith(c->spec.uts, "container:");

        if (other) {
                _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", other, "/hostname");
                if (!path)
                        return log_oom();
                if (read_full_file(path, &name, NULL) < 0)
                        return 0; /* the container's own default stays; the kernel's name is the shared one
                                   */
                name[strcspn(name, "\n")] = 0;
        } else {
                char buf[HOST_NAME_MAX + 1] = {};
                if (gethostname(buf, sizeof buf - 1) < 0)
                        return 0;
                name = strdup(buf);
        }
        if (!name || !(h = strjoin("HOSTNAME=", name)) || env_set(&c->process.env, h) < 0)
                return log_oom();
        free(c->process.hostname);
        c->process.hostname = TAKE_PTR(name);
        return 0;
}

int namespaces_from_options(Container *c) {
        const char *u = c->spec.userns, *arg;
        int kind, r;

        if (c->spec.pod && (!isempty(c->spec.ipc) || !isempty(c->spec.uts)))
                return log_error_errno(-EINVAL, "--ipc and --uts cannot be combined with --pod: the pod's namespaces "
                                                "are joined.");
        if (!c->spec.pod) {
                r = option_namespace_path("ipc", c->spec.ipc, CLONE_NEWIPC, &c->join_ipcns);
                if (r >= 0)
                        r = option_namespace_path("uts", c->spec.uts, CLONE_NEWUTS, &c->join_utsns);
                if (r >= 0 && c->join_utsns)
                        r = take_hostname(c);
                if (r < 0)
                        return r;
        }
        r = option_namespace_path("pid", c->spec.pid, CLONE_NEWPID, &c->ns.pid);
        if (r < 0)
                return r;

        kind = userns_option_parse(u, &arg);
        if (kind < 0)
                return log_error_errno(-EINVAL, "Invalid --userns=%s: expected " USERNS_OPTION_EXPECTED ".", u);
        if (kind == USERNS_OPTION_CONTAINER || kind == USERNS_OPTION_PATH) {
                if (c->spec.uidmap || c->spec.gidmap)
                        return log_error_errno(-EINVAL,
                                        "--userns=%s and --uidmap/--gidmap cannot be combined: the "
                                        "user namespace joined has its maps.",
                                        u);
                if (kind == USERNS_OPTION_PATH) {
                        r = namespace_check(arg, CLONE_NEWUSER, "--userns");
                        if (r < 0)
                                return r;
                        c->ns.user = strdup(arg);
                        if (!c->ns.user)
                                return log_oom();
                } else {
                        r = option_namespace_path("userns", u, CLONE_NEWUSER, &c->ns.user);
                        if (r < 0)
                                return r;
                }
                /* As a new one is: idmapped root and layers, the user namespace entered last. */
                c->userns_auto = true;
                c->userns = USERNS_NULL;
                c->userns.join_path = c->ns.user;
        }
        return 0;
}

uint64_t namespaces_clone_flags(const Container *c) {
        /* A mount namespace is made even when one is joined: until the setns(), nothing the child does
         * can reach the host's mount table. */
        uint64_t flags = CLONE_NEWNS | (c->ns.pid ? 0 : CLONE_NEWPID) | (c->join_utsns ? 0 : CLONE_NEWUTS) |
                         (c->join_ipcns ? 0 : CLONE_NEWIPC) | (c->network == NETWORK_PRIVATE ? CLONE_NEWNET : 0);

        /* OCI: what linux.namespaces does not list is the runtime's own, neither made nor joined. */
        return flags & ~(uint64_t) c->ns_inherit;
}

static int write_time_offsets(const char *text) {
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(text);

        if (l == 0)
                return 0;
        /* Only until the first process enters the namespace: that is why we write it and not the child. */
        fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, text, l) != (ssize_t) l)
                return log_error_errno(negative_errno(), "Failed to set the time namespace's clock offsets: %m");
        return 0;
}

int namespaces_before_clone(const Container *c, NamespacesSaved *saved) {
        int r;

        *saved = NAMESPACES_SAVED_NULL;
        if (c->ns.pid) {
                _cleanup_close_ int fd = namespace_open(c->ns.pid, CLONE_NEWPID, NULL);
                if (fd < 0)
                        return log_error_errno(fd, "Failed to open the pid namespace %s: %m", c->ns.pid);
                saved->pid_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (saved->pid_fd < 0)
                        return log_error_errno(negative_errno(), "Failed to open our own pid namespace: %m");
                /* Our pid_for_children: the clone is born there; we ourselves stay where we are. */
                if (setns(fd, CLONE_NEWPID) < 0) {
                        r = log_error_errno(negative_errno(), "Failed to join the pid namespace %s: %m", c->ns.pid);
                        namespaces_after_clone(saved);
                        return r;
                }
        }
        if (c->ns.time_offsets) {
                saved->time_fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
                if (saved->time_fd < 0) {
                        r = log_error_errno(negative_errno(), "Failed to open our own time namespace: %m");
                        namespaces_after_clone(saved);
                        return r;
                }
                /* A new time namespace for our children only; its offsets are set before anyone is in it. */
                r = RET_NERRNO(unshare(CLONE_NEWTIME));
                if (r < 0)
                        log_error_errno(r, "Failed to create a time namespace: %m");
                else
                        r = write_time_offsets(c->ns.time_offsets);
                if (r < 0) {
                        namespaces_after_clone(saved);
                        return r;
                }
        }
        return 0;
}

void namespaces_after_clone(NamespacesSaved *saved) {
        if (saved->pid_fd >= 0 && setns(saved->pid_fd, CLONE_NEWPID) < 0)
                log_warning_errno(negative_errno(), "Failed to return to our pid namespace: %m");
        /* Our own time namespace again for both: we never left it, so our clocks did not jump. */
        if (saved->time_fd >= 0 && setns(saved->time_fd, CLONE_NEWTIME) < 0)
                log_warning_errno(negative_errno(), "Failed to return to our time namespace: %m");
        saved->pid_fd = safe_close(saved->pid_fd);
        saved->time_fd = safe_close(saved->time_fd);
}

int namespaces_join(const Container *c) {
        const struct {
                const char *path;
                int flag;
        } joins[] = {
                /* The mount namespace last: it moves our root, and the paths above may be relative
                   to ours. */
                { c->ns.cgroup, CLONE_NEWCGROUP },
                { c->network == NETWORK_JOIN ? c->join_netns : NULL, CLONE_NEWNET },
                { c->join_ipcns, CLONE_NEWIPC },
                { c->join_utsns, CLONE_NEWUTS },
                { c->ns.time, CLONE_NEWTIME },
                { c->ns.mnt, CLONE_NEWNS },
        };
        int fds[ELEMENTSOF(joins)];
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(joins); i++)
                fds[i] = -EBADF;
        for (size_t i = 0; i < ELEMENTSOF(joins) && r >= 0; i++) {
                if (!joins[i].path)
                        continue;
                fds[i] = namespace_open(joins[i].path, joins[i].flag, NULL);
                if (fds[i] < 0) {
                        r = namespace_check(joins[i].path, joins[i].flag, "Cannot join a namespace");
                        if (r >= 0) /* it changed under us */
                                r = log_error_errno(fds[i], "Cannot join the namespace %s: %m", joins[i].path);
                }
        }
        /* Without a cgroup namespace to join: a new one, rooted at the payload cgroup we are in now. */
        if (r >= 0 && !c->ns.cgroup && !(c->ns_inherit & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                r = log_error_errno(negative_errno(), "Failed to create a cgroup namespace: %m");
        for (size_t i = 0; i < ELEMENTSOF(joins) && r >= 0; i++)
                if (fds[i] >= 0 && setns(fds[i], joins[i].flag) < 0)
                        r = log_error_errno(negative_errno(), "Failed to join the %s namespace %s: %m",
                                        namespace_flag_to_name(joins[i].flag), joins[i].path);
        for (size_t i = 0; i < ELEMENTSOF(joins); i++)
                safe_close(fds[i]);
        return r;
}
