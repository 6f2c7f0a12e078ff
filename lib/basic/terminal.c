/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "terminal.h"

bool terminal_wants_escapes(int fd) {
        const char *term = getenv("TERM");

        if (getenv("NO_COLOR") || (term && strcmp(term, "dumb") == 0))
                return false;
        return isatty(fd) == 1;
}
