/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "key-filter.h"
#include "macro.h"
#include "strv.h"

/* Whether filter is "key=...". */
static bool filter_has_key(const char *filter, const char *key) {
        size_t n = strlen(key);
        return strncmp(filter, key, n) == 0 && filter[n] == '=';
}

int key_filter_check(const char *filter, const char *const *keys) {
        for (size_t k = 0; keys[k]; k++)
                if (filter_has_key(filter, keys[k]))
                        return filter[strlen(keys[k]) + 1] ? 0 : -EINVAL;
        return -EINVAL;
}

bool key_filters_match(char *const *filters, const char *const *keys, KeyFilterMatch match, const void *object) {
        for (size_t k = 0; keys[k]; k++) {
                bool any = false, matched = false;

                STRV_FOREACH(f, filters) {
                        if (!filter_has_key(*f, keys[k]))
                                continue;
                        any = true;
                        matched = matched || match(object, keys[k], *f + strlen(keys[k]) + 1);
                }
                if (any && !matched)
                        return false;
        }
        return true;
}

bool key_filter_image_matches(const char *image, const char *value) {
        size_t n = strlen(value);
        return image && (streq(image, value) || (strncmp(image, value, n) == 0 && image[n] == ':'));
}
