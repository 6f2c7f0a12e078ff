/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mount-idmap.h"
#include "strv.h"
#include "userns.h"

/* "C-H-S#C-H-S" into "C:H:S" entries. */
static int triplets_parse(const char *list, char ***ret) {
        _cleanup_free_ char *copy = strdup(list);
        _cleanup_strv_free_ char **entries = NULL;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, "#", &save); t; t = strtok_r(NULL, "#", &save)) {
                unsigned long long c, h, s;
                char end, buf[96];
                if (sscanf(t, "%llu-%llu-%llu%c", &c, &h, &s, &end) != 3 || s == 0 || strchr(t, '+'))
                        return -EINVAL;
                (void) snprintf(buf, sizeof buf, "%llu:%llu:%llu", c, h, s);
                if (strv_extend(&entries, buf) < 0)
                        return -ENOMEM;
        }
        if (!entries)
                return -EINVAL;
        *ret = TAKE_PTR(entries);
        return 0;
}

int idmap_maps_parse(const char *value, char ***ret_uids, char ***ret_gids) {
        _cleanup_free_ char *copy = strdup(value);
        _cleanup_strv_free_ char **uids = NULL, **gids = NULL;
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
                const char *v;
                if ((v = startswith(part, "uids=")) && !uids)
                        r = triplets_parse(v, &uids);
                else if ((v = startswith(part, "gids=")) && !gids)
                        r = triplets_parse(v, &gids);
                else
                        r = -EINVAL;
                if (r < 0)
                        return r;
        }
        if (!uids && !gids)
                return -EINVAL;
        *ret_uids = TAKE_PTR(uids);
        *ret_gids = TAKE_PTR(gids);
        return 0;
}

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
                return log_error_errno(-EINVAL, "%s '%s': idmap needs a user namespace to map through "
                                       "(--userns=auto, or --uidmap and --gidmap), or maps of its own "
                                       "(idmap=uids=...;gids=...).", what, v->destination);
        return c->userns.ns_fd;
}
