/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "exec.h"
#include "health.h"
#include "helper-program.h"
#include "log.h"
#include "monitor-exec.h"
#include "oci.h"
#include "run-options.h"
#include "supervise.h"

static void help(void) {
        printf("Usage: berth-runtime supervise [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
               "       berth-runtime supervise [OPTIONS] --rootfs=DIR COMMAND [ARG...]\n"
               "       berth-runtime check-options [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
               "       berth-runtime cleanup --name=NAME [--network=NETWORK] [--pod=POD]\n"
               "       berth-runtime exec [-u USER] [-w DIR] [-e KEY=VALUE] NAME COMMAND [ARG...]\n"
               "       berth-runtime exec [--process FILE] [--pid-file FILE] [--detach] [--console-socket "
               "SOCK]\n"
               "                          [--tty] [--cwd DIR] [--env K=V] [--user UID[:GID]] [--cap CAP]\n"
               "                          [--no-new-privs] [--preserve-fds N] ID [COMMAND [ARG...]]\n"
               "       berth-runtime create|run [--bundle DIR] [--pid-file FILE] ID\n"
               "       berth-runtime start|state|delete [--force]|kill ID [SIGNAL]\n"
               "       berth-runtime features\n"
               "\n"
               "Runs one container as the main process of a systemd unit (Type=notify, Delegate=yes)\n"
               "and exits with the container's status. Options:\n\n");
        for (size_t i = 0; i < run_options_count; i++) {
                const RunOption *o = &run_options[i];
                if (o->kind == RUN_OPTION_UNIT_PROPERTY)
                        continue;
                printf("  --%-22s %s\n", o->name, o->help);
        }
        printf("\nSee berth-runtime(8).\n");
}

/* Global options that engines put before the OCI verb (podman, conmon, containerd-shim, as for runc
 * and crun). --root moves the OCI state directory; the others are accepted and have no effect: berth
 * logs to stderr, which the caller collects, and manages cgroups itself. Returns how many arguments
 * were taken, or -EINVAL. */
static int parse_global_options(int argc, char *argv[]) {
        static const char *const with_value[] = { "--root", "--log", "--log-format", "--cgroup-manager", "--rootless" };
        static const char *const flags[] = { "--systemd-cgroup", "--debug" };
        int i = 1;

        while (i < argc && startswith(argv[i], "--")) {
                const char *a = argv[i], *value = NULL;
                bool known = false;

                for (size_t k = 0; k < ELEMENTSOF(flags); k++)
                        if (streq(a, flags[k]))
                                known = true;
                for (size_t k = 0; !known && k < ELEMENTSOF(with_value); k++) {
                        size_t n = strlen(with_value[k]);
                        if (strncmp(a, with_value[k], n) != 0)
                                continue;
                        if (a[n] == '=')
                                value = a + n + 1;
                        else if (a[n] == 0 && i + 1 < argc)
                                value = argv[++i];
                        else
                                continue;
                        known = true;
                        if (streq(with_value[k], "--root") && setenv("BERTH_OCI_ROOT", value, 1) < 0)
                                return log_oom();
                }
                if (!known)
                        break;
                i++;
        }
        return i - 1;
}

int main(int argc, char *argv[]) {
        int n;

        log_setup(argv[0], LOG_TARGET_STDERR);

        n = parse_global_options(argc, argv);
        if (n < 0)
                return 2;
        if (n > 0) {
                argv[n] = argv[0];
                argv += n;
                argc -= n;
        }

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                help();
                return argc < 2 ? 2 : 0;
        }
        if (streq(argv[1], "--version")) {
                printf("berth-runtime %s\n", BERTH_VERSION);
                return 0;
        }
        if (streq(argv[1], "supervise"))
                return supervise_main(argc - 2, argv + 2);
        if (streq(argv[1], "check-options"))
                return check_options_main(argc - 2, argv + 2);
        if (streq(argv[1], "cleanup"))
                return cleanup_main(argc - 2, argv + 2);
        if (streq(argv[1], "supervise-finish"))
                return supervise_finish_main(argc - 2, argv + 2);
        if (streq(argv[1], "health-run")) {
                /* Each check is an exec: from the sealed copy, as below. */
                if (reexec_from_sealed_copy(argv) < 0)
                        return 125;
                return health_run_main(argc - 2, argv + 2);
        }
        if (streq(argv[1], "exec")) {
                /* The process exec starts runs our code inside the container until its execve():
                 * from a sealed copy, its /proc/PID/exe is no file of the host (CVE-2019-5736). */
                if (reexec_from_sealed_copy(argv) < 0)
                        return 125;
                return exec_main(argc - 2, argv + 2);
        }
        if (oci_verb(argv[1]))
                return oci_main(argv[1], argc - 2, argv + 2);

        log_error("Unknown verb '%s'. Try 'berth-runtime --help'.", argv[1]);
        return 2;
}
