/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* String lists to JSON and back, as the stores' records and inspect outputs need them. */

#include <jansson.h>

/* ["a", "b"]; NULL when out of memory. */
json_t *strv_to_json_array(char *const *l);
/* KEY=VALUE entries as {"KEY": "VALUE"} (an entry without '=' gets ""); NULL when out of memory. */
json_t *strv_pairs_to_json_object(char *const *l);
