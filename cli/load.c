/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth load [-i FILE] [-q]: images from a `docker save` / `podman save` archive. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "image-load.h"
#include "image-ref.h"
#include "log.h"
#include "paths.h"

int verb_load(int argc, char *argv[]) {
        static const struct option options[] = {
                { "input", required_argument, NULL, 'i' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_strv_free_ char **loaded = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *input = NULL;
        bool quiet = false;
        struct stat st;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "i:qh", options, NULL)) >= 0)
                switch (c) {
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        printf("Usage: berth load [-i FILE|DIR] [-q]\n\n"
                               "Load images from a docker-archive tarball (docker save, podman save) or an OCI\n"
                               "layout (an oci-archive tarball, or a directory), read from FILE, DIR or standard\n"
                               "input; gzip, xz and zstd compression are recognized.\n");
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth load --help'.");
                }
        if (optind != argc)
                return log_error_errno(-EINVAL, "Usage: berth load [-i FILE] [-q]");
        if (!input && isatty(STDIN_FILENO))
                return log_error_errno(-EINVAL, "Standard input is a terminal: give the archive with -i FILE or a pipe.");

        fd = input ? open(input, O_RDONLY | O_CLOEXEC | O_NOCTTY) : dup(STDIN_FILENO);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", input ?: "stdin");
        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        if (fstat(fd, &st) >= 0 && S_ISDIR(st.st_mode))
                r = image_store_load_oci_dir(store, fd, &loaded, &error);
        else
                r = image_store_load(store, fd, &loaded, &error);
        if (r < 0)
                return log_error_errno(r, "Failed to load %s: %s", input ?: "stdin", error_reason(error, r));
        STRV_FOREACH(l, loaded)
                if (!quiet)
                        printf("Loaded image%s: %s\n", image_digest_is_valid(*l) ? " ID" : "", *l);
        return 0;
}
