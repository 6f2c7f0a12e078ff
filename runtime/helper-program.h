/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The small static programs installed next to berth-runtime (monitor/): berth-runtime-monitor and
 * berth-runtime-init. They are found beside our own binary, whatever the prefix. */

/* The path of our own binary (/proc/self/exe); -ENOENT when it has none any more (deleted, replaced
 * by an upgrade). */
int own_binary_path(char **ret);

/* The path of the program name in the directory of our own binary. */
int helper_program_path(const char *name, char **ret);
