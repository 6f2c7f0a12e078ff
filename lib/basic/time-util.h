/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* RFC 3339 times, the one formatter and parser: every record (state.json, volume.json, pod.json,
 * network records, image configs) and every inspect output writes its times through here. */

#include <stdint.h>
#include <time.h>

/* "2026-11-28T16:20:00.123456789Z" and its NUL, the longest form written. */
#define RFC3339_MAX 32

/* UTC with a 'Z', to the second ("2026-11-28T16:20:00Z"). Returns 0, or -EOVERFLOW (buf is then "")
 * for a time that has no such form. */
int format_rfc3339(char buf[static RFC3339_MAX], time_t t);
/* The same with nanoseconds, as docker writes an image's "created". */
int format_rfc3339_nsec(char buf[static RFC3339_MAX], const struct timespec *ts);

/* Seconds since the epoch of an RFC 3339 time: fractional seconds are dropped, a numeric zone offset
 * is applied. -EINVAL when s is not such a time or lies before the epoch. */
int parse_rfc3339(const char *s, uint64_t *ret);

/* Docker's --since/--until: an RFC 3339 time, a Unix timestamp (seconds, optionally with a fraction),
 * or a duration ("10m", parse-util.h) meaning that long before now_usec. Microseconds since the epoch;
 * -EINVAL for anything else. */
int parse_time_point(const char *s, uint64_t now_usec, uint64_t *ret_usec);
/* What parse_time_point() takes, for the messages of the options that use it. */
#define PARSE_TIME_POINT_EXPECTED "an RFC 3339 time, a Unix timestamp or a duration such as 10m"
