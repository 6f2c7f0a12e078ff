/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --ulimit / Ulimit= values: NAME=SOFT[:HARD], docker's names (nofile, nproc, core, ...), each limit a
 * number, "unlimited" or -1. */

#include <sys/resource.h>

#define ULIMIT_EXPECTED                                                                                                \
        "NAME=SOFT[:HARD] with a limit name such as nofile or nproc and numbers (or unlimited), soft at "              \
        "most hard"

/* "nofile" -> RLIMIT_NOFILE, any case; -EINVAL for an unknown name. */
int rlimit_from_name(const char *name);
/* Parses one NAME=SOFT[:HARD]. Returns the resource (>= 0) and fills *ret, or -EINVAL, -ENOMEM. */
int ulimit_parse(const char *s, struct rlimit *ret);
