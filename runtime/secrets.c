/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "secret-spec.h"
#include "secret-store.h"
#include "secrets.h"
#include "strv.h"
#include "userns.h"

#define SECRETS_DIR "secrets"

static char *secret_file_path(const char *run_dir, size_t index) {
        char name[32];

        (void) snprintf(name, sizeof name, "/" SECRETS_DIR "/%zu", index);
        return strjoin(run_dir, name);
}

static int parse(const char *s, SecretSpec *ret) {
        int r = secret_spec_parse(s, ret);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r,
                                "Invalid --secret '%s': expected NAME[,type=mount|env][,target=...]"
                                "[,uid=UID][,gid=GID][,mode=MODE] (uid, gid and mode for type=mount only).",
                                s);
        return 0;
}

int secrets_to_mounts(char *const *secrets, const char *run_dir, char ***mounts) {
        size_t index = 0;

        STRV_FOREACH(s, secrets) {
                _cleanup_(secret_spec_done) SecretSpec spec = {};
                _cleanup_free_ char *path = NULL, *file = NULL;
                int r;

                r = parse(*s, &spec);
                if (r < 0)
                        return r;
                index++;
                if (spec.env)
                        continue;
                path = secret_store_path(spec.name);
                file = secret_file_path(run_dir, index);
                if (!path || !file)
                        return log_oom();
                if (access(path, R_OK) < 0)
                        return log_error_errno(negative_errno(), "Cannot use secret '%s' (%s): %m%s", spec.name, path,
                                        errno == ENOENT ? " (create it with 'berth secret create')" : "");
                r = strv_consume(mounts, strjoin("type=bind,source=", file, ",destination=", spec.target, ",ro"));
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

static int write_one(const Container *c, int dir_fd, size_t index, const SecretSpec *spec) {
        _cleanup_free_ char *value = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint32_t uid = spec->uid, gid = spec->gid;
        char name[32];
        size_t size = 0;
        int r;

        r = secret_store_read(spec->name, &value, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read secret '%s'%s: %m", spec->name,
                                r == -ENOENT ? " (create it with 'berth secret create')" : "");
        if (c->userns_auto && (userns_host_id(&c->userns, false, spec->uid, &uid) < 0 ||
                                              userns_host_id(&c->userns, true, spec->gid, &gid) < 0))
                return log_error_errno(-ERANGE,
                                "Secret '%s': uid %u or gid %u is not mapped in the container's user "
                                "namespace.",
                                spec->name, (unsigned) spec->uid, (unsigned) spec->gid);
        (void) snprintf(name, sizeof name, "%zu", index);
        /* Root's only until it has its owner and mode: nobody reads it half-written. */
        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Secret '%s': cannot create its file: %m", spec->name);
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, value + done, size - done);
                if (n < 0)
                        return log_error_errno(negative_errno(), "Secret '%s': cannot write its file: %m", spec->name);
                done += (size_t) n;
        }
        if (fchown(fd, (uid_t) uid, (gid_t) gid) < 0 || fchmod(fd, spec->mode) < 0)
                return log_error_errno(negative_errno(), "Secret '%s': cannot set its owner and mode: %m", spec->name);
        return 0;
}

int secrets_write_files(const Container *c) {
        _cleanup_free_ char *dir = path_join(c->run_dir, SECRETS_DIR);
        _cleanup_close_ int dir_fd = -EBADF;
        size_t index = 0;
        int r;

        if (!dir)
                return log_oom();
        STRV_FOREACH(s, c->spec.secrets) {
                _cleanup_(secret_spec_done) SecretSpec spec = {};

                r = parse(*s, &spec);
                if (r < 0)
                        return r;
                index++;
                if (spec.env)
                        continue;
                if (dir_fd < 0) {
                        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                                return log_error_errno(negative_errno(), "Failed to create %s: %m", dir);
                        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (dir_fd < 0)
                                return log_error_errno(negative_errno(), "Failed to open %s: %m", dir);
                }
                r = write_one(c, dir_fd, index, &spec);
                if (r < 0)
                        return r;
        }
        return 0;
}
