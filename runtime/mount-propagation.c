/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "mount-propagation.h"
#include "mount-util.h"

static bool is_shared(const VolumeSpec *v) {
        return v->propagation & MS_SHARED;
}

static int open_shared_source(const VolumeSpec *v, size_t index, const char *what, void *userdata) {
        Container *c = userdata;

        if (!is_shared(v))
                return 0;
        if (v->named || v->idmap)
                return log_error_errno(-EINVAL, "%s '%s': shared propagation is for plain bind mounts only.", what,
                                v->destination);
        if (c->userns_auto)
                return log_error_errno(-EINVAL,
                                "%s '%s': shared propagation needs a container without a user "
                                "namespace of its own (its mounts could not reach the host's).",
                                what, v->destination);
        c->shared_source_fds[index] = open_tree(AT_FDCWD, v->source,
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((v->propagation & MS_REC) ? AT_RECURSIVE : 0));
        if (c->shared_source_fds[index] < 0)
                return log_error_errno(negative_errno(), "%s '%s': cannot clone the mount of %s: %m", what,
                                v->destination, v->source);
        return 0;
}

int mount_open_shared_sources(Container *c) {
        size_t n = mount_entry_count(c);

        if (n == 0)
                return 0;
        c->shared_source_fds = malloc(n * sizeof(int));
        if (!c->shared_source_fds)
                return log_oom();
        for (size_t i = 0; i < n; i++)
                c->shared_source_fds[i] = -EBADF;
        c->n_shared_source_fds = n;
        return mount_foreach_entry(c, open_shared_source, c);
}

static int wants_slave(const VolumeSpec *v, size_t index, const char *what, void *userdata) {
        return v->propagation & (MS_SLAVE | MS_SHARED) ? 1 : 0;
}

bool mount_wants_slave_root(const Container *c) {
        return mount_foreach_entry(c, wants_slave, NULL) > 0;
}

int mount_bind_with_propagation(const Container *c, size_t index, const VolumeSpec *v, int target_fd, int source_fd) {
        _cleanup_close_ int tree = -EBADF;
        const MountAttr attrs = v->read_only ? MNT_RDONLY : 0;
        /* docker's default: rprivate */
        const unsigned long propagation = v->propagation ?: MS_PRIVATE | MS_REC;

        if (is_shared(v)) {
                if (index >= c->n_shared_source_fds || c->shared_source_fds[index] < 0)
                        return -EBADF;
                /* The supervisor's clone is still a peer of the host's mount; MS_SHARED keeps it so. */
                return attach_tree_on(target_fd, c->shared_source_fds[index], attrs, propagation);
        }
        if (!mount_api_available())
                return v->propagation ? -EOPNOTSUPP : bind_mount_on(target_fd, source_fd, NULL, attrs);
        tree = open_tree(source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (tree < 0)
                return negative_errno();
        return attach_tree_on(target_fd, tree, attrs, propagation);
}
