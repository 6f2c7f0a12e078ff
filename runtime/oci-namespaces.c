/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "log.h"
#include "namespaces.h"
#include "oci-namespaces.h"
#include "strv.h"

/* linux.uidMappings/gidMappings: [{containerID, hostID, size}] into --uidmap/--gidmap's "C:H:S" entries. */
static int id_mappings_from_json(OciJson *x, json_t *linux_, const char *key, char ***ret) {
        static const char *const fields[] = { "containerID", "hostID", "size" };
        json_t *maps, *m;
        size_t i;
        int r;

        (void) oci_json_at(x, "linux.%s", key);
        r = oci_json_member(x, linux_, key, JSON_ARRAY, "expected an array of {containerID, hostID, size} objects",
                        &maps);
        if (r <= 0)
                return r;
        if (json_array_size(maps) == 0)
                return oci_json_bad(x, "expected a non-empty array of {containerID, hostID, size} objects");
        json_array_foreach(maps, i, m) {
                json_int_t v[3];
                char buf[96];

                if (!json_is_object(m))
                        return (void) oci_json_at(x, "linux.%s[%zu]", key, i), oci_json_bad(x, "expected an object");
                for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
                        json_t *j;
                        (void) oci_json_at(x, "linux.%s[%zu].%s", key, i, fields[f]);
                        if (oci_json_required(x, m, fields[f], JSON_INTEGER,
                                            f == 2 ? "expected a positive integer" : "expected a non-negative integer",
                                            &j) < 0)
                                return -EINVAL;
                        v[f] = json_integer_value(j);
                        if (f == 2 ? v[f] <= 0 : v[f] < 0)
                                return oci_json_bad(x, f == 2 ? "expected a positive integer"
                                                              : "expected a non-negative integer");
                        if (v[f] > UINT32_MAX - 1)
                                return oci_json_bad(x, "out of range (32-bit ids)");
                }
                if (v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
                        return (void) oci_json_at(x, "linux.%s[%zu]", key, i),
                               oci_json_bad(x, "the range goes beyond 32-bit ids");
                (void) snprintf(buf, sizeof buf, "%lld:%lld:%lld", (long long) v[0], (long long) v[1], (long long) v[2]);
                if (strv_extend(ret, buf) < 0)
                        return log_oom();
        }
        return 1;
}

static bool maps_zero(char *const *entries) {
        STRV_FOREACH(e, entries)
                if (startswith(*e, "0:"))
                        return true;
        return false;
}

static int user_namespace_from_json(OciJson *x, Container *c, json_t *linux_, bool has_userns) {
        int r;

        r = id_mappings_from_json(x, linux_, "uidMappings", &c->spec.uidmap);
        if (r < 0)
                return r;
        r = id_mappings_from_json(x, linux_, "gidMappings", &c->spec.gidmap);
        if (r < 0)
                return r;
        if (!has_userns) {
                if (c->spec.uidmap || c->spec.gidmap)
                        return (void) oci_json_at(x, "linux.%s", c->spec.uidmap ? "uidMappings" : "gidMappings"),
                               oci_json_bad(x, "given, but linux.namespaces has no user namespace");
                return 0;
        }
        /* A joined user namespace has its maps already; the spec says not to write any. */
        if (c->ns.user)
                return 0;
        (void) oci_json_at(x, "linux.uidMappings");
        if (!c->spec.uidmap)
                return oci_json_bad(x, "missing: a user namespace needs uid mappings (berth-runtime does "
                                       "not pick them)");
        if (!maps_zero(c->spec.uidmap))
                return oci_json_bad(x, "the container's uid 0 must be mapped");
        (void) oci_json_at(x, "linux.gidMappings");
        if (!c->spec.gidmap)
                return oci_json_bad(x, "missing: a user namespace needs gid mappings (berth-runtime does "
                                       "not pick them)");
        if (!maps_zero(c->spec.gidmap))
                return oci_json_bad(x, "the container's gid 0 must be mapped");
        return 0;
}

/* linux.timeOffsets: {"monotonic": {"secs": N, "nanosecs": M}, "boottime": {...}} into the text of
 * /proc/PID/timens_offsets ("monotonic N M" lines). Only for a new time namespace. */
static int time_offsets_from_json(OciJson *x, Container *c, json_t *linux_, bool new_timens) {
        _cleanup_free_ char *text = strdup("");
        json_t *offsets, *o;
        const char *clock;
        int r;

        if (!text)
                return log_oom();
        (void) oci_json_at(x, "linux.timeOffsets");
        r = oci_json_member(x, linux_, "timeOffsets", JSON_OBJECT,
                        "expected an object like {\"boottime\": {\"secs\": 3600}}", &offsets);
        if (r < 0)
                return r;
        if (r > 0 && !new_timens)
                return oci_json_bad(x, c->ns.time ? "given, but the time namespace is joined by path (its "
                                                    "offsets are set)"
                                                  : "given, but linux.namespaces has no time namespace");
        json_object_foreach(offsets, clock, o) {
                json_t *secs, *nsecs;
                char line[128], *n;

                (void) oci_json_at(x, "linux.timeOffsets.%s", clock);
                if (!streq(clock, "monotonic") && !streq(clock, "boottime"))
                        return oci_json_bad(x, "unknown clock: expected \"monotonic\" or \"boottime\"");
                if (!json_is_object(o))
                        return oci_json_bad(x, "expected an object {\"secs\": N, \"nanosecs\": M}");
                (void) oci_json_at(x, "linux.timeOffsets.%s.secs", clock);
                if (oci_json_member(x, o, "secs", JSON_INTEGER, "expected an integer (seconds, may be negative)",
                                    &secs) < 0)
                        return -EINVAL;
                (void) oci_json_at(x, "linux.timeOffsets.%s.nanosecs", clock);
                if (oci_json_member(x, o, "nanosecs", JSON_INTEGER, "expected an integer from 0 to 999999999", &nsecs) < 0)
                        return -EINVAL;
                if (nsecs && (json_integer_value(nsecs) < 0 || json_integer_value(nsecs) > 999999999))
                        return oci_json_bad(x, "expected an integer from 0 to 999999999");
                (void) snprintf(line, sizeof line, "%s %lld %lld\n", clock,
                                (long long) (secs ? json_integer_value(secs) : 0),
                                (long long) (nsecs ? json_integer_value(nsecs) : 0));
                n = strjoin(text, line);
                if (!n)
                        return log_oom();
                free(text);
                text = n;
        }
        if (new_timens)
                c->ns.time_offsets = TAKE_PTR(text);
        return 0;
}

/* Where linux.namespaces[].path of each type goes; NULL for types handled apart (network, user). */
static char **join_path_field(Container *c, int flag) {
        switch (flag) {
        case CLONE_NEWPID:
                return &c->ns.pid;
        case CLONE_NEWNS:
                return &c->ns.mnt;
        case CLONE_NEWCGROUP:
                return &c->ns.cgroup;
        case CLONE_NEWTIME:
                return &c->ns.time;
        case CLONE_NEWUSER:
                return &c->ns.user;
        case CLONE_NEWIPC:
                return &c->join_ipcns;
        case CLONE_NEWUTS:
                return &c->join_utsns;
        case CLONE_NEWNET:
                return &c->join_netns;
        default:
                return NULL;
        }
}

int oci_namespaces_from_json(OciJson *x, Container *c, json_t *linux_) {
        json_t *namespaces, *n;
        bool has_userns = false, new_timens = false;
        int seen = 0;
        size_t i;
        int r;

        c->network = NETWORK_HOST;
        (void) oci_json_at(x, "linux.namespaces");
        r = oci_json_member(x, linux_, "namespaces", JSON_ARRAY, "expected an array", &namespaces);
        if (r < 0)
                return r;
        json_array_foreach(namespaces, i, n) {
                json_t *type_j, *path_j;
                const char *type, *path;
                char **field;
                int flag;

                if (!json_is_object(n))
                        return (void) oci_json_at(x, "linux.namespaces[%zu]", i), oci_json_bad(x, "expected an object");
                (void) oci_json_at(x, "linux.namespaces[%zu].type", i);
                if (oci_json_required(x, n, "type", JSON_STRING,
                                    "expected one of pid, network, mount, ipc, uts, user, "
                                    "cgroup, time",
                                    &type_j) < 0)
                        return -EINVAL;
                type = json_string_value(type_j);
                flag = namespace_flag_from_name(type);
                if (flag == 0)
                        return oci_json_bad(x, "unknown namespace type: expected one of pid, network, "
                                               "mount, ipc, uts, "
                                               "user, cgroup, time");
                if (seen & flag)
                        return oci_json_bad(x, "a namespace of this type is listed twice");
                seen |= flag;
                (void) oci_json_at(x, "linux.namespaces[%zu].path", i);
                if (oci_json_member(x, n, "path", JSON_STRING, "expected an absolute path", &path_j) < 0)
                        return -EINVAL;
                path = path_j ? json_string_value(path_j) : NULL;
                if (path && !path_is_absolute(path))
                        return oci_json_bad(x, "expected an absolute path");
                /* Checked now, so that a wrong path is reported by its field and nothing is made. */
                if (path) {
                        _cleanup_free_ char *what = strjoin(x->file, ": ", x->field);
                        if (!what)
                                return log_oom();
                        if (namespace_check(path, flag, what) < 0)
                                return -EINVAL;
                }
                if (flag == CLONE_NEWUSER)
                        has_userns = true;
                if (flag == CLONE_NEWTIME && !path)
                        new_timens = true;
                if (flag == CLONE_NEWNET)
                        c->network = path ? NETWORK_JOIN : NETWORK_PRIVATE;
                field = join_path_field(c, flag);
                if (path && field && !(*field = strdup(path)))
                        return log_oom();
        }
        /* The spec: a type not listed is the runtime's, inherited. */
        c->ns_inherit = (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) &
                        ~seen;
        r = time_offsets_from_json(x, c, linux_, new_timens);
        if (r < 0)
                return r;
        return user_namespace_from_json(x, c, linux_, has_userns);
}
