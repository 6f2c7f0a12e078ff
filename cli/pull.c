/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth pull [OPTIONS] [REGISTRY/]NAME[:TAG|@DIGEST] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "image-pull.h"
#include "image-store.h"
#include "log.h"
#include "paths.h"

static int parse_bool(const char *s, bool *ret) {
        if (streq(s, "true") || streq(s, "1") || streq(s, "yes"))
                *ret = true;
        else if (streq(s, "false") || streq(s, "0") || streq(s, "no"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static void help(void) {
        printf("Usage: berth pull [OPTIONS] [REGISTRY/]NAME[:TAG|@DIGEST]\n\n"
               "Download an image from a registry into the image store.\n\n"
               "  --creds USER[:PASSWORD]   credentials for the registry (or its token server)\n"
               "  --tls-verify=false        allow plain http and unverified TLS\n"
               "  --platform OS/ARCH[/VAR]  pick this platform from a multi-platform image\n"
               "  -q, --quiet               print only the image id\n"
               "\nSee berth-pull(1).\n");
}

int verb_pull(int argc, char *argv[]) {
        static const struct option options[] = {
                { "creds", required_argument, NULL, 'c' },
                { "tls-verify", optional_argument, NULL, 't' },
                { "platform", required_argument, NULL, 'p' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *user = NULL;
        ImagePullOptions o = {};
        bool verify;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) >= 0)
                switch (c) {
                case 'c': {
                        const char *colon = optarg ? strchr(optarg, ':') : NULL;
                        free(user);
                        user = colon ? strndup(optarg, colon - optarg) : strdup(optarg ?: "");
                        if (!user)
                                return log_oom();
                        o.registry.username = user;
                        o.registry.password = colon ? colon + 1 : "";
                        break;
                }
                case 't':
                        if (parse_bool(optarg ?: "true", &verify) < 0)
                                return log_error_errno(-EINVAL, "--tls-verify takes true or false, not '%s'.", optarg);
                        o.registry.insecure = !verify;
                        break;
                case 'p':
                        o.platform = optarg;
                        break;
                case 'q':
                        o.quiet = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth pull --help'.");
                }
        if (optind != argc - 1)
                return log_error_errno(-EINVAL, "Usage: berth pull [OPTIONS] [REGISTRY/]NAME[:TAG|@DIGEST]");

        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return r;
        r = image_store_pull(store, argv[optind], &o, &img);
        if (r < 0)
                return r;
        printf("%s\n", img->id);
        return 0;
}
