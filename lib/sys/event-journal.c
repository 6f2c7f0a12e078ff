/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "event-journal.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "strv.h"

static const char message_id[] = "MESSAGE_ID=" BERTH_EVENT_MESSAGE_ID;

static char *field(const char *key, const char *value) {
        return strjoin(key, "=", value);
}

int event_journal_write(const BerthEvent *e) {
        _cleanup_free_ char *message = NULL, *type = NULL, *action = NULL, *id = NULL, *attributes = NULL, *json = NULL,
                            *description = NULL;
        char time_field[64];
        json_t *o = strv_pairs_to_json_object(e->attributes);
        uint64_t t = e->time_nsec;
        int r;

        if (!o)
                return -ENOMEM;
        json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(o);
        if (t == 0) {
                struct timespec ts;
                (void) clock_gettime(CLOCK_REALTIME, &ts);
                t = (uint64_t) ts.tv_sec * 1000000000 + (uint64_t) ts.tv_nsec;
        }
        r = berth_event_describe(e, &description);
        if (r < 0)
                return r;
        message = strjoin("MESSAGE=", description);
        type = field("BERTH_EVENT_TYPE", e->type);
        action = field("BERTH_EVENT_ACTION", e->action);
        id = field("BERTH_EVENT_ID", e->id);
        attributes = json ? field("BERTH_EVENT_ATTRIBUTES", json) : NULL;
        if (!message || !type || !action || !id || !attributes)
                return -ENOMEM;
        (void) snprintf(time_field, sizeof time_field, "BERTH_EVENT_TIME=%llu", (unsigned long long) t);
        const char *const fields[] = {
                message_id,
                "PRIORITY=6",
                message,
                type,
                action,
                id,
                time_field,
                attributes,
        };
        struct iovec iov[ELEMENTSOF(fields)];
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                iov[i] = (struct iovec) { .iov_base = (void *) fields[i], .iov_len = strlen(fields[i]) };
        r = sd_journal_sendv(iov, ELEMENTSOF(iov));
        if (r < 0)
                log_debug_errno(r, "Failed to write the event %s %s %s to the journal: %m", e->type, e->action, e->id);
        return r;
}

int event_journal_write_container(const char *action, const char *id, const char *name, const char *image,
                char *const *labels, char *const *extra) {
        BerthEvent e = { .type = (char *) "container", .action = (char *) action, .id = (char *) id };
        int r;

        r = berth_event_container_attributes(name, image, labels, extra, &e.attributes);
        if (r < 0)
                return r;
        r = event_journal_write(&e);
        strv_free(e.attributes);
        return r;
}

int event_journal_write_container_state(const char *action, json_t *state, char *const *extra) {
        _cleanup_strv_free_ char **labels = NULL;
        const char *id = json_string_value(json_object_get(state, "id"));
        int r;

        if (!id)
                return -EBADMSG;
        r = json_array_to_strv(json_object_get(state, "labels"), &labels);
        if (r < 0)
                return r;
        return event_journal_write_container(action, id, json_string_value(json_object_get(state, "name")),
                        json_string_value(json_object_get(state, "image")), labels, extra);
}

int event_container_from_ref(const ContainerRef *ref, BerthEvent *ret) {
        const char *id = NULL, *image = NULL;
        char *const *labels = NULL;
        char derived[CONTAINER_ID_LEN + 1];
        BerthEvent e = {};
        int r;

        if (ref->running) {
                id = ref->state.id;
                image = ref->state.image;
                labels = ref->state.labels;
        } else if (ref->recorded) {
                id = ref->record.id;
                image = ref->record.spec.image;
                labels = ref->record.spec.labels;
        }
        if (!id && container_id_from_name(ref->name, derived) < 0)
                return -EINVAL;
        e.type = strdup("container");
        e.id = strdup(id ?: derived);
        if (!e.type || !e.id) {
                berth_event_done(&e);
                return -ENOMEM;
        }
        r = berth_event_container_attributes(ref->name, image, labels, NULL, &e.attributes);
        if (r < 0) {
                berth_event_done(&e);
                return r;
        }
        *ret = e;
        return 0;
}

int event_journal_write_container_ref(const char *action, const ContainerRef *ref, char *const *extra) {
        _cleanup_(berth_event_done) BerthEvent e = {};
        int r;

        r = event_container_from_ref(ref, &e);
        if (r >= 0 && !(e.action = strdup(action)))
                r = -ENOMEM;
        if (r >= 0)
                r = strv_extend_strv(&e.attributes, extra);
        if (r < 0)
                return r;
        strv_sort(e.attributes);
        return event_journal_write(&e);
}

int event_journal_write_object(const char *type, const char *action, const char *id, const char *name) {
        _cleanup_free_ char *pair = name ? strjoin("name=", name) : NULL;
        char *attributes[] = { pair, NULL };
        BerthEvent e = { .type = (char *) type, .action = (char *) action, .id = (char *) id };

        if (name && !pair)
                return -ENOMEM;
        e.attributes = pair ? attributes : NULL;
        return event_journal_write(&e);
}

int event_journal_open(sd_journal **ret) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        r = sd_journal_add_match(j, message_id, 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(j);
        return 0;
}

/* The value of field key of the current entry, copied; -ENOENT when it has none. */
static int get_field(sd_journal *j, const char *key, char **ret) {
        const void *data;
        size_t length, n = strlen(key);
        int r;

        r = sd_journal_get_data(j, key, &data, &length);
        if (r < 0)
                return r;
        if (length <= n || ((const char *) data)[n] != '=')
                return -EBADMSG;
        *ret = strndup((const char *) data + n + 1, length - n - 1);
        return *ret ? 0 : -ENOMEM;
}

int event_journal_read(sd_journal *j, BerthEvent *ret) {
        _cleanup_free_ char *time_field = NULL, *attributes = NULL;
        _cleanup_(json_decrefp) json_t *o = NULL;
        BerthEvent e = {};
        char *end;
        int r;

        r = get_field(j, "BERTH_EVENT_TYPE", &e.type);
        if (r >= 0)
                r = get_field(j, "BERTH_EVENT_ACTION", &e.action);
        if (r >= 0)
                r = get_field(j, "BERTH_EVENT_ID", &e.id);
        if (r >= 0)
                r = get_field(j, "BERTH_EVENT_TIME", &time_field);
        if (r >= 0)
                r = get_field(j, "BERTH_EVENT_ATTRIBUTES", &attributes);
        if (r >= 0) {
                errno = 0;
                e.time_nsec = strtoull(time_field, &end, 10);
                o = json_loads(attributes, 0, NULL);
                r = errno != 0 || *end || !o ? -EBADMSG : json_object_to_strv_pairs(o, &e.attributes);
        }
        if (r < 0) {
                berth_event_done(&e);
                return r == -ENOENT ? -EBADMSG : r;
        }
        strv_sort(e.attributes);
        *ret = e;
        return 0;
}
