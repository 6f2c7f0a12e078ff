/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String vectors: appends with and without a known length, appending a vector, and that a vector from
 * anywhere (calloc, strv_copy) is grown safely. ASan checks the bounds. */
#include <stdlib.h>

#include "strv.h"
#include "tap.h"

static void test_with_size(void) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        bool ok = true;
        char buf[32];

        /* 200000 appends: linear, so this takes milliseconds (a length count per append took minutes) */
        for (size_t i = 0; i < 200000; i++) {
                snprintf(buf, sizeof buf, "w%zu", i);
                if (strv_extend_with_size(&l, &n, buf) < 0)
                        ok = false;
        }
        CHECK(ok);
        CHECK(n == 200000 && strv_length(l) == 200000);
        CHECK_STREQ(l[0], "w0");
        CHECK_STREQ(l[199999], "w199999");
        CHECK(l[200000] == NULL);
        CHECK(strv_consume_with_size(&l, &n, NULL) == -ENOMEM && n == 200000);
}

static void test_extend(void) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *)), **copy = NULL, **two = NULL;
        _cleanup_free_ char *joined = NULL;

        /* a vector of exactly one slot, as callers make them */
        CHECK(l != NULL);
        CHECK(strv_extend(&l, "a") == 0);
        CHECK(strv_consume(&l, strdup("b")) == 0);
        copy = strv_copy(l);
        CHECK(strv_extend(&copy, "c") == 0);
        CHECK(strv_extend_strv(&copy, l) == 0);
        CHECK(strv_extend_strv(&two, NULL) == 0 && two == NULL);
        CHECK(strv_extend_strv(&two, copy) == 0);
        joined = strv_join(two, ",");
        CHECK_STREQ(joined, "a,b,c,a,b");
        CHECK(strv_length(two) == 5 && strv_contains(two, "c") && !strv_contains(two, "d"));
}

int main(void) {
        test_with_size();
        test_extend();
        return tap_done();
}
