/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth compose up/down/ps/...: the project's units. */
#include <errno.h>

#include "compose-cli.h"
#include "log.h"

int compose_command(ComposeProject *p, int argc, char *argv[]) {
        (void) p;
        (void) argc;
        return log_error_errno(-EINVAL, "Unknown command '%s'; see 'berth compose --help'.", argv[0]);
}
