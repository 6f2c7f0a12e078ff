/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* String lists to JSON and back (the one copy of each direction), as the stores' records and inspect outputs need them. */

#include <fcntl.h> /* AT_FDCWD */
#include <jansson.h>

#include "fs-util.h"

/* ["a", "b"]; NULL when out of memory. */
json_t *strv_to_json_array(char *const *l);
/* KEY=VALUE entries as {"KEY": "VALUE"} (an entry without '=' gets ""); NULL when out of memory. */
json_t *strv_pairs_to_json_object(char *const *l);

/* The strings of a JSON array as a list: NULL (the empty list, as everywhere in berth) for an empty
 * array, an absent value (NULL) or JSON null. -EBADMSG when a is anything else or holds a non-string,
 * -ENOMEM. */
int json_array_to_strv(const json_t *a, char ***ret);
/* {"KEY": "VALUE"} as KEY=VALUE entries, the same way round: NULL for {}, an absent value or JSON null,
 * -EBADMSG when o is anything else or holds a non-string value, -ENOMEM. */
int json_object_to_strv_pairs(const json_t *o, char ***ret);

/* The string value of o's key, copied: *ret stays as it is (NULL) when the key is absent or JSON null.
 * -EBADMSG when the value is anything else, -ENOMEM. */
int json_object_get_optional_string(const json_t *o, const char *key, char **ret);

/* Writes o as a record file (indented, keys sorted) that replaces name in dir_fd at once
 * (write_file_atomic_at(); dir_fd AT_FDCWD: name is a path, as for write_file_atomic()). Takes the
 * caller's reference to o, so json_pack()'s result can go straight in: NULL gives -ENOMEM. */
int json_write_record_at(int dir_fd, const char *name, json_t *o, mode_t mode, WriteFileFlags flags);
