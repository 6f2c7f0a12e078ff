/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "exec.h"
#include "log.h"
#include "oci.h"
#include "run-options.h"
#include "supervise.h"

static void help(void) {
        printf("Usage: berth-runtime supervise [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
               "       berth-runtime supervise [OPTIONS] --rootfs=DIR COMMAND [ARG...]\n"
               "       berth-runtime exec [-u USER] [-w DIR] [-e KEY=VALUE] NAME COMMAND [ARG...]\n"
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

int main(int argc, char *argv[]) {
        log_setup(argv[0], LOG_TARGET_STDERR);

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
        if (streq(argv[1], "exec"))
                return exec_main(argc - 2, argv + 2);
        if (oci_verb(argv[1]))
                return oci_main(argv[1], argc - 2, argv + 2);

        log_error("Unknown verb '%s'. Try 'berth-runtime --help'.", argv[1]);
        return 2;
}
