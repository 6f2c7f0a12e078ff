/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth compose: a compose project as systemd units (lib/compose-*.c reads it, lib/unit-compose.c
 * turns it into units). See berth-compose(1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "compose-cli.h"
#include "compose-project.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"

extern char **environ;

static void help(void) {
        printf("Usage: berth compose [-f FILE]... [-p NAME] [--project-directory DIR] [--env-file FILE]...\n"
               "                     [--profile NAME]... COMMAND [ARGS...]\n\n"
               "Commands:\n"
               "  config            print the normalised project (as docker compose config)\n"
               "  up [-d] [--build] [--force-recreate] [SERVICE...]\n"
               "                    write the units and start them (-d: return once started)\n"
               "  down [-v] [--rmi all|local]   stop and remove the units (-v: the volumes too)\n"
               "  stop|start|restart [SERVICE...]\n"
               "  ps                list the project's containers\n"
               "  logs [-f] [SERVICE...]   the output of the services (from the journal)\n"
               "  pull|build [SERVICE...]\n"
               "  exec SERVICE COMMAND...   run a command in a running service container\n"
               "  run [--rm] SERVICE [COMMAND...]   a one-off container of a service\n\n"
               "See berth-compose(1) and berth.compose(5).\n");
}

static int compose_config(ComposeProject *p, int argc, char *argv[]) {
        bool services = false, quiet = false;

        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--services"))
                        services = true;
                else if (streq(argv[i], "-q") || streq(argv[i], "--quiet"))
                        quiet = true;
                else
                        return log_error_errno(-EINVAL, "Unknown option '%s' for 'berth compose config'.", argv[i]);
        if (quiet)
                return 0;
        if (services) {
                const YNode *s = ynode_get(p->root, "services");
                for (size_t i = 0; s && i < s->n_items; i++)
                        printf("%s\n", s->items[i]->key);
                return 0;
        }
        return yaml_print(p->root, stdout) < 0 ? log_error_errno(-EIO, "Failed to write the project.") : 0;
}

int verb_compose(int argc, char *argv[]) {
        static const struct option options[] = {
                { "file", required_argument, NULL, 'f' },
                { "project-name", required_argument, NULL, 'p' },
                { "project-directory", required_argument, NULL, 'D' },
                { "env-file", required_argument, NULL, 'E' },
                { "profile", required_argument, NULL, 'P' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_strv_free_ char **files = NULL, **env_files = NULL, **profiles = NULL;
        _cleanup_(compose_project_done) ComposeProject p = {};
        _cleanup_free_ char *error = NULL;
        ComposeOptions o = { .environ = environ };
        const char *verb;
        int c, r;

        optind = 0;
        /* "+": options stop at the command, whose own options follow it */
        while ((c = getopt_long(argc, argv, "+f:p:h", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        if (strv_extend(&files, optarg) < 0)
                                return log_oom();
                        break;
                case 'p':
                        o.project_name = optarg;
                        break;
                case 'D':
                        o.project_dir = optarg;
                        break;
                case 'E':
                        if (strv_extend(&env_files, optarg) < 0)
                                return log_oom();
                        break;
                case 'P':
                        if (strv_extend(&profiles, optarg) < 0)
                                return log_oom();
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth compose --help'.");
                }
        if (optind >= argc) {
                help();
                return log_error_errno(-EINVAL, "Missing a command.");
        }
        verb = argv[optind];
        if (streq(verb, "--help") || streq(verb, "help")) {
                help();
                return 0;
        }
        o.files = files;
        o.env_files = env_files;
        o.profiles = profiles;
        /* Services named on the command line activate their profiles (docker compose does the same). */
        if (!streq(verb, "config") && !streq(verb, "exec") && !streq(verb, "run"))
                for (int i = optind + 1; i < argc; i++)
                        if (argv[i][0] != '-' && strv_extend(&profiles, "*") < 0)
                                return log_oom();
        o.profiles = profiles;
        r = compose_project_load(&o, &p, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Failed to load the project.");
        STRV_FOREACH(w, p.warnings)
                log_warning("The \"%s\" variable is not set. Defaulting to a blank string.", *w);

        if (streq(verb, "config"))
                return compose_config(&p, argc - optind, argv + optind);
        return compose_command(&p, argc - optind, argv + optind);
}
