/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "oci-json.h"
#include "strv.h"
#include "json-util.h"

const char *oci_json_at(OciJson *x, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(x->field, sizeof x->field, fmt, ap);
        va_end(ap);
        return x->field;
}

int oci_json_bad(const OciJson *x, const char *what) {
        return log_error_errno(-EINVAL, "%s: %s: %s", x->file, x->field, what);
}

int oci_json_member(OciJson *x, json_t *o, const char *key, json_type t, const char *what, json_t **ret) {
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (t == JSON_TRUE ? !json_is_boolean(v) : json_typeof(v) != t)
                return oci_json_bad(x, what);
        *ret = v;
        return 1;
}

int oci_json_required(OciJson *x, json_t *o, const char *key, json_type t, const char *what, json_t **ret) {
        int r = oci_json_member(x, o, key, t, what, ret);
        if (r == 0)
                return oci_json_bad(x, what);
        return r;
}

int oci_json_strv_member(OciJson *x, json_t *o, const char *key, const char *what, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_t *a;
        int r;

        r = oci_json_member(x, o, key, JSON_ARRAY, what, &a);
        if (r <= 0)
                return r;
        r = json_array_to_strv(a, &l);
        if (r == -EBADMSG)
                return oci_json_bad(x, what);
        if (r < 0)
                return log_oom();
        if (!*ret || !**ret) {
                strv_free(*ret);
                *ret = TAKE_PTR(l);
        } else if (strv_extend_strv(ret, l) < 0)
                return log_oom();
        return 1;
}
