/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth secret create|ls|inspect|rm: the root-only secret store (lib/secret-store.h) that Secret= and
 * --secret take values from. No verb ever prints a secret's value. */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fs-util.h"
#include "log.h"
#include "secret-store.h"
#include "strv.h"
#include "time-util.h"

static const char usage[] = "Usage: berth secret create [--replace] NAME FILE|-\n"
                            "       berth secret ls [-q]\n"
                            "       berth secret inspect NAME...\n"
                            "       berth secret rm NAME...\n";

static int secret_create(int argc, char *argv[]) {
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        bool replace = false;
        size_t size = 0;
        int i = 1, r;

        if (i < argc && streq(argv[i], "--replace")) {
                replace = true;
                i++;
        }
        if (argc - i != 2)
                return log_error_errno(-EINVAL, "%s", usage);
        if (!secret_name_is_valid(argv[i]))
                return log_error_errno(-EINVAL,
                                "Invalid secret name '%s': use letters, digits and _.- (starting with "
                                "a letter or digit).",
                                argv[i]);
        fd = streq(argv[i + 1], "-") ? dup(STDIN_FILENO) : open(argv[i + 1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", argv[i + 1]);
        r = read_full_fd(fd, &data, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", argv[i + 1]);
        if (size == 0)
                return log_error_errno(-EINVAL, "%s is empty: a secret needs a value.", argv[i + 1]);
        r = secret_store_create(argv[i], data, size, replace);
        if (r == -EEXIST)
                return log_error_errno(r, "Secret '%s' exists already (--replace replaces it).", argv[i]);
        if (r == -EFBIG)
                return log_error_errno(r, "%s is larger than %u bytes, the limit of a secret.", argv[i + 1],
                                SECRET_SIZE_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to store secret '%s': %m", argv[i]);
        printf("%s\n", argv[i]);
        return 0;
}

static int secret_ls(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        bool quiet = argc > 1 && (streq(argv[1], "-q") || streq(argv[1], "--quiet"));
        int r;

        r = secret_store_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list the secrets: %m");
        if (!quiet)
                printf("NAME\n");
        STRV_FOREACH(n, names)
                printf("%s\n", *n);
        return 0;
}

static int secret_inspect(int argc, char *argv[]) {
        json_t *all = json_array();
        char *text;
        int ret = 0;

        if (!all)
                return log_oom();
        for (int i = 1; i < argc; i++) {
                _cleanup_free_ char *path = secret_store_path(argv[i]);
                struct stat st;
                char created[RFC3339_MAX] = "";

                if (!path)
                        return json_decref(all), log_oom();
                if (!secret_name_is_valid(argv[i]) || stat(path, &st) < 0) {
                        ret = log_error_errno(-ENOENT, "No such secret: %s", argv[i]);
                        continue;
                }
                (void) format_rfc3339(created, st.st_mtime);
                json_array_append_new(all, json_pack("{s:s, s:I, s:s}", "Name", argv[i], "Size",
                                                           (json_int_t) st.st_size, "UpdatedAt", created));
        }
        text = json_dumps(all, JSON_INDENT(2));
        json_decref(all);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return ret;
}

static int secret_rm(int argc, char *argv[]) {
        int ret = 0;

        for (int i = 1; i < argc; i++) {
                int r = secret_store_remove(argv[i]);
                if (r == -ENOENT || r == -EINVAL)
                        ret = log_error_errno(-ENOENT, "No such secret: %s", argv[i]);
                else if (r < 0)
                        ret = log_error_errno(r, "Failed to remove secret '%s': %m", argv[i]);
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}

int verb_secret(int argc, char *argv[]) {
        const char *sub = argc > 1 ? argv[1] : NULL;

        if (!sub || streq(sub, "--help") || streq(sub, "-h") || streq(sub, "help")) {
                printf("%s\nSecrets for Secret= and --secret: root-only files under "
                       "$BERTH_STATE_DIR/secrets, "
                       "mounted at /run/secrets/NAME or set as a variable when a container starts.\n"
                       "No command prints a secret's value. See berth-secret(1).\n",
                                usage);
                return sub ? 0 : -EINVAL;
        }
        if (streq(sub, "create"))
                return secret_create(argc - 1, argv + 1);
        if (streq(sub, "ls") || streq(sub, "list"))
                return secret_ls(argc - 1, argv + 1);
        if (streq(sub, "inspect"))
                return argc > 2 ? secret_inspect(argc - 1, argv + 1) : log_error_errno(-EINVAL, "%s", usage);
        if (streq(sub, "rm"))
                return argc > 2 ? secret_rm(argc - 1, argv + 1) : log_error_errno(-EINVAL, "%s", usage);
        return log_error_errno(-EINVAL, "Unknown command 'berth secret %s'.\n%s", sub, usage);
}
