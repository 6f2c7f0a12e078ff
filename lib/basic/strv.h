/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* NULL-terminated string vectors (char **), the currency for argv, env and list-valued keys. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Appends a copy of value. Returns 0 or -ENOMEM; *l is untouched on failure. These count the vector on
 * every call: for a list of unbounded length (argv, env from untrusted input) use the _with_size forms. */
int strv_extend(char ***l, const char *value);
/* Appends value itself, taking ownership (also on failure, when it is freed). */
int strv_consume(char ***l, char *value);
/* The same for a vector whose length the caller keeps in *n (0 for a NULL vector; incremented on
 * success). The array grows geometrically, so n appends cost O(n) in all. */
int strv_extend_with_size(char ***l, size_t *n, const char *value);
int strv_consume_with_size(char ***l, size_t *n, char *value);
/* Appends copies of every string of other, growing *l once. */
int strv_extend_strv(char ***l, char *const *other);
/* Joins with separator; returns NULL on OOM. */
char *strv_join(char *const *l, const char *separator);
/* Sorts l in place by strcmp(). */
void strv_sort(char **l);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
