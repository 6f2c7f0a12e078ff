/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "user-name.h"

#define USER_NAME_MAX 256

static bool user_name_is_valid_n(const char *s, size_t n) {
        if (n == 0 || n > USER_NAME_MAX || s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || s[i] == 0x7f || s[i] == ':' || s[i] == '/')
                        return false;
        return true;
}

bool user_name_is_valid(const char *s) {
        return s && user_name_is_valid_n(s, strlen(s));
}

bool user_spec_is_valid(const char *s) {
        const char *colon;

        if (!s)
                return false;
        colon = strchr(s, ':');
        if (!colon)
                return user_name_is_valid(s);
        return user_name_is_valid_n(s, (size_t) (colon - s)) && user_name_is_valid(colon + 1);
}

int user_id_parse(const char *s, uid_t *ret) {
        uint64_t v;

        if (parse_uint_range(s, 0, (uid_t) -2, &v) < 0)
                return -EINVAL;
        *ret = (uid_t) v;
        return 0;
}
