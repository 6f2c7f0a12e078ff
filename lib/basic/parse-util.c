/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"

int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

/* strtoull without its leniencies: digits only (no sign, no spaces), no overflow. */
static int parse_digits(const char *s, char **end, uint64_t *ret) {
        unsigned long long v;

        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, end, 10);
        if (errno != 0)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_duration(const char *s, uint64_t *ret_usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                /* "ms" before "m": the first matching suffix wins. */
                { "ms", 1000ULL },
                { "us", 1ULL },
                { "h", 3600ULL * 1000000ULL },
                { "m", 60ULL * 1000000ULL },
                { "s", 1000000ULL },
        };
        uint64_t total = 0;
        bool first = true;

        if (isempty(s))
                return -EINVAL;
        while (*s) {
                char *end;
                uint64_t v;
                size_t i;
                int r;

                r = parse_digits(s, &end, &v);
                if (r < 0)
                        return r;
                if (*end == 0 && first) { /* a plain number: seconds */
                        if (v > UINT64_MAX / 1000000ULL)
                                return -ERANGE;
                        total = v * 1000000ULL;
                        break;
                }
                for (i = 0; i < ELEMENTSOF(units); i++)
                        if (startswith(end, units[i].suffix))
                                break;
                if (i == ELEMENTSOF(units))
                        return -EINVAL;
                if (v > (UINT64_MAX - total) / units[i].usec)
                        return -ERANGE;
                total += v * units[i].usec;
                s = end + strlen(units[i].suffix);
                first = false;
        }
        *ret_usec = total;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                char c;
                unsigned shift;
        } suffixes[] = {
                { 'K', 10 },
                { 'M', 20 },
                { 'G', 30 },
                { 'T', 40 },
                { 'B', 0 },
        };
        uint64_t v;
        char *end;
        int r;

        if (!s)
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = parse_digits(s, &end, &v);
        if (r < 0)
                return r;
        if (*end) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                        if (toupper((unsigned char) *end) == suffixes[i].c &&
                                        (end[1] == 0 || (suffixes[i].c != 'B' && toupper((unsigned char) end[1]) == 'B' &&
                                                                        end[2] == 0))) {
                                if (v > (UINT64_MAX >> suffixes[i].shift))
                                        return -ERANGE;
                                v <<= suffixes[i].shift;
                                found = true;
                                break;
                        }
                if (!found)
                        return -EINVAL;
        }
        *ret = v;
        return 0;
}

int parse_umask(const char *s, mode_t *ret) {
        unsigned long v;
        char *end;

        if (isempty(s) || strspn(s, "01234567") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 8);
        if (errno != 0 || *end || v > 0777)
                return -EINVAL;
        *ret = (mode_t) v;
        return 0;
}

int parse_uint_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v;
        char *end;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_digits(s, &end, &v);
        if (r < 0)
                return r;
        if (*end)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}
