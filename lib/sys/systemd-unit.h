/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Talking to systemd (org.freedesktop.systemd1 on the system bus) about container units: start a
 * transient unit and wait for its job, stop, restart, kill, reset, and read unit properties.
 * Used by the CLI (berth run, stop, ps, ...) and meant for berthd as well.
 *
 * Every function returns 0 (or a documented positive value) or a negative errno and does not log,
 * except where it says so: the D-Bus error text is handed back through *error, so the caller can
 * log it once, where the user's context is known. -ENOENT means "no such unit" (not loaded). */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

/* The unit a container started by `berth run` runs in: "berth-NAME.service". */
char *container_unit_name(const char *name);

/* Connects to the system bus (or $DBUS_SYSTEM_BUS_ADDRESS), logging the failure. */
int systemd_bus_open(sd_bus **ret);
/* Connects to systemd itself through its private socket when root (half the hops of the system bus,
 * and no Hello), else to the system bus as systemd_bus_open(). For method calls to systemd only:
 * messages there carry no sender, so signal matches by sender, AddRef= and RefUnit do not work. */
int systemd_bus_open_manager(sd_bus **ret);

/* Appends the properties of a transient unit to a message being built: called inside the open
 * a(sv) container of StartTransientUnit. */
typedef int (*UnitPropertiesAppend)(sd_bus_message *m, void *userdata);

/* StartTransientUnit(unit, "fail", properties, []) and wait for its job to finish. *ret_result is the
 * job's result ("done", "failed", "timeout", ...; may be NULL). The JobRemoved match is installed
 * before the call, so the job's end cannot be missed. -EEXIST when a unit of that name is loaded. */
int systemd_start_transient_unit(sd_bus *bus, const char *unit, UnitPropertiesAppend append, void *userdata,
                char **ret_result, sd_bus_error *error);

/* StartUnit/StopUnit/RestartUnit(unit, "replace"), waiting for the job's end when wait is true. */
int systemd_start_unit(sd_bus *bus, const char *unit, bool wait, char **ret_result, sd_bus_error *error);
int systemd_stop_unit(sd_bus *bus, const char *unit, bool wait, char **ret_result, sd_bus_error *error);
int systemd_restart_unit(sd_bus *bus, const char *unit, bool wait, char **ret_result, sd_bus_error *error);

/* KillUnit(unit, whom, signal); whom is "main", "control" or "all". */
int systemd_kill_unit(sd_bus *bus, const char *unit, const char *whom, int signal, sd_bus_error *error);
/* ResetFailedUnit(unit): a failed unit forgets its failure and, when transient, goes away. */
int systemd_reset_failed_unit(sd_bus *bus, const char *unit, sd_bus_error *error);
/* UnrefUnit(unit): drops the reference AddRef=true took for this client. */
int systemd_unref_unit(sd_bus *bus, const char *unit, sd_bus_error *error);

/* RefUnit(unit): keeps the unit loaded (its exit status readable) until this client unrefs it or
 * disconnects, as AddRef=true does for a transient unit's creator. */
int systemd_ref_unit(sd_bus *bus, const char *unit, sd_bus_error *error);
/* SetUnitProperties(unit, runtime, properties): changes properties of a loaded unit, e.g. MemoryMax=,
 * as systemctl set-property does; append fills the a(sv) array. runtime: lost on reboot. */
int systemd_set_unit_properties(sd_bus *bus, const char *unit, bool runtime, UnitPropertiesAppend append,
                void *userdata, sd_bus_error *error);
/* GetUnit(unit): the unit's object path, or -ENOENT when it is not loaded. */
int systemd_get_unit(sd_bus *bus, const char *unit, char **ret_path);
/* LoadUnit(unit) and its LoadState: 1 when "loaded", -ENOENT when not found or failed to load. */
int systemd_load_unit(sd_bus *bus, const char *unit, char **ret_path);

/* Reads one property of a unit object (iface is "org.freedesktop.systemd1.Unit" or ".Service"). */
int systemd_unit_get_string(sd_bus *bus, const char *unit_path, const char *iface, const char *property, char **ret);
int systemd_unit_get_u64(sd_bus *bus, const char *unit_path, const char *iface, const char *property, uint64_t *ret);
int systemd_unit_get_i32(sd_bus *bus, const char *unit_path, const char *iface, const char *property, int32_t *ret);
/* The argv of the unit's first ExecStart= command (Service.ExecStart, a(sasbttttuii)). */
int systemd_unit_get_exec_start(sd_bus *bus, const char *unit_path, char ***ret_argv);
/* The same from a reply positioned at the property's value (inside its variant). */
int systemd_read_exec_start(sd_bus_message *reply, char ***ret_argv);

/* One row of ListUnitsByPatterns. */
typedef struct UnitInfo {
        char *id;
        char *description;
        char *load_state;
        char *active_state;
        char *sub_state;
        char *path;
} UnitInfo;

/* The loaded units whose names match one of patterns (shell globs), in any of states (NULL: all). */
int systemd_list_units(sd_bus *bus, char *const *states, char *const *patterns, UnitInfo **ret, size_t *ret_n);
void unit_info_array_free(UnitInfo *infos, size_t n);

/* Whether an ActiveState means the unit has ended. */
static inline bool unit_active_state_is_ended(const char *state) {
        return streq(state, "inactive") || streq(state, "failed");
}
