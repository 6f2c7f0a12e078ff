/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Docker's rule for the names of volumes, networks and pods: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 * max_len characters. One rule, so the three kinds of object accept the same names. */
bool object_name_is_valid(const char *name, size_t max_len);
