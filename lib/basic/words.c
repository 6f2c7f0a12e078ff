/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "words.h"

static int unescape_one(const char **p, char *out) {
        const char *s = *p; /* points after the backslash */
        switch (*s) {
        case 'a':
                *out = '\a';
                break;
        case 'b':
                *out = '\b';
                break;
        case 'f':
                *out = '\f';
                break;
        case 'n':
                *out = '\n';
                break;
        case 'r':
                *out = '\r';
                break;
        case 't':
                *out = '\t';
                break;
        case 'v':
                *out = '\v';
                break;
        case '\\':
        case '"':
        case '\'':
        case ' ':
        case ';':
                *out = *s;
                break;
        case 's':
                *out = ' ';
                break;
        case 'x':
                if (!isxdigit((unsigned char) s[1]) || !isxdigit((unsigned char) s[2]))
                        return -EINVAL;
                {
                        char hex[3] = { s[1], s[2], 0 };
                        *out = (char) strtol(hex, NULL, 16);
                }
                s += 2;
                break;
        default:
                if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
                        *out = (char) (((s[0] - '0') << 6) | ((s[1] - '0') << 3) | (s[2] - '0'));
                        s += 2;
                        break;
                }
                return -EINVAL;
        }
        *p = s + 1;
        return 0;
}

int split_words(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *word = malloc(strlen(s) + 1);
        size_t n_words = 0;
        int r;

        if (!word)
                return -ENOMEM;
        for (;;) {
                size_t n = 0;
                char quote = 0;
                bool any = false;

                while (isspace((unsigned char) *s))
                        s++;
                if (!*s)
                        break;
                while (*s && (quote || !isspace((unsigned char) *s))) {
                        char c = *s++;
                        any = true;
                        if (quote && c == quote) {
                                quote = 0;
                                continue;
                        }
                        if (!quote && (c == '"' || c == '\'')) {
                                quote = c;
                                continue;
                        }
                        if (c == '\\' && quote != '\'') {
                                if (!*s)
                                        return -EINVAL;
                                r = unescape_one(&s, &c);
                                if (r < 0)
                                        return r;
                        }
                        word[n++] = c;
                }
                if (quote)
                        return -EINVAL;
                if (any) {
                        word[n] = 0;
                        r = strv_extend_with_size(&l, &n_words, word);
                        if (r < 0)
                                return r;
                }
        }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

char *quote_word(const char *word) {
        bool plain = *word != 0;
        char *r, *p;

        for (const char *c = word; *c; c++)
                if (isspace((unsigned char) *c) || strchr("\"'\\;", *c) || !isprint((unsigned char) *c))
                        plain = false;
        if (plain)
                return strdup(word);

        r = malloc(strlen(word) * 4 + 3);
        if (!r)
                return NULL;
        p = r;
        *p++ = '"';
        for (const char *c = word; *c; c++) {
                unsigned char u = (unsigned char) *c;
                if (*c == '"' || *c == '\\') {
                        *p++ = '\\';
                        *p++ = *c;
                } else if (*c == '\n') {
                        p = stpcpy(p, "\\n");
                } else if (*c == '\t') {
                        p = stpcpy(p, "\\t");
                } else if (u < 0x20 || u == 0x7f) {
                        static const char hex[] = "0123456789abcdef";
                        *p++ = '\\';
                        *p++ = 'x';
                        *p++ = hex[u >> 4];
                        *p++ = hex[u & 15];
                } else
                        *p++ = *c;
        }
        *p++ = '"';
        *p = 0;
        return r;
}
