/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Docker's --filter KEY=VALUE lists, one rule for `berth ps` and `berth events`: the values of one key
 * are alternatives, different keys must all hold. What one KEY=VALUE means is the caller's. */

#include <stdbool.h>

/* Whether object passes the filter key=value. */
typedef bool (*KeyFilterMatch)(const void *object, const char *key, const char *value);

/* 0 when filter is KEY=VALUE with KEY one of keys (NULL-terminated) and a non-empty VALUE, else -EINVAL. */
int key_filter_check(const char *filter, const char *const *keys);
/* Whether object passes filters (each checked by key_filter_check() against the same keys). */
bool key_filters_match(char *const *filters, const char *const *keys, KeyFilterMatch match, const void *object);

/* Docker's image filters (ps's ancestor=, events' image=): the image as given, or a name without a tag
 * that matches it with any tag. */
bool key_filter_image_matches(const char *image, const char *value);
