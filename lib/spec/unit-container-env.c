/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fs-util.h"
#include "paths.h"
#include "strv.h"
#include "unit-container-env.h"

char *unit_value_escape(const char *s, bool dollar) {
        size_t n = strlen(s) + 1;
        char *r, *p;

        for (const char *c = s; *c; c++)
                n += *c == '%' || (dollar && *c == '$');
        r = p = calloc(n, 1);
        if (!r)
                return NULL;
        for (const char *c = s; *c; c++) {
                if (*c == '%' || (dollar && *c == '$'))
                        *p++ = *c;
                *p++ = *c;
        }
        *p = 0;
        return r;
}

/* systemd's unit name unescaping: "-" is "/", "\xNN" a byte. */
static char *unescape_name(const char *s, size_t n) {
        char *r = malloc(n + 1), *p = r;

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                if (s[i] == '-')
                        *p++ = '/';
                else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && sscanf(s + i + 2, "%2x", &v) == 1) {
                        *p++ = (char) v;
                        i += 3;
                } else
                        *p++ = s[i];
        }
        *p = 0;
        return r;
}

static char *read_id(const char *path) {
        _cleanup_free_ char *text = NULL;
        char *r;
        size_t o = 0;

        if (read_full_file(path, &text, NULL) < 0)
                return NULL;
        r = malloc(strlen(text) + 1);
        if (!r)
                return NULL;
        for (const char *c = text; *c && *c != '\n'; c++)
                if (*c != '-')
                        r[o++] = *c;
        r[o] = 0;
        return r;
}

/* The value of specifier c for unit; NULL with *unknown set when there is none. */
static char *specifier(char c, const char *unit, bool *unknown) {
        const char *dot = unit ? strrchr(unit, '.') : NULL, *at = unit ? strchr(unit, '@') : NULL;
        size_t base = unit ? (dot ? (size_t) (dot - unit) : strlen(unit)) : 0;
        size_t prefix = at && (size_t) (at - unit) < base ? (size_t) (at - unit) : base;
        bool root = geteuid() == 0;
        const char *e;

        *unknown = false;
        switch (c) {
        case '%':
                return strdup("%");
        case 'H':
        case 'l': {
                char h[256] = "";
                (void) gethostname(h, sizeof h - 1);
                if (c == 'l')
                        h[strcspn(h, ".")] = 0;
                return strdup(h);
        }
        case 'm':
                return read_id("/etc/machine-id");
        case 'b':
                return read_id("/proc/sys/kernel/random/boot_id");
        case 'v': {
                struct utsname u;
                return uname(&u) < 0 ? strdup("") : strdup(u.release);
        }
        case 't':
                return strdup(root ? "/run" : (e = getenv("XDG_RUNTIME_DIR")) ? e : "/run");
        case 'S':
                return strdup("/var/lib");
        case 'C':
                return strdup("/var/cache");
        case 'L':
                return strdup("/var/log");
        case 'E':
                return strdup("/etc");
        case 'T':
                return strdup("/tmp");
        case 'V':
                return strdup("/var/tmp");
        case 's':
                return strdup("/bin/sh");
        case 'h':
                return strdup(root ? "/root" : (e = getenv("HOME")) ? e : "/");
        case 'u':
        case 'g':
                return strdup(root ? "root" : (e = getenv("USER")) ? e : "");
        case 'U':
        case 'G': {
                char n[32];
                (void) snprintf(n, sizeof n, "%u", c == 'U' ? (unsigned) geteuid() : (unsigned) getegid());
                return strdup(n);
        }
        }
        if (!unit || !strchr("nNpPiIjJf", c)) {
                *unknown = true;
                return NULL;
        }
        switch (c) {
        case 'n':
                return strdup(unit);
        case 'N':
                return strndup(unit, base);
        case 'p':
                return strndup(unit, prefix);
        case 'P':
                return unescape_name(unit, prefix);
        case 'i':
        case 'I': {
                const char *i = at && (size_t) (at - unit) < base ? at + 1 : unit + base;
                size_t n = (size_t) (unit + base - i);
                return c == 'i' ? strndup(i, n) : unescape_name(i, n);
        }
        case 'j':
        case 'J': {
                const char *dash = memrchr(unit, '-', prefix);
                const char *j = dash ? dash + 1 : unit;
                size_t n = (size_t) (unit + prefix - j);
                return c == 'j' ? strndup(j, n) : unescape_name(j, n);
        }
        case 'f': {
                const char *i = at && (size_t) (at - unit) < base ? at + 1 : NULL;
                _cleanup_free_ char *u = i ? unescape_name(i, (size_t) (unit + base - i)) : unescape_name(unit, prefix);
                return u ? (u[0] == '/' ? strdup(u) : strjoin("/", u)) : NULL;
        }
        }
        *unknown = true;
        return NULL;
}

static int append(char **buf, size_t *len, const char *s, size_t n) {
        char *b = realloc(*buf, *len + n + 1);

        if (!b)
                return -ENOMEM;
        memcpy(b + *len, s, n);
        *len += n;
        b[*len] = 0;
        *buf = b;
        return 0;
}

static const char *env_lookup(char *const *env, const char *name, size_t n) {
        STRV_FOREACH(e, env)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

int unit_value_expand(const char *s, const char *unit, char *const *env, char **ret, const char **ret_bad) {
        _cleanup_free_ char *out = strdup("");
        size_t len = 0;
        int r = 0;

        if (!out)
                return -ENOMEM;
        for (const char *p = s; *p && r >= 0;) {
                size_t plain = strcspn(p, "%$");
                r = append(&out, &len, p, plain);
                p += plain;
                if (r < 0 || !*p)
                        break;
                if (*p == '%') {
                        bool unknown = false;
                        _cleanup_free_ char *v = p[1] ? specifier(p[1], unit, &unknown) : NULL;
                        if (!v) {
                                if (p[1] && !unknown)
                                        return -ENOMEM;
                                if (ret_bad)
                                        *ret_bad = p;
                                return -EINVAL;
                        }
                        r = append(&out, &len, v, strlen(v));
                        p += 2;
                } else if (p[1] == '$') {
                        r = append(&out, &len, "$", 1);
                        p += 2;
                } else if (p[1] == '{' && strchr(p + 2, '}')) {
                        size_t n = (size_t) (strchr(p + 2, '}') - (p + 2));
                        const char *v = env_lookup(env, p + 2, n);
                        r = v ? append(&out, &len, v, strlen(v)) : 0;
                        p += n + 3;
                } else {
                        r = append(&out, &len, "$", 1);
                        p++;
                }
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        return 0;
}

int private_env_serialize(char *const *env, char **ret, size_t *ret_size) {
        _cleanup_free_ char *text = strdup("");
        size_t len = 0;

        if (!text)
                return -ENOMEM;
        STRV_FOREACH(e, env)
                if (append(&text, &len, *e, strlen(*e) + 1) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(text);
        *ret_size = len;
        return 0;
}

int private_env_read(const char *path, char ***ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **env = NULL;
        size_t size = 0;
        int r;

        r = read_full_file(path, &text, &size);
        if (r < 0)
                return r;
        if (size > 0 && text[size - 1] != 0)
                return -EINVAL;
        for (size_t o = 0; o < size; o += strlen(text + o) + 1) {
                if (text[o] == 0 || text[o] == '=')
                        return -EINVAL;
                r = strv_extend(&env, text + o);
                if (r < 0)
                        return r;
        }
        if (!env && !(env = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

int private_env_write(const char *path, char *const *env) {
        _cleanup_free_ char *text = NULL, *dir = NULL;
        size_t size;
        int r;

        dir = strndup(path, (size_t) (strrchr(path, '/') ? strrchr(path, '/') - path : 0));
        if (!dir)
                return -ENOMEM;
        if (*dir) {
                r = mkdir_p(dir, 0700);
                if (r < 0)
                        return r;
        }
        r = private_env_serialize(env, &text, &size);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, size, 0600, 0);
}

bool private_env_path_is_run(const char *path) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_RUN), "/private/");
        const char *rest = dir && path ? startswith(path, dir) : NULL;

        return rest && !strchr(rest, '/') && endswith(rest, ".env") && strlen(rest) > strlen(".env");
}
