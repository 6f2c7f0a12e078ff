/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-ref.h"
#include "container-record.h"
#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-unit.h"
#include "unit-generator.h"

void container_ref_done(ContainerRef *c) {
        free(c->name);
        free(c->unit);
        free(c->unit_path);
        container_state_done(&c->state);
        container_record_done(&c->record);
        *c = (ContainerRef) {};
        container_spec_init(&c->record.spec);
}

/* A generator-made unit NAME.service, made from a NAME.container definition. */
static int lookup_generated_unit(sd_bus *bus, const char *name, bool load, char **ret_unit, char **ret_path) {
        _cleanup_free_ char *unit = strjoin(name, ".service"), *path = NULL, *source = NULL, *file = NULL;
        int r;

        if (!unit)
                return -ENOMEM;
        /* only a generator's unit can come from a .container file: without one of that name, no
         * LoadUnit (which has systemd search every unit directory) and no Get */
        file = path_join(SYSTEM_GENERATOR_DIR, unit);
        if (!file)
                return -ENOMEM;
        if (access(file, F_OK) < 0)
                return -ENOENT;
        r = load ? systemd_load_unit(bus, unit, &path) : systemd_get_unit(bus, unit, &path);
        if (r < 0)
                return r;
        r = systemd_unit_get_string(bus, path, "org.freedesktop.systemd1.Unit", "SourcePath", &source);
        if (r < 0)
                return r;
        if (!endswith(source, ".container"))
                return -ENOENT;
        *ret_unit = TAKE_PTR(unit);
        *ret_path = TAKE_PTR(path);
        return 0;
}

/* Hands the reference over to the caller, leaving nothing for the cleanup of src. */
static void container_ref_move(ContainerRef *dst, ContainerRef *src) {
        *dst = *src;
        *src = (ContainerRef) {};
}

/* The ID of container name, running (state.json) or else recorded; NULL when neither says. */
static char *container_id_of(const char *name) {
        _cleanup_(container_state_done) ContainerState s = {};
        _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };

        if (container_state_read(name, &s) >= 0)
                return s.id ? strdup(s.id) : NULL;
        if (container_is_running(name) || container_record_read(name, &rec) < 0)
                return NULL;
        return rec.id ? strdup(rec.id) : NULL;
}

int containers_running_or_recorded(char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **records = NULL;
        int r;

        r = running_containers(&names);
        if (r >= 0)
                r = container_records(&records);
        if (r < 0)
                return r;
        STRV_FOREACH(rec, records)
                if (!strv_contains(names, *rec) && strv_extend(&names, *rec) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(names);
        return 0;
}

int container_name_by_id(const char *prefix, char **ret) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *found = NULL;
        int r;

        if (strlen(prefix) < 1)
                return -ENOENT;
        r = containers_running_or_recorded(&names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *id = container_id_of(*n);
                if (!id || !startswith(id, prefix))
                        continue;
                if (found)
                        return -ENOTUNIQ;
                found = strdup(*n);
                if (!found)
                        return -ENOMEM;
        }
        if (!found)
                return -ENOENT;
        *ret = TAKE_PTR(found);
        return 0;
}

int container_ref_lookup(sd_bus *bus, const char *name, ContainerLookupFlags flags, ContainerRef *ret) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        int r;

        if (isempty(name) || strchr(name, '/') || name[0] == '.')
                return -ENOENT;
        c.name = strdup(name);
        if (!c.name)
                return -ENOMEM;
        container_spec_init(&c.record.spec);
        r = container_state_read(name, &c.state);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                const char *unit = c.state.unit;
                c.running = true;
                if (unit) {
                        c.unit = strdup(unit);
                        if (!c.unit)
                                return -ENOMEM;
                        r = systemd_get_unit(bus, c.unit, &c.unit_path);
                        if (r < 0 && r != -ENOENT)
                                return r;
                }
                r = container_record_read(name, &c.record);
                c.recorded = r >= 0;
                container_ref_move(ret, &c);
                return 0;
        }

        r = container_record_read(name, &c.record);
        if (r == -ENOMEM)
                return r;
        if (r == -EINVAL)
                return -EBADMSG;
        /* not root: the record is root's alone; the unit, as systemd shows it to anyone, is looked up below */
        if (r >= 0) {
                c.recorded = true;
                c.unit = strdup(c.record.unit);
                if (!c.unit)
                        return -ENOMEM;
                r = systemd_get_unit(bus, c.unit, &c.unit_path);
                if (r < 0 && r != -ENOENT)
                        return r;
                container_ref_move(ret, &c);
                return 0;
        }

        c.unit = container_unit_name(name);
        if (!c.unit)
                return -ENOMEM;
        r = systemd_get_unit(bus, c.unit, &c.unit_path);
        if (r == -ENOENT) {
                free(c.unit);
                c.unit = NULL;
                r = lookup_generated_unit(bus, name, flags & CONTAINER_LOOKUP_LOAD, &c.unit, &c.unit_path);
        }
        /* Docker's containers answer to a prefix of their ID as well, after their names. */
        if (r == -ENOENT && (flags & CONTAINER_LOOKUP_ID) && strspn(name, "0123456789abcdef") == strlen(name)) {
                _cleanup_free_ char *by_id = NULL;
                r = container_name_by_id(name, &by_id);
                if (r >= 0)
                        return container_ref_lookup(bus, by_id, flags & ~CONTAINER_LOOKUP_ID, ret);
        }
        if (r < 0)
                return r;
        container_ref_move(ret, &c);
        return 0;
}

char *container_ref_lookup_message(int r, const char *name) {
        char *m = NULL;

        if (r == -ENOENT)
                r = asprintf(&m, "No such container: '%s'. See 'berth ps -a'.", name);
        else if (r == -ENOTUNIQ)
                r = asprintf(&m, "'%s' is the start of more than one container's ID: give more of it.", name);
        else if (r == -EBADMSG)
                r = asprintf(&m, "The record of container '%s' is malformed; remove it with 'berth rm %s'.", name, name);
        else
                r = asprintf(&m, "Failed to look up container '%s': %s", name, strerror(-r));
        return r < 0 ? NULL : m;
}

int container_name_in_use(sd_bus *bus, const char *name) {
        _cleanup_free_ char *unit = NULL, *generated = NULL, *generated_path = NULL;
        int r;

        if (container_is_running(name) || container_record_exists(name))
                return 1;
        unit = container_unit_name(name);
        if (!unit)
                return -ENOMEM;
        r = systemd_get_unit(bus, unit, NULL);
        if (r != -ENOENT)
                return r < 0 ? r : 1;
        /* A .container definition of that name owns it even while its unit does not run: both
         * runtimes would want the same name's lock and state. */
        r = lookup_generated_unit(bus, name, true, &generated, &generated_path);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

/* A docker-like name, adjective_scientist, not in use yet. */
int container_name_generate(sd_bus *bus, char **ret) {
        static const char *const adjectives[] = {
                "agile",
                "bold",
                "brave",
                "calm",
                "clever",
                "eager",
                "fair",
                "gentle",
                "happy",
                "keen",
                "lively",
                "merry",
                "nimble",
                "proud",
                "quiet",
                "steady",
                "swift",
                "tidy",
                "vivid",
                "witty",
        };
        static const char *const names[] = {
                "babbage",
                "curie",
                "darwin",
                "euler",
                "faraday",
                "gauss",
                "hopper",
                "kepler",
                "lovelace",
                "maxwell",
                "newton",
                "noether",
                "pascal",
                "ritchie",
                "shannon",
                "tesla",
                "thompson",
                "turing",
        };

        for (unsigned attempt = 0; attempt < 32; attempt++) {
                uint32_t rnd;
                char *name;
                int r;

                if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
                        return negative_errno();
                name = strjoin(adjectives[rnd % ELEMENTSOF(adjectives)], "_", names[(rnd >> 8) % ELEMENTSOF(names)]);
                if (!name)
                        return -ENOMEM;
                r = container_name_in_use(bus, name);
                if (r == 0) {
                        *ret = name;
                        return 0;
                }
                free(name);
                if (r < 0)
                        return r;
        }
        return -EBUSY;
}

int unit_has_ended(sd_bus *bus, const char *unit) {
        _cleanup_free_ char *path = NULL, *state = NULL;
        int r;

        r = systemd_get_unit(bus, unit, &path);
        if (r >= 0)
                r = systemd_unit_get_string(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState", &state);
        if (r == -ENOENT)
                return 1;
        if (r < 0)
                return r;
        return unit_active_state_is_ended(state);
}

int container_unit_is_ended(sd_bus *bus, const ContainerRef *c) {
        if (!c->unit)
                return !container_is_running(c->name);
        return unit_has_ended(bus, c->unit);
}

int container_unit_exit_code(sd_bus *bus, const char *unit_path, int *ret) {
        static const char iface[] = "org.freedesktop.systemd1.Service";
        int32_t code = 0, status = 0;
        int r;

        r = systemd_unit_get_i32(bus, unit_path, iface, "ExecMainCode", &code);
        if (r >= 0)
                r = systemd_unit_get_i32(bus, unit_path, iface, "ExecMainStatus", &status);
        if (r < 0)
                return r;
        *ret = code == CLD_KILLED || code == CLD_DUMPED ? 128 + status : status;
        return 0;
}

int container_signal_init(const ContainerRef *c, int sig) {
        _cleanup_close_ int pidfd = -EBADF;

        if (!c->running || c->state.pid <= 0)
                return -ESRCH;
        pidfd = pidfd_open(c->state.pid, 0);
        if (pidfd < 0)
                return negative_errno();
        /* state.json was read under the lock; still held now, the pidfd refers to that process. */
        if (!container_is_running(c->name))
                return -ESRCH;
        return RET_NERRNO(pidfd_send_signal(pidfd, sig, NULL, 0));
}

char *container_name_of_berth_unit(const UnitInfo *u) {
        const char *s = startswith(u->id, "berth-");
        return s && endswith(s, ".service") ? strndup(s, strlen(s) - strlen(".service")) : NULL;
}

char *container_name_of_generated_unit(const UnitInfo *u, const char *source_path) {
        if (!endswith(u->id, ".service") || !source_path || !endswith(source_path, ".container"))
                return NULL;
        return strndup(u->id, strlen(u->id) - strlen(".service"));
}

char *container_name_of_unit(sd_bus *bus, const UnitInfo *u) {
        _cleanup_free_ char *source = NULL;

        if (startswith(u->id, "berth-") && endswith(u->id, ".service"))
                return container_name_of_berth_unit(u);
        if (!endswith(u->id, ".service") || systemd_unit_get_string(bus, u->path, "org.freedesktop.systemd1.Unit",
                                                            "SourcePath", &source) < 0)
                return NULL;
        return container_name_of_generated_unit(u, source);
}

int container_spec_from_unit(sd_bus *bus, const char *unit_path, ContainerSpec *spec) {
        _cleanup_strv_free_ char **argv = NULL;

        if (systemd_unit_get_exec_start(bus, unit_path, &argv) < 0)
                return -ENOENT;
        return container_spec_from_exec_start(argv, spec);
}

int container_spec_from_exec_start(char **argv, ContainerSpec *spec) {
        int index = 0, saved, r;
        char **rest;

        if (strv_length(argv) < 2 || !streq(argv[1], "supervise"))
                return -ENOENT;
        /* a unit written by another berth version may carry options this one does not know */
        saved = log_get_max_level();
        log_set_max_level(LOG_EMERG);
        r = run_options_parse_argv(spec, (int) strv_length(argv) - 2, argv + 2, &index);
        log_set_max_level(saved);
        if (r < 0)
                return r;
        rest = argv + 2 + index;
        if (!spec->rootfs && *rest) {
                free(spec->image);
                spec->image = strdup(*rest++);
                if (!spec->image)
                        return -ENOMEM;
        }
        strv_free(spec->command);
        spec->command = strv_copy(rest);
        return spec->command ? 0 : -ENOMEM;
}

int stopped_containers(sd_bus *bus, char ***ret) {
        static char *const patterns[] = { (char *) "berth-*.service", NULL };
        static char *const states[] = { (char *) "inactive", (char *) "failed", NULL };
        _cleanup_strv_free_ char **names = NULL, **records = NULL;
        UnitInfo *units = NULL;
        size_t n = 0;
        int r;

        if (bus && systemd_list_units(bus, states, patterns, &units, &n) >= 0)
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *name = NULL;
                        const char *base = startswith(units[i].id, "berth-");
                        if (!base || streq(units[i].load_state, "not-found"))
                                continue;
                        name = strndup(base, strlen(base) - strlen(".service"));
                        if (!name || strv_consume(&names, TAKE_PTR(name)) < 0) {
                                unit_info_array_free(units, n);
                                return -ENOMEM;
                        }
                }
        unit_info_array_free(units, n);
        r = container_records(&records);
        if (r < 0)
                return r;
        STRV_FOREACH(rec, records) {
                if (strv_contains(names, *rec) || container_is_running(*rec))
                        continue;
                r = strv_extend(&names, *rec);
                if (r < 0)
                        return r;
        }
        strv_sort(names);
        *ret = TAKE_PTR(names);
        return 0;
}
