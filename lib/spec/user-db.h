/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Who a process runs as: "USER[:GROUP]" resolved against a root's own /etc/passwd and /etc/group
 * (the container's or the image's, never the host's NSS). The one owner of these rules, used by
 * berth-runtime for the container's process and by berth build for USER and COPY --chown. */

#include <stdio.h>
#include <sys/types.h>

typedef struct UserIds {
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups */
        size_t n_groups;
        char *home; /* from passwd, or "/" */
} UserIds;

void user_ids_done(UserIds *u);

/* Resolves "USER[:GROUP]" (names or numbers; NULL or "" means root) plus extra groups (names or
 * numbers), as docker does: a number needs no passwd entry (gid 0 then); the groups are the primary
 * one, every group listing the user, then extra_groups. passwd and group may be NULL when the root
 * has no such file; then only numbers work. Returns -EINVAL (empty user part) or -ESRCH (a name not
 * found) with *ret_error saying what, for the caller's message; -ENOMEM. Logs nothing. */
int user_resolve(const char *spec, char *const *extra_groups, FILE *passwd, FILE *group, UserIds *ret, char **ret_error);

/* Opens path (/etc/passwd, /etc/group) below the root directory root_fd, resolved in the root, as a
 * regular file; NULL with errno set when it cannot. */
FILE *user_db_open_in_root(int root_fd, const char *path);
