/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth exec: another process in a running container, by `berth-runtime exec` (which enters the
 * container's namespaces and cgroup, relays its standard fds through pipes of its own, and exits with
 * the process's status). */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "log.h"
#include "paths.h"
#include "running-containers.h"
#include "strv.h"

int verb_exec(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "detach", no_argument, NULL, 'd' },
                { "interactive", no_argument, NULL, 'i' },
                { "tty", no_argument, NULL, 't' },
                { "user", required_argument, NULL, 'u' },
                { "workdir", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                {},
        };
        static const char usage[] =
                        "Usage: berth exec [-d] [-i] [-t] [-u USER] [-w DIR] [-e KEY=VALUE]... NAME COMMAND [ARG...]";
        _cleanup_strv_free_ char **args = NULL;
        const char *runtime = berth_path(BERTH_PATH_RUNTIME_BINARY);
        bool detach = false, tty = false;
        int c, r = 0;

        r = strv_extend(&args, runtime);
        if (r >= 0)
                r = strv_extend(&args, "exec");
        if (r < 0)
                return log_oom();
        optind = 0;
        while ((c = getopt_long(argc, argv, "+hditu:w:e:", options, NULL)) >= 0) {
                char opt[3] = { '-', (char) c, 0 };
                switch (c) {
                case 'h':
                        printf("%s\n\nRuns COMMAND in the running container NAME, with its environment, user and "
                               "privileges; exits with the command's status.\n"
                               "  -d  start COMMAND and return; its output goes to the container's log\n"
                               "  -i  pass standard input on (else COMMAND reads /dev/null)\n"
                               "  -t  give the command a terminal\n"
                               "COMMAND gets pipes (or with -t a terminal) that berth copies to and from\n"
                               "its own standard input, output and error, never berth's own fds.\n",
                                        usage);
                        return 0;
                case 'd':
                        detach = true;
                        r = strv_extend(&args, "--detach");
                        break;
                case 'i':
                        r = strv_extend(&args, "-i");
                        break;
                case 't':
                        tty = true;
                        r = strv_extend(&args, "-t");
                        break;
                case 'u':
                case 'w':
                case 'e':
                        r = strv_extend(&args, opt);
                        if (r >= 0)
                                r = strv_extend(&args, optarg);
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
                if (r < 0)
                        return log_oom();
        }
        if (argc - optind < 2)
                return log_error_errno(-EINVAL, "%s", usage);
        if (detach && tty)
                return log_error_errno(-EINVAL, "berth exec: -d and -t cannot be combined (a detached command has "
                                                "no terminal; its output goes to the container's log).");
        if (!container_is_running(argv[optind]))
                return log_error_errno(-ESRCH, "Container '%s' is not running (see 'berth ps').", argv[optind]);
        r = strv_extend(&args, "--");
        if (r >= 0)
                r = strv_extend_strv(&args, argv + optind);
        if (r < 0)
                return log_oom();
        fflush(stdout);
        execv(runtime, args);
        return log_error_errno(negative_errno(), "Failed to run %s: %m", runtime);
}
