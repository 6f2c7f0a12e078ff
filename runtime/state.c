/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <jansson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "state.h"

int state_lock(const char *lock_path) {
        for (unsigned attempt = 0; attempt < 16; attempt++) {
                _cleanup_close_ int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                struct stat a, b;

                if (fd < 0)
                        return log_error_errno(negative_errno(), "Failed to open lock file %s: %m", lock_path);
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno == EWOULDBLOCK)
                                return -EBUSY;
                        return log_error_errno(negative_errno(), "Failed to lock %s: %m", lock_path);
                }
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

static json_t *strv_to_json(char *const *l) {
        json_t *a = json_array();
        STRV_FOREACH(s, l)
                if (a)
                        json_array_append_new(a, json_string(*s));
        return a;
}

int state_write(const Container *c, const StateInfo *info) {
        _cleanup_free_ char *path = path_join(c->run_dir, "state.json"), *text = NULL;
        time_t secs = (time_t) (info->started_usec / 1000000);
        char started[64];
        struct tm tm;
        json_t *o;
        int r;

        if (!path)
                return log_oom();
        (void) gmtime_r(&secs, &tm);
        (void) strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
        o = json_pack("{s:s, s:s, s:I, s:I, s:s?, s:s?, s:s?, s:o, s:s, s:s?, s:s?, s:s, s:I}",
                        "name", c->name,
                        "status", "running",
                        "pid", (json_int_t) info->pid,
                        "supervisor_pid", (json_int_t) info->supervisor_pid,
                        "image", c->spec.image,
                        "image_id", c->image ? c->image->id : NULL,
                        "rootfs", c->spec.rootfs,
                        "command", strv_to_json(c->process.argv),
                        "hostname", c->process.hostname,
                        "unit", info->unit,
                        "invocation_id", info->invocation_id,
                        "started", started,
                        "started_usec", (json_int_t) info->started_usec);
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

int state_read_pid(const char *name, pid_t *ret) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", name, "/state.json");
        json_error_t err;
        json_t *o, *pid;

        if (!path)
                return log_oom();
        o = json_load_file(path, 0, &err);
        if (!o)
                return log_error_errno(-ESRCH, "Container '%s' is not running (%s: %s).", name, path, err.text);
        pid = json_object_get(o, "pid");
        if (!json_is_integer(pid) || json_integer_value(pid) <= 0) {
                json_decref(o);
                return log_error_errno(-EINVAL, "%s: \"pid\" is missing or invalid.", path);
        }
        *ret = (pid_t) json_integer_value(pid);
        json_decref(o);
        return 0;
}
