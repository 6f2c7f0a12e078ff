/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth pull [OPTIONS] [REGISTRY/]NAME[:TAG|@DIGEST] */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berthd-client.h"
#include "commands.h"
#include "fs-util.h"
#include "image-config.h"
#include "image-pull.h"
#include "image-store.h"
#include "log.h"
#include "parse-util.h"
#include "paths.h"
#include "strv.h"

static int parse_unsigned(const char *s, const char *option, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        assert(s); /* the argument of a required_argument option, which getopt always sets */
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end || v > max)
                return log_error_errno(-EINVAL, "%s takes a number from 0 to %u, not '%s'.", option, max, s);
        *ret = (unsigned) v;
        return 0;
}

/* podman's --retry-delay: a duration ("30", "30s", "2m", "1h"), in whole seconds up to a day. */
static int parse_seconds(const char *s, unsigned *ret) {
        uint64_t usec;

        assert(s);
        if (parse_duration(s, &usec) < 0 || usec % 1000000 != 0 || usec > 86400ULL * 1000000)
                return log_error_errno(-EINVAL,
                                "--retry-delay takes whole seconds up to a day, as a duration such "
                                "as 5s or 1m, not '%s'.",
                                s);
        *ret = (unsigned) (usec / 1000000);
        return 0;
}

static void help(void) {
        printf("Usage: berth pull [OPTIONS] [REGISTRY/]NAME[:TAG|@DIGEST]\n\n"
               "Download an image from a registry into the image store.\n\n"
               "  --creds USER[:PASSWORD]   credentials for the registry (or its token server)\n"
               "  --authfile FILE           credentials file (auth.json format)\n"
               "  --tls-verify=false        allow plain http and unverified TLS\n"
               "  --platform OS/ARCH[/VAR]  pick this platform from a multi-platform image\n"
               "  --os OS, --arch ARCH, --variant VAR   the same, by parts\n"
               "  --retry N                 attempts after a failed pull (default 0)\n"
               "  --retry-delay DURATION    wait between attempts (default 2s)\n"
               "  --progress auto|plain|tty how to show progress (default auto: tty on a terminal)\n"
               "  -q, --quiet               print only the image id\n"
               "\nSee berth-pull(1).\n");
}

/* The parsed options as berthd's PullImage takes them ("--NAME=VALUE"). */
static int pull_through_berthd(sd_bus **bus, const char *reference, const ImagePullOptions *o, unsigned retry,
                unsigned retry_delay) {
        _cleanup_strv_free_ char **options = NULL;
        char n[32];

        if (o->registry.insecure && strv_extend(&options, "--tls-verify=false") < 0)
                return log_oom();
        if (o->platform && strv_consume(&options, strjoin("--platform=", o->platform)) < 0)
                return log_oom();
        if (o->registry.username &&
                        strv_consume(&options, strjoin("--creds=", o->registry.username, ":", o->registry.password)) < 0)
                return log_oom();
        (void) snprintf(n, sizeof n, "--retry=%u", retry);
        if (retry > 0 && strv_extend(&options, n) < 0)
                return log_oom();
        (void) snprintf(n, sizeof n, "--retry-delay=%u", retry_delay);
        if (retry > 0 && strv_extend(&options, n) < 0)
                return log_oom();
        return berthd_pull(bus, reference, options, o->quiet);
}

int verb_pull(int argc, char *argv[]) {
        enum {
                OPT_OS = 0x100,
                OPT_ARCH,
                OPT_VARIANT,
                OPT_AUTHFILE,
                OPT_RETRY,
                OPT_RETRY_DELAY,
                OPT_PROGRESS,
                OPT_EXTEND_TIMEOUT,
                OPT_UNSUPPORTED
        };
        static const struct option options[] = {
                { "creds", required_argument, NULL, 'c' },
                { "tls-verify", optional_argument, NULL, 't' },
                { "platform", required_argument, NULL, 'p' },
                { "os", required_argument, NULL, OPT_OS },
                { "arch", required_argument, NULL, OPT_ARCH },
                { "variant", required_argument, NULL, OPT_VARIANT },
                { "authfile", required_argument, NULL, OPT_AUTHFILE },
                { "retry", required_argument, NULL, OPT_RETRY },
                { "retry-delay", required_argument, NULL, OPT_RETRY_DELAY },
                { "progress", required_argument, NULL, OPT_PROGRESS },
                /* berth-runtime's pulls at unit start: keep extending systemd's start timeout */
                { "extend-timeout", no_argument, NULL, OPT_EXTEND_TIMEOUT },
                { "all-tags", no_argument, NULL, OPT_UNSUPPORTED },
                { "cert-dir", required_argument, NULL, OPT_UNSUPPORTED },
                { "policy", required_argument, NULL, OPT_UNSUPPORTED },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *user = NULL, *platform = NULL;
        const char *os = NULL, *arch = NULL, *variant = NULL;
        unsigned retry = 0, retry_delay = 2;
        ImagePullOptions o = {};
        int c, r, index;

        optind = 0;
        while ((c = getopt_long(argc, argv, "qh", options, &index)) >= 0)
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
                        r = parse_boolean(optarg ?: "true");
                        if (r < 0)
                                return log_error_errno(-EINVAL, "--tls-verify takes true or false, not '%s'.", optarg);
                        o.registry.insecure = !r;
                        break;
                case 'p':
                        o.platform = optarg;
                        break;
                case OPT_OS:
                        os = optarg;
                        break;
                case OPT_ARCH:
                        arch = optarg;
                        break;
                case OPT_VARIANT:
                        variant = optarg;
                        break;
                case OPT_AUTHFILE:
                        assert(optarg);
                        /* The one place credentials files are looked up (lib/registry-auth.c) reads it. */
                        if (setenv("REGISTRY_AUTH_FILE", optarg, 1) < 0)
                                return log_oom();
                        break;
                case OPT_RETRY:
                        r = parse_unsigned(optarg, "--retry", 100, &retry);
                        if (r < 0)
                                return r;
                        break;
                case OPT_RETRY_DELAY:
                        r = parse_seconds(optarg, &retry_delay);
                        if (r < 0)
                                return r;
                        break;
                case OPT_PROGRESS:
                        assert(optarg);
                        if (streq(optarg, "auto"))
                                o.progress = PULL_PROGRESS_AUTO;
                        else if (streq(optarg, "plain"))
                                o.progress = PULL_PROGRESS_PLAIN;
                        else if (streq(optarg, "tty"))
                                o.progress = PULL_PROGRESS_TTY;
                        else
                                return log_error_errno(-EINVAL, "--progress takes auto, plain or tty, not '%s'.", optarg);
                        break;
                case OPT_EXTEND_TIMEOUT:
                        o.extend_timeout = true;
                        break;
                case OPT_UNSUPPORTED:
                        return log_error_errno(-EOPNOTSUPP, "berth pull: --%s is not supported.", options[index].name);
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
        if (os || arch || variant) {
                if (o.platform)
                        return log_error_errno(-EINVAL, "--platform and --os/--arch/--variant exclude each other.");
                platform = strjoin(os ?: "linux", "/", arch ?: image_host_architecture(), variant ? "/" : "",
                                variant ?: "");
                if (!platform)
                        return log_oom();
                o.platform = platform;
        }

        /* berthd pulls (berthd-client.h), unless this pull is the runtime's at a unit's start or reads
         * the caller's credentials file. */
        if (!o.extend_timeout && !getenv("REGISTRY_AUTH_FILE")) {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
                r = pull_through_berthd(&bus, argv[optind], &o, retry, retry_delay);
                if (r != BERTHD_DO_IT_YOURSELF)
                        return r;
        }

        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        for (unsigned attempt = 0;; attempt++) {
                r = image_store_pull(store, argv[optind], &o, &img);
                if (r >= 0 || attempt >= retry || r == -ENOMEM || r == -EINVAL)
                        break;
                log_info("Pull failed; retrying in %u s (attempt %u of %u).", retry_delay, attempt + 2, retry + 1);
                (void) nanosleep(&(struct timespec) { .tv_sec = retry_delay }, NULL);
        }
        if (r < 0)
                return r;
        printf("%s\n", img->id);
        return 0;
}
