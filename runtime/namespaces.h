/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The namespaces a container is started in, beyond the new ones clone() makes: existing namespaces
 * joined by path (OCI linux.namespaces[].path, e.g. /proc/PID/ns/ipc of another container) and a
 * new time namespace with its clock offsets (OCI linux.timeOffsets).
 *
 * Who joins what, and when:
 *  - pid and time take effect for children only, so the supervisor enters them (its "for children"
 *    namespace) right before it clones the container's process, and leaves them right after;
 *  - network, IPC, UTS, cgroup and mount are joined by that process, first thing (all nsfs files
 *    are opened before the first setns(), since joining a mount namespace changes what paths mean);
 *  - the user namespace (joined or made from maps) is entered last, by container_child(), once the
 *    mounts, host name and limits are set and before the container counts as created. The runtime is root in
 * the host's user namespace and so holds every capability in each user namespace below it: namespaces owned
 * by the joined user namespace are joined before it just as well, and the host-owned ones the runtime makes
 * stay out of the container's reach (see userns.h). A joined mount namespace is taken as it is: no root is
 * assembled and no pivot_root done, the process starts at the root of that namespace (as `exec` does). */

#include <stdbool.h>
#include <stdint.h>

/* What differs from "a new namespace of every kind but user and time" (besides Container.ns_inherit:
 * the kinds an OCI config does not list, which stay the runtime's own). Owned strings. */
typedef struct NamespacePaths {
        char *pid; /* joined by path; NULL: a new one */
        char *mnt;
        char *cgroup;
        char *time;         /* joined by path; NULL: the host's, or a new one with time_offsets */
        char *user;         /* joined by path (userns.h takes it from here) */
        char *time_offsets; /* non-NULL: a new time namespace, this text in its timens_offsets */
} NamespacePaths;

void namespace_paths_done(NamespacePaths *p);

/* "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" <-> CLONE_NEW*; 0 / NULL if unknown. */
int namespace_flag_from_name(const char *name);
const char *namespace_flag_to_name(int flag);

/* Opens path, which must be a namespace file (nsfs) of the kind flag says. Returns the fd, or a
 * negative errno: -ENOTTY not a namespace, -EINVAL a namespace of another kind (*ret_actual says
 * which, as a CLONE_NEW* flag), other errors from open(). Does not log. */
int namespace_open(const char *path, int flag, int *ret_actual);
/* The same check, with one error message that names what (e.g. "config.json: linux.namespaces[2].path"). */
int namespace_check(const char *path, int flag, const char *what);

typedef struct Container Container;

/* The unit face's --ipc, --pid, --uts (each private, host or container:NAME) and --userns's
 * container:NAME and ns:PATH: the same joins by path, to a running container's /proc/PID/ns files.
 * With --uts the host name (and HOSTNAME) becomes that container's. Logs its errors. */
int namespaces_from_options(Container *c);

/* The CLONE_NEW* flags the container's process is cloned with. */
uint64_t namespaces_clone_flags(const Container *c);

/* Before the clone: enters the joined pid namespace and makes the new time namespace as the
 * supervisor's namespaces for children. *saved keeps what to return to; undo with
 * namespaces_after_clone() in the supervisor (never in the child, whose children must stay there). */
typedef struct NamespacesSaved {
        int pid_fd;  /* our own pid namespace, when we left it for children */
        int time_fd; /* our own time namespace, likewise */
} NamespacesSaved;
#define NAMESPACES_SAVED_NULL ((NamespacesSaved) { .pid_fd = -EBADF, .time_fd = -EBADF })
int namespaces_before_clone(const Container *c, NamespacesSaved *saved);
void namespaces_after_clone(NamespacesSaved *saved);

/* In the container's process, first thing: its cgroup namespace (joined, or a new one rooted at its
 * cgroup), and the joined network, IPC, UTS, time and mount namespaces. Logs its errors. */
int namespaces_join(const Container *c);
