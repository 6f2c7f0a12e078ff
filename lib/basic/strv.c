/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        STRV_FOREACH(s, l)
                n++;
        return n;
}

char **strv_copy(char *const *l) {
        _cleanup_strv_free_ char **c = calloc(strv_length(l) + 1, sizeof(char *));
        size_t i = 0;

        if (!c)
                return NULL;
        STRV_FOREACH(s, l) {
                c[i] = strdup(*s);
                if (!c[i])
                        return NULL;
                i++;
        }
        return TAKE_PTR(c);
}

bool strv_contains(char *const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

/* Makes room for one more entry and the NULL after it in a vector of n entries. The allocation's real
 * size (malloc_usable_size, as systemd's GREEDY_REALLOC) tells whether it is already there, so a vector
 * that came from anywhere (calloc, strv_copy) is grown safely, and one that grows by appends is
 * reallocated only when its size doubles: a realloc per append copies the array each time under ASan. */
static int strv_reserve(char ***l, size_t n, size_t more) {
        size_t need = n + more + 1, want;
        char **c;

        if (*l && malloc_usable_size(*l) / sizeof(char *) >= need)
                return 0;
        want = MAX(need, (size_t) 8);
        if (want <= SIZE_MAX / sizeof(char *) / 2)
                want = MAX(want, n * 2);
        c = reallocarray(*l, want, sizeof(char *));
        if (!c)
                return -ENOMEM;
        *l = c;
        return 0;
}

int strv_consume_with_size(char ***l, size_t *n, char *value) {
        if (!value)
                return -ENOMEM;
        if (strv_reserve(l, *n, 1) < 0) {
                free(value);
                return -ENOMEM;
        }
        (*l)[*n] = value;
        (*l)[++*n] = NULL;
        return 0;
}

int strv_extend_with_size(char ***l, size_t *n, const char *value) {
        return strv_consume_with_size(l, n, strdup(value));
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        return strv_consume_with_size(l, &n, value);
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

int strv_extend_strv(char ***l, char *const *other) {
        size_t n = strv_length(*l), m = strv_length(other);

        if (m == 0)
                return 0;
        if (strv_reserve(l, n, m) < 0)
                return -ENOMEM;
        STRV_FOREACH(s, other) {
                int r = strv_extend_with_size(l, &n, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

char *strv_join(char *const *l, const char *separator) {
        size_t sep_len = strlen(separator), len = 0;
        char *r, *p;

        STRV_FOREACH(s, l)
                len += strlen(*s) + sep_len;
        r = malloc(len + 1);
        if (!r)
                return NULL;
        p = r;
        STRV_FOREACH(s, l) {
                if (s != l)
                        p = stpcpy(p, separator);
                p = stpcpy(p, *s);
        }
        *p = 0;
        return r;
}

const char *endswith(const char *s, const char *suffix) {
        size_t sl = strlen(s), xl = strlen(suffix);
        if (xl > sl || memcmp(s + sl - xl, suffix, xl) != 0)
                return NULL;
        return s + sl - xl;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void strv_sort(char **l) {
        size_t n = strv_length(l);
        if (n > 1)
                qsort(l, n, sizeof(char *), compare_strings);
}
