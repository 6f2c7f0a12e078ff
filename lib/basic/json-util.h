/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* String lists to JSON and back (the one copy of each direction), as the stores' records and inspect outputs need them. */

#include <jansson.h>

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
