/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container's process: who it runs as (resolved against the container's own /etc/passwd and
 * /etc/group, never the host's), where it starts, and finding and executing the program. */

#include <stdio.h>
#include <sys/types.h>

/* user_resolve() and UserIds: lib/spec/user-db.h */
#include "user-db.h"

/* chdir() into dir (created when missing, as docker does), then checks the result is a path inside
 * the container root: a cwd reached through a leaked host fd would show as "(unreachable)" (CVE-2024-21626). */
int safe_chdir(const char *dir, uid_t uid, gid_t gid);

/* Finds argv0 in env's PATH (or uses it as is when it has a '/'); returns a newly allocated path. */
int find_executable(const char *argv0, char *const *env, char **ret);
