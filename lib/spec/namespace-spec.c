/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "fs-util.h"
#include "macro.h"
#include "namespace-spec.h"
#include "parse-util.h"

int namespace_option_parse(const char *value, const char **ret_arg) {
        const char *other;

        *ret_arg = NULL;
        if (isempty(value) || streq(value, "private"))
                return NAMESPACE_OPTION_PRIVATE;
        if (streq(value, "host"))
                return NAMESPACE_OPTION_HOST;
        other = startswith(value, "container:");
        if (other && !isempty(other)) {
                *ret_arg = other;
                return NAMESPACE_OPTION_CONTAINER;
        }
        return -EINVAL;
}

int userns_option_parse(const char *value, const char **ret_arg) {
        const char *arg;

        *ret_arg = NULL;
        if (isempty(value) || streq(value, "host"))
                return USERNS_OPTION_HOST;
        if (streq(value, "auto"))
                return USERNS_OPTION_AUTO;
        arg = startswith(value, "container:");
        if (arg && !isempty(arg)) {
                *ret_arg = arg;
                return USERNS_OPTION_CONTAINER;
        }
        arg = startswith(value, "ns:");
        if (arg && path_is_absolute(arg)) {
                *ret_arg = arg;
                return USERNS_OPTION_PATH;
        }
        return -EINVAL;
}

int idmap_entry_parse(const char *s, uint64_t *ret_inside, uint64_t *ret_outside, uint64_t *ret_size) {
        uint64_t v[3];
        const char *p = s;

        for (size_t i = 0; i < 3; i++) {
                size_t n = strcspn(p, ":");
                char buf[21];

                if (n == 0 || n >= sizeof buf || (i < 2) != (p[n] == ':'))
                        return -EINVAL;
                memcpy(buf, p, n);
                buf[n] = 0;
                if (parse_uint_range(buf, 0, UINT32_MAX, &v[i]) < 0)
                        return -EINVAL;
                p += n + (i < 2);
        }
        if (v[2] == 0 || v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
                return -EINVAL;
        *ret_inside = v[0];
        *ret_outside = v[1];
        *ret_size = v[2];
        return 0;
}
