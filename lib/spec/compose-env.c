/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compose interpolation and the dotenv format, as compose-go's template and dotenv packages read them. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-env.h"
#include "fs-util.h"
#include "strv.h"

const char *compose_env_get(char *const *env, const char *name) {
        size_t n = strlen(name);

        STRV_FOREACH(e, env)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

int compose_env_set(char ***env, const char *name, const char *value, bool overwrite) {
        size_t n = strlen(name);
        char *kv;

        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
                        if (!overwrite)
                                return 0;
                        kv = strjoin(name, "=", value);
                        if (!kv)
                                return -ENOMEM;
                        free(*e);
                        *e = kv;
                        return 0;
                }
        return strv_consume(env, strjoin(name, "=", value));
}

static bool is_name_start(char c) {
        return c == '_' || isalpha((unsigned char) c);
}

static bool is_name_char(char c) {
        return c == '_' || isalnum((unsigned char) c);
}

typedef struct Buf {
        char *s;
        size_t n, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n) {
        if (b->n + n + 1 > b->cap) {
                size_t cap = MAX(b->cap * 2, b->n + n + 64);
                char *p = realloc(b->s, cap);
                if (!p)
                        return -ENOMEM;
                b->s = p;
                b->cap = cap;
        }
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = 0;
        return 0;
}

/* The end of a ${...} starting after "${": the matching brace, nested ${ counted. */
static const char *closing_brace(const char *p) {
        unsigned depth = 1;

        for (; *p; p++) {
                if (p[0] == '$' && p[1] == '$') {
                        p++;
                        continue;
                }
                if (p[0] == '$' && p[1] == '{') {
                        depth++;
                        p++;
                } else if (*p == '}' && --depth == 0)
                        return p;
        }
        return NULL;
}

_printf_(2, 3) static int set_error(char **ret_error, const char *fmt, ...);
static int set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(ret_error, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int interpolate(const char *s, char *const *env, char ***unset, Buf *out, char **ret_error, unsigned depth);

static int braced(const char *body, const char *whole, char *const *env, char ***unset, Buf *out, char **ret_error,
                unsigned depth) {
        _cleanup_free_ char *name = NULL;
        const char *p = body, *v, *op, *arg;
        size_t len;
        int r;

        while (is_name_char(*p))
                p++;
        if (p == body || !is_name_start(*body))
                return set_error(ret_error, "invalid interpolation format for \"%s\"%s", whole,
                                ": a variable name must start with a letter or _");
        name = strndup(body, (size_t) (p - body));
        if (!name)
                return -ENOMEM;
        v = compose_env_get(env, name);
        if (!*p) {
                if (!v) {
                        if (unset && !strv_contains(*unset, name) && (r = strv_extend(unset, name)) < 0)
                                return r;
                        return 0;
                }
                return buf_add(out, v, strlen(v));
        }
        op = p;
        bool colon = *op == ':';
        if (colon)
                op++;
        if (!strchr("-?+", *op) || !*op)
                return set_error(ret_error, "invalid interpolation format for \"%s\"%s", whole,
                                ": berth knows ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, "
                                "${VAR?error}, ${VAR:+alt} and ${VAR+alt}");
        arg = op + 1;
        bool missing = !v || (colon && isempty(v));
        switch (*op) {
        case '-':
                if (missing)
                        return interpolate(arg, env, unset, out, ret_error, depth + 1);
                return buf_add(out, v, strlen(v));
        case '+':
                if (!missing)
                        return interpolate(arg, env, unset, out, ret_error, depth + 1);
                return 0;
        default: /* '?' */
                if (missing) {
                        Buf msg = {};
                        r = interpolate(arg, env, unset, &msg, ret_error, depth + 1);
                        if (r >= 0)
                                r = set_error(ret_error, "required variable %s is missing a value: %s", name,
                                                !isempty(msg.s) ? msg.s : (colon ? "not set or empty" : "not set"));
                        free(msg.s);
                        return r;
                }
                len = strlen(v);
                return buf_add(out, v, len);
        }
}

static int interpolate(const char *s, char *const *env, char ***unset, Buf *out, char **ret_error, unsigned depth) {
        int r = 0;

        if (depth > 32)
                return set_error(ret_error, "invalid interpolation format for \"%s\"%s", s, ": nested too deeply");
        if (buf_add(out, "", 0) < 0)
                return -ENOMEM;
        for (const char *p = s; *p && r >= 0;) {
                const char *d = strchr(p, '$');
                if (!d)
                        return buf_add(out, p, strlen(p));
                r = buf_add(out, p, (size_t) (d - p));
                if (r < 0)
                        return r;
                if (d[1] == '$') {
                        r = buf_add(out, "$", 1);
                        p = d + 2;
                } else if (d[1] == '{') {
                        const char *end = closing_brace(d + 2);
                        _cleanup_free_ char *body = NULL;
                        if (!end)
                                return set_error(ret_error, "invalid interpolation format for \"%s\"%s", s,
                                                ": a ${ without its }");
                        body = strndup(d + 2, (size_t) (end - d - 2));
                        if (!body)
                                return -ENOMEM;
                        r = braced(body, s, env, unset, out, ret_error, depth);
                        p = end + 1;
                } else if (is_name_start(d[1])) {
                        _cleanup_free_ char *name = NULL;
                        const char *e = d + 1, *v;
                        while (is_name_char(*e))
                                e++;
                        name = strndup(d + 1, (size_t) (e - d - 1));
                        if (!name)
                                return -ENOMEM;
                        v = compose_env_get(env, name);
                        if (v)
                                r = buf_add(out, v, strlen(v));
                        else if (unset && !strv_contains(*unset, name))
                                r = strv_extend(unset, name);
                        p = e;
                } else {
                        /* a $ before anything else stays as it is */
                        r = buf_add(out, "$", 1);
                        p = d + 1;
                }
        }
        return r;
}

int compose_interpolate(const char *s, char *const *env, char ***ret_unset, char **ret, char **ret_error) {
        Buf out = {};
        int r;

        *ret_error = NULL;
        r = interpolate(s, env, ret_unset, &out, ret_error, 0);
        if (r < 0) {
                free(out.s);
                return r;
        }
        *ret = out.s ?: strdup("");
        return *ret ? 0 : -ENOMEM;
}

static int line_error(char **ret_error, const char *file, unsigned line, const char *msg) {
        if (asprintf(ret_error, "%s:%u: %s", file, line, msg) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

int compose_dotenv_parse(const char *file, const char *text, char *const *lookup, bool raw, char ***vars,
                char **ret_error) {
        unsigned line = 1;
        const char *p = text;
        int r;

        while (*p) {
                _cleanup_free_ char *key = NULL, *value = NULL;
                unsigned start_line = line;
                const char *k;
                Buf b = {};

                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p == '\n' || *p == '#' || *p == '\r') {
                        const char *nl = strchr(p, '\n');
                        p = nl ? nl + 1 : p + strlen(p);
                        line++;
                        continue;
                }
                if (startswith(p, "export ") || startswith(p, "export\t")) {
                        p += 7;
                        while (*p == ' ' || *p == '\t')
                                p++;
                }
                k = p;
                while (*p && (is_name_char(*p) || strchr(".-[]", *p)))
                        p++;
                if (p == k)
                        return line_error(ret_error, file, line, "Expected VARIABLE=VALUE.");
                key = strndup(k, (size_t) (p - k));
                if (!key)
                        return -ENOMEM;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p == '\n' || *p == 0 || *p == '#' || *p == '\r') {
                        /* a bare name: the value from the environment, if there is one */
                        const char *v = compose_env_get(lookup, key);
                        if (v && (r = compose_env_set(vars, key, v, true)) < 0)
                                return r;
                        while (*p && *p != '\n')
                                p++;
                        if (*p)
                                p++;
                        line++;
                        continue;
                }
                if (*p != '=' && *p != ':') {
                        _cleanup_free_ char *m = NULL;
                        if (asprintf(&m, "Unexpected character '%c' after '%s'; expected VARIABLE=VALUE.", *p, key) < 0)
                                return -ENOMEM;
                        return line_error(ret_error, file, line, m);
                }
                p++;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (buf_add(&b, "", 0) < 0)
                        return -ENOMEM;
                if (*p == '\'' || *p == '"') {
                        char q = *p++;
                        for (; *p && *p != q; p++) {
                                char c = *p;
                                if (c == '\n')
                                        line++;
                                if (q == '"' && c == '\\' && p[1]) {
                                        p++;
                                        c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
                                        if (*p == '$') { /* \$ keeps a literal $ through interpolation */
                                                r = buf_add(&b, "$$", 2);
                                                if (r < 0)
                                                        goto fail;
                                                continue;
                                        }
                                } else if (q == '\'' && c == '\\' && p[1] == '\'')
                                        c = *++p;
                                if ((r = buf_add(&b, &c, 1)) < 0)
                                        goto fail;
                        }
                        if (*p != q) {
                                free(b.s);
                                return line_error(ret_error, file, start_line,
                                                "A quoted value without its closing quote.");
                        }
                        p++;
                        if (q == '\'' || raw)
                                value = TAKE_PTR(b.s);
                        while (*p && *p != '\n')
                                p++;
                } else {
                        const char *e = p, *end;
                        while (*e && *e != '\n')
                                e++;
                        end = e;
                        /* an inline comment needs whitespace before its # */
                        for (const char *h = p; h < e; h++)
                                if (*h == '#' && h > p && (h[-1] == ' ' || h[-1] == '\t')) {
                                        end = h;
                                        break;
                                }
                        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                                end--;
                        if ((r = buf_add(&b, p, (size_t) (end - p))) < 0)
                                goto fail;
                        if (raw)
                                value = TAKE_PTR(b.s);
                        p = e;
                }
                if (!value) {
                        /* earlier lines of the file first, then the environment */
                        _cleanup_strv_free_ char **scope = strv_copy(*vars);
                        _cleanup_free_ char *err = NULL;
                        if ((*vars && !scope) || strv_extend_strv(&scope, lookup) < 0) {
                                free(b.s);
                                return -ENOMEM;
                        }
                        r = compose_interpolate(b.s, scope, NULL, &value, &err);
                        free(b.s);
                        b.s = NULL;
                        if (r < 0)
                                return r == -ENOMEM ? r : line_error(ret_error, file, start_line, err);
                }
                r = compose_env_set(vars, key, value, true);
                if (r < 0)
                        return r;
                if (*p == '\n') {
                        p++;
                        line++;
                }
                continue;
        fail:
                free(b.s);
                return r;
        }
        return 0;
}

int compose_dotenv_load(const char *path, char *const *lookup, bool raw, char ***vars, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        int r = read_full_file(path, &text, NULL);

        if (r < 0) {
                if (asprintf(ret_error, "%s: cannot read: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return compose_dotenv_parse(path, text, lookup, raw, vars, ret_error);
}
