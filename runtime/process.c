/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fs-util.h"
#include "log.h"
#include "process.h"

int safe_chdir(const char *dir, uid_t uid, gid_t gid) {
        char cwd[PATH_MAX];
        int r;

        if (!path_is_absolute(dir))
                return log_error_errno(-EINVAL, "Working directory '%s' is not absolute.", dir);
        if (chdir(dir) < 0) {
                if (errno != ENOENT)
                        return log_error_errno(negative_errno(), "Failed to enter working directory %s: %m", dir);
                r = mkdir_p(dir, 0755);
                if (r < 0)
                        return log_error_errno(r, "Failed to create working directory %s: %m", dir);
                /* docker makes a missing WORKDIR owned by the container user. */
                (void) chown(dir, uid, gid);
                if (chdir(dir) < 0)
                        return log_error_errno(negative_errno(), "Failed to enter working directory %s: %m", dir);
        }
        if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/')
                return log_error_errno(-EPERM, "Working directory %s is outside the container root; refusing.", dir);
        return 0;
}

int find_executable(const char *argv0, char *const *env, char **ret) {
        const char *path = env_get(env, "PATH");
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;
        int last = -ENOENT;

        if (strchr(argv0, '/')) {
                *ret = strdup(argv0);
                return *ret ? 0 : -ENOMEM;
        }
        copy = strdup(isempty(path) ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : path);
        if (!copy)
                return -ENOMEM;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *p = path_join(d, argv0);
                struct stat st;
                if (!p)
                        return -ENOMEM;
                if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (access(p, X_OK) < 0) {
                        last = -EACCES;
                        continue;
                }
                *ret = TAKE_PTR(p);
                return 0;
        }
        return last;
}
