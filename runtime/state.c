/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <jansson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event-journal.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "paths.h"
#include "running-containers.h"
#include "state.h"
#include "time-util.h"
#include "lock-util.h"

int state_lock(const char *lock_path) {
        for (unsigned attempt = 0; attempt < 16; attempt++) {
                _cleanup_close_ int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                struct stat a, b;
                int r;

                if (fd < 0)
                        return log_error_errno(negative_errno(), "Failed to open lock file %s: %m", lock_path);
                r = lock_fd(fd, F_WRLCK, false);
                if (r == -EAGAIN)
                        return -EBUSY;
                if (r < 0)
                        return log_error_errno(r, "Failed to lock %s: %m", lock_path);
                /* The previous holder unlinks the file before unlocking; if we locked such an orphan,
                 * the name now belongs to another inode (or none) and we must start over. */
                if (fstat(fd, &a) < 0)
                        return negative_errno();
                if (stat(lock_path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        return TAKE_FD(fd);
        }
        return log_error_errno(-EBUSY, "Could not take lock %s: it keeps changing.", lock_path);
}

void state_unlock(const char *lock_path, int fd) {
        if (fd < 0)
                return;
        (void) unlink(lock_path);
        safe_close(fd);
}

int state_write(const Container *c, const StateInfo *info) {
        _cleanup_free_ char *path = path_join(c->run_dir, "state.json"), *text = NULL;
        time_t secs = (time_t) (info->started_usec / 1000000);
        char started[RFC3339_MAX], id[CONTAINER_ID_LEN + 1];
        json_t *o;
        int r;

        if (!path)
                return log_oom();
        if (!c->spec.id && container_id_from_name(c->name, id) < 0)
                return log_oom();
        (void) format_rfc3339(started, secs);
        o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s?, s:s?, s:s?, s:o, s:s, s:s?, s:s?, s:s, s:I, s:o, s:o, s:s?}",
                        "id", c->spec.id ?: id, "name", c->name, "status", "running", "pid", (json_int_t) info->pid,
                        "supervisor_pid", (json_int_t) info->supervisor_pid, "image", c->spec.image, "image_id",
                        c->image ? c->image->id : NULL, "rootfs", c->spec.rootfs, "command",
                        strv_to_json_array(c->process.argv), "hostname", c->process.hostname, "unit", info->unit,
                        "invocation_id", info->invocation_id, "started", started, "started_usec",
                        (json_int_t) info->started_usec, "labels", strv_to_json_array(c->spec.labels), "annotations",
                        strv_to_json_array(c->spec.annotations), "health", info->health);
        if (!o)
                return log_oom();
        text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(o);
        if (!text)
                return log_oom();
        r = write_file_atomic(path, text, strlen(text), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

void state_event(const Container *c, const char *action, char *const *extra) {
        char id[CONTAINER_ID_LEN + 1];

        if (!c->spec.id && container_id_from_name(c->name, id) < 0)
                return;
        (void) event_journal_write_container(action, c->spec.id ?: id, c->name, c->spec.image, c->spec.labels, extra);
}

void state_event_from_file(const char *run_dir, const char *action, char *const *extra) {
        _cleanup_free_ char *path = path_join(run_dir, "state.json");
        _cleanup_(json_decrefp) json_t *state = path ? json_load_file(path, 0, NULL) : NULL;

        if (state)
                (void) event_journal_write_container_state(action, state, extra);
}

int state_write_process(const Container *c, char *const *env) {
        _cleanup_free_ char *path = path_join(c->run_dir, "process.json"), *text = NULL;
        json_t *o;
        int r;

        if (!path)
                return log_oom();
        o = json_pack("{s:o, s:s?, s:o, s:s, s:o, s:i, s:I, s:I, s:b, s:b, s:s?}", "env", strv_to_json_array(env),
                        "user", c->process.user, "group_add", strv_to_json_array(c->spec.group_add), "workdir",
                        c->process.workdir, "ulimits", strv_to_json_array(c->spec.ulimit), "umask",
                        (int) c->process.umask, "caps", (json_int_t) c->caps, "caps_added", (json_int_t) c->caps_added,
                        "no_new_privileges", c->spec.no_new_privileges, "privileged", c->spec.privileged, "seccomp",
                        c->seccomp);
        if (!o)
                return log_oom();
        /* OCI: every set as config.json gave it, so an exec gets the same (runc's exec does). */
        if (c->has_cap_sets && json_object_set_new(o, "cap_sets",
                                               json_pack("[I, I, I, I, I]", (json_int_t) c->cap_sets.bounding,
                                                               (json_int_t) c->cap_sets.effective,
                                                               (json_int_t) c->cap_sets.permitted,
                                                               (json_int_t) c->cap_sets.inheritable,
                                                               (json_int_t) c->cap_sets.ambient)) < 0) {
                json_decref(o);
                return log_oom();
        }
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!text)
                return log_oom();
        r = write_file_atomic(path, text, strlen(text), 0600, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

void process_state_done(ProcessState *p) {
        strv_free(p->env);
        free(p->user);
        strv_free(p->group_add);
        free(p->workdir);
        strv_free(p->ulimits);
        free(p->seccomp);
        *p = (ProcessState) {};
}

static int dup_json_string(json_t *o, const char *key, char **ret) {
        json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return -EINVAL;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

int state_read_process(const char *name, ProcessState *ret) {
        _cleanup_free_ char *dir = container_run_dir(name);

        if (!dir)
                return log_oom();
        return state_read_process_at(dir, ret);
}

int state_read_process_at(const char *dir, ProcessState *ret) {
        _cleanup_free_ char *path = path_join(dir, "process.json");
        _cleanup_(process_state_done) ProcessState p = {};
        json_error_t err;
        json_t *o, *umask, *sets;
        int r;

        if (!path)
                return log_oom();
        o = json_load_file(path, 0, &err);
        if (!o)
                return log_error_errno(-ESRCH, "Cannot read %s: %s", path, err.text);
        r = json_array_to_strv(json_object_get(o, "env"), &p.env);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "group_add"), &p.group_add);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "ulimits"), &p.ulimits);
        if (r >= 0)
                r = dup_json_string(o, "user", &p.user);
        if (r >= 0)
                r = dup_json_string(o, "workdir", &p.workdir);
        if (r >= 0)
                r = dup_json_string(o, "seccomp", &p.seccomp);
        umask = json_object_get(o, "umask");
        p.umask = json_is_integer(umask) ? (mode_t) json_integer_value(umask) : 0022;
        p.caps = (uint64_t) json_integer_value(json_object_get(o, "caps"));
        p.caps_added = (uint64_t) json_integer_value(json_object_get(o, "caps_added"));
        sets = json_object_get(o, "cap_sets");
        if (json_is_array(sets) && json_array_size(sets) == 5) {
                uint64_t *fields[] = { &p.cap_sets.bounding, &p.cap_sets.effective, &p.cap_sets.permitted,
                        &p.cap_sets.inheritable, &p.cap_sets.ambient };
                for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                        *fields[i] = (uint64_t) json_integer_value(json_array_get(sets, i));
                p.has_cap_sets = true;
        }
        p.no_new_privileges = json_is_true(json_object_get(o, "no_new_privileges"));
        p.privileged = json_is_true(json_object_get(o, "privileged"));
        json_decref(o);
        if (r < 0 || !p.workdir)
                return log_error_errno(r < 0 ? r : -EINVAL, "%s is malformed.", path);
        *ret = TAKE_STRUCT(p);
        return 0;
}

bool state_is_running(const char *lock_path) {
        _cleanup_close_ int fd = open(lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return false;
        return lock_fd_is_held(fd, F_RDLCK) > 0;
}
