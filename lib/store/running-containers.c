/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/file.h>
#include <sys/random.h>

#include "fs-util.h"
#include "image-digest.h"
#include "paths.h"
#include "running-containers.h"
#include "strv.h"
#include "json-util.h"
#include "lock-util.h"

char *container_run_dir(const char *name) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/containers/", name);
}

char *container_lock_path(const char *name) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/containers/.", name, ".lock");
}

char *container_state_path(const char *name) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/containers/", name, "/state.json");
}

bool container_is_running(const char *name) {
        _cleanup_free_ char *lock = container_lock_path(name);
        _cleanup_close_ int fd = -EBADF;

        if (!lock)
                return false;
        fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        /* The supervisor holds a write lock; the probe takes none, so it never turns one away. */
        return lock_fd_is_held(fd, F_RDLCK) > 0;
}

void container_state_done(ContainerState *s) {
        free(s->id);
        free(s->name);
        free(s->image);
        free(s->image_id);
        free(s->rootfs);
        strv_free(s->command);
        free(s->hostname);
        free(s->unit);
        free(s->invocation_id);
        free(s->started);
        strv_free(s->labels);
        strv_free(s->annotations);
        free(s->health);
        *s = (ContainerState) {};
}

static int get_string(json_t *o, const char *key, char **ret) {
        int r = json_object_get_optional_string(o, key, ret);
        return r == -EBADMSG ? -EINVAL : r;
}

static int get_strv(json_t *o, const char *key, char ***ret) {
        int r = json_array_to_strv(json_object_get(o, key), ret);
        return r == -EBADMSG ? -EINVAL : r;
}

static int state_from_json(json_t *o, ContainerState *s) {
        json_t *pid = json_object_get(o, "pid"), *spid = json_object_get(o, "supervisor_pid"),
               *started = json_object_get(o, "started_usec");
        int r;

        if (!json_is_integer(pid) || json_integer_value(pid) <= 0)
                return -EINVAL;
        s->pid = (pid_t) json_integer_value(pid);
        s->supervisor_pid = json_is_integer(spid) ? (pid_t) json_integer_value(spid) : 0;
        s->started_usec = json_is_integer(started) ? (uint64_t) json_integer_value(started) : 0;
        r = get_string(o, "name", &s->name);
        if (r >= 0)
                r = get_string(o, "id", &s->id);
        if (r >= 0)
                r = get_string(o, "image", &s->image);
        if (r >= 0)
                r = get_string(o, "image_id", &s->image_id);
        if (r >= 0)
                r = get_string(o, "rootfs", &s->rootfs);
        if (r >= 0)
                r = get_strv(o, "command", &s->command);
        if (r >= 0)
                r = get_string(o, "hostname", &s->hostname);
        if (r >= 0)
                r = get_string(o, "unit", &s->unit);
        if (r >= 0)
                r = get_string(o, "invocation_id", &s->invocation_id);
        if (r >= 0)
                r = get_string(o, "started", &s->started);
        if (r >= 0)
                r = get_strv(o, "labels", &s->labels);
        if (r >= 0)
                r = get_strv(o, "annotations", &s->annotations);
        if (r >= 0)
                r = get_string(o, "health", &s->health);
        if (r < 0 || !s->name)
                return r < 0 ? r : -EINVAL;
        return 0;
}

int container_state_read(const char *name, ContainerState *ret) {
        _cleanup_(container_state_done) ContainerState s = {};
        _cleanup_free_ char *path = NULL;
        json_t *o;
        int r;

        if (!container_is_running(name))
                return -ESRCH;
        path = container_state_path(name);
        if (!path)
                return -ENOMEM;
        o = json_load_file(path, 0, NULL);
        if (!o)
                return -ESRCH; /* not written yet, or already removed */
        r = state_from_json(o, &s);
        json_decref(o);
        if (r < 0)
                return r;
        /* Written once running and removed before the lock is released: a file read while the lock is
         * still held afterwards describes this very container. */
        if (!container_is_running(name))
                return -ESRCH;
        /* A record of an older runtime has no id: the one every container of that name gets. */
        if (!s.id) {
                s.id = malloc(CONTAINER_ID_LEN + 1);
                if (!s.id)
                        return -ENOMEM;
                r = container_id_from_name(s.name, s.id);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_STRUCT(s);
        return 0;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int running_containers(char ***ret) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_RUN), "/containers");
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
                if (de->d_name[0] == '.' || de->d_type != DT_DIR || !container_is_running(de->d_name))
                        continue;
                if (strv_extend(&names, de->d_name) < 0)
                        return -ENOMEM;
        }
        qsort(names, strv_length(names), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(names);
        return 0;
}

int running_container_pid(const char *name, pid_t *ret) {
        _cleanup_(container_state_done) ContainerState s = {};
        int r = container_state_read(name, &s);

        if (r < 0)
                return r;
        *ret = s.pid;
        return 0;
}

static void hex_encode(const uint8_t *b, size_t n, char *ret) {
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                ret[2 * i] = hex[b[i] >> 4];
                ret[2 * i + 1] = hex[b[i] & 15];
        }
        ret[2 * n] = 0;
}

int container_id_random(char ret[static CONTAINER_ID_LEN + 1]) {
        uint8_t b[CONTAINER_ID_LEN / 2];
        size_t got = 0;

        while (got < sizeof b) {
                ssize_t n = getrandom(b + got, sizeof b - got, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                got += (size_t) n;
        }
        hex_encode(b, sizeof b, ret);
        return 0;
}

int container_id_from_name(const char *name, char ret[static CONTAINER_ID_LEN + 1]) {
        return hex_id_from_text("berth-container:", name, ret);
}

int hex_id_from_text(const char *prefix, const char *text, char ret[static CONTAINER_ID_LEN + 1]) {
        _cleanup_free_ char *what = strjoin(prefix, text);
        char digest[72];
        int r;

        if (!what)
                return -ENOMEM;
        r = sha256_digest(what, strlen(what), digest);
        if (r < 0)
                return r;
        memcpy(ret, digest + strlen("sha256:"), CONTAINER_ID_LEN + 1);
        return 0;
}

bool container_id_is_valid(const char *id) {
        return id && strlen(id) == CONTAINER_ID_LEN && strspn(id, "0123456789abcdef") == CONTAINER_ID_LEN;
}
