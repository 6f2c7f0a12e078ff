/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "container-ops.h"
#include "container-unit.h"
#include "container.h"
#include "fs-util.h"
#include "log.h"
#include "object-name.h"
#include "network-store.h"
#include "paths.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-unit.h"

#define UNIT_IFACE    "org.freedesktop.systemd1.Unit"
#define SERVICE_IFACE "org.freedesktop.systemd1.Service"
#define UNIT_PREFIX   "/org/freedesktop/systemd1/unit"

struct StateHint {
        StateHint *next;
        char *name;
        const char *state; /* static string */
};

/* A name as containers and generator units have it: docker's rule, or a template instance. */
static bool name_is_valid(const char *name) {
        _cleanup_free_ char *plain = NULL;

        if (container_name_is_valid(name))
                return true;
        if (!name || !strchr(name, '@') || strlen(name) > 200)
                return false;
        plain = strdup(name);
        if (!plain)
                return false;
        for (char *p = plain; *p; p++)
                if (*p == '@')
                        *p = '_';
        return container_name_is_valid(plain);
}

int container_resolve(Berthd *d, const char *name, bool load, ContainerRef *ret) {
        if (!name_is_valid(name) &&
                        !(load && strlen(name) <= CONTAINER_ID_LEN && strspn(name, "0123456789abcdef") == strlen(name)))
                return -ENOENT;
        return container_ref_lookup(d->bus, name, load ? CONTAINER_LOOKUP_LOAD | CONTAINER_LOOKUP_ID : 0, ret);
}

int container_resolve_or_error(Berthd *d, const char *name, bool load, ContainerRef *ret, sd_bus_error *error) {
        _cleanup_free_ char *message = NULL;
        int r = container_resolve(d, name, load, ret);

        if (r >= 0 || r == -ENOMEM)
                return r;
        message = container_ref_lookup_message(r, name);
        if (!message)
                return -ENOMEM;
        if (r == -ENOENT)
                return ERRNO_NEGATIVE(sd_bus_error_set(error, BERTH_ERROR_NO_SUCH_CONTAINER, message));
        return ERRNO_NEGATIVE(sd_bus_error_set_errnof(error, r, "%s", message));
}

int container_name_taken(Berthd *d, const char *name) {
        return container_name_in_use(d->bus, name);
}

char *container_object_path(const char *name) {
        char *path = NULL;

        if (sd_bus_path_encode(BERTH_CONTAINER_PREFIX, name, &path) < 0)
                return NULL;
        return path;
}

const char *container_state_from_active_state(const char *s) {
        if (!s)
                return "exited";
        if (streq(s, "activating"))
                return "created";
        if (streq(s, "active") || streq(s, "reloading"))
                return "running";
        if (streq(s, "deactivating"))
                return "stopping";
        return "exited";
}

/* The container's name from its object path; NULL when the path is not one. */
static char *name_from_path(const char *path) {
        char *name = NULL;

        if (sd_bus_path_decode(path, BERTH_CONTAINER_PREFIX, &name) <= 0)
                return NULL;
        return name;
}

/* ---- properties ---------------------------------------------------------------------------------- */

static int lookup_for_property(Berthd *d, const char *path, ContainerRef *c, sd_bus_error *error) {
        _cleanup_free_ char *name = name_from_path(path);

        int r;

        if (!name)
                return ERRNO_NEGATIVE(sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_CONTAINER,
                                "No such container object: %s", path));
        r = container_resolve(d, name, false, c);
        if (r == -ENOENT && d->emitting_name && streq(d->emitting_name, name)) {
                /* its unit is gone already: the last announcement of a container that ended */
                c->name = TAKE_PTR(name);
                return 0;
        }
        if (r < 0)
                return container_resolve_or_error(d, name, false, c, error);
        return 0;
}

static const char *container_state(Berthd *d, const ContainerRef *c) {
        _cleanup_free_ char *active = NULL;

        if (d->emitting_name && streq(d->emitting_name, c->name))
                return d->emitting_state;
        if (c->unit_path && systemd_unit_get_string(d->bus, c->unit_path, UNIT_IFACE, "ActiveState", &active) >= 0)
                return container_state_from_active_state(active);
        return c->running ? "running" : "exited";
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        Berthd *d = userdata;
        int r;

        r = lookup_for_property(d, path, &c, error);
        if (r < 0)
                return r;

        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", c.name);
        if (streq(property, "Unit"))
                return sd_bus_message_append(reply, "s", c.unit ?: "");
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", container_state(d, &c));
        if (streq(property, "Health")) {
                const char *h = c.state.health;
                return sd_bus_message_append(reply, "s", h ?: "");
        }
        if (streq(property, "Id")) {
                _cleanup_free_ char *id = NULL;
                const char *s = c.running ? c.state.invocation_id : NULL;
                if (!s && c.unit_path) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                        const void *bytes;
                        size_t n = 0;
                        if (sd_bus_get_property(d->bus, "org.freedesktop.systemd1", c.unit_path, UNIT_IFACE,
                                            "InvocationID", NULL, &m, "ay") >= 0 &&
                                        sd_bus_message_read_array(m, 'y', &bytes, &n) >= 0 && n == 16) {
                                id = malloc(33);
                                if (!id)
                                        return -ENOMEM;
                                for (size_t i = 0; i < 16; i++)
                                        sprintf(id + 2 * i, "%02x", ((const uint8_t *) bytes)[i]);
                                s = id;
                        }
                }
                return sd_bus_message_append(reply, "s", s ?: "");
        }
        if (streq(property, "MainPID")) {
                uint64_t pid = 0;
                uint32_t v = 0;
                if (c.unit_path) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                        if (sd_bus_get_property(d->bus, "org.freedesktop.systemd1", c.unit_path, SERVICE_IFACE,
                                            "MainPID", NULL, &m, "u") >= 0)
                                (void) sd_bus_message_read(m, "u", &v);
                } else if (c.running)
                        v = (uint32_t) c.state.supervisor_pid;
                pid = v;
                return sd_bus_message_append(reply, "u", (uint32_t) pid);
        }
        if (streq(property, "ExitStatus")) {
                int32_t status = 0;
                if (c.unit_path)
                        (void) systemd_unit_get_i32(d->bus, c.unit_path, SERVICE_IFACE, "ExecMainStatus", &status);
                else if (c.recorded && c.record.exit_code >= 0)
                        status = c.record.exit_code;
                return sd_bus_message_append(reply, "i", status);
        }
        if (streq(property, "Created")) {
                uint64_t at = c.running ? c.state.started_usec : c.recorded ? c.record.created_usec : 0;
                if (at == 0 && c.unit_path)
                        (void) systemd_unit_get_u64(d->bus, c.unit_path, UNIT_IFACE, "InactiveExitTimestamp", &at);
                return sd_bus_message_append(reply, "t", at);
        }
        if (streq(property, "Image")) {
                _cleanup_(container_spec_done) ContainerSpec spec;
                _cleanup_strv_free_ char **argv = NULL;
                const char *s = c.running ? c.state.image : c.recorded ? c.record.spec.image : NULL;
                int index;

                container_spec_init(&spec);
                /* not running: the image named on the unit's "berth-runtime supervise [OPTIONS] IMAGE ..."
                 */
                if (!s && c.unit_path && systemd_unit_get_exec_start(d->bus, c.unit_path, &argv) >= 0 &&
                                strv_length(argv) > 2 && streq(argv[1], "supervise")) {
                        int saved = log_get_max_level();
                        log_set_max_level(LOG_CRIT); /* an option this berth does not know is no error here */
                        if (run_options_parse_argv(&spec, (int) strv_length(argv) - 2, argv + 2, &index) >= 0)
                                s = argv[2 + index];
                        log_set_max_level(saved);
                }
                return sd_bus_message_append(reply, "s", s ?: "");
        }
        if (streq(property, "Addresses") || streq(property, "Ports")) {
                _cleanup_strv_free_ char **networks = NULL, **values = NULL;
                bool addresses = streq(property, "Addresses");

                if (c.running && network_list(&networks) >= 0)
                        STRV_FOREACH(n, networks) {
                                NetworkLease *leases = NULL;
                                size_t n_leases = 0;
                                if (network_leases_read(*n, &leases, &n_leases) < 0)
                                        continue;
                                for (size_t i = 0; i < n_leases; i++) {
                                        if (!streq_ptr(leases[i].container, c.name))
                                                continue;
                                        if (addresses) {
                                                (void) strv_consume(&values, address_format(&leases[i].address));
                                                if (leases[i].address6.family != 0)
                                                        (void) strv_consume(&values, address_format(&leases[i].address6));
                                        } else
                                                (void) strv_extend_strv(&values, leases[i].publish);
                                }
                                for (size_t i = 0; i < n_leases; i++)
                                        network_lease_done(&leases[i]);
                                free(leases);
                        }
                r = sd_bus_message_open_container(reply, 'a', "s");
                STRV_FOREACH(v, values)
                        if (r >= 0)
                                r = sd_bus_message_append(reply, "s", *v);
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s.", property);
}

/* ---- object lookup and enumeration ---------------------------------------------------------------- */

/* Names of all containers: running ones, recorded ones (kept until removed), and loaded berth-*.service
 * or generated container units. */
static int container_names(Berthd *d, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        char *patterns[] = { (char *) "berth-*.service", (char *) "*.service", NULL };
        UnitInfo *units = NULL;
        size_t n = 0;
        int r;

        r = containers_running_or_recorded(&names);
        if (r < 0)
                return r;
        r = systemd_list_units(d->bus, NULL, patterns, &units, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = NULL, *source = NULL;
                const char *s = startswith(units[i].id, "berth-");

                if (streq(units[i].load_state, "not-found"))
                        continue;
                if (s)
                        name = strndup(s, strlen(s) - strlen(".service"));
                else if (systemd_unit_get_string(d->bus, units[i].path, UNIT_IFACE, "SourcePath", &source) >= 0 &&
                                endswith(source, ".container"))
                        name = strndup(units[i].id, strlen(units[i].id) - strlen(".service"));
                else
                        continue;
                if (!name) {
                        r = -ENOMEM;
                        break;
                }
                if (!strv_contains(names, name) && strv_extend(&names, name) < 0) {
                        r = -ENOMEM;
                        break;
                }
        }
        unit_info_array_free(units, n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(names);
        return 0;
}

static int container_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        _cleanup_free_ char *name = name_from_path(path);

        Berthd *d = userdata;

        if (!name)
                return 0;
        if (!(d->emitting_name && streq(d->emitting_name, name)) && container_resolve(d, name, false, &c) < 0)
                return 0;
        *found = userdata;
        return 1;
}

static int container_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **names = NULL, **paths = NULL;
        int r;

        r = container_names(userdata, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names)
                if (strv_consume(&paths, container_object_path(*n)) < 0)
                        return -ENOMEM;
        if (!paths && !(paths = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret_nodes = TAKE_PTR(paths);
        return 0;
}

int method_list_containers(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        Berthd *d = userdata;
        int r;

        r = container_names(d, &names);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to list containers: %m");
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        STRV_FOREACH(n, names) {
                _cleanup_(container_ref_done) ContainerRef c = {};
                _cleanup_free_ char *path = NULL;

                if (r < 0)
                        break;
                if (container_resolve(d, *n, false, &c) < 0)
                        continue; /* gone meanwhile */
                path = container_object_path(*n);
                if (!path)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssso)", c.name, container_state(d, &c), c.unit ?: "", path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_get_container(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        _cleanup_free_ char *path = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        r = container_resolve_or_error(userdata, name, true, &c, error);
        if (r < 0)
                return r;
        path = container_object_path(name);
        if (!path)
                return -ENOMEM;
        return sd_bus_reply_method_return(m, "o", path);
}

/* ---- systemd's signals ------------------------------------------------------------------------------ */

/* The container a unit runs: berth-NAME.service, or NAME.service from a definition NAME.container. */
static char *container_of_unit(const char *unit) {
        _cleanup_free_ char *definition = NULL;
        const char *s = startswith(unit, "berth-");
        char *name;

        if (!endswith(unit, ".service"))
                return NULL;
        if (s)
                return strndup(s, strlen(s) - strlen(".service"));
        name = strndup(unit, strlen(unit) - strlen(".service"));
        if (!name)
                return NULL;
        definition = strjoin(berth_path(BERTH_PATH_CONFIG), "/", name, ".container");
        if (container_is_running(name) || (definition && access(definition, F_OK) >= 0))
                return name;
        free(name);
        return NULL;
}

static StateHint **state_hint_find(Berthd *d, const char *name) {
        StateHint **h = &d->state_hints;

        for (; *h; h = &(*h)->next)
                if (streq((*h)->name, name))
                        break;
        return h;
}

static void state_hint_forget(Berthd *d, const char *name) {
        StateHint **h = state_hint_find(d, name), *gone = *h;

        if (!gone)
                return;
        *h = gone->next;
        free(gone->name);
        free(gone);
}

void container_state_hints_free(Berthd *d) {
        while (d->state_hints)
                state_hint_forget(d, d->state_hints->name);
}

static void announce_state(Berthd *d, const char *name, const char *state) {
        _cleanup_free_ char *path = container_object_path(name);
        int r;

        if (!path)
                return;
        /* The getter answers State from this signal, not from a later read that may have moved on. */
        d->emitting_name = name;
        d->emitting_state = state;
        r = sd_bus_emit_properties_changed(d->bus, path, BERTH_CONTAINER_IFACE, "State", "MainPID", "Id", "Created",
                        "ExitStatus", "Health", NULL);
        d->emitting_name = d->emitting_state = NULL;
        if (r < 0)
                log_debug_errno(r, "Failed to announce the state of %s: %m", name);
}

static int on_unit_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_free_ char *unit = NULL, *name = NULL;
        Berthd *d = userdata;
        const char *iface, *active = NULL;
        StateHint **h;
        int r;

        if (sd_bus_path_decode(sd_bus_message_get_path(m), UNIT_PREFIX, &unit) <= 0)
                return 0;
        name = container_of_unit(unit);
        if (!name)
                return 0;
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, UNIT_IFACE))
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r > 0 && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *key;
                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0 && streq(key, "ActiveState"))
                        r = sd_bus_message_read(m, "v", "s", &active);
                else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (!active)
                return 0;

        h = state_hint_find(d, name);
        if (*h && streq((*h)->state, container_state_from_active_state(active)))
                return 0;
        if (!*h) {
                *h = calloc(1, sizeof(StateHint));
                if (!*h || !((*h)->name = strdup(name))) {
                        free(*h);
                        *h = NULL;
                        return 0;
                }
        }
        (*h)->state = container_state_from_active_state(active);
        announce_state(d, name, (*h)->state);
        return 0;
}

static int on_unit_new_or_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_free_ char *name = NULL, *path = NULL;
        Berthd *d = userdata;
        bool removed = streq_ptr(sd_bus_message_get_member(m), "UnitRemoved");
        const char *unit, *unit_path;

        if (sd_bus_message_read(m, "so", &unit, &unit_path) < 0)
                return 0;
        name = container_of_unit(unit);
        if (!name)
                return 0;
        path = container_object_path(name);
        if (!path)
                return 0;
        if (removed) {
                StateHint *h = *state_hint_find(d, name);
                /* a unit collected before its end was announced: announce it now */
                if (h && !streq(h->state, "exited"))
                        announce_state(d, name, "exited");
                state_hint_forget(d, name);
        } else if (!*state_hint_find(d, name)) {
                /* A new unit is inactive until its start job runs: that is no change worth announcing
                 * as "exited"; the first State announced is that of its start. */
                StateHint *h = calloc(1, sizeof(StateHint));
                if (h && (h->name = strdup(name))) {
                        h->state = "exited";
                        h->next = d->state_hints;
                        d->state_hints = h;
                } else
                        free(h);
        }
        (void) sd_bus_emit_signal(d->bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE,
                        removed ? "ContainerRemoved" : "ContainerNew", "so", name, path);
        return 0;
}

int container_objects_add(Berthd *d) {
        int r;

        r = sd_bus_add_fallback_vtable(d->bus, NULL, BERTH_CONTAINER_PREFIX, BERTH_CONTAINER_IFACE, container_vtable,
                        container_find, d);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(d->bus, NULL, BERTH_CONTAINER_PREFIX, container_enumerate, d);
        if (r < 0)
                return log_error_errno(r, "Failed to register the container objects: %m");

        r = sd_bus_match_signal_async(d->bus, NULL, "org.freedesktop.systemd1", NULL, "org.freedesktop.DBus.Properties",
                        "PropertiesChanged", on_unit_properties_changed, NULL, d);
        if (r >= 0)
                r = sd_bus_match_signal_async(d->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "UnitNew", on_unit_new_or_removed, NULL, d);
        if (r >= 0)
                r = sd_bus_match_signal_async(d->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "UnitRemoved", on_unit_new_or_removed, NULL, d);
        if (r < 0)
                return log_error_errno(r, "Failed to follow systemd's signals: %m");
        /* systemd sends unit signals only while someone subscribed. */
        r = sd_bus_call_method_async(d->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                        "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd's signals: %m");
        return 0;
}

#define P(name, sig, flags) SD_BUS_PROPERTY(name, sig, property_get, 0, flags)

const sd_bus_vtable container_vtable[] = {
        SD_BUS_VTABLE_START(0),
        P("Name", "s", SD_BUS_VTABLE_PROPERTY_CONST),
        P("Unit", "s", SD_BUS_VTABLE_PROPERTY_CONST),
        P("Id", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        P("State", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        P("Image", "s", 0),
        P("MainPID", "u", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        P("ExitStatus", "i", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        P("Addresses", "as", 0),
        P("Ports", "as", 0),
        P("Health", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        P("Created", "t", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_container_start,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("u", timeout), SD_BUS_NO_RESULT, method_container_stop,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Restart", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_container_restart,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("i", signal), SD_BUS_NO_RESULT, method_container_kill,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Remove", SD_BUS_ARGS("b", force), SD_BUS_NO_RESULT, method_container_remove,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Logs", SD_BUS_NO_ARGS, SD_BUS_RESULT("h", fd), method_container_logs,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("LogsWithFlags", SD_BUS_ARGS("t", flags), SD_BUS_RESULT("h", fd),
                        method_container_logs_with_flags, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};
