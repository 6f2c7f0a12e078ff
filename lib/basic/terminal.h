/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Whether fd is a terminal that escape sequences (colour, redrawn progress, a cleared screen) may be
 * written to: not when NO_COLOR is set (https://no-color.org) or TERM is dumb, as Docker and podman do. */
bool terminal_wants_escapes(int fd);
