/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth-event.h"
#include "fs-util.h"
#include "json-util.h"
#include "key-filter.h"
#include "macro.h"
#include "strv.h"
#include "time-util.h"

void berth_event_done(BerthEvent *e) {
        free(e->type);
        free(e->action);
        free(e->id);
        strv_free(e->attributes);
        *e = (BerthEvent) {};
}

static int extend_pair(char ***l, const char *key, const char *value) {
        if (!value)
                return 0;
        char *s = strjoin(key, "=", value);
        return s ? strv_consume(l, s) : -ENOMEM;
}

int berth_event_container_attributes(const char *name, const char *image, char *const *labels, char *const *extra,
                char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = extend_pair(&l, "name", name);
        if (r >= 0)
                r = extend_pair(&l, "image", image);
        if (r >= 0)
                r = strv_extend_strv(&l, labels);
        if (r >= 0)
                r = strv_extend_strv(&l, extra);
        if (r < 0)
                return r;
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}

/* The value of attribute key, NULL when it has none. */
static const char *attribute(const BerthEvent *e, const char *key) {
        size_t n = strlen(key);

        STRV_FOREACH(a, e->attributes)
                if (strncmp(*a, key, n) == 0 && (*a)[n] == '=')
                        return *a + n + 1;
        return NULL;
}

json_t *berth_event_to_json(const BerthEvent *e) {
        json_t *o, *attributes = strv_pairs_to_json_object(e->attributes);

        if (!attributes)
                return NULL;
        o = json_pack("{s:s, s:s, s:{s:s, s:o}, s:s, s:I, s:I}", "Type", e->type, "Action", e->action, "Actor", "ID",
                        e->id, "Attributes", attributes, "scope", "local", "time",
                        (json_int_t) (e->time_nsec / 1000000000), "timeNano", (json_int_t) e->time_nsec);
        if (!o)
                return NULL;
        /* The fields of Docker's API before 1.22, which clients still read, for containers and images. */
        if (streq(e->type, "container") || streq(e->type, "image")) {
                const char *from = streq(e->type, "container") ? attribute(e, "image") : NULL;
                if (json_object_set_new(o, "status", json_string(e->action)) < 0 ||
                                json_object_set_new(o, "id", json_string(e->id)) < 0 ||
                                (from && json_object_set_new(o, "from", json_string(from)) < 0)) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

int berth_event_describe(const BerthEvent *e, char **ret) {
        _cleanup_free_ char *attributes = strv_join(e->attributes, ", ");

        if (!attributes)
                return -ENOMEM;
        *ret = e->attributes ? strjoin(e->type, " ", e->action, " ", e->id, " (", attributes, ")")
                             : strjoin(e->type, " ", e->action, " ", e->id);
        return *ret ? 0 : -ENOMEM;
}

int berth_event_format(const BerthEvent *e, char **ret) {
        struct timespec ts = { .tv_sec = (time_t) (e->time_nsec / 1000000000),
                .tv_nsec = (long) (e->time_nsec % 1000000000) };
        _cleanup_free_ char *description = NULL;
        char when[RFC3339_MAX];

        if (berth_event_describe(e, &description) < 0)
                return -ENOMEM;
        (void) format_rfc3339_nsec(when, &ts);
        *ret = strjoin(when, " ", description);
        return *ret ? 0 : -ENOMEM;
}

static const char *const filter_keys[] = { "container", "event", "type", "label", "image", "volume", "network", NULL };

int berth_event_filter_check(const char *filter) {
        return key_filter_check(filter, filter_keys);
}

static bool filter_one(const void *object, const char *key, const char *value) {
        const BerthEvent *e = object;

        if (streq(key, "container"))
                return streq(e->type, "container") &&
                       (streq_ptr(attribute(e, "name"), value) || startswith(e->id, value));
        if (streq(key, "event")) {
                /* "health_status" is every "health_status: ..." */
                size_t n = strcspn(e->action, ":");
                return streq(e->action, value) || (strlen(value) == n && strncmp(e->action, value, n) == 0);
        }
        if (streq(key, "type"))
                return streq(e->type, value);
        if (streq(key, "label")) {
                const char *eq = strchr(value, '=');
                _cleanup_free_ char *k = strndup(value, eq ? (size_t) (eq - value) : strlen(value));
                const char *v = k ? attribute(e, k) : NULL;
                return v && (!eq || streq(v, eq + 1));
        }
        if (streq(key, "image"))
                return key_filter_image_matches(attribute(e, "image"), value) ||
                       (streq(e->type, "image") && (startswith(e->id, value) ||
                                                                   key_filter_image_matches(attribute(e, "name"), value)));
        if (streq(key, "volume") || streq(key, "network"))
                return streq(e->type, key) && (streq(e->id, value) || streq_ptr(attribute(e, "name"), value));
        return false;
}

bool berth_event_matches(const BerthEvent *e, char *const *filters) {
        return key_filters_match(filters, filter_keys, filter_one, e);
}
