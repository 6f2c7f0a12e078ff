/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Docker's rule for the names of volumes, networks and pods: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 * max_len characters. One rule, so the three kinds of object accept the same names. */
bool object_name_is_valid(const char *name, size_t max_len);

/* The longest container name. The same everywhere (berth run, berth-runtime, ContainerName=, berth
 * check), and short enough that "berth-NAME.service" and the paths under the run directory named
 * after the container stay within systemd's and the kernel's limits. */
#define CONTAINER_NAME_MAX 128
/* How to write a valid container name, for error messages. */
#define CONTAINER_NAME_RULE                                                                                            \
        "use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 128 characters"

/* Docker's rule for container names (the rule above, at most CONTAINER_NAME_MAX characters). */
bool container_name_is_valid(const char *name);
