/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "time-util.h"

int format_rfc3339(char buf[static RFC3339_MAX], time_t t) {
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, RFC3339_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
                buf[0] = 0;
                return -EOVERFLOW;
        }
        return 0;
}

int format_rfc3339_nsec(char buf[static RFC3339_MAX], const struct timespec *ts) {
        struct tm tm;
        size_t n;

        if (!gmtime_r(&ts->tv_sec, &tm) || (n = strftime(buf, RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm)) == 0 ||
                        (size_t) snprintf(buf + n, RFC3339_MAX - n, ".%09ldZ", ts->tv_nsec) >= RFC3339_MAX - n) {
                buf[0] = 0;
                return -EOVERFLOW;
        }
        return 0;
}

int parse_rfc3339(const char *s, uint64_t *ret) {
        struct tm tm = {};
        const char *end;
        time_t t;

        if (isempty(s))
                return -EINVAL;
        end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return -EINVAL;
        t = timegm(&tm);
        /* Skip fractional seconds; apply a numeric zone offset. */
        if (*end == '.')
                for (end++; *end >= '0' && *end <= '9'; end++)
                        ;
        if ((*end == '+' || *end == '-') && strlen(end) >= 6) {
                int hh = 0, mm = 0;
                if (sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2)
                        t += (*end == '+' ? -1 : 1) * (hh * 3600 + mm * 60);
        }
        if (t < 0)
                return -EINVAL;
        *ret = (uint64_t) t;
        return 0;
}

int parse_time_point(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        uint64_t v;

        if (!s || !*s)
                return -EINVAL;
        if (parse_rfc3339(s, &v) >= 0) {
                *ret_usec = v * UINT64_C(1000000);
                return 0;
        }
        if (strspn(s, "0123456789") > 0 && s[strspn(s, "0123456789.")] == 0) {
                char *end;
                errno = 0;
                double secs = strtod(s, &end);
                if (errno || *end || secs < 0 || secs > 1e12)
                        return -EINVAL;
                *ret_usec = (uint64_t) (secs * 1e6);
                return 0;
        }
        if (parse_duration(s, &v) < 0)
                return -EINVAL;
        *ret_usec = v > now_usec ? 0 : now_usec - v;
        return 0;
}
