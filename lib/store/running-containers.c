/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/file.h>

#include "fs-util.h"
#include "paths.h"
#include "running-containers.h"
#include "strv.h"

bool container_is_running(const char *name) {
        _cleanup_free_ char *lock = strjoin(berth_path(BERTH_PATH_RUN), "/containers/.", name, ".lock");
        _cleanup_close_ int fd = -EBADF;

        if (!lock)
                return false;
        fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        /* A shared lock succeeds only when no supervisor holds the exclusive one. */
        return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
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
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", name, "/state.json");
        json_t *o, *pid;
        int r = -ESRCH;

        if (!path)
                return -ENOMEM;
        o = json_load_file(path, 0, NULL);
        if (!o)
                return -ESRCH;
        pid = json_object_get(o, "pid");
        if (json_is_integer(pid) && json_integer_value(pid) > 0) {
                *ret = (pid_t) json_integer_value(pid);
                r = 0;
        }
        json_decref(o);
        return r;
}
