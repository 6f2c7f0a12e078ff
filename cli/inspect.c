/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth inspect: a container in Docker's shape (Id, State, Config, HostConfig, NetworkSettings, Mounts),
 * plus what berth-runtime says about it (BerthState, while it runs) and its systemd unit (Unit). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "commands.h"
#include "container-lookup.h"
#include "network-address.h"
#include "parse-util.h"
#include "publish-spec.h"
#include "volume-spec.h"
#include "go-template.h"
#include "log.h"
#include "strv.h"
#include "systemd-unit.h"
#include "unit-container-env.h"
#include "unit-property.h"
#include "json-util.h"

#define UNIT_IFACE    "org.freedesktop.systemd1.Unit"
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
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 't',
                                &t);
                /* "infinity" (UINT64_MAX) is no number JSON here can hold: null, as for "not known" */
                if (r >= 0)
                        v = t == UINT64_MAX ? json_null() : json_integer((json_int_t) t);
                break;
        }
        case 'i': {
                int32_t i = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 'i',
                                &i);
                if (r >= 0)
                        v = json_integer(i);
                break;
        }
        case 'u': {
                uint32_t u = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 'u',
                                &u);
                if (r >= 0)
                        v = json_integer(u);
                break;
        }
        case 'b': {
                int b = 0;
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, p->iface, p->name, &error, 'b',
                                &b);
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
                        "id", s->id, "name", s->name, "status", "running", "pid", (json_int_t) s->pid, "supervisor_pid",
                        (json_int_t) s->supervisor_pid, "image", s->image, "image_id", s->image_id, "rootfs", s->rootfs,
                        "command", strv_to_json_array(s->command), "hostname", s->hostname, "unit", s->unit,
                        "invocation_id", s->invocation_id, "started", s->started, "started_usec",
                        (json_int_t) s->started_usec, "labels", strv_to_json_array(s->labels), "annotations",
                        strv_to_json_array(s->annotations), "health", s->health);
}

/* RFC 3339 UTC with nanoseconds as Docker writes it; Go's zero time for "never". */
static json_t *time_json(uint64_t usec) {
        char buf[64];
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || usec == UINT64_MAX || !gmtime_r(&t, &tm))
                return json_string("0001-01-01T00:00:00Z");
        (void) strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
        (void) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ".%06lluZ", (unsigned long long) (usec % 1000000));
        return json_string(buf);
}

static uint64_t unit_u64(sd_bus *bus, const char *path, const char *iface, const char *name) {
        uint64_t v = 0;
        if (!path || systemd_unit_get_u64(bus, path, iface, name, &v) < 0)
                return 0;
        return v;
}

/* The value of "KEY=VALUE" among unit properties, NULL when not set. */
static const char *unit_property_of(char *const *props, const char *key) {
        STRV_FOREACH(p, props) {
                const char *v = startswith(*p, key);
                if (v && *v == '=')
                        return v + 1;
        }
        return NULL;
}

/* "KEY=VALUE" list as a JSON object, {} for none (Docker's Labels). */
static json_t *pairs_json(char *const *l) {
        return l ? strv_pairs_to_json_object(l) : json_object();
}

/* Docker's Binds and Mounts from --volume SRC:DST[:OPTS] (named volumes: Type volume). */
static void add_mounts(json_t *o, json_t *hc, char *const *volumes) {
        json_t *binds = json_array(), *mounts = json_array();

        STRV_FOREACH(v, volumes) {
                VolumeSpec vs = {};

                json_array_append_new(binds, json_string(*v));
                if (volume_spec_parse(*v, &vs) < 0)
                        continue;
                json_array_append_new(mounts,
                                json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:s, s:b, s:s}", "Type",
                                                vs.named ? "volume" : "bind", "Name", vs.named ? vs.name : NULL,
                                                "Source", vs.source ?: "", "Destination", vs.destination ?: "",
                                                "Driver", vs.named ? "local" : "", "Mode", vs.read_only ? "ro" : "",
                                                "RW", !vs.read_only, "Propagation", "rprivate"));
                volume_spec_done(&vs);
        }
        json_object_set_new(hc, "Binds", binds);
        json_object_set_new(o, "Mounts", mounts);
}

/* Docker's PortBindings/Ports: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. */
static json_t *ports_json(char *const *publish, json_t **ret_exposed) {
        json_t *ports = json_object(), *exposed = json_object();

        STRV_FOREACH(p, publish) {
                PublishSpec ps;
                if (publish_spec_parse(*p, &ps) < 0)
                        continue;
                for (unsigned i = 0; i < MAX(ps.count, 1u); i++) {
                        _cleanup_free_ char *ip = ps.host_ip.family ? address_format(&ps.host_ip) : strdup("");
                        char key[32], host[16] = "";
                        json_t *list;

                        (void) snprintf(key, sizeof key, "%u/%s", ps.container_port + i, ps.proto);
                        if (ps.host_port)
                                (void) snprintf(host, sizeof host, "%u", ps.host_port + i);
                        list = json_object_get(ports, key);
                        if (!list) {
                                list = json_array();
                                json_object_set_new(ports, key, list);
                        }
                        json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", ip ?: "", "HostPort", host));
                        json_object_set_new(exposed, key, json_object());
                }
        }
        *ret_exposed = exposed;
        return ports;
}

/* Docker's shape of a container (docker inspect): from the runtime's record while it runs, berth
 * run's record or the unit's ExecStart= for the rest, and systemd's unit for limits and times. */
static json_t *docker_json(sd_bus *bus, ContainerRef *ref) {
        _cleanup_(container_spec_done) ContainerSpec unit_spec;
        _cleanup_strv_free_ char **env = NULL, **cmd = NULL;
        _cleanup_free_ char *restart_name = NULL;
        const ContainerSpec *spec = &unit_spec;
        const ContainerState *st = &ref->state;
        char id[CONTAINER_ID_LEN + 1] = "";
        uint64_t started = 0, finished = 0, created = 0, memory, quota, restart_max = 0;
        int32_t code = 0, status = 0;
        int exit_code = 0;
        const char *state_status, *restart, *restart_unit, *v, *network_mode;
        json_t *o, *hc, *config, *net, *networks, *exposed = NULL, *ports;

        container_spec_init(&unit_spec);
        if (ref->recorded)
                spec = &ref->record.spec;
        else if (ref->unit_path)
                (void) container_spec_from_unit(bus, ref->unit_path, &unit_spec);

        if (ref->running && st->id)
                (void) snprintf(id, sizeof id, "%s", st->id);
        else if (ref->recorded)
                (void) snprintf(id, sizeof id, "%s", ref->record.id);
        else if (spec->id)
                (void) snprintf(id, sizeof id, "%s", spec->id);
        else if (container_id_from_name(ref->name, id) < 0)
                return NULL;

        if (ref->unit_path) {
                (void) systemd_unit_get_i32(bus, ref->unit_path, SERVICE_IFACE, "ExecMainCode", &code);
                (void) systemd_unit_get_i32(bus, ref->unit_path, SERVICE_IFACE, "ExecMainStatus", &status);
                started = unit_u64(bus, ref->unit_path, SERVICE_IFACE, "ExecMainStartTimestamp");
                finished = unit_u64(bus, ref->unit_path, SERVICE_IFACE, "ExecMainExitTimestamp");
        }
        if (ref->running) {
                started = st->started_usec;
                finished = 0;
                state_status = "running";
        } else if (ref->recorded && ref->record.exit_code >= 0) {
                exit_code = ref->record.exit_code;
                finished = ref->record.finished_usec;
                state_status = "exited";
        } else if (code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED) {
                exit_code = code == CLD_EXITED ? status : 128 + status;
                state_status = "exited";
        } else
                state_status = "created";
        created = ref->recorded ? ref->record.created_usec : started;

        /* Cmd and Entrypoint as given (the image's own ones apply when these are empty) */
        if (ref->running && st->command)
                cmd = strv_copy(st->command);
        else
                cmd = strv_copy(spec->command);
        /* values only for root: the private file is root's alone */
        env = strv_copy(spec->env);
        if (spec->env_private_file) {
                _cleanup_strv_free_ char **priv = NULL;
                if (private_env_read(spec->env_private_file, &priv) >= 0)
                        (void) strv_extend_strv(&env, priv);
        }
        if (!cmd || !env)
                return NULL;

        memory = unit_u64(bus, ref->unit_path, SERVICE_IFACE, "MemoryMax");
        if (!ref->unit_path && (v = unit_property_of(spec->unit_properties, "MemoryMax")))
                (void) parse_size(v, &memory);
        quota = unit_u64(bus, ref->unit_path, SERVICE_IFACE, "CPUQuotaPerSecUSec");
        /* without a unit, the record's --cpus or CPUQuota=, converted by the parser that set the unit's */
        if (!ref->unit_path)
                for (size_t i = 0; i < 2; i++) {
                        const char *key = i == 0 ? "CPUs" : "CPUQuota", *bus_property;
                        if ((v = unit_property_of(spec->unit_properties, key)))
                                (void) unit_property_parse(key, v, &bus_property, &quota);
                }
        restart = unit_property_of(spec->unit_properties, "Restart") ?: "no";
        if (unit_property_restart_parse(restart, &restart_unit, &restart_max) < 0)
                restart = "no";
        restart_name = strndup(restart, strcspn(restart, ":"));
        if (!restart_name)
                return NULL;
        network_mode = spec->network && spec->network[0] ? spec->network[0] : "bridge";

        ports = ports_json(spec->publish, &exposed);
        hc = json_pack("{s:I, s:I, s:o, s:s, s:{s:s, s:i}, s:b, s:s?}", "Memory",
                        (json_int_t) (memory == UINT64_MAX ? 0 : memory), "NanoCpus",
                        (json_int_t) (quota == UINT64_MAX ? 0 : quota * 1000), "PortBindings", json_deep_copy(ports),
                        "NetworkMode", network_mode, "RestartPolicy", "Name", restart_name, "MaximumRetryCount",
                        (int) restart_max, "AutoRemove", false, "Runtime", "berth-runtime");
        networks = json_object();
        STRV_FOREACH(n, spec->network) {
                _cleanup_free_ char *name = strndup(*n, strcspn(*n, ":"));
                if (name && !streq(name, "none") && !streq(name, "host") && !startswith(name, "container"))
                        json_object_set_new(networks, name,
                                        json_pack("{s:s, s:s, s:s, s:o}", "IPAddress", "", "MacAddress",
                                                        spec->mac_address ?: "", "Gateway", "", "Aliases",
                                                        strv_to_json_array(spec->network_aliases)));
        }
        net = json_pack("{s:o, s:o, s:s, s:s, s:s}", "Networks", networks, "Ports", ports, "IPAddress", "", "Gateway",
                        "", "MacAddress", spec->mac_address ?: "");
        config = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:s}", "Hostname",
                        (ref->running ? st->hostname : NULL) ?: spec->hostname ?: ref->name, "User", spec->user ?: "",
                        "Env", strv_to_json_array(env), "Cmd", strv_to_json_array(cmd), "Entrypoint",
                        spec->entrypoint_set ? strv_to_json_array(spec->entrypoint) : json_null(), "Image",
                        spec->image ?: "", "WorkingDir", spec->workdir ?: "", "Labels", pairs_json(spec->labels),
                        "ExposedPorts", exposed, "StopSignal", spec->stop_signal ?: "SIGTERM");
        o = json_pack("{s:s, s:o, s:s, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:i, s:s, s:o, s:o}, s:s, "
                      "s:s, s:i, s:o, s:o, s:o}",
                        "Id", id, "Created", time_json(created), "Path", cmd[0] ?: "", "Args",
                        strv_to_json_array(cmd[0] ? cmd + 1 : cmd), "State", "Status", state_status, "Running",
                        ref->running, "Paused", false, "Restarting", false, "OOMKilled", false, "Dead", false, "Pid",
                        (json_int_t) (ref->running ? st->pid : 0), "ExitCode", exit_code, "Error", "", "StartedAt",
                        time_json(started), "FinishedAt", time_json(finished), "Image",
                        (ref->running ? st->image_id : NULL) ?: spec->image ?: "", "Name", ref->name,
                        "RestartCount", 0, "HostConfig", hc, "Config", config, "NetworkSettings", net);
        if (!o)
                return NULL;
        add_mounts(o, hc, spec->volumes);
        if (ref->running && st->health)
                json_object_set_new(json_object_get(o, "State"), "Health",
                                json_pack("{s:s, s:i, s:[]}", "Status", st->health, "FailingStreak", 0, "Log"));
        json_object_set_new(o, "ImageName", json_string(spec->image ?: ""));
        return o;
}

int verb_inspect(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "format", required_argument, NULL, 'f' },
                {},
        };
        static const char usage[] = "Usage: berth inspect [-f TEMPLATE] NAME...";
        const char *format = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        json_t *all;
        char *text;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hf:", options, NULL)) >= 0) {
                if (c == 'h') {
                        printf("%s\n\nPrints a JSON array with, per container, Docker's inspect fields, the runtime's "
                               "state (BerthState, while it runs) and its systemd unit's properties (Unit); "
                               "-f prints TEMPLATE ({{.State.Status}}, {{json .Config}}) for each instead.\n",
                                        usage);
                        return 0;
                }
                if (c == 'f') {
                        format = optarg;
                        if (go_template_check(format) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --format '%s': berth takes {{.Field.Sub}} and {{json .Field}}.",
                                                format);
                        continue;
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
                /* Docker's keys, then berth's own: the runtime's record and the systemd unit */
                o = docker_json(bus, &ref);
                if (o) {
                        if (ref.running)
                                json_object_set_new(o, "BerthState", state_json(&ref.state));
                        if (ref.unit_path)
                                json_object_set_new(o, "Unit", unit_json(bus, &ref));
                }
                if (!o || json_array_append_new(all, o) < 0) {
                        json_decref(all);
                        return log_oom();
                }
        }
        if (format) {
                r = go_template_print_rows(stdout, format, all, NULL);
                json_decref(all);
                return r < 0 ? log_error_errno(r, "Failed to print --format '%s': %m", format) : ret;
        }
        text = json_dumps(all, JSON_INDENT(2));
        json_decref(all);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return ret;
}
