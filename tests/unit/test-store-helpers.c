/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helpers every store shares (lib/basic): RFC 3339 times, JSON string arrays, OFD locks. */
#include <errno.h>

#include "tap.h"
#include "time-util.h"

static void test_rfc3339(void) {
        char buf[RFC3339_MAX];
        struct timespec ts = { .tv_sec = 1795882800, .tv_nsec = 5 };
        uint64_t t = 1;

        CHECK(format_rfc3339(buf, 1795882800) == 0);
        CHECK_STREQ(buf, "2026-11-28T16:20:00Z");
        CHECK(format_rfc3339(buf, 0) == 0);
        CHECK_STREQ(buf, "1970-01-01T00:00:00Z");
        CHECK(format_rfc3339_nsec(buf, &ts) == 0);
        CHECK_STREQ(buf, "2026-11-28T16:20:00.000000005Z");
        /* the longest form fits the buffer exactly */
        ts = (struct timespec) { .tv_sec = 253402300799, .tv_nsec = 999999999 };
        CHECK(format_rfc3339_nsec(buf, &ts) == 0);
        CHECK_STREQ(buf, "9999-12-31T23:59:59.999999999Z");
        CHECK(format_rfc3339(buf, INT64_MAX) == -EOVERFLOW && buf[0] == 0);

        CHECK(parse_rfc3339("2026-11-28T16:20:00Z", &t) == 0 && t == 1795882800);
        CHECK(parse_rfc3339("2026-11-28T16:20:00.123456789Z", &t) == 0 && t == 1795882800);
        CHECK(parse_rfc3339("2026-11-28T17:20:00+01:00", &t) == 0 && t == 1795882800);
        CHECK(parse_rfc3339("2026-11-28T15:20:00-01:00", &t) == 0 && t == 1795882800);
        t = 1;
        CHECK(parse_rfc3339("yesterday", &t) == -EINVAL && t == 1);
        CHECK(parse_rfc3339("", &t) == -EINVAL && parse_rfc3339(NULL, &t) == -EINVAL);
        CHECK(parse_rfc3339("1969-12-31T23:59:59Z", &t) == -EINVAL);
        /* what the formatter writes, the parser reads back */
        CHECK(format_rfc3339(buf, 1234567890) == 0 && parse_rfc3339(buf, &t) == 0 && t == 1234567890);
}

int main(void) {
        test_rfc3339();
        return tap_done();
}
