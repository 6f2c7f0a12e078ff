/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth build [-t NAME]... [-f FILE] [--target STAGE] [--build-arg K=V]... [--label K=V]... [--env K=V]...
 *             [--pull=POLICY] [--no-cache] [-q] CONTEXT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "build.h"
#include "commands.h"
#include "image-pull.h"
#include "log.h"
#include "paths.h"
#include "strv.h"

int verb_build(int argc, char *argv[]) {
        static const struct option options[] = {
                { "tag", required_argument, NULL, 't' },
                { "file", required_argument, NULL, 'f' },
                { "target", required_argument, NULL, 'T' },
                { "build-arg", required_argument, NULL, 'a' },
                { "label", required_argument, NULL, 'l' },
                { "env", required_argument, NULL, 'e' },
                { "pull", required_argument, NULL, 'p' },
                { "no-cache", no_argument, NULL, 'n' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_strv_free_ char **tags = NULL, **build_args = NULL, **labels = NULL, **env = NULL;
        _cleanup_free_ char *id = NULL;
        BuildOptions o = {};
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "t:f:qh", options, NULL)) >= 0)
                switch (c) {
                case 't':
                        if (strv_extend(&tags, optarg) < 0)
                                return log_oom();
                        break;
                case 'f':
                        o.dockerfile = optarg;
                        break;
                case 'T':
                        o.target = optarg;
                        break;
                case 'a':
                        if (strv_extend(&build_args, optarg) < 0)
                                return log_oom();
                        break;
                case 'l':
                case 'e':
                        if (!strchr(optarg, '=') || optarg[0] == '=')
                                return log_error_errno(-EINVAL, "--%s=%s: expected KEY=VALUE.",
                                                c == 'l' ? "label" : "env", optarg);
                        if (strv_extend(c == 'l' ? &labels : &env, optarg) < 0)
                                return log_oom();
                        break;
                case 'p':
                        if (!image_pull_policy_is_valid(optarg))
                                return log_error_errno(-EINVAL, "--pull=%s: expected missing, always, never or newer.",
                                                optarg);
                        o.pull = optarg;
                        break;
                case 'n':
                        o.no_cache = true;
                        break;
                case 'q':
                        o.quiet = true;
                        break;
                case 'h':
                        printf("Usage: berth build [OPTIONS] CONTEXT\n\n"
                               "Build an image from a Dockerfile (CONTEXT/Dockerfile unless -f) and the "
                               "files of\n"
                               "the CONTEXT directory, and print its id.\n\n"
                               "  -t, --tag NAME          name the image (repeatable)\n"
                               "  -f, --file FILE         the Dockerfile\n"
                               "      --target STAGE      build up to this stage\n"
                               "      --build-arg K[=V]   set a build argument (repeatable)\n"
                               "      --label K=V         add a label to the image (repeatable)\n"
                               "      --env K=V           add an environment variable to the image (repeatable)\n"
                               "      --pull POLICY       get FROM images: missing, always, never or newer\n"
                               "                          (default: only from the store)\n"
                               "      --no-cache          build every step again\n"
                               "  -q, --quiet             print only the image id\n\n"
                               "See berth-build(1).\n");
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth build --help'.");
                }
        if (optind + 1 != argc)
                return log_error_errno(-EINVAL, "Usage: berth build [OPTIONS] CONTEXT");
        o.context = argv[optind];
        o.tags = tags;
        o.build_args = build_args;
        o.labels = labels;
        o.env = env;

        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        r = build_image(store, &o, &id);
        if (r < 0)
                return r;
        printf("%s\n", id);
        return 0;
}
