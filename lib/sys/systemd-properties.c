/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "strv.h"
#include "systemd-properties.h"

/* dbus-daemon's system bus refuses more than 128 pending replies per connection (limits in
 * system.conf): stay well below. */
#define IN_FLIGHT_MAX 64

typedef struct PendingRead {
        UnitPropertyRead *read;
        size_t *done;
} PendingRead;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PendingRead *p = userdata;

        (*p->done)++;
        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_enter_container(m, 'v', p->read->signature) <= 0)
                return 0;
        p->read->reply = sd_bus_message_ref(m);
        return 0;
}

int systemd_get_properties(sd_bus *bus, UnitPropertyRead *reads, size_t n) {
        _cleanup_free_ PendingRead *pending = NULL;
        sd_bus_slot **slots = NULL;
        size_t sent = 0, done = 0;
        int r = 0;

        if (n == 0)
                return 0;
        pending = calloc(n, sizeof(PendingRead));
        slots = calloc(n, sizeof(sd_bus_slot *));
        if (!pending || !slots) {
                free(slots);
                return -ENOMEM;
        }
        while (done < n) {
                for (; sent < n && sent - done < IN_FLIGHT_MAX; sent++) {
                        pending[sent] = (PendingRead) { .read = &reads[sent], .done = &done };
                        r = sd_bus_call_method_async(bus, &slots[sent], "org.freedesktop.systemd1",
                                        reads[sent].unit_path, "org.freedesktop.DBus.Properties", "Get", on_reply,
                                        &pending[sent], "ss", reads[sent].iface, reads[sent].property);
                        if (r < 0)
                                goto finish;
                }
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        goto finish;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        goto finish;
        }
        r = 0;
finish:
        /* unref'ing a slot whose reply did not come cancels the call: no callback into pending later */
        for (size_t i = 0; i < n; i++)
                sd_bus_slot_unref(slots[i]);
        free(slots);
        return r;
}

void unit_property_reads_done(UnitPropertyRead *reads, size_t n) {
        for (size_t i = 0; i < n; i++)
                reads[i].reply = sd_bus_message_unref(reads[i].reply);
}

static int read_basic(const UnitPropertyRead *read, char type, void *ret) {
        if (!read->reply)
                return -ENODATA;
        return sd_bus_message_read_basic(read->reply, type, ret) > 0 ? 0 : -ENODATA;
}

int unit_property_read_u64(const UnitPropertyRead *read, uint64_t *ret) {
        return read_basic(read, 't', ret);
}

int unit_property_read_i32(const UnitPropertyRead *read, int32_t *ret) {
        return read_basic(read, 'i', ret);
}

int unit_property_read_string(const UnitPropertyRead *read, const char **ret) {
        return read_basic(read, 's', ret);
}

int properties_changed_read_string(sd_bus_message *m, const char *iface, const char *property, const char **ret) {
        _cleanup_strv_free_ char **invalidated = NULL;
        const char *i, *name, *value;
        int r;

        r = sd_bus_message_read(m, "s", &i);
        if (r < 0)
                return r;
        if (!streq(i, iface))
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                if (streq(name, property)) {
                        r = sd_bus_message_read(m, "v", "s", &value);
                        if (r < 0)
                                return r;
                        *ret = value;
                        return 1;
                }
                r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &invalidated);
        if (r < 0)
                return r;
        return strv_contains(invalidated, property) ? -ENODATA : 0;
}
