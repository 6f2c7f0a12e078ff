/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"

int main(int argc, char *argv[]) {
        log_setup(argv[0], LOG_TARGET_STDERR);
        log_error("not yet");
        return 1;
}
