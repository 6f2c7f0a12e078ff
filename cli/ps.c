/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth ps: the running containers (from the runtime's state.json, so generator-made units show up
 * too) and, with -a, containers whose units systemd still has loaded without running them. */
#include <getopt.h>
#include <jansson.h>
#include <sys/socket.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "container-lookup.h"
#include "container-record.h"
#include "fs-util.h"
#include "go-template.h"
#include "json-util.h"
#include "key-filter.h"
#include "log.h"
#include "network-attach.h"
#include "publish-spec.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-properties.h"
#include "systemd-unit.h"
#include "unit-generator.h"

static uint64_t now_realtime_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* "3 minutes" for a duration in seconds, as docker writes it. */
static void format_duration(uint64_t secs, char *buf, size_t size) {
        static const struct {
                uint64_t secs;
                const char *unit;
        } units[] = {
                { 86400, "day" },
                { 3600, "hour" },
                { 60, "minute" },
                { 1, "second" },
        };

        if (secs == 0) {
                (void) snprintf(buf, size, "Less than a second");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (secs >= units[i].secs || units[i].secs == 1) {
                        uint64_t n = secs / units[i].secs;
                        (void) snprintf(buf, size, "%llu %s%s", (unsigned long long) n, units[i].unit, n == 1 ? "" : "s");
                        return;
                }
}

/* Docker's PORTS column: "0.0.0.0:8080->80/tcp, ..." from the --publish options. */
static char *ports_text(char *const *publish) {
        _cleanup_strv_free_ char **parts = NULL;

        STRV_FOREACH(p, publish) {
                PublishSpec ps;
                _cleanup_free_ char *ip = NULL;
                char host[16] = "", container[16], buf[160];

                if (publish_spec_parse(*p, &ps) < 0)
                        continue;
                ip = ps.host_ip.family ? address_format(&ps.host_ip) : strdup("0.0.0.0");
                if (!ip)
                        return NULL;
                if (ps.count > 1) {
                        if (ps.host_port)
                                (void) snprintf(host, sizeof host, "%u-%u", ps.host_port,
                                                (unsigned) (ps.host_port + ps.count - 1));
                        (void) snprintf(container, sizeof container, "%u-%u", ps.container_port,
                                        (unsigned) (ps.container_port + ps.count - 1));
                } else {
                        if (ps.host_port)
                                (void) snprintf(host, sizeof host, "%u", ps.host_port);
                        (void) snprintf(container, sizeof container, "%u", ps.container_port);
                }
                (void) snprintf(buf, sizeof buf, ps.host_ip.family == AF_INET6 ? "[%s]:%s->%s/%s" : "%s:%s->%s/%s", ip,
                                host, container, ps.proto);
                if (strv_extend(&parts, buf) < 0)
                        return NULL;
        }
        return parts ? strv_join(parts, ", ") : strdup("");
}

/* The container spec of a unit's ExecStart= (a read reply, or NULL), for what the runtime's record
 * lacks: its ports. */
static char *unit_ports(const UnitPropertyRead *exec_start) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_strv_free_ char **argv = NULL;

        container_spec_init(&spec);
        if (!exec_start || !exec_start->reply || systemd_read_exec_start(exec_start->reply, &argv) < 0 ||
                        container_spec_from_exec_start(argv, &spec) < 0)
                return strdup("");
        return ports_text(spec.publish);
}

static json_t *row_from_state(const ContainerState *state, const UnitPropertyRead *exec_start) {
        _cleanup_free_ char *command = NULL, *ports = NULL;
        uint64_t started = state->started_usec;
        uint64_t now = now_realtime_usec();
        char up[64], status[128];
        json_t *row;

        command = state->command ? strv_join(state->command, " ") : strdup("");
        ports = unit_ports(exec_start);
        if (!command || !ports)
                return NULL;
        format_duration((now - MIN(started, now)) / 1000000, up, sizeof up);
        if (state->health)
                (void) snprintf(status, sizeof status, "Up %s (%s)", up, state->health);
        else
                (void) snprintf(status, sizeof status, "Up %s", up);
        row = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:I}", "ID", state->id, "Names",
                        state->name, "Image", state->image, "Command", command, "CreatedAt", state->started, "State",
                        "running", "Status", status, "Ports", ports, "Unit", state->unit, "Health", state->health,
                        "Pid", (json_int_t) state->pid);
        if (row) {
                (void) json_object_set_new(row, "CreatedUsec", json_integer((json_int_t) state->started_usec));
                (void) json_object_set_new(row, "Labels", strv_pairs_to_json_object(state->labels));
        }
        return row;
}

/* What row_from_unit() reads of an ended unit, all units' reads sent at once. */
enum {
        ENDED_EXEC_START,
        ENDED_EXEC_MAIN_CODE,
        ENDED_EXEC_MAIN_STATUS,
        ENDED_INACTIVE_ENTER,
        ENDED_EXEC_MAIN_START,
        _ENDED_READS,
};

static void ended_unit_reads(const UnitInfo *u, UnitPropertyRead reads[static _ENDED_READS]) {
        static const char *const service = "org.freedesktop.systemd1.Service", *const unit = "org.freedesktop.systemd1.Unit";

        reads[ENDED_EXEC_START] = unit_property_read(u->path, service, "ExecStart", "a(sasbttttuii)");
        reads[ENDED_EXEC_MAIN_CODE] = unit_property_read(u->path, service, "ExecMainCode", "i");
        reads[ENDED_EXEC_MAIN_STATUS] = unit_property_read(u->path, service, "ExecMainStatus", "i");
        reads[ENDED_INACTIVE_ENTER] = unit_property_read(u->path, unit, "InactiveEnterTimestamp", "t");
        reads[ENDED_EXEC_MAIN_START] = unit_property_read(u->path, service, "ExecMainStartTimestamp", "t");
}

/* A loaded unit that does not run: what its ExecStart= says about the container, and how it ended. */
static json_t *row_from_unit(const UnitInfo *u, const char *name, const UnitPropertyRead reads[static _ENDED_READS]) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_free_ char *command = NULL, *ports = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        char status[128], id[CONTAINER_ID_LEN + 1], ago[64] = "";
        int32_t code = 0, exit_status = 0;
        uint64_t started = 0, ended = 0;
        json_t *row;

        container_spec_init(&spec);
        if (reads[ENDED_EXEC_START].reply && systemd_read_exec_start(reads[ENDED_EXEC_START].reply, &argv) >= 0 &&
                        container_spec_from_exec_start(argv, &spec) >= 0)
                command = strv_join(spec.command, " ");
        if (spec.id)
                (void) snprintf(id, sizeof id, "%s", spec.id);
        else if (container_id_from_name(name, id) < 0)
                return NULL;
        ports = ports_text(spec.publish);
        if (!ports)
                return NULL;
        (void) unit_property_read_i32(&reads[ENDED_EXEC_MAIN_CODE], &code);
        (void) unit_property_read_i32(&reads[ENDED_EXEC_MAIN_STATUS], &exit_status);
        (void) unit_property_read_u64(&reads[ENDED_INACTIVE_ENTER], &ended);
        if (ended > 0) {
                uint64_t now = now_realtime_usec();
                format_duration((now - MIN(ended, now)) / 1000000, ago, sizeof ago);
                strcat(ago, " ago");
        }
        if (streq(u->active_state, "activating"))
                (void) snprintf(status, sizeof status, "Starting");
        else if (streq(u->active_state, "deactivating"))
                (void) snprintf(status, sizeof status, "Stopping");
        else if (code == CLD_KILLED || code == CLD_DUMPED || code == CLD_EXITED)
                /* "Exited (3) 2 seconds ago", as Docker writes it; a signal's death is 128+N */
                (void) snprintf(status, sizeof status, "Exited (%d)%s%s",
                                code == CLD_EXITED ? exit_status : 128 + exit_status, *ago ? " " : "", ago);
        else
                (void) snprintf(status, sizeof status, "Created");
        (void) unit_property_read_u64(&reads[ENDED_EXEC_MAIN_START], &started);
        row = json_pack("{s:s, s:s, s:s?, s:s, s:n, s:s, s:s, s:s, s:s, s:n, s:n}", "ID", id, "Names", name, "Image",
                        spec.image, "Command", command ?: "", "CreatedAt", "State",
                        streq(u->active_state, "failed") || code ? "exited" : "created", "Status", status, "Ports",
                        ports, "Unit", u->id, "Health", "Pid");
        if (row && started > 0)
                (void) json_object_set_new(row, "CreatedUsec", json_integer((json_int_t) started));
        if (row)
                (void) json_object_set_new(row, "Labels", strv_pairs_to_json_object(spec.labels));
        return row;
}

/* A recorded container that does not run: how its last run ended, or "Created" before any. */
static json_t *row_from_record(const ContainerRecord *rec) {
        _cleanup_free_ char *command = NULL, *ports = NULL;
        char status[128] = "Created", ago[64];
        json_t *row;

        command = strv_join(rec->spec.command, " ");
        ports = ports_text(rec->spec.publish);
        if (!command || !ports)
                return NULL;
        if (rec->exit_code >= 0) {
                uint64_t now = now_realtime_usec();
                format_duration((now - MIN(rec->finished_usec, now)) / 1000000, ago, sizeof ago);
                (void) snprintf(status, sizeof status, "Exited (%d) %s ago", rec->exit_code, ago);
        }
        row = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:s, s:s, s:s, s:n, s:n, s:I}", "ID", rec->id, "Names",
                        rec->name, "Image", rec->spec.image, "Command", command, "CreatedAt", rec->created, "State",
                        rec->exit_code >= 0 ? "exited" : "created", "Status", status, "Ports", ports, "Unit", rec->unit,
                        "Health", "Pid", "CreatedUsec", (json_int_t) rec->created_usec);
        if (row && rec->exit_code >= 0)
                (void) json_object_set_new(row, "ExitCode", json_integer(rec->exit_code));
        if (row)
                (void) json_object_set_new(row, "Labels", strv_pairs_to_json_object(rec->spec.labels));
        return row;
}

/* Appends a row and notes its name in seen (a JSON object used as a set), which the later sources
 * consult: a running container is not listed again from its record or its unit. */
static int rows_add(json_t *rows, json_t *seen, json_t *row) {
        const char *name = json_string_value(json_object_get(row, "Names"));

        if (json_array_append_new(rows, row) < 0)
                return -ENOMEM;
        return name && json_object_set_new(seen, name, json_true()) < 0 ? -ENOMEM : 0;
}

/* The running containers (state.json), their units' ExecStart= (for the ports) read in one batch. */
static int add_running(json_t *rows, json_t *seen, bool want_ports) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL, **paths = NULL;
        _cleanup_free_ ContainerState *states = NULL;
        _cleanup_free_ UnitPropertyRead *reads = NULL;
        _cleanup_free_ UnitPropertyRead **read_of = NULL;
        size_t n = 0, n_reads = 0;
        int r;

        r = running_containers(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list running containers: %m");
        states = calloc(strv_length(names) + 1, sizeof(ContainerState));
        reads = calloc(strv_length(names) + 1, sizeof(UnitPropertyRead));
        read_of = calloc(strv_length(names) + 1, sizeof(UnitPropertyRead *));
        if (!states || !reads || !read_of)
                return log_oom();
        STRV_FOREACH(name, names)
                if (container_state_read(*name, &states[n]) >= 0)
                        n++; /* else ended meanwhile */
        /* without a bus no ports: the runtime's record suffices for the rest */
        if (want_ports && n > 0 && systemd_bus_open_manager(&bus) >= 0)
                for (size_t i = 0; i < n && r >= 0; i++) {
                        char *path = NULL;
                        if (!states[i].unit) /* started by hand, outside any unit */
                                continue;
                        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", states[i].unit, &path);
                        if (r >= 0)
                                r = strv_consume(&paths, path);
                        if (r < 0)
                                break;
                        reads[n_reads] = unit_property_read(path, "org.freedesktop.systemd1.Service", "ExecStart",
                                        "a(sasbttttuii)");
                        read_of[i] = &reads[n_reads++];
                }
        if (r >= 0 && bus)
                (void) systemd_get_properties(bus, reads, n_reads);
        for (size_t i = 0; i < n; i++) {
                json_t *row = r < 0 ? NULL : row_from_state(&states[i], read_of[i]);
                if (r >= 0 && (!row || rows_add(rows, seen, row) < 0))
                        r = -ENOMEM;
                container_state_done(&states[i]);
        }
        unit_property_reads_done(reads, n_reads);
        return r < 0 ? log_oom() : 0;
}

static int add_recorded(json_t *rows, json_t *seen) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = container_records(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list containers: %m");
        STRV_FOREACH(n, names) {
                _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };
                json_t *row;

                if (json_object_get(seen, *n) || container_record_read(*n, &rec) < 0)
                        continue; /* running, or removed meanwhile */
                row = row_from_record(&rec);
                if (!row || rows_add(rows, seen, row) < 0)
                        return log_oom();
        }
        return 0;
}

/* Whether a unit's file is one a generator wrote: only then may its SourcePath be a .container file.
 * Most stopped services are not (the test systemd has some 50), and each would cost a Get. */
static bool is_generated(const char *unit) {
        _cleanup_free_ char *path = path_join(SYSTEM_GENERATOR_DIR, unit);
        return !path || access(path, F_OK) >= 0;
}

/* Units systemd has loaded without running them, not listed yet: every berth-*.service, and stopped
 * services of any name whose definition is a .container file (generator-made). One ListUnitsByPatterns,
 * then the SourcePath of the other stopped services, then what each row needs, each batch of property
 * reads sent at once (lib/sys/systemd-properties.h). */
static int add_stopped(json_t *rows, json_t *seen) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char *services[] = { (char *) "*.service", NULL };
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ UnitPropertyRead *sources = NULL, *reads = NULL;
        _cleanup_free_ UnitInfo **ended = NULL, **others = NULL;
        size_t n = 0, n_ended = 0, n_others = 0;
        UnitInfo *units = NULL;
        int r;

        r = systemd_bus_open_manager(&bus);
        if (r < 0)
                return r;
        r = systemd_list_units(bus, NULL, services, &units, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list units: %m");
        ended = calloc(n + 1, sizeof(UnitInfo *));
        others = calloc(n + 1, sizeof(UnitInfo *));
        sources = calloc(n + 1, sizeof(UnitPropertyRead));
        if (!ended || !others || !sources) {
                r = log_oom();
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = NULL;
                UnitInfo *u = &units[i];

                if (streq(u->active_state, "active") || streq(u->load_state, "not-found"))
                        continue;
                name = container_name_of_berth_unit(u);
                if (name) {
                        if (json_object_get(seen, name))
                                continue;
                        ended[n_ended++] = u;
                        r = strv_consume(&names, TAKE_PTR(name));
                        if (r < 0)
                                goto finish;
                } else if (unit_active_state_is_ended(u->active_state) && is_generated(u->id)) {
                        sources[n_others] =
                                        unit_property_read(u->path, "org.freedesktop.systemd1.Unit", "SourcePath", "s");
                        others[n_others++] = u;
                }
        }
        r = systemd_get_properties(bus, sources, n_others);
        if (r < 0) {
                log_error_errno(r, "Failed to read unit properties: %m");
                goto finish;
        }
        for (size_t i = 0; i < n_others; i++) {
                const char *source = NULL;
                _cleanup_free_ char *name = NULL;

                (void) unit_property_read_string(&sources[i], &source);
                name = container_name_of_generated_unit(others[i], source);
                if (!name || json_object_get(seen, name) || strv_contains(names, name))
                        continue;
                ended[n_ended++] = others[i];
                r = strv_consume(&names, TAKE_PTR(name));
                if (r < 0)
                        goto finish;
        }
        reads = calloc(n_ended * _ENDED_READS + 1, sizeof(UnitPropertyRead));
        if (!reads) {
                r = log_oom();
                goto finish;
        }
        for (size_t i = 0; i < n_ended; i++)
                ended_unit_reads(ended[i], reads + i * _ENDED_READS);
        r = systemd_get_properties(bus, reads, n_ended * _ENDED_READS);
        if (r < 0) {
                log_error_errno(r, "Failed to read unit properties: %m");
                goto finish;
        }
        for (size_t i = 0; i < n_ended; i++) {
                json_t *row = row_from_unit(ended[i], names[i], reads + i * _ENDED_READS);
                if (!row || rows_add(rows, seen, row) < 0) {
                        r = log_oom();
                        break;
                }
        }
finish:
        if (r == -ENOMEM)
                r = log_oom();
        if (reads)
                unit_property_reads_done(reads, n_ended * _ENDED_READS);
        if (sources)
                unit_property_reads_done(sources, n_others);
        unit_info_array_free(units, n);
        return r < 0 ? r : 0;
}

static const char *str_or(json_t *row, const char *key, const char *fallback) {
        const char *s = json_string_value(json_object_get(row, key));
        return isempty(s) ? fallback : s;
}

/* "5 minutes ago", from the row's CreatedUsec; "-" when unknown. */
static const char *created_ago(json_t *row, char *buf, size_t size) {
        json_t *v = json_object_get(row, "CreatedUsec");
        uint64_t at, now = now_realtime_usec();
        char d[32];

        if (!json_is_integer(v))
                return "-";
        at = (uint64_t) json_integer_value(v);
        format_duration((now - MIN(at, now)) / 1000000, d, sizeof d);
        (void) snprintf(buf, size, "%s ago", d);
        return buf;
}

/* Docker's columns; the ID cut to 12 digits as Docker shows it. */
static void print_table(json_t *rows) {
        json_t *row;
        size_t i;

        printf("%-12s   %-24s %-22s %-18s %-26s %-22s %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
                        "PORTS", "NAMES");
        json_array_foreach(rows, i, row) {
                char command[32], created[48];
                const char *cmd = str_or(row, "Command", "");

                /* quoted and cut like docker's COMMAND column */
                if (strlen(cmd) > 17)
                        (void) snprintf(command, sizeof command, "\"%.16s…\"", cmd);
                else
                        (void) snprintf(command, sizeof command, "\"%s\"", cmd);
                /* the ellipsis is 3 bytes wide in UTF-8 and one column on the screen */
                printf("%-12.12s   %-24s %-*s %-18s %-26s %-22s %s\n", str_or(row, "ID", "-"), str_or(row, "Image", "-"),
                                strstr(command, "…") ? 24 : 22, command, created_ago(row, created, sizeof created),
                                str_or(row, "Status", "-"), str_or(row, "Ports", ""), str_or(row, "Names", "-"));
        }
}

/* docker ps --filter KEY=VALUE: name (a part of the name), id (a prefix), status (created, running,
 * exited), ancestor (the image as given, with or without its tag), label (KEY or KEY=VALUE). Filters
 * of one key are alternatives, of different keys all must hold, as in Docker. */
static const char *const filter_keys[] = { "name", "id", "status", "ancestor", "label", NULL };

static bool filter_one(const void *object, const char *key, const char *value) {
        json_t *row = (json_t *) object;

        if (streq(key, "name"))
                return strstr(json_string_value(json_object_get(row, "Names")) ?: "", value);
        if (streq(key, "id"))
                return startswith(json_string_value(json_object_get(row, "ID")) ?: "", value);
        if (streq(key, "status"))
                return streq_ptr(json_string_value(json_object_get(row, "State")), value);
        if (streq(key, "ancestor"))
                return key_filter_image_matches(json_string_value(json_object_get(row, "Image")), value);
        if (streq(key, "label")) {
                const char *eq = strchr(value, '=');
                _cleanup_free_ char *k = strndup(value, eq ? (size_t) (eq - value) : strlen(value));
                json_t *v = k ? json_object_get(json_object_get(row, "Labels"), k) : NULL;
                return v && (!eq || streq_ptr(json_string_value(v), eq + 1));
        }
        return false;
}

int verb_ps(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "all", no_argument, NULL, 'a' },
                { "format", required_argument, NULL, 'F' },
                { "quiet", no_argument, NULL, 'q' },
                { "filter", required_argument, NULL, 'f' },
                {},
        };
        _cleanup_strv_free_ char **filters = NULL;
        bool all = false, json = false, quiet = false;
        const char *format = NULL;
        json_t *rows, *seen;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+haqf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth ps [-a] [-q] [-f KEY=VALUE]... [--format table|json|TEMPLATE]\n\n"
                               "Lists running containers with Docker's columns; -a adds the ones systemd still has "
                               "loaded without running them (failed ones until 'berth rm'); -q prints only IDs; -f keeps the "
                               "rows that match: name=, id=, status=created|running|exited, ancestor=IMAGE, "
                               "label=KEY[=VALUE].\n");
                        return 0;
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        if (key_filter_check(optarg, filter_keys) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --filter '%s': expected name=, id=, status=, ancestor= or "
                                                "label= with a value.",
                                                optarg);
                        if (strncmp(optarg, "status=", 7) == 0 && !streq(optarg + 7, "created") &&
                                        !streq(optarg + 7, "running") && !streq(optarg + 7, "exited"))
                                return log_error_errno(-EINVAL,
                                                "Invalid --filter '%s': status is created, running or exited.", optarg);
                        if (strv_extend(&filters, optarg) < 0)
                                return log_oom();
                        /* docker: a status filter other than running looks at every container */
                        if (strncmp(optarg, "status=", 7) == 0 && !streq(optarg + 7, "running"))
                                all = true;
                        break;
                case 'F':
                        if (streq(optarg, "json"))
                                json = true;
                        else if (go_template_check(optarg) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --format '%s': use table, json or a template such as "
                                                "'table {{.ID}}\\t{{.Names}}'.",
                                                optarg);
                        else if (!streq(optarg, "table"))
                                format = optarg;
                        break;
                default:
                        return log_error_errno(-EINVAL, "See 'berth ps --help'.");
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "'berth ps' takes no arguments.");

        rows = json_array();
        seen = json_object();
        if (!rows || !seen) {
                json_decref(rows);
                json_decref(seen);
                return log_oom();
        }
        /* ports only where they are printed */
        r = add_running(rows, seen, !quiet);
        if (r >= 0 && all)
                r = add_recorded(rows, seen);
        if (r >= 0 && all)
                r = add_stopped(rows, seen);
        json_decref(seen);
        if (r < 0) {
                json_decref(rows);
                return r;
        }
        if (filters) {
                json_t *kept = json_array(), *row;
                size_t i;
                if (!kept) {
                        json_decref(rows);
                        return log_oom();
                }
                json_array_foreach(rows, i, row) {
                        if (key_filters_match(filters, filter_keys, filter_one, row))
                                (void) json_array_append(kept, row);
                }
                json_decref(rows);
                rows = kept;
        }
        if (format) {
                static const GoTemplateHeading headings[] = {
                        { ".ID", "CONTAINER ID" },
                        { ".Names", "NAMES" },
                        { ".Image", "IMAGE" },
                        { ".Command", "COMMAND" },
                        { ".CreatedAt", "CREATED AT" },
                        { ".Status", "STATUS" },
                        { ".Ports", "PORTS" },
                        { ".State", "STATE" },
                        {},
                };
                json_t *row;
                size_t i;
                /* docker's {{.ID}} is the short one */
                json_array_foreach(rows, i, row) {
                        const char *id = json_string_value(json_object_get(row, "ID"));
                        char short_id[13];
                        (void) snprintf(short_id, sizeof short_id, "%.12s", id ?: "");
                        (void) json_object_set_new(row, "ID", json_string(short_id));
                }
                r = go_template_print_rows(stdout, format, rows, headings);
                json_decref(rows);
                return r < 0 ? log_error_errno(r, "Failed to print --format '%s': %m", format) : 0;
        }
        if (json) {
                char *text = json_dumps(rows, JSON_INDENT(2));
                if (text)
                        printf("%s\n", text);
                free(text);
        } else if (quiet) {
                json_t *row;
                size_t i;
                json_array_foreach(rows, i, row) {
                        printf("%.12s\n", str_or(row, "ID", ""));
                }
        } else
                print_table(rows);
        json_decref(rows);
        return 0;
}
