/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <jansson.h>
#include <time.h>
#include <unistd.h>

#include "container-record.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "paths.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "unit-container-env.h"
#include "volume-spec.h"
#include "volume-store.h"

char *container_record_path(const char *name) {
        return strjoin(berth_path(BERTH_PATH_STATE), "/containers/", name, ".json");
}

bool container_record_exists(const char *name) {
        _cleanup_free_ char *path = container_record_path(name);
        return path && access(path, F_OK) >= 0;
}

static json_t *strv_to_json(char *const *l) {
        json_t *a = json_array();

        STRV_FOREACH(s, l)
                if (!a || json_array_append_new(a, json_string(*s)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static int record_store(const char *name, json_t *o) {
        _cleanup_free_ char *path = container_record_path(name), *dir = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        dir = strjoin(berth_path(BERTH_PATH_STATE), "/containers");
        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        /* root-only: the options may name secrets and files of the host */
        return json_write_record_at(AT_FDCWD, path, json_incref(o), 0600, WRITE_FILE_SYNC);
}

int container_record_write(const ContainerSpec *spec, const char *unit) {
        return container_record_write_full(spec, unit, NULL, false);
}

int container_record_write_full(const ContainerSpec *spec, const char *unit, char *const *anonymous_volumes,
                bool auto_remove) {
        _cleanup_strv_free_ char **options = NULL;
        struct timespec ts;
        struct tm tm;
        char created[32];
        json_t *o;
        int r;

        if (!spec->name || !spec->id || !unit)
                return -EINVAL;
        r = run_options_to_argv(spec, &options);
        if (r < 0)
                return r;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (!gmtime_r(&ts.tv_sec, &tm) || strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s?, s:o, s:o}", "id", spec->id, "name", spec->name, "unit",
                        unit, "created", created, "created_usec", (json_int_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
                        "options", strv_to_json(options), "image", spec->image, "command", strv_to_json(spec->command),
                        "unit_properties", strv_to_json(spec->unit_properties));
        if (!o)
                return -ENOMEM;
        if ((anonymous_volumes && json_object_set_new(o, "anonymous_volumes", strv_to_json(anonymous_volumes)) < 0) ||
                        (auto_remove && json_object_set_new(o, "auto_remove", json_true()) < 0)) {
                json_decref(o);
                return -ENOMEM;
        }
        r = record_store(spec->name, o);
        json_decref(o);
        return r;
}

void container_record_done(ContainerRecord *r) {
        free(r->id);
        free(r->name);
        free(r->unit);
        free(r->created);
        strv_free(r->anonymous_volumes);
        container_spec_done(&r->spec);
        *r = (ContainerRecord) { .exit_code = -1 };
}

static int json_strv(json_t *o, const char *key, char ***ret) {
        json_t *a = json_object_get(o, key), *v;
        _cleanup_strv_free_ char **l = NULL;
        size_t i;

        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return -EINVAL;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_array_foreach(a, i, v) {
                if (!json_is_string(v))
                        return -EINVAL;
                if (strv_extend(&l, json_string_value(v)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int json_dup(json_t *o, const char *key, char **ret) {
        int r = json_object_get_optional_string(o, key, ret);
        return r == -EBADMSG ? -EINVAL : r;
}

static int record_from_json(json_t *o, ContainerRecord *rec) {
        _cleanup_strv_free_ char **options = NULL;
        json_t *code = json_object_get(o, "exit_code");
        int index = 0, r;

        rec->created_usec = (uint64_t) json_integer_value(json_object_get(o, "created_usec"));
        rec->finished_usec = (uint64_t) json_integer_value(json_object_get(o, "finished_usec"));
        rec->exit_code = json_is_integer(code) ? (int) json_integer_value(code) : -1;
        rec->auto_remove = json_is_true(json_object_get(o, "auto_remove"));
        r = json_dup(o, "id", &rec->id);
        if (r >= 0)
                r = json_dup(o, "name", &rec->name);
        if (r >= 0)
                r = json_dup(o, "unit", &rec->unit);
        if (r >= 0)
                r = json_dup(o, "created", &rec->created);
        if (r >= 0)
                r = json_strv(o, "options", &options);
        if (r < 0)
                return r;
        if (!rec->id || !rec->name || !rec->unit)
                return -EINVAL;
        r = run_options_parse_argv(&rec->spec, (int) strv_length(options), options, &index);
        if (r < 0 || index != (int) strv_length(options))
                return -EINVAL;
        r = json_dup(o, "image", &rec->spec.image);
        if (r >= 0)
                r = json_strv(o, "command", &rec->spec.command);
        if (r >= 0)
                r = json_strv(o, "unit_properties", &rec->spec.unit_properties);
        if (r >= 0)
                r = json_strv(o, "anonymous_volumes", &rec->anonymous_volumes);
        return r;
}

int container_record_read(const char *name, ContainerRecord *ret) {
        _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };
        _cleanup_free_ char *path = container_record_path(name);
        json_t *o;
        int r;

        if (!path)
                return -ENOMEM;
        container_spec_init(&rec.spec);
        o = json_load_file(path, 0, NULL);
        if (!o) {
                if (access(path, F_OK) < 0)
                        return -ENOENT;
                return access(path, R_OK) < 0 ? -EACCES : -EINVAL;
        }
        r = record_from_json(o, &rec);
        json_decref(o);
        if (r < 0)
                return r;
        *ret = rec;
        rec = (ContainerRecord) {};
        container_spec_init(&rec.spec);
        return 0;
}

int container_record_set_exit(const char *name, int exit_code, uint64_t finished_usec) {
        _cleanup_free_ char *path = container_record_path(name);
        json_t *o;
        int r;

        if (!path)
                return -ENOMEM;
        o = json_load_file(path, 0, NULL);
        if (!o)
                return access(path, F_OK) < 0 ? -ENOENT : -EINVAL;
        r = json_object_set_new(o, "exit_code", json_integer(exit_code)) < 0 ||
                                            json_object_set_new(o, "finished_usec",
                                                            json_integer((json_int_t) finished_usec)) < 0
                            ? -ENOMEM
                            : record_store(name, o);
        json_decref(o);
        return r;
}

int container_record_remove(const char *name) {
        _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };
        _cleanup_free_ char *path = container_record_path(name),
                            *layer = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", name);
        int r;

        if (!path || !layer)
                return -ENOMEM;
        r = container_record_read(name, &rec);
        if (r >= 0 && private_env_path_is_run(rec.spec.env_private_file) && unlink(rec.spec.env_private_file) < 0 &&
                        errno != ENOENT)
                return negative_errno();
        r = rm_rf(layer);
        if (r < 0)
                return r;
        if (unlink(path) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return 0;
}

int container_record_remove_volumes(const ContainerRecord *rec) {
        int ret = 0;

        STRV_FOREACH(v, rec->anonymous_volumes) {
                int r = volume_remove(*v, false);
                if (r < 0 && r != -ENOENT) {
                        log_debug_errno(r, "Failed to remove volume %s of container %s: %m", *v, rec->name);
                        ret = ret ?: r;
                }
        }
        return ret;
}

int anonymous_volume_name(const char *container, const char *destination, char ret[static CONTAINER_ID_LEN + 1]) {
        _cleanup_free_ char *what = strjoin(container, ":", destination);

        return what ? hex_id_from_text("berth-anonymous-volume:", what, ret) : -ENOMEM;
}

/* The name an anonymous entry's volume gets: random (berth run), or that of container's (a unit). */
static int anonymous_entry_name(const char *entry, bool mount, const char *container,
                char name[static CONTAINER_ID_LEN + 1]) {
        _cleanup_(volume_spec_done) VolumeSpec vs = {};
        _cleanup_free_ char *named = NULL, *tmpfs_options = NULL;
        bool tmpfs;
        int r;

        if (!container)
                return container_id_random(name); /* 64 random hex digits, as Docker names them */
        r = volume_spec_name_anonymous(entry, mount, "anonymous", &named);
        if (r > 0)
                r = mount ? mount_spec_parse(named, &vs, &tmpfs, &tmpfs_options) : volume_spec_parse(named, &vs);
        return r < 0 ? r : anonymous_volume_name(container, vs.destination, name);
}

/* container NULL: a new volume of a random name for each anonymous entry. Otherwise the volume of
 * anonymous_volume_name(), created unless create is false and reused when it exists. */
static int name_anonymous_entries(char **entries, bool mount, const char *container, bool create, char ***names) {
        static char *const labels[] = { (char *) "com.docker.volume.anonymous=", NULL };

        for (char **e = entries; e && *e; e++) {
                char name[CONTAINER_ID_LEN + 1];
                _cleanup_free_ char *named = NULL;
                VolumeCreateArgs args = { .name = name, .labels = labels, .uid = (uid_t) -1, .gid = (gid_t) -1 };
                int r;

                r = volume_spec_name_anonymous(*e, mount, "anonymous", &named);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                free(named);
                named = NULL;
                r = anonymous_entry_name(*e, mount, container, name);
                if (r >= 0)
                        r = volume_spec_name_anonymous(*e, mount, name, &named);
                if (r < 0)
                        return r;
                if (create && (r = volume_create(&args, NULL)) < 0 && !(container && r == -EEXIST))
                        return r;
                r = strv_extend(names, name);
                if (r < 0) {
                        if (create && !container)
                                (void) volume_remove(name, false);
                        return r;
                }
                if (create) {
                        free(*e);
                        *e = TAKE_PTR(named);
                }
        }
        return 0;
}

static int anonymous_volumes(ContainerSpec *spec, const char *container, bool create, char ***ret_names) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = name_anonymous_entries(spec->volumes, false, container, create, &names);
        if (r >= 0)
                r = name_anonymous_entries(spec->mounts, true, container, create, &names);
        if (r < 0) {
                if (create && !container)
                        STRV_FOREACH(n, names)
                                (void) volume_remove(*n, false);
                return r;
        }
        *ret_names = TAKE_PTR(names);
        return 0;
}

int container_record_rename(const char *name, const char *new_name, const char *new_unit, const char *new_env_path) {
        _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };
        _cleanup_free_ char *path = container_record_path(name), *new_path = container_record_path(new_name),
                            *layer = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", name),
                            *new_layer = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", new_name),
                            *old_env = NULL;
        _cleanup_strv_free_ char **options = NULL;
        bool layer_moved = false;
        json_t *o;
        int r;

        if (!path || !new_path || !layer || !new_layer)
                return -ENOMEM;
        if (access(new_path, F_OK) >= 0)
                return -EEXIST;
        r = container_record_read(name, &rec);
        if (r < 0)
                return r;
        /* the options carry the name (and the environment file named after the unit): written anew */
        free(rec.spec.name);
        rec.spec.name = strdup(new_name);
        if (!rec.spec.name)
                return -ENOMEM;
        if (private_env_path_is_run(rec.spec.env_private_file)) {
                if (!new_env_path)
                        return -EINVAL;
                old_env = TAKE_PTR(rec.spec.env_private_file);
                rec.spec.env_private_file = strdup(new_env_path);
                if (!rec.spec.env_private_file)
                        return -ENOMEM;
        }
        r = run_options_to_argv(&rec.spec, &options);
        if (r < 0)
                return r;
        o = json_load_file(path, 0, NULL);
        if (!o)
                return -EINVAL;
        if (json_object_set_new(o, "name", json_string(new_name)) < 0 ||
                        json_object_set_new(o, "unit", json_string(new_unit)) < 0 ||
                        json_object_set_new(o, "options", strv_to_json(options)) < 0) {
                json_decref(o);
                return -ENOMEM;
        }
        /* the writable layer first (RENAME_NOREPLACE: never onto another container's), then the
         * environment file, then the record under its new name; each step undone if a later one fails */
        if (renameat2(AT_FDCWD, layer, AT_FDCWD, new_layer, RENAME_NOREPLACE) >= 0)
                layer_moved = true;
        else if (errno != ENOENT)
                r = negative_errno();
        if (r >= 0 && old_env && rename(old_env, new_env_path) < 0 && errno != ENOENT)
                r = negative_errno();
        if (r >= 0) {
                r = record_store(new_name, o);
                if (r < 0 && old_env)
                        (void) rename(new_env_path, old_env);
        }
        json_decref(o);
        if (r < 0) {
                if (layer_moved)
                        (void) rename(new_layer, layer);
                return r;
        }
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int container_spec_make_anonymous_volumes(ContainerSpec *spec, char ***ret_names) {
        return anonymous_volumes(spec, NULL, true, ret_names);
}

int container_spec_unit_anonymous_volumes(ContainerSpec *spec, bool create, char ***ret_names) {
        return anonymous_volumes(spec, spec->name, create, ret_names);
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int container_records(char ***ret) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_STATE), "/containers");
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!dir)
                return -ENOMEM;
        names = calloc(1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return negative_errno();
        while (d && (de = readdir(d))) {
                const char *e = endswith(de->d_name, ".json");
                if (de->d_name[0] == '.' || de->d_type != DT_REG || !e)
                        continue;
                if (strv_consume(&names, strndup(de->d_name, (size_t) (e - de->d_name))) < 0)
                        return -ENOMEM;
        }
        qsort(names, strv_length(names), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(names);
        return 0;
}
