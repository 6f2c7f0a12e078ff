/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "fs-util.h"
#include "macro.h"
#include "paths.h"
#include "run-options.h"
#include "strv.h"
#include "volume-spec.h"

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

int propagation_from_string(const char *s, unsigned long *ret) {
        static const struct {
                const char *name;
                unsigned long flags;
        } table[] = {
                { "private", MS_PRIVATE },
                { "rprivate", MS_PRIVATE | MS_REC },
                { "slave", MS_SLAVE },
                { "rslave", MS_SLAVE | MS_REC },
                { "shared", MS_SHARED },
                { "rshared", MS_SHARED | MS_REC },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(s, table[i].name)) {
                        *ret = table[i].flags;
                        return 0;
                }
        return -EINVAL;
}

void volume_spec_done(VolumeSpec *v) {
        free(v->source);
        free(v->destination);
        free(v->name);
        strv_free(v->idmap_uids);
        strv_free(v->idmap_gids);
        *v = (VolumeSpec) {};
}

static int volume_source(const char *s, bool *named, char **ret) {
        if (path_is_absolute(s)) {
                *named = false;
                *ret = strdup(s);
        } else {
                /* A name: docker's layout, so `berth volume` and the runtime agree on where it lives. */
                if (isempty(s) || strchr(s, '/') || streq(s, ".") || streq(s, ".."))
                        return -EINVAL;
                *named = true;
                *ret = strjoin(berth_path(BERTH_PATH_STATE), "/volumes/", s, "/_data");
        }
        return *ret ? 0 : -ENOMEM;
}

int volume_spec_parse(const char *s, VolumeSpec *ret) {
        _cleanup_free_ char *copy = strdup(s);
        _cleanup_(volume_spec_done) VolumeSpec v = {};
        char *dst, *opts;
        int r;

        if (!copy)
                return -ENOMEM;
        dst = strchr(copy, ':');
        if (!dst)
                return -EINVAL;
        *dst++ = 0;
        opts = strchr(dst, ':');
        if (opts)
                *opts++ = 0;
        if (!path_is_absolute(dst))
                return -EINVAL;
        r = volume_source(copy, &v.named, &v.source);
        if (r < 0)
                return r;
        if (v.named && !(v.name = strdup(copy)))
                return -ENOMEM;
        v.destination = strdup(dst);
        if (!v.destination)
                return -ENOMEM;
        if (opts) {
                char *save = NULL;
                for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                        if (streq(o, "ro"))
                                v.read_only = true;
                        else if (streq(o, "rw"))
                                v.read_only = false;
                        else if (streq(o, "nocopy") || streq(o, "copy"))
                                v.nocopy = streq(o, "nocopy");
                        else if (streq(o, "idmap"))
                                v.idmap = true;
                        else if (startswith(o, "idmap=")) {
                                if (v.idmap_uids || v.idmap_gids)
                                        return -EINVAL; /* maps given twice */
                                v.idmap = true;
                                r = idmap_maps_parse(o + strlen("idmap="), &v.idmap_uids, &v.idmap_gids);
                                if (r < 0)
                                        return r;
                        } else if (propagation_from_string(o, &v.propagation) >= 0)
                                ;
                        /* SELinux relabel flags: no meaning here, accepted like podman. */
                        else if (!streq(o, "z") && !streq(o, "Z") && !streq(o, "rbind") && !streq(o, "bind"))
                                return -EINVAL;
                }
        }
        *ret = TAKE_STRUCT(v);
        return 0;
}

int mount_spec_parse(const char *s, VolumeSpec *ret, bool *ret_tmpfs, char **ret_tmpfs_options) {
        _cleanup_free_ char *copy = strdup(s), *type = NULL, *src = NULL, *tmpfs_opts = NULL;
        _cleanup_(volume_spec_done) VolumeSpec v = {};
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(kv, '=');
                const char *val = eq ? eq + 1 : NULL;
                if (eq)
                        *eq = 0;
                if (streq(kv, "type") && val)
                        r = (free(type), type = strdup(val)) ? 0 : -ENOMEM;
                else if ((streq(kv, "source") || streq(kv, "src")) && val)
                        r = (free(src), src = strdup(val)) ? 0 : -ENOMEM;
                else if ((streq(kv, "destination") || streq(kv, "target") || streq(kv, "dst")) && val)
                        r = (free(v.destination), v.destination = strdup(val)) ? 0 : -ENOMEM;
                else if (streq(kv, "ro") || streq(kv, "readonly")) {
                        r = val ? parse_boolean(val) : 1;
                        if (r >= 0)
                                v.read_only = r;
                } else if ((streq(kv, "tmpfs-size") || streq(kv, "tmpfs-mode")) && val) {
                        char *n = strjoin(tmpfs_opts ?: "", tmpfs_opts ? "," : "",
                                        streq(kv, "tmpfs-size") ? "size=" : "mode=", val);
                        r = n ? 0 : -ENOMEM;
                        free(tmpfs_opts);
                        tmpfs_opts = n;
                } else if (streq(kv, "volume-nocopy")) {
                        r = val ? parse_boolean(val) : 1;
                        if (r >= 0)
                                v.nocopy = r;
                } else if (streq(kv, "idmap")) {
                        r = val ? parse_boolean(val) : 1;
                        if (r >= 0)
                                v.idmap = r;
                        else if (!v.idmap_uids && !v.idmap_gids) { /* idmap=uids=...;gids=... */
                                r = idmap_maps_parse(val, &v.idmap_uids, &v.idmap_gids);
                                v.idmap = r >= 0;
                        }
                } else if (streq(kv, "bind-propagation") && val)
                        r = propagation_from_string(val, &v.propagation);
                else if (streq(kv, "relabel"))
                        r = 0;
                else
                        r = -EINVAL;
                if (r < 0)
                        return r;
        }
        if (!v.destination || !path_is_absolute(v.destination))
                return -EINVAL;
        *ret_tmpfs = type && streq(type, "tmpfs");
        if (*ret_tmpfs) {
                *ret_tmpfs_options = TAKE_PTR(tmpfs_opts);
        } else {
                if (!type || (!streq(type, "bind") && !streq(type, "volume")) || !src)
                        return -EINVAL;
                r = volume_source(src, &v.named, &v.source);
                if (r < 0)
                        return r;
                if (v.named && !(v.name = strdup(src)))
                        return -ENOMEM;
                if (streq(type, "bind") && v.named)
                        return -EINVAL;
                *ret_tmpfs_options = NULL;
        }
        *ret = TAKE_STRUCT(v);
        return 0;
}

int volume_spec_check(const char *s, bool mount) {
        _cleanup_(volume_spec_done) VolumeSpec v = {};
        _cleanup_free_ char *tmpfs_options = NULL, *named = NULL;
        bool tmpfs;

        /* an anonymous volume (no source) is checked as the named one it becomes */
        if (volume_spec_name_anonymous(s, mount, "anonymous", &named) < 0)
                return -ENOMEM;
        if (named)
                s = named;
        return (mount ? mount_spec_parse(s, &v, &tmpfs, &tmpfs_options) : volume_spec_parse(s, &v)) < 0 ? -EINVAL : 0;
}

/* The value of KEY (one of keys, a NULL-terminated list) in "k=v,k=v" of --mount; NULL when absent. */
static const char *mount_value(const char *s, const char *const *keys, size_t *ret_len) {
        const char *found = NULL;

        for (const char *p = s; *p;) {
                size_t n = strcspn(p, ",");
                for (const char *const *k = keys; *k; k++) {
                        size_t kl = strlen(*k);
                        if (n > kl && strncmp(p, *k, kl) == 0 && p[kl] == '=') {
                                found = p + kl + 1;
                                *ret_len = n - kl - 1;
                        }
                }
                p += n;
                if (*p == ',')
                        p++;
        }
        return found;
}

int volume_spec_name_anonymous(const char *s, bool mount, const char *name, char **ret) {
        static const char *const type_keys[] = { "type", NULL }, *const source_keys[] = { "source", "src", NULL };
        const char *type;
        size_t len = 0;

        *ret = NULL;
        if (!mount) {
                if (strchr(s, ':') || !path_is_absolute(s))
                        return 0;
                *ret = strjoin(name, ":", s);
                return *ret ? 1 : -ENOMEM;
        }
        type = mount_value(s, type_keys, &len);
        if ((type && !(len == strlen("volume") && strncmp(type, "volume", len) == 0)) ||
                        mount_value(s, source_keys, &len))
                return 0;
        *ret = strjoin(s, type ? "" : ",type=volume", ",source=", name);
        return *ret ? 1 : -ENOMEM;
}

int volume_specs_add_from(char ***volumes, char ***mounts, char *const *from_volumes, char *const *from_mounts,
                const char *mode) {
        int r;

        STRV_FOREACH(v, from_volumes) {
                const char *colon = strchr(*v, ':');
                /* SRC:DST gets ":ro", SRC:DST:OPTS ",ro": the last of ro and rw wins */
                r = strv_consume(volumes,
                                mode ? strjoin(*v, colon && strchr(colon + 1, ':') ? "," : ":", mode) : strdup(*v));
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(m, from_mounts) {
                static const char *const type_keys[] = { "type", NULL };
                size_t len = 0;
                const char *type = mount_value(*m, type_keys, &len);
                if (type && len == strlen("tmpfs") && strncmp(type, "tmpfs", len) == 0)
                        continue;
                r = strv_consume(mounts, mode ? strjoin(*m, streq(mode, "ro") ? ",ro=true" : ",ro=false") : strdup(*m));
                if (r < 0)
                        return r;
        }
        return 0;
}

bool volume_specs_cover(char *const *volumes, char *const *mounts, char *const *tmpfs, const char *dst) {
        STRV_FOREACH(v, volumes) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                if (streq(*v, dst) || (volume_spec_parse(*v, &vs) >= 0 && streq(vs.destination, dst)))
                        return true;
        }
        STRV_FOREACH(m, mounts) {
                _cleanup_(volume_spec_done) VolumeSpec vs = {};
                _cleanup_free_ char *named = NULL, *tmpfs_options = NULL;
                bool is_tmpfs;
                if (volume_spec_name_anonymous(*m, true, "anonymous", &named) >= 0 &&
                                mount_spec_parse(named ?: *m, &vs, &is_tmpfs, &tmpfs_options) >= 0 &&
                                streq(vs.destination, dst))
                        return true;
        }
        STRV_FOREACH(t, tmpfs) {
                size_t n = strcspn(*t, ":");
                if (strlen(dst) == n && strncmp(*t, dst, n) == 0)
                        return true;
        }
        return false;
}
