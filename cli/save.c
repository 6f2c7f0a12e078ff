/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth save [-o FILE] IMAGE...: a docker-archive tarball for `docker load`, `podman load`, `berth load`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "fs-util.h"
#include "image-save.h"
#include "log.h"
#include "paths.h"

int verb_save(int argc, char *argv[]) {
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *output = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "o:h", options, NULL)) >= 0)
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        printf("Usage: berth save [-o FILE] IMAGE...\n\n"
                               "Write images as a docker-archive tarball (for docker/podman/berth load) to FILE or\n"
                               "standard output.\n");
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth save --help'.");
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "Usage: berth save [-o FILE] IMAGE...");
        if (!output && isatty(STDOUT_FILENO))
                return log_error_errno(-EINVAL, "Standard output is a terminal: give a file with -o FILE or a pipe.");

        if (output) {
                /* next to the destination, renamed into place once complete */
                if (asprintf(&tmp, "%s.tmp.%d", output, (int) getpid()) < 0)
                        return log_oom();
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
        } else
                fd = dup(STDOUT_FILENO);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", tmp ?: "stdout");

        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                r = log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        else {
                r = image_store_save(store, argv + optind, fd, &error);
                if (r < 0)
                        r = log_error_errno(r, "Failed to save to %s: %s", output ?: "stdout", error_reason(error, r));
        }
        if (r >= 0 && tmp && (fsync(fd) < 0 || rename(tmp, output) < 0))
                r = log_error_errno(negative_errno(), "Failed to write %s: %m", output);
        if (r < 0 && tmp)
                (void) unlink(tmp);
        return r;
}
