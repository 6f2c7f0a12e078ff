/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth inspect: what berth-runtime says about a container (state.json) and what systemd says about
 * its unit, as one JSON object per container. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "commands.h"
#include "container-lookup.h"
#include "log.h"
#include "strv.h"
#include "systemd-unit.h"
#include "unit-container-env.h"
#include "json-util.h"

#define UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SERVICE_IFACE "org.freedesktop.systemd1.Service"

typedef struct UnitProperty {
        const char *iface;
        const char *name;
        char type; /* 's', 't', 'i', 'u' */
} UnitProperty;

static const UnitProperty unit_properties[] = {
        { UNIT_IFACE, "Description", 's' },
        { UNIT_IFACE, "LoadState", 's' },
        { UNIT_IFACE, "ActiveState", 's' },
        { UNIT_IFACE, "SubState", 's' },
        { UNIT_IFACE, "SourcePath", 's' },
        { UNIT_IFACE, "FragmentPath", 's' },
        { UNIT_IFACE, "ActiveEnterTimestamp", 't' },
        { UNIT_IFACE, "InactiveEnterTimestamp", 't' },
        { SERVICE_IFACE, "Type", 's' },
        { SERVICE_IFACE, "Result", 's' },
        { SERVICE_IFACE, "StatusText", 's' },
        { SERVICE_IFACE, "MainPID", 'u' },
        { SERVICE_IFACE, "ExecMainCode", 'i' },
        { SERVICE_IFACE, "ExecMainStatus", 'i' },
        { SERVICE_IFACE, "ControlGroup", 's' },
        { SERVICE_IFACE, "KillMode", 's' },
        { SERVICE_IFACE, "Delegate", 'b' },
        { SERVICE_IFACE, "TimeoutStopUSec", 't' },
        { SERVICE_IFACE, "MemoryMax", 't' },
        { SERVICE_IFACE, "MemoryCurrent", 't' },
        { SERVICE_IFACE, "TasksMax", 't' },
        { SERVICE_IFACE, "TasksCurrent", 't' },
        { SERVICE_IFACE, "CPUWeight", 't' },
        { SERVICE_IFACE, "CPUQuotaPerSecUSec", 't' },
        { SERVICE_IFACE, "IOWeight", 't' },
};

static json_t *property_value(sd_bus *bus, const char *path, const UnitProperty *p) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        json_t *v = NULL;
        int r = 0;

        switch (p->type) {
        case 's': {
                char *s = NULL;
                r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, &s);
                if (r >= 0)
                        v = json_string(s);
                free(s);
                break;
        }
        case 't': {
                uint64_t t = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 't', &t);
                /* "infinity" is UINT64_MAX, which JSON numbers here cannot hold */
                if (r >= 0)
                        v = t == UINT64_MAX ? json_string("infinity") : json_integer((json_int_t) t);
                break;
        }
        case 'i': {
                int32_t i = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 'i', &i);
                if (r >= 0)
                        v = json_integer(i);
                break;
        }
        case 'u': {
                uint32_t u = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 'u', &u);
                if (r >= 0)
                        v = json_integer(u);
                break;
        }
        case 'b': {
                int b = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 'b', &b);
                if (r >= 0)
                        v = json_boolean(b);
                break;
        }
        }
        sd_bus_error_free(&error);
        return r < 0 ? json_null() : v;
}

static json_t *unit_json(sd_bus *bus, const ContainerRef *c) {
        _cleanup_strv_free_ char **exec = NULL;
        json_t *o = json_object(), *a;

        if (!o)
                return NULL;
        json_object_set_new(o, "Id", json_string(c->unit));
        for (size_t i = 0; i < ELEMENTSOF(unit_properties); i++)
                json_object_set_new(o, unit_properties[i].name, property_value(bus, c->unit_path, &unit_properties[i]));
        if (systemd_unit_get_exec_start(bus, c->unit_path, &exec) >= 0) {
                a = json_array();
                STRV_FOREACH(s, exec) {
                        const char *path = startswith(*s, "--env-private-file=");
                        _cleanup_strv_free_ char **env = NULL;

                        json_array_append_new(a, json_string(*s));
                        /* Only root can read it: the values stay out of what other users see. */
                        if (path && private_env_read(path, &env) >= 0)
                                json_object_set_new(o, "Env", strv_to_json_array(env));
                }
                json_object_set_new(o, "ExecStart", a);
        }
        return o;
}

static json_t *state_json(const ContainerState *s) {
        return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s?, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:I, "
                         "s:o, s:o, s:s?}",
                        "id", s->id, "name", s->name, "status", "running", "pid", (json_int_t) s->pid,
                        "supervisor_pid", (json_int_t) s->supervisor_pid, "image", s->image, "image_id",
                        s->image_id, "rootfs", s->rootfs, "command", strv_to_json_array(s->command),
                        "hostname", s->hostname, "unit", s->unit, "invocation_id", s->invocation_id,
                        "started", s->started, "started_usec", (json_int_t) s->started_usec, "labels",
                        strv_to_json_array(s->labels), "annotations", strv_to_json_array(s->annotations),
                        "health", s->health);
}

int verb_inspect(int argc, char *argv[]) {
        static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
        static const char usage[] = "Usage: berth inspect NAME...";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        json_t *all;
        char *text;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                if (c == 'h') {
                        printf("%s\n\nPrints, per container, the runtime's state (while it runs) and its systemd "
                               "unit's properties as a JSON array.\n", usage);
                        return 0;
                }
                return log_error_errno(-EINVAL, "%s", usage);
        }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        all = json_array();
        if (!all)
                return log_oom();
        for (int i = optind; i < argc; i++) {
                _cleanup_(container_ref_done) ContainerRef ref = {};
                json_t *o;

                r = container_lookup(bus, argv[i], &ref);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                o = json_pack("{s:s, s:b, s:o?, s:o?}", "Name", ref.name, "Running", ref.running, "State",
                                ref.running ? state_json(&ref.state) : NULL, "Unit",
                                ref.unit_path ? unit_json(bus, &ref) : NULL);
                if (!o || json_array_append_new(all, o) < 0) {
                        json_decref(all);
                        return log_oom();
                }
        }
        text = json_dumps(all, JSON_INDENT(2));
        json_decref(all);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return ret;
}
