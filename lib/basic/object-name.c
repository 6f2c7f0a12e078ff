/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "object-name.h"

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

bool object_name_is_valid(const char *name, size_t max_len) {
        size_t l = name ? strlen(name) : 0;

        if (l == 0 || l > max_len || !strchr(ALNUM, name[0]))
                return false;
        return strspn(name, ALNUM "_.-") == l;
}

bool container_name_is_valid(const char *name) {
        return object_name_is_valid(name, CONTAINER_NAME_MAX);
}
