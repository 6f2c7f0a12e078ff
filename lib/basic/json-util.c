/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "json-util.h"
#include "macro.h"
#include "strv.h"

json_t *strv_to_json_array(char *const *l) {
        json_t *a = json_array();

        STRV_FOREACH(s, l)
                if (!a || json_array_append_new(a, json_string(*s)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

json_t *strv_pairs_to_json_object(char *const *l) {
        json_t *o = json_object();

        STRV_FOREACH(s, l) {
                const char *eq = strchr(*s, '=');
                _cleanup_free_ char *k = eq ? strndup(*s, (size_t) (eq - *s)) : strdup(*s);
                if (!o || !k || json_object_set_new(o, k, json_string(eq ? eq + 1 : "")) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

int json_array_to_strv(const json_t *a, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n;

        if (!a || json_is_null(a)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_array(a))
                return -EBADMSG;
        /* Sized once: an OCI process.env or args may hold 100k entries. */
        n = json_array_size(a);
        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(a, i));
                if (!s)
                        return -EBADMSG;
                l[i] = strdup(s);
                if (!l[i])
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int json_object_to_strv_pairs(const json_t *o, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *k;
        json_t *v;

        if (!o || json_is_null(o)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_object(o))
                return -EBADMSG;
        /* jansson's iteration takes a non-const object; it does not change it */
        json_object_foreach((json_t *) o, k, v) {
                if (!json_is_string(v))
                        return -EBADMSG;
                if (strv_consume_with_size(&l, &n, strjoin(k, "=", json_string_value(v))) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int json_object_get_optional_string(const json_t *o, const char *key, char **ret) {
        const json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return -EBADMSG;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

int json_write_record_at(int dir_fd, const char *name, json_t *o, mode_t mode, WriteFileFlags flags) {
        _cleanup_free_ char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;

        json_decref(o);
        if (!text)
                return -ENOMEM;
        if (dir_fd == AT_FDCWD)
                return write_file_atomic(name, text, strlen(text), mode, flags);
        return write_file_atomic_at(dir_fd, name, text, strlen(text), mode, flags);
}
