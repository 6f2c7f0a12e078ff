/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The small static programs installed next to berth-runtime (monitor/): berth-runtime-monitor and
 * berth-runtime-init. They are found beside our own binary, whatever the prefix. */

/* The path of our own binary (/proc/self/exe); -ENOENT when it has none any more (deleted, replaced
 * by an upgrade). */
int own_binary_path(char **ret);

/* The path of the program name in the directory of our own binary. */
int helper_program_path(const char *name, char **ret);

/* A sealed, executable memfd named name holding a copy of the program at path: executed from it, a
 * process's /proc/PID/exe is that copy, which nobody can write. Logs its errors. */
int sealed_copy_open(const char *path, const char *name);

/* Executes our own binary again from a sealed copy, with argv and our environment; returns 0 at
 * once when we already run from one (our /proc/self/exe names no file), else only on failure. */
int reexec_from_sealed_copy(char *argv[]);
