/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "paths.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "user-name.h"
#include "volume-mount.h"
#include "object-name.h"
#include "volume-store.h"
#include "time-util.h"
#include "lock-util.h"

Volume *volume_free(Volume *v) {
        if (!v)
                return NULL;
        free(v->name);
        free(v->driver);
        free(v->mountpoint);
        strv_free(v->options);
        strv_free(v->labels);
        free(v->created);
        free(v);
        return NULL;
}

bool volume_name_is_valid(const char *name) {
        return object_name_is_valid(name, 255);
}

static char *volumes_dir(void) {
        return strjoin(berth_path(BERTH_PATH_STATE), "/volumes");
}

static char *volume_dir(const char *name) {
        return strjoin(berth_path(BERTH_PATH_STATE), "/volumes/", name);
}

/* The store-wide lock, so that create, remove and implicit creation by containers never interleave. */
static int volumes_lock(void) {
        _cleanup_free_ char *dir = volumes_dir();
        int fd;

        if (!dir)
                return -ENOMEM;
        fd = lock_file_take(dir, 0700, ".lock");
        if (fd < 0)
                return log_error_errno(fd, "Failed to lock %s/.lock: %m", dir);
        return fd;
}

static const char *const known_options[] = { "type", "device", "o", "copy", "uid", "gid", NULL };

int volume_parse_id(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (isempty(s) || *end || errno || v >= (unsigned long) UINT32_MAX || s[0] == '-')
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int volume_args_validate(const VolumeCreateArgs *a) {
        const char *type = NULL, *device = NULL;

        if (!volume_name_is_valid(a->name))
                return log_error_errno(-EINVAL,
                                "Invalid volume name '%s': names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*.", a->name ?: "");
        if (a->driver && !streq(a->driver, VOLUME_DRIVER_LOCAL))
                return log_error_errno(-EOPNOTSUPP, "Volume driver '%s' is not supported: only \"local\".", a->driver);
        STRV_FOREACH(o, a->options) {
                const char *eq = strchr(*o, '=');
                bool known = false;

                if (!eq || eq == *o)
                        return log_error_errno(-EINVAL, "Invalid volume option '%s': expected KEY=VALUE.", *o);
                for (size_t i = 0; known_options[i]; i++)
                        if (strlen(known_options[i]) == (size_t) (eq - *o) && startswith(*o, known_options[i]))
                                known = true;
                if (!known)
                        return log_error_errno(-EINVAL,
                                        "Unknown volume option '%.*s': the local driver takes type=, "
                                        "device=, o=, copy=, uid= and gid=.",
                                        (int) (eq - *o), *o);
                if (startswith(*o, "type="))
                        type = eq + 1;
                else if (startswith(*o, "device="))
                        device = eq + 1;
                else if (startswith(*o, "copy=") && parse_boolean(eq + 1) < 0)
                        return log_error_errno(-EINVAL, "Invalid volume option '%s': copy= takes a boolean.", *o);
                else if ((startswith(*o, "uid=") || startswith(*o, "gid=")) && !user_name_is_valid(eq + 1))
                        return log_error_errno(-EINVAL, "Invalid volume option '%s': expected %s.", *o,
                                        startswith(*o, "uid=") ? "a user name or number" : "a group name or number");
        }
        if (device && !type)
                return log_error_errno(-EINVAL, "Volume option device= needs type= as well.");
        if (type && !device && !streq(type, "tmpfs"))
                return log_error_errno(-EINVAL, "Volume option type=%s needs device= as well.", type);
        if (type && streq(type, "bind") && !path_is_absolute(device))
                return log_error_errno(-EINVAL, "Volume option device=%s: a bind volume needs an absolute path.", device);
        STRV_FOREACH(l, a->labels)
                if (isempty(*l) || **l == '=')
                        return log_error_errno(-EINVAL, "Invalid volume label '%s': expected KEY=VALUE.", *l);
        return 0;
}

/* A uid=/gid= option: a number, or a name of the host's, looked up now (when the volume is made, as
 * Quadlet's User=/Group= are). -ESRCH for a name the host does not have. */
static int owner_id(const char *value, bool group, unsigned *ret) {
        char buf[4096];
        int r;

        if (volume_parse_id(value, ret) >= 0)
                return 0;
        if (group) {
                struct group gr, *res = NULL;
                r = getgrnam_r(value, &gr, buf, sizeof buf, &res);
                if (r == 0 && res)
                        *ret = res->gr_gid;
        } else {
                struct passwd pw, *res = NULL;
                r = getpwnam_r(value, &pw, buf, sizeof buf, &res);
                if (r == 0 && res)
                        *ret = res->pw_uid;
        }
        if (r > 0)
                return -r;
        return *ret == (unsigned) -1 ? -ESRCH : 0;
}

/* Effective owner: --uid/--gid, else the uid=/gid= options. */
static int resolve_owner(const VolumeCreateArgs *a, uid_t *uid, gid_t *gid) {
        *uid = a->uid;
        *gid = a->gid;
        STRV_FOREACH(o, a->options) {
                const char *v;
                unsigned id = (unsigned) -1;
                int r;

                if (*uid == (uid_t) -1 && (v = startswith(*o, "uid="))) {
                        r = owner_id(v, false, &id);
                        if (r < 0)
                                return log_error_errno(r, "Volume option uid=%s: %s", v,
                                                r == -ESRCH ? "no such user on this host." : strerror(-r));
                        *uid = id;
                }
                if (*gid == (gid_t) -1 && (v = startswith(*o, "gid="))) {
                        r = owner_id(v, true, &id);
                        if (r < 0)
                                return log_error_errno(r, "Volume option gid=%s: %s", v,
                                                r == -ESRCH ? "no such group on this host." : strerror(-r));
                        *gid = id;
                }
        }
        return 0;
}

static int create_locked(const VolumeCreateArgs *a) {
        _cleanup_free_ char *dir = volume_dir(a->name), *data = NULL, *json_path = NULL;
        char created[RFC3339_MAX];
        time_t now = time(NULL);
        uid_t uid;
        gid_t gid;
        json_t *o;
        int r;

        if (!dir || !(data = path_join(dir, "_data")) || !(json_path = path_join(dir, "volume.json")))
                return -ENOMEM;
        if (access(json_path, F_OK) == 0)
                return -EEXIST;
        r = resolve_owner(a, &uid, &gid);
        if (r < 0)
                return r;
        /* A directory without volume.json is a create that did not finish. */
        (void) rm_rf(dir);
        r = mkdir_p(data, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", data);
        if ((uid != (uid_t) -1 || gid != (gid_t) -1) && chown(data, uid, gid) < 0)
                return log_error_errno(negative_errno(), "Failed to change the owner of %s: %m", data);

        (void) format_rfc3339(created, now);
        o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "name", a->name, "driver", VOLUME_DRIVER_LOCAL, "options",
                        strv_pairs_to_json_object(a->options), "labels", strv_pairs_to_json_object(a->labels), "uid",
                        uid == (uid_t) -1 ? json_null() : json_integer(uid), "gid",
                        gid == (gid_t) -1 ? json_null() : json_integer(gid), "created", created);
        r = json_write_record_at(AT_FDCWD, json_path, o, 0644, WRITE_FILE_SYNC);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", json_path);
        return 0;
}

int volume_create(const VolumeCreateArgs *a, Volume **ret) {
        _cleanup_close_ int lock = -EBADF;
        int r;

        r = volume_args_validate(a);
        if (r < 0)
                return r;
        lock = volumes_lock();
        if (lock < 0)
                return lock;
        r = create_locked(a);
        if (r < 0)
                return r;
        return ret ? volume_load(a->name, ret) : 0;
}

int volume_load(const char *name, Volume **ret) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        json_error_t err;
        json_t *o, *uid, *gid;
        const char *created = NULL, *driver = NULL;
        int r;

        if (!volume_name_is_valid(name))
                return -ENOENT;
        dir = volume_dir(name);
        if (!dir || !(path = path_join(dir, "volume.json")))
                return -ENOMEM;
        o = json_load_file(path, 0, &err);
        if (!o) {
                if (access(path, F_OK) < 0)
                        return -ENOENT;
                return log_error_errno(-EBADMSG, "%s:%d: %s", path, err.line, err.text);
        }
        v = calloc(1, sizeof *v);
        r = v ? 0 : -ENOMEM;
        if (r >= 0 && json_unpack(o, "{s?s, s?s}", "driver", &driver, "created", &created) < 0)
                r = log_error_errno(-EBADMSG, "%s: \"driver\" and \"created\" must be strings.", path);
        if (r >= 0) {
                v->name = strdup(name);
                v->driver = strdup(driver ?: VOLUME_DRIVER_LOCAL);
                v->created = strdup(created ?: "");
                v->mountpoint = path_join(dir, "_data");
                if (!v->name || !v->driver || !v->created || !v->mountpoint)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = json_object_to_strv_pairs(json_object_get(o, "options"), &v->options);
        if (r >= 0)
                r = json_object_to_strv_pairs(json_object_get(o, "labels"), &v->labels);
        if (r == -EBADMSG)
                r = log_error_errno(r, "%s: \"options\" and \"labels\" must be objects of strings.", path);
        uid = json_object_get(o, "uid");
        gid = json_object_get(o, "gid");
        if (v) {
                v->uid = json_is_integer(uid) ? (uid_t) json_integer_value(uid) : (uid_t) -1;
                v->gid = json_is_integer(gid) ? (gid_t) json_integer_value(gid) : (gid_t) -1;
        }
        json_decref(o);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

int volume_load_or_create(const char *name, Volume **ret) {
        VolumeCreateArgs a = { .name = name, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        _cleanup_close_ int lock = -EBADF;
        int r;

        r = volume_load(name, ret);
        if (r != -ENOENT)
                return r;
        if (!volume_name_is_valid(name))
                return log_error_errno(-EINVAL,
                                "Invalid volume name '%s': names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*.", name);
        lock = volumes_lock();
        if (lock < 0)
                return lock;
        r = create_locked(&a);
        if (r < 0 && r != -EEXIST)
                return r;
        return volume_load(name, ret);
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int volume_list(char ***ret) {
        _cleanup_free_ char *dir = volumes_dir();
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!dir || !names)
                return -ENOMEM;
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *json = NULL;
                if (!volume_name_is_valid(de->d_name))
                        continue;
                json = strjoin(dir, "/", de->d_name, "/volume.json");
                if (!json)
                        return -ENOMEM;
                if (access(json, F_OK) < 0)
                        continue;
                if (strv_extend(&names, de->d_name) < 0)
                        return -ENOMEM;
        }
        qsort(names, strv_length(names), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(names);
        return 0;
}

int volume_users(const char *name, char ***ret) {
        _cleanup_strv_free_ char **running = NULL, **users = calloc(1, sizeof(char *));
        int r;

        if (!users)
                return -ENOMEM;
        r = running_containers(&running);
        if (r < 0)
                return r;
        STRV_FOREACH(c, running) {
                _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", *c, "/",
                                                    VOLUME_USERS_FILE),
                                    *text = NULL;
                _cleanup_strv_free_ char **lines = NULL;
                if (!path)
                        return -ENOMEM;
                if (read_full_file(path, &text, NULL) < 0)
                        continue;
                for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                        if (streq(l, name)) {
                                if (strv_extend(&users, *c) < 0)
                                        return -ENOMEM;
                                break;
                        }
        }
        *ret = TAKE_PTR(users);
        return 0;
}

int volume_remove(const char *name, bool force) {
        _cleanup_strv_free_ char **users = NULL;
        _cleanup_free_ char *dir = NULL, *json = NULL;
        _cleanup_close_ int lock = -EBADF;
        int r;

        if (!volume_name_is_valid(name))
                return -ENOENT;
        dir = volume_dir(name);
        if (!dir || !(json = path_join(dir, "volume.json")))
                return -ENOMEM;
        lock = volumes_lock();
        if (lock < 0)
                return lock;
        if (access(json, F_OK) < 0)
                return -ENOENT;
        r = volume_users(name, &users);
        if (r < 0)
                return r;
        if (!force && users[0])
                return -EBUSY;
        /* volume.json first: from here on the volume is gone, whatever rm_rf leaves behind. */
        if (unlink(json) < 0)
                return log_error_errno(negative_errno(), "Failed to remove %s: %m", json);
        r = rm_rf(dir);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", dir);
        return 0;
}

const char *volume_option(const Volume *v, const char *key) {
        const char *found = NULL;

        STRV_FOREACH(o, v->options) {
                const char *val = startswith(*o, key);
                if (val && *val == '=')
                        found = val + 1;
        }
        return found;
}

json_t *volume_to_json(const Volume *v) {
        /* docker's fields, then podman's UID and GID when the volume has an owner */
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "Name", v->name, "Driver", v->driver, "Mountpoint",
                        v->mountpoint, "Labels", strv_pairs_to_json_object(v->labels), "Options",
                        strv_pairs_to_json_object(v->options), "Scope", "local", "CreatedAt", v->created);

        if (o && ((v->uid != (uid_t) -1 && json_object_set_new(o, "UID", json_integer(v->uid)) < 0) ||
                                 (v->gid != (gid_t) -1 && json_object_set_new(o, "GID", json_integer(v->gid)) < 0))) {
                json_decref(o);
                return NULL;
        }
        return o;
}
