/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

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
