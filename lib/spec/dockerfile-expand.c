/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Variable expansion in Dockerfile instructions, as BuildKit's shell lexer does it (dockerfile.h). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "fs-util.h"

typedef struct Buffer {
        char *data;
        size_t n, cap;
} Buffer;

static int buffer_add(Buffer *b, const char *s, size_t n) {
        if (b->n + n + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->n + n + 64);
                char *d = realloc(b->data, cap);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->cap = cap;
        }
        memcpy(b->data + b->n, s, n);
        b->n += n;
        b->data[b->n] = 0;
        return 0;
}

typedef struct Lexer {
        const char *s;
        char escape;
        char *const *env;
        bool split;   /* words mode */
        char **words; /* words mode: finished words */
        Buffer word;  /* words mode: the current one */
        bool in_word; /* words mode: the current word has begun (even if empty, e.g. "") */
        const char *error;
        char *error_message; /* ${VAR?message} */
} Lexer;

const char *dockerfile_env_get(char *const *env, const char *key) {
        size_t n = strlen(key);
        const char *value = NULL;

        STRV_FOREACH(e, env)
                if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
                        value = *e + n + 1;
        return value;
}

static int word_add(Lexer *x, const char *text, size_t n, bool quoted) {
        for (size_t i = 0; i < n; i++) {
                if (!quoted && isspace((unsigned char) text[i])) {
                        if (x->in_word) {
                                if (strv_extend(&x->words, x->word.data ?: "") < 0)
                                        return -ENOMEM;
                                x->word.n = 0;
                                if (x->word.data)
                                        x->word.data[0] = 0;
                                x->in_word = false;
                        }
                        continue;
                }
                if (buffer_add(&x->word, text + i, 1) < 0)
                        return -ENOMEM;
                x->in_word = true;
        }
        if (quoted && n == 0)
                x->in_word = true; /* "" is a word */
        return 0;
}

/* Output: when out is NULL (top level of words mode) text goes to the words, else into out. */
static int put(Lexer *x, Buffer *out, const char *text, size_t n, bool quoted) {
        if (out)
                return buffer_add(out, text, n);
        return word_add(x, text, n, quoted);
}

static int lex_until(Lexer *x, Buffer *out, char stop, bool quoted);

static bool is_name_char(char c) {
        return isalnum((unsigned char) c) || c == '_';
}

/* Removes the shortest/longest prefix or suffix of value that matches pattern. */
static char *trim_pattern(const char *value, const char *pattern, bool suffix, bool longest) {
        size_t n = strlen(value);

        for (size_t k = 0; k <= n; k++) {
                size_t len = longest ? n - k : k;
                _cleanup_free_ char *part = suffix ? strdup(value + n - len) : strndup(value, len);
                if (!part)
                        return NULL;
                if (fnmatch(pattern, part, 0) == 0)
                        return suffix ? strndup(value, n - len) : strdup(value + len);
        }
        return strdup(value);
}

/* After '$'. */
static int lex_dollar(Lexer *x, Buffer *out, bool quoted) {
        _cleanup_free_ char *name = NULL;
        Buffer word = {};
        const char *value, *start;
        int r;

        if (*x->s != '{') {
                if (!is_name_char(*x->s))
                        return put(x, out, "$", 1, quoted);
                start = x->s;
                if (isdigit((unsigned char) *x->s))
                        x->s++; /* $1: a positional parameter, always empty */
                else
                        while (is_name_char(*x->s))
                                x->s++;
                name = strndup(start, x->s - start);
                if (!name)
                        return -ENOMEM;
                value = isdigit((unsigned char) *name) ? NULL : dockerfile_env_get(x->env, name);
                return value ? put(x, out, value, strlen(value), quoted) : 0;
        }

        x->s++;
        start = x->s;
        while (is_name_char(*x->s))
                x->s++;
        if (x->s == start) {
                x->error = "missing variable name in ${}";
                return -EINVAL;
        }
        name = strndup(start, x->s - start);
        if (!name)
                return -ENOMEM;
        value = dockerfile_env_get(x->env, name);
        if (*x->s == '}') {
                x->s++;
                return value ? put(x, out, value, strlen(value), quoted) : 0;
        }

        {
                bool colon = false;
                char op = *x->s;
                _cleanup_free_ char *result = NULL;

                if (op == ':') {
                        colon = true;
                        op = *++x->s;
                        if (op != '-' && op != '+' && op != '?') {
                                x->error = "unsupported modifier in ${VAR:...}: expected :- :+ or :?";
                                return -EINVAL;
                        }
                }
                if (op == 0) {
                        x->error = "missing '}' in ${...}";
                        return -EINVAL;
                }
                if (!strchr("-+?#%", op)) {
                        x->error = "unsupported modifier in ${VAR...}";
                        return -EINVAL;
                }
                x->s++;
                bool twice = (op == '#' || op == '%') && *x->s == op;
                if (twice)
                        x->s++;
                /* the word up to the matching '}', itself expanded */
                r = lex_until(x, &word, '}', quoted);
                if (r < 0) {
                        free(word.data);
                        return r;
                }
                if (*x->s != '}') {
                        free(word.data);
                        x->error = "missing '}' in ${...}";
                        return -EINVAL;
                }
                x->s++;
                const char *w = word.data ?: "";
                bool set = value && (!colon || *value);

                switch (op) {
                case '-':
                        result = strdup(set ? value : w);
                        break;
                case '+':
                        result = strdup(set ? w : "");
                        break;
                case '?':
                        if (!set) {
                                x->error_message = *w ? strjoin(name, ": ", w) : strjoin(name, ": is not set");
                                free(word.data);
                                x->error = "required variable is not set";
                                return -EINVAL;
                        }
                        result = strdup(value);
                        break;
                default:
                        result = trim_pattern(value ?: "", w, op == '%', twice);
                }
                free(word.data);
                if (!result)
                        return -ENOMEM;
                return put(x, out, result, strlen(result), quoted);
        }
}

/* Reads until stop (not consumed; 0: the end of the text), outside quotes unless quoted says the
 * text is inside double quotes already. */
static int lex_until(Lexer *x, Buffer *out, char stop, bool quoted) {
        int r;

        while (*x->s && *x->s != stop) {
                char c = *x->s++;

                if (c == '\'' && !quoted) {
                        const char *end = strchr(x->s, '\'');
                        if (!end) {
                                x->error = "unterminated single quote";
                                return -EINVAL;
                        }
                        r = put(x, out, x->s, end - x->s, true);
                        if (r < 0)
                                return r;
                        x->s = end + 1;
                } else if (c == '"' && !quoted) {
                        bool closed = false;
                        r = put(x, out, "", 0, true);
                        if (r < 0)
                                return r;
                        while (*x->s) {
                                c = *x->s++;
                                if (c == '"') {
                                        closed = true;
                                        break;
                                }
                                if (c == x->escape && *x->s && strchr("\"$`\\", *x->s)) {
                                        r = put(x, out, x->s, 1, true);
                                        x->s++;
                                } else if (c == '$')
                                        r = lex_dollar(x, out, true);
                                else
                                        r = put(x, out, &c, 1, true);
                                if (r < 0)
                                        return r;
                        }
                        if (!closed) {
                                x->error = "unterminated double quote";
                                return -EINVAL;
                        }
                } else if (c == x->escape) {
                        if (*x->s == 0) {
                                r = put(x, out, &c, 1, true);
                        } else {
                                r = put(x, out, x->s, 1, true);
                                x->s++;
                        }
                        if (r < 0)
                                return r;
                } else if (c == '$') {
                        r = lex_dollar(x, out, quoted);
                        if (r < 0)
                                return r;
                } else {
                        r = put(x, out, &c, 1, quoted);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int dockerfile_expand_word(const char *word, char escape, char *const *env, char **ret, const char **ret_error) {
        Lexer x = { .s = word, .escape = escape, .env = env };
        Buffer out = {};
        int r;

        r = buffer_add(&out, "", 0);
        if (r >= 0)
                r = lex_until(&x, &out, 0, false);
        if (r < 0) {
                free(out.data);
                if (r == -EINVAL && x.error_message) {
                        *ret = x.error_message;
                        if (ret_error)
                                *ret_error = x.error;
                        return r;
                }
                free(x.error_message);
                *ret = NULL;
                if (ret_error)
                        *ret_error = x.error;
                return r;
        }
        *ret = out.data;
        return 0;
}

int dockerfile_expand_words(const char *text, char escape, char *const *env, char ***ret, const char **ret_error) {
        Lexer x = { .s = text, .escape = escape, .env = env, .split = true };
        int r;

        r = lex_until(&x, NULL, 0, false);
        if (r >= 0 && x.in_word && strv_extend(&x.words, x.word.data ?: "") < 0)
                r = -ENOMEM;
        free(x.word.data);
        free(x.error_message);
        if (r < 0) {
                strv_free(x.words);
                if (ret_error)
                        *ret_error = x.error;
                return r;
        }
        *ret = x.words;
        return 0;
}
