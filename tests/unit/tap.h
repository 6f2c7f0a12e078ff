/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Minimal TAP for the C unit tests: CHECK prints "ok N - expr" or "not ok N - expr (file:line)". */

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define CHECK(expr)                                                                                                    \
        do {                                                                                                           \
                tap_n++;                                                                                               \
                if (expr)                                                                                              \
                        printf("ok %d - %s\n", tap_n, #expr);                                                          \
                else {                                                                                                 \
                        printf("not ok %d - %s (%s:%d)\n", tap_n, #expr, __FILE__, __LINE__);                          \
                        tap_failed++;                                                                                  \
                }                                                                                                      \
        } while (0)

#define CHECK_STREQ(a, b)                                                                                              \
        do {                                                                                                           \
                const char *_a = (a), *_b = (b);                                                                       \
                tap_n++;                                                                                               \
                if (_a && _b && strcmp(_a, _b) == 0)                                                                   \
                        printf("ok %d - %s == \"%s\"\n", tap_n, #a, _b);                                               \
                else {                                                                                                 \
                        printf("not ok %d - %s: got \"%s\", want \"%s\" (%s:%d)\n", tap_n, #a, _a ? _a : "(null)",     \
                                        _b ? _b : "(null)", __FILE__, __LINE__);                                       \
                        tap_failed++;                                                                                  \
                }                                                                                                      \
        } while (0)

static inline int tap_done(void) {
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
