/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* User and group values: --user USER[:GROUP], --group-add, a .volume's User=/Group=. A name is looked
 * up where it is used (the container's /etc/passwd, the host's for a volume); what is checked when a
 * file or flag is read is its form. */

#include <stdbool.h>
#include <sys/types.h>

#define USER_NAME_EXPECTED "a user or group name, or a number"
#define USER_SPEC_EXPECTED "USER[:GROUP], each a name or a number"

/* A name or a number: 1 to 256 printable characters, no ':', '/', space or leading '-'. */
bool user_name_is_valid(const char *s);
/* USER or USER:GROUP, each valid as above. */
bool user_spec_is_valid(const char *s);
/* A number within uid_t, not -1. 0 or -EINVAL. */
int user_id_parse(const char *s, uid_t *ret);
