/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading many unit properties at once: every org.freedesktop.DBus.Properties.Get is sent before the
 * first reply is awaited (a bounded number in flight), so N properties cost about one round trip
 * through dbus-daemon and systemd instead of N. What `berth ps -a` reads for each ended unit. */

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

typedef struct UnitPropertyRead {
        const char *unit_path; /* the unit's object path */
        const char *iface;     /* "org.freedesktop.systemd1.Unit" or ".Service" */
        const char *property;
        const char *signature; /* of the value: "t", "i", "s", "a(sasbttttuii)", ... */
        /* out: the reply, positioned inside the value's variant; NULL when the Get failed */
        sd_bus_message *reply;
} UnitPropertyRead;

static inline UnitPropertyRead unit_property_read(const char *unit_path, const char *iface, const char *property,
                const char *signature) {
        return (UnitPropertyRead) { .unit_path = unit_path, .iface = iface, .property = property, .signature = signature };
}

/* Fills every reads[i].reply; a property that cannot be read leaves its reply NULL (no error). A
 * negative errno only when the bus itself fails. */
int systemd_get_properties(sd_bus *bus, UnitPropertyRead *reads, size_t n);
void unit_property_reads_done(UnitPropertyRead *reads, size_t n);

/* The value of a read, when it succeeded: 0, or -ENODATA. */
int unit_property_read_u64(const UnitPropertyRead *read, uint64_t *ret);
int unit_property_read_i32(const UnitPropertyRead *read, int32_t *ret);
/* Borrowed from the reply: valid until unit_property_reads_done(). */
int unit_property_read_string(const UnitPropertyRead *read, const char **ret);

/* A string property from a org.freedesktop.DBus.Properties.PropertiesChanged signal of interface iface:
 * 1 and *ret (borrowed from m) when it carries the new value, 0 when the signal does not concern it
 * (another interface, another property), -ENODATA when it says the value changed without carrying it
 * (the caller asks then). */
int properties_changed_read_string(sd_bus_message *m, const char *iface, const char *property, const char **ret);
