/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "strv.h"
#include "systemd-unit.h"

#define SD_DEST    "org.freedesktop.systemd1"
#define SD_PATH    "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

char *container_unit_name(const char *name) {
        return strjoin("berth-", name, ".service");
}

int systemd_bus_open(sd_bus **ret) {
        int r = sd_bus_open_system(ret);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus (is systemd running?): %m");
        return 0;
}

int systemd_bus_open_manager(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;

        /* systemd's private socket, as systemctl uses it: root only, and not when told to use another bus */
        if (geteuid() == 0 && !getenv("DBUS_SYSTEM_BUS_ADDRESS") && sd_bus_new(&bus) >= 0 &&
                        sd_bus_set_address(bus, "unix:path=/run/systemd/private") >= 0 && sd_bus_start(bus) >= 0) {
                *ret = TAKE_PTR(bus);
                return 0;
        }
        return systemd_bus_open(ret);
}

/* Unit lookups answer with these names when there is no such unit. */
static bool error_is_no_unit(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.systemd1.LoadFailed",
                        "org.freedesktop.DBus.Error.UnknownObject");
}

static int call_error(int r, const sd_bus_error *e) {
        if (error_is_no_unit(e))
                return -ENOENT;
        if (sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitExists"))
                return -EEXIST;
        return r;
}

typedef struct JobWait {
        char *job;    /* the path we wait for; NULL until the call returned */
        bool done;    /* its JobRemoved arrived */
        char *result; /* with this result (NULL when out of memory) */
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        /* Signals received while the method call was in flight are queued, not dispatched, so the
         * job path is known by the time they get here. */
        if (w->job && !w->done && streq(path, w->job)) {
                w->done = true;
                w->result = strdup(result);
        }
        return 0;
}

static int wait_for_job(sd_bus *bus, JobWait *w) {
        int r;

        while (!w->done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

/* A bus client subscribes once: systemd refuses a second Subscribe on the same connection, which is
 * what a verb acting on several containers over one bus sends. Subscribed is what the caller needs. */
static int systemd_subscribe(sd_bus *bus, sd_bus_error *error) {
        int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", error, NULL, NULL);

        if (r < 0 && sd_bus_error_has_name(error, "org.freedesktop.systemd1.AlreadySubscribed")) {
                sd_bus_error_free(error);
                return 0;
        }
        return r;
}

/* Subscribes, installs the JobRemoved match, sends m, and waits for the job when wait is true. */
static int call_job(sd_bus *bus, sd_bus_message *m, bool wait, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        JobWait w = {};
        const char *job;
        int r;

        if (wait) {
                r = systemd_subscribe(bus, error);
                if (r < 0)
                        return r;
                r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
                if (r < 0)
                        return r;
        }
        r = sd_bus_call(bus, m, 0, error, &reply);
        if (r < 0)
                return call_error(r, error);
        if (!wait)
                return 0;
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = strdup(job);
        if (!w.job)
                return -ENOMEM;
        r = wait_for_job(bus, &w);
        free(w.job);
        if (r >= 0 && !w.result)
                r = -ENOMEM;
        if (r < 0) {
                free(w.result);
                return r;
        }
        if (ret_result)
                *ret_result = w.result;
        else
                free(w.result);
        return 0;
}

int systemd_start_transient_unit(sd_bus *bus, const char *unit, UnitPropertiesAppend append, void *userdata,
                char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = append(m, userdata);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        return call_job(bus, m, true, ret_result, error);
}

static int unit_job(sd_bus *bus, const char *method, const char *unit, bool wait, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "replace");
        if (r < 0)
                return r;
        return call_job(bus, m, wait, ret_result, error);
}

int systemd_start_unit(sd_bus *bus, const char *unit, bool wait, char **ret_result, sd_bus_error *error) {
        return unit_job(bus, "StartUnit", unit, wait, ret_result, error);
}

int systemd_stop_unit(sd_bus *bus, const char *unit, bool wait, char **ret_result, sd_bus_error *error) {
        return unit_job(bus, "StopUnit", unit, wait, ret_result, error);
}

int systemd_restart_unit(sd_bus *bus, const char *unit, bool wait, char **ret_result, sd_bus_error *error) {
        return unit_job(bus, "RestartUnit", unit, wait, ret_result, error);
}

int systemd_kill_unit(sd_bus *bus, const char *unit, const char *whom, int signal, sd_bus_error *error) {
        int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit", error, NULL, "ssi", unit, whom,
                        (int32_t) signal);
        return r < 0 ? call_error(r, error) : 0;
}

int systemd_reset_failed_unit(sd_bus *bus, const char *unit, sd_bus_error *error) {
        int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", error, NULL, "s", unit);
        return r < 0 ? call_error(r, error) : 0;
}

int systemd_unref_unit(sd_bus *bus, const char *unit, sd_bus_error *error) {
        int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "UnrefUnit", error, NULL, "s", unit);
        return r < 0 ? call_error(r, error) : 0;
}

int systemd_ref_unit(sd_bus *bus, const char *unit, sd_bus_error *error) {
        int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "RefUnit", error, NULL, "s", unit);
        return r < 0 ? call_error(r, error) : 0;
}

int systemd_set_unit_properties(sd_bus *bus, const char *unit, bool runtime, UnitPropertiesAppend append,
                void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, runtime);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = append(m, userdata);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, error, NULL);
        return r < 0 ? call_error(r, error) : 0;
}

static int unit_path_call(sd_bus *bus, const char *method, const char *unit, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &error, &reply, "s", unit);
        if (r < 0) {
                r = call_error(r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        if (ret_path) {
                *ret_path = strdup(path);
                if (!*ret_path)
                        return -ENOMEM;
        }
        return 0;
}

int systemd_get_unit(sd_bus *bus, const char *unit, char **ret_path) {
        return unit_path_call(bus, "GetUnit", unit, ret_path);
}

int systemd_load_unit(sd_bus *bus, const char *unit, char **ret_path) {
        _cleanup_free_ char *path = NULL, *load_state = NULL;
        int r;

        r = unit_path_call(bus, "LoadUnit", unit, &path);
        if (r < 0)
                return r;
        r = systemd_unit_get_string(bus, path, "org.freedesktop.systemd1.Unit", "LoadState", &load_state);
        if (r < 0)
                return r;
        if (!streq(load_state, "loaded"))
                return -ENOENT;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 1;
}

int systemd_unit_get_string(sd_bus *bus, const char *unit_path, const char *iface, const char *property, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(bus, SD_DEST, unit_path, iface, property, &error, ret);
        if (r < 0)
                r = call_error(r, &error);
        sd_bus_error_free(&error);
        return r;
}

static int get_trivial(sd_bus *bus, const char *unit_path, const char *iface, const char *property, char type, void *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_trivial(bus, SD_DEST, unit_path, iface, property, &error, type, ret);
        if (r < 0)
                r = call_error(r, &error);
        sd_bus_error_free(&error);
        return r;
}

int systemd_unit_get_u64(sd_bus *bus, const char *unit_path, const char *iface, const char *property, uint64_t *ret) {
        return get_trivial(bus, unit_path, iface, property, 't', ret);
}

int systemd_unit_get_i32(sd_bus *bus, const char *unit_path, const char *iface, const char *property, int32_t *ret) {
        return get_trivial(bus, unit_path, iface, property, 'i', ret);
}

int systemd_unit_get_exec_start(sd_bus *bus, const char *unit_path, char ***ret_argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property(bus, SD_DEST, unit_path, "org.freedesktop.systemd1.Service", "ExecStart", &error,
                        &reply, "a(sasbttttuii)");
        if (r < 0) {
                r = call_error(r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return systemd_read_exec_start(reply, ret_argv);
}

int systemd_read_exec_start(sd_bus_message *reply, char ***ret_argv) {
        const char *binary;
        char **argv = NULL;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sasbttttuii)");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'r', "sasbttttuii");
        if (r < 0)
                return r;
        if (r == 0) /* no ExecStart= */
                return -ENOENT;
        r = sd_bus_message_read(reply, "s", &binary);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &argv);
        if (r < 0)
                return r;
        *ret_argv = argv;
        return 0;
}

void unit_info_array_free(UnitInfo *infos, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(infos[i].id);
                free(infos[i].description);
                free(infos[i].load_state);
                free(infos[i].active_state);
                free(infos[i].sub_state);
                free(infos[i].path);
        }
        free(infos);
}

int systemd_list_units(sd_bus *bus, char *const *states, char *const *patterns, UnitInfo **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *id, *desc, *load, *active, *sub, *following, *path, *job_type, *job_path;
        UnitInfo *infos = NULL;
        size_t n = 0;
        uint32_t job_id;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) states);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) patterns);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &error, &reply);
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &id, &desc, &load, &active, &sub, &following, &path,
                                &job_id, &job_type, &job_path)) > 0) {
                UnitInfo *grown = realloc(infos, (n + 1) * sizeof(UnitInfo));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                infos = grown;
                infos[n] = (UnitInfo) {
                        .id = strdup(id),
                        .description = strdup(desc),
                        .load_state = strdup(load),
                        .active_state = strdup(active),
                        .sub_state = strdup(sub),
                        .path = strdup(path),
                };
                n++;
                if (!infos[n - 1].id || !infos[n - 1].description || !infos[n - 1].load_state ||
                                !infos[n - 1].active_state || !infos[n - 1].sub_state || !infos[n - 1].path) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r < 0) {
                unit_info_array_free(infos, n);
                return r;
        }
        *ret = infos;
        *ret_n = n;
        return 0;
}
