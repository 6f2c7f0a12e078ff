/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "compose.h"
#include "fs-util.h"
#include "manager.h"
#include "polkit.h"
#include "strv.h"
#include "worker.h"

/* The project file: an absolute path (berthd's working directory means nothing to the caller),
 * named as check_word() allows. */
static int check_project_file(const char *path, sd_bus_error *error) {
        int r = check_word("project file", path, error);

        if (r < 0)
                return r;
        if (path[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                "Invalid project file '%s': expected an absolute path.", path);
        return 0;
}

/* After the authorization: whether a file exists is not for everyone to learn. */
static int check_project_file_exists(const char *path, sd_bus_error *error) {
        struct stat st;

        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return sd_bus_error_setf(error, SD_BUS_ERROR_FILE_NOT_FOUND,
                                "Project file '%s' is not a file berthd can read.", path);
        return 0;
}

/* berth compose -f FILE VERB OPTIONS..., answered when it exits. */
static int compose(sd_bus_message *m, Berthd *d, const char *verb, const char *const *fixed, const char *const *allowed,
                bool reply_output, sd_bus_error *error) {
        _cleanup_strv_free_ char **options = NULL, **argv = NULL;
        const char *file;
        int r;

        r = sd_bus_message_read(m, "s", &file);
        if (r >= 0 && allowed)
                r = sd_bus_message_read_strv(m, &options);
        if (r < 0)
                return r;
        r = check_project_file(file, error);
        if (r >= 0 && allowed)
                r = check_options(options, allowed, error);
        if (r < 0)
                return r;
        {
                /* ps too: berth reads the file as root, and its errors may quote it */
                const char *details[] = { "verb", verb, "project", file, NULL };
                r = polkit_verify(d, m, POLKIT_ACTION_CONTAINERS, details, error);
                if (r <= 0)
                        return r < 0 ? r : 1;
        }
        r = check_project_file_exists(file, error);
        if (r < 0)
                return r;
        if (strv_extend(&argv, "compose") < 0 || strv_extend(&argv, "-f") < 0 || strv_extend(&argv, file) < 0 ||
                        strv_extend(&argv, verb) < 0)
                return -ENOMEM;
        for (size_t i = 0; fixed && fixed[i]; i++)
                if (strv_extend(&argv, fixed[i]) < 0)
                        return -ENOMEM;
        if (strv_extend_strv(&argv, options) < 0)
                return -ENOMEM;
        return worker_start(d, m, WORKER_CALL, argv, -EBADF, reply_output, NULL, NULL, NULL, error);
}

int method_compose_up(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const allowed[] = { "build", "force-recreate", NULL };
        static const char *const fixed[] = { "-d", NULL }; /* answered once the services started */
        return compose(m, userdata, "up", fixed, allowed, false, error);
}

int method_compose_down(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const allowed[] = { "volumes", NULL };
        return compose(m, userdata, "down", NULL, allowed, false, error);
}

int method_compose_ps(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return compose(m, userdata, "ps", NULL, NULL, true, error);
}

/* berth build with the caller's directory as the context: the fd becomes berth's stdin, and the
 * context path /proc/self/fd/0 names it, so berth reads only what the caller could open. */
int method_build_image(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const allowed[] = { "file", "target", "build-arg", "label", "env", "pull", "no-cache", NULL };
        _cleanup_strv_free_ char **tags = NULL, **options = NULL, **argv = NULL;
        Berthd *d = userdata;
        struct stat st;
        int fd, r;

        r = sd_bus_message_read(m, "h", &fd);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &tags);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &options);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                "The build context must be a directory's file descriptor.");
        if (strv_length(tags) > 64)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many tags.");
        STRV_FOREACH(t, tags) {
                r = check_word("image name", *t, error);
                if (r < 0)
                        return r;
        }
        r = check_options(options, allowed, error);
        if (r < 0)
                return r;
        {
                const char *details[] = { "verb", "build", "image", tags && tags[0] ? tags[0] : "", NULL };
                r = polkit_verify(d, m, POLKIT_ACTION_IMAGES, details, error);
                if (r <= 0)
                        return r < 0 ? r : 1;
        }
        if (strv_extend(&argv, "build") < 0)
                return -ENOMEM;
        STRV_FOREACH(t, tags)
                if (strv_consume(&argv, strjoin("--tag=", *t)) < 0)
                        return -ENOMEM;
        if (strv_extend_strv(&argv, options) < 0 || strv_extend(&argv, "--") < 0 ||
                        strv_extend(&argv, "/proc/self/fd/0") < 0)
                return -ENOMEM;
        return worker_start(d, m, WORKER_TRANSFER, argv, fd, false, "build", "", tags && tags[0] ? tags[0] : "", error);
}
