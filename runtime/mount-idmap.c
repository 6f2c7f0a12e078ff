/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mount-idmap.h"
#include "strv.h"
#include "userns.h"

static int open_entry(const VolumeSpec *v, size_t index, const char *what, void *userdata) {
        Container *c = userdata;
        int r;

        if (!v->idmap_uids && !v->idmap_gids)
                return 0;
        r = userns_new(v->idmap_uids, v->idmap_gids, "volume idmap", &c->idmap_userns_fds[index]);
        if (r < 0)
                return log_error_errno(r, "%s '%s': cannot make the user namespace of its idmap maps: %m", what,
                                v->destination);
        return 0;
}

int mount_open_idmap_namespaces(Container *c) {
        size_t n = mount_entry_count(c);

        if (n == 0)
                return 0;
        c->idmap_userns_fds = malloc(n * sizeof(int));
        if (!c->idmap_userns_fds)
                return log_oom();
        for (size_t k = 0; k < n; k++)
                c->idmap_userns_fds[k] = -EBADF;
        c->n_idmap_userns_fds = n;
        return mount_foreach_entry(c, open_entry, c);
}

int mount_idmap_userns(const Container *c, size_t index, const VolumeSpec *v, const char *what) {
        if (v->idmap_uids || v->idmap_gids) {
                if (index >= c->n_idmap_userns_fds || c->idmap_userns_fds[index] < 0)
                        return log_error_errno(-EINVAL, "%s '%s': the user namespace of its idmap maps was not made.",
                                        what, v->destination);
                return c->idmap_userns_fds[index];
        }
        if (!c->userns_auto)
                return log_error_errno(-EINVAL,
                                "%s '%s': idmap needs a user namespace to map through "
                                "(--userns=auto, or --uidmap and --gidmap), or maps of its own "
                                "(idmap=uids=...;gids=...).",
                                what, v->destination);
        return c->userns.ns_fd;
}
