/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .dockerignore with Docker's semantics: patterns anchored at the context root, Go's filepath.Match
 * per component plus "**" for any number of directories, "!" re-includes, the last matching pattern
 * decides, and a pattern that matches a directory matches everything below it. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"
#include "fs-util.h"
#include "log.h"

/* Whether the components of pattern match a prefix (whole components) of path. */
static bool match_prefix(const char *pattern, const char *path) {
        const char *pslash, *sslash;
        size_t pn, sn;
        char pc[PATH_MAX], sc[PATH_MAX];

        if (*pattern == 0)
                return true; /* the pattern is used up: a parent of path matched */
        pslash = strchr(pattern, '/');
        pn = pslash ? (size_t) (pslash - pattern) : strlen(pattern);
        if (pn == 2 && strncmp(pattern, "**", 2) == 0) {
                const char *rest = pslash ? pslash + 1 : "";
                /* zero or more components */
                for (const char *s = path;;) {
                        if (match_prefix(rest, s))
                                return true;
                        s = strchr(s, '/');
                        if (!s)
                                return *rest == 0;
                        s++;
                }
        }
        if (*path == 0)
                return false;
        sslash = strchr(path, '/');
        sn = sslash ? (size_t) (sslash - path) : strlen(path);
        if (pn >= sizeof(pc) || sn >= sizeof(sc))
                return false;
        memcpy(pc, pattern, pn);
        pc[pn] = 0;
        memcpy(sc, path, sn);
        sc[sn] = 0;
        if (fnmatch(pc, sc, FNM_PATHNAME) != 0)
                return false;
        return match_prefix(pslash ? pslash + 1 : "", sslash ? sslash + 1 : "");
}

bool build_ignore_match(char *const *patterns, const char *path) {
        bool excluded = false;

        STRV_FOREACH(p, patterns) {
                bool exception = **p == '!';
                if (match_prefix(exception ? *p + 1 : *p, path))
                        excluded = !exception;
        }
        return excluded;
}

/* Go's filepath.Clean for a relative pattern, and no leading "/". */
static char *clean_pattern(const char *p) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *copy = strdup(p);
        char *save = NULL;

        if (!copy)
                return NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        size_t n = strv_length(parts);
                        if (n > 0) {
                                free(parts[n - 1]);
                                parts[n - 1] = NULL;
                        }
                        continue;
                }
                if (strv_extend(&parts, c) < 0)
                        return NULL;
        }
        return parts ? strv_join(parts, "/") : strdup(".");
}

int build_ignore_load(const char *context, const char *dockerfile, char ***ret) {
        _cleanup_free_ char *specific = strjoin(dockerfile, ".dockerignore"),
                            *general = path_join(context, ".dockerignore"), *text = NULL;
        _cleanup_strv_free_ char **patterns = NULL;
        char *save = NULL;
        int r;

        if (!specific || !general)
                return log_oom();
        r = read_full_file(specific, &text, NULL);
        if (r == -ENOENT)
                r = read_full_file(general, &text, NULL);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", general);
        for (char *line = strtok_r(startswith(text, "\xef\xbb\xbf") ? text + 3 : text, "\n", &save); line;
                        line = strtok_r(NULL, "\n", &save)) {
                _cleanup_free_ char *clean = NULL;
                bool exception;
                size_t n;

                if (line[0] == '#')
                        continue;
                line += strspn(line, " \t\r");
                n = strlen(line);
                while (n > 0 && strchr(" \t\r", line[n - 1]))
                        line[--n] = 0;
                if (n == 0)
                        continue;
                exception = line[0] == '!';
                if (exception)
                        line = line + 1 + strspn(line + 1, " \t");
                while (*line == '/')
                        line++;
                clean = clean_pattern(line);
                if (!clean)
                        return log_oom();
                if (strv_consume(&patterns, exception ? strjoin("!", clean) : TAKE_PTR(clean)) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(patterns);
        return 0;
}
