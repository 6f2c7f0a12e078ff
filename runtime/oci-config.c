/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "caps.h"
#include "device-filter.h"
#include "fs-util.h"
#include "log.h"
#include "mount-propagation.h"
#include "mount-util.h"
#include "oci-config.h"
#include "oci-hooks.h"
#include "oci-json.h"
#include "oci-namespaces.h"
#include "oci-process.h"
#include "strv.h"

/* Mounts every container gets from the runtime itself; config.json entries for them are not repeated. */
static const char *const builtin_mounts[] = {
        "/proc",
        "/dev",
        "/dev/pts",
        "/dev/shm",
        "/dev/mqueue",
        "/sys",
        "/sys/fs/cgroup",
};

static bool in_list(const char *s, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(list[i], s))
                        return true;
        return false;
}

static bool is_builtin_mount(const char *dest) {
        return in_list(dest, builtin_mounts, ELEMENTSOF(builtin_mounts));
}

static bool has_user_namespace(json_t *cfg) {
        json_t *n;
        size_t i;

        json_array_foreach(json_object_get(json_object_get(cfg, "linux"), "namespaces"), i,
                        n) if (streq_ptr(json_string_value(json_object_get(n, "type")), "user")) return true;
        return false;
}

/* A mount's own uidMappings or gidMappings, as podman's "uids=C-H-S#C-H-S" text. */
static int mount_maps_from_json(OciJson *x, json_t *maps, char **ret) {
        static const char *const fields[] = { "containerID", "hostID", "size" };
        _cleanup_free_ char *text = NULL;
        json_t *m;
        size_t i;

        if (!json_is_array(maps) || json_array_size(maps) == 0)
                return oci_json_bad(x, "expected a non-empty array of {containerID, hostID, size} objects");
        json_array_foreach(maps, i, m) {
                json_int_t v[3];
                char buf[96], *n;
                for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
                        json_t *j = json_object_get(m, fields[f]);
                        v[f] = json_integer_value(j);
                        if (!json_is_integer(j) || v[f] < (f == 2 ? 1 : 0) || v[f] > UINT32_MAX - 1)
                                return oci_json_bad(x, "expected an array of {containerID, hostID, size} "
                                                       "objects with 32-bit "
                                                       "ids and a positive size");
                }
                (void) snprintf(buf, sizeof buf, "%s%lld-%lld-%lld", text ? "#" : "", (long long) v[0],
                                (long long) v[1], (long long) v[2]);
                n = strjoin(text ?: "", buf);
                if (!n)
                        return log_oom();
                free(text);
                text = n;
        }
        *ret = TAKE_PTR(text);
        return 0;
}

/* An idmapped bind mount ("idmap"/"ridmap") into its volume option: plain "idmap" maps through the
 * container's user namespace; the mount's own uidMappings/gidMappings, when they differ from the
 * container's, become "idmap=uids=...;gids=..." (mount-idmap.h). NULL: not idmapped. */
static int mount_idmap_from_json(OciJson *x, json_t *cfg, json_t *m, size_t i, bool idmap, char **ret) {
        static const char *const keys[] = { "uidMappings", "gidMappings" };
        _cleanup_free_ char *uids = NULL, *gids = NULL;
        bool own = false;

        *ret = NULL;
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                json_t *j = json_object_get(m, keys[k]);
                if (!j || json_is_null(j))
                        continue;
                (void) oci_json_at(x, "mounts[%zu].%s", i, keys[k]);
                if (!idmap)
                        return oci_json_bad(x, "given, but the mount's options have neither \"idmap\" nor "
                                               "\"ridmap\"");
                if (mount_maps_from_json(x, j, k == 0 ? &uids : &gids) < 0)
                        return -EINVAL;
                if (!json_equal(j, json_object_get(json_object_get(cfg, "linux"), keys[k])))
                        own = true;
        }
        if (!idmap)
                return 0;
        if (own) {
                *ret = strjoin("idmap=uids=", uids ?: gids, ";gids=", gids ?: uids);
                return *ret ? 0 : log_oom();
        }
        if (!has_user_namespace(cfg)) {
                (void) oci_json_at(x, "mounts[%zu].options", i);
                return oci_json_bad(x, "\"idmap\" needs a user namespace (linux.namespaces) to map through, or the "
                                       "mount's own uidMappings and gidMappings");
        }
        *ret = strdup("idmap");
        return *ret ? 0 : log_oom();
}

/* mount(8) options that are flags of the mount rather than options of the file system. */
static bool mount_flag_option(const char *s, unsigned *attrs) {
        static const struct {
                const char *name;
                unsigned set, clear;
        } table[] = {
                { "ro", MNT_RDONLY, 0 },
                { "rw", 0, MNT_RDONLY },
                { "nosuid", MNT_NOSUID, 0 },
                { "suid", 0, MNT_NOSUID },
                { "nodev", MNT_NODEV, 0 },
                { "dev", 0, MNT_NODEV },
                { "noexec", MNT_NOEXEC, 0 },
                { "exec", 0, MNT_NOEXEC },
                /* Accepted and left to the kernel's defaults (relatime): */
                { "strictatime", 0, 0 },
                { "relatime", 0, 0 },
                { "norelatime", 0, 0 },
                { "atime", 0, 0 },
                { "noatime", 0, 0 },
                { "diratime", 0, 0 },
                { "nodiratime", 0, 0 },
                { "async", 0, 0 },
                { "defaults", 0, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(s, table[i].name)) {
                        *attrs = (*attrs | table[i].set) & ~table[i].clear;
                        return true;
                }
        return false;
}

static int oci_mount_add(Container *c, OciMount m) {
        OciMount *n = reallocarray(c->oci_mounts, c->n_oci_mounts + 1, sizeof *n);

        if (!n)
                return log_oom();
        c->oci_mounts = n;
        n[c->n_oci_mounts++] = m;
        return 0;
}

/* config.json mounts, each mounted in the listed order (the runtime mounts nothing of its own then:
 * /proc, /sys and /dev are whatever the list says). Bind mounts go through --volume's code. */
static int mounts_from_json(OciJson *x, Container *c, json_t *cfg, const char *mount_label) {
        static const char *const fs_types[] = { "tmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2" };
        json_t *mounts, *m;
        size_t i;
        int r;

        (void) oci_json_at(x, "mounts");
        r = oci_json_member(x, cfg, "mounts", JSON_ARRAY, "expected an array", &mounts);
        if (r < 0)
                return r;
        json_array_foreach(mounts, i, m) {
                json_t *dest_j, *type_j, *src_j, *opts, *o;
                const char *dest, *type, *src, *prop = NULL;
                _cleanup_free_ char *source = NULL, *entry = NULL, *idmap_opt = NULL;
                _cleanup_strv_free_ char **data = NULL;
                unsigned long propagation;
                unsigned attrs = 0;
                bool bind, ro = false, idmap = false;
                size_t j;

                if (!json_is_object(m))
                        return (void) oci_json_at(x, "mounts[%zu]", i), oci_json_bad(x, "expected an object");
                (void) oci_json_at(x, "mounts[%zu].destination", i);
                if (oci_json_required(x, m, "destination", JSON_STRING, "expected an absolute path", &dest_j) < 0)
                        return -EINVAL;
                if (!path_is_absolute(json_string_value(dest_j)))
                        return oci_json_bad(x, "expected an absolute path");
                dest = json_string_value(dest_j);
                (void) oci_json_at(x, "mounts[%zu].type", i);
                if (oci_json_member(x, m, "type", JSON_STRING, "expected a string", &type_j) < 0)
                        return -EINVAL;
                type = type_j ? json_string_value(type_j) : "";
                (void) oci_json_at(x, "mounts[%zu].source", i);
                if (oci_json_member(x, m, "source", JSON_STRING, "expected a string", &src_j) < 0)
                        return -EINVAL;
                src = src_j ? json_string_value(src_j) : NULL;
                bind = streq(type, "bind");
                (void) oci_json_at(x, "mounts[%zu].options", i);
                if (oci_json_member(x, m, "options", JSON_ARRAY, "expected an array of strings", &opts) < 0)
                        return -EINVAL;
                json_array_foreach(opts, j, o) {
                        const char *s = json_string_value(o);
                        if (!s)
                                return oci_json_bad(x, "expected an array of strings");
                        if (streq(s, "bind") || streq(s, "rbind"))
                                bind = true;
                        else if (mount_flag_option(s, &attrs))
                                ro = attrs & MNT_RDONLY;
                        else if (propagation_from_string(s, &propagation) >= 0)
                                prop = s; /* the last one counts, as in mount(8) */
                        else if (streq(s, "idmap") || streq(s, "ridmap"))
                                idmap = true; /* both recursive: a submount left unmapped would show nobody's
                                                 files */
                        else if (strv_extend(&data, s) < 0)
                                return log_oom();
                }
                r = mount_idmap_from_json(x, cfg, m, i, idmap, &idmap_opt);
                if (r < 0)
                        return r;
                if (idmap && !bind) {
                        (void) oci_json_at(x, "mounts[%zu].options", i);
                        return oci_json_bad(x, "\"idmap\" is supported for bind mounts only");
                }
                if (bind) {
                        _cleanup_free_ char *flags = NULL;
                        if (!src) {
                                (void) oci_json_at(x, "mounts[%zu].source", i);
                                return oci_json_bad(x, "missing: a bind mount needs a source");
                        }
                        flags = strjoin(ro ? ",ro" : "", idmap_opt ? "," : "", idmap_opt ?: "", prop ? "," : "",
                                        prop ?: "");
                        source = path_is_absolute(src) ? strdup(src) : path_join(c->oci_bundle, src);
                        entry = source && flags ? strjoin(source, ":", dest, *flags ? ":" : "", *flags ? flags + 1 : "")
                                                : NULL;
                        if (!entry)
                                return log_oom();
                        r = oci_mount_add(c, (OciMount) { .volume = (int) strv_length(c->spec.volumes) });
                        if (r >= 0 && strv_extend(&c->spec.volumes, entry) < 0)
                                r = log_oom();
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!in_list(type, fs_types, ELEMENTSOF(fs_types))) {
                        (void) oci_json_at(x, "mounts[%zu].type", i);
                        return oci_json_bad(x, isempty(type) ? "missing: expected \"bind\", \"tmpfs\", "
                                                               "\"proc\", \"sysfs\", "
                                                               "\"devpts\", \"mqueue\" or \"cgroup\" (or a "
                                                               "bind option)"
                                                             : "not supported: berth-runtime mounts "
                                                               "\"bind\", \"tmpfs\", "
                                                               "\"proc\", \"sysfs\", \"devpts\", \"mqueue\" "
                                                               "and \"cgroup\" "
                                                               "entries");
                }
                if (mount_label && (streq(type, "tmpfs") || streq(type, "mqueue") || streq(type, "devpts"))) {
                        _cleanup_free_ char *ctx = strjoin("context=", mount_label);
                        if (!ctx || strv_consume(&data, TAKE_PTR(ctx)) < 0)
                                return log_oom();
                }
                {
                        /* Within the container's cgroup namespace only version 2 makes sense here. */
                        OciMount om = { .destination = strdup(dest),
                                .type = strdup(streq(type, "cgroup") ? "cgroup2" : type),
                                .source = strdup(src ?: type),
                                .data = TAKE_PTR(data),
                                .attrs = attrs,
                                .volume = -1 };
                        if (!om.destination || !om.type || !om.source) {
                                free(om.destination);
                                free(om.type);
                                free(om.source);
                                strv_free(om.data);
                                return log_oom();
                        }
                        r = oci_mount_add(c, om);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* A container id to the host's through "C:H:S" map entries; -ERANGE when it is not mapped. */
static int id_to_host(char *const *entries, json_int_t id, uint32_t *ret) {
        STRV_FOREACH(e, entries) {
                unsigned long long inside, outside, size;
                if (sscanf(*e, "%llu:%llu:%llu", &inside, &outside, &size) == 3 && (unsigned long long) id >= inside &&
                                (unsigned long long) id < inside + size) {
                        *ret = (uint32_t) (outside + ((unsigned long long) id - inside));
                        return 0;
                }
        }
        return -ERANGE;
}

/* An optional non-negative integer member no larger than max; def when missing. */
static int bounded_member(OciJson *x, json_t *o, const char *key, json_int_t max, const char *what, json_int_t def,
                json_int_t *ret) {
        json_t *v;

        if (oci_json_member(x, o, key, JSON_INTEGER, what, &v) < 0)
                return -EINVAL;
        if (v && (json_integer_value(v) < 0 || json_integer_value(v) > max)) {
                (void) oci_json_bad(x, what);
                return -EINVAL; /* spelled out: the analyzer cannot see into oci_json_bad() */
        }
        *ret = v ? json_integer_value(v) : def;
        return 0;
}

/* linux.devices: nodes made in the container's /dev (as --device's are) and allowed by its device filter. */
static int devices_from_json(OciJson *x, Container *c, json_t *linux_) {
        json_t *devices, *d;
        size_t i;
        int r;

        (void) oci_json_at(x, "linux.devices");
        r = oci_json_member(x, linux_, "devices", JSON_ARRAY, "expected an array of objects", &devices);
        if (r <= 0)
                return r;
        json_array_foreach(devices, i, d) {
                json_t *path_j, *type_j;
                const char *path, *type;
                json_int_t maj = 0, min = 0, mode, uid, gid;
                OciDevice *n;
                uint32_t host_uid, host_gid;

                if (!json_is_object(d))
                        return (void) oci_json_at(x, "linux.devices[%zu]", i), oci_json_bad(x, "expected an object");
                (void) oci_json_at(x, "linux.devices[%zu].path", i);
                if (oci_json_required(x, d, "path", JSON_STRING, "expected an absolute path under /dev", &path_j) < 0)
                        return -EINVAL;
                path = json_string_value(path_j);
                if (!startswith(path, "/dev/") || strstr(path, "..") || endswith(path, "/") || is_builtin_mount(path))
                        return oci_json_bad(x, "expected an absolute path under /dev (not one of the "
                                               "runtime's mounts)");
                (void) oci_json_at(x, "linux.devices[%zu].type", i);
                if (oci_json_required(x, d, "type", JSON_STRING, "expected \"c\", \"b\", \"u\" or \"p\"", &type_j) < 0)
                        return -EINVAL;
                type = json_string_value(type_j);
                if (!streq(type, "c") && !streq(type, "u") && !streq(type, "b") && !streq(type, "p"))
                        return oci_json_bad(x, "expected \"c\", \"b\", \"u\" or \"p\"");
                if (!streq(type, "p")) {
                        (void) oci_json_at(x, "linux.devices[%zu].major", i);
                        if (oci_json_required(x, d, "major", JSON_INTEGER, "expected a device major number", &type_j) < 0)
                                return -EINVAL;
                        if (bounded_member(x, d, "major", 4095, "expected a device major number (0-4095)", 0, &maj) < 0)
                                return -EINVAL;
                        (void) oci_json_at(x, "linux.devices[%zu].minor", i);
                        if (oci_json_required(x, d, "minor", JSON_INTEGER, "expected a device minor number", &type_j) < 0)
                                return -EINVAL;
                        if (bounded_member(x, d, "minor", (1 << 20) - 1, "expected a device minor number (0-1048575)",
                                            0, &min) < 0)
                                return -EINVAL;
                }
                (void) oci_json_at(x, "linux.devices[%zu].fileMode", i);
                if (bounded_member(x, d, "fileMode", 07777, "expected a file mode (an integer, 0 to 07777)", 0666,
                                    &mode) < 0)
                        return -EINVAL;
                (void) oci_json_at(x, "linux.devices[%zu].uid", i);
                if (bounded_member(x, d, "uid", UINT32_MAX - 1, "expected a user id (a non-negative integer)", 0, &uid) <
                                0)
                        return -EINVAL;
                host_uid = (uint32_t) uid;
                if (c->spec.uidmap && id_to_host(c->spec.uidmap, uid, &host_uid) < 0)
                        return oci_json_bad(x, "not mapped by linux.uidMappings");
                (void) oci_json_at(x, "linux.devices[%zu].gid", i);
                if (bounded_member(x, d, "gid", UINT32_MAX - 1, "expected a group id (a non-negative integer)", 0,
                                    &gid) < 0)
                        return -EINVAL;
                host_gid = (uint32_t) gid;
                if (c->spec.gidmap && id_to_host(c->spec.gidmap, gid, &host_gid) < 0)
                        return oci_json_bad(x, "not mapped by linux.gidMappings");

                n = reallocarray(c->oci_devices, c->n_oci_devices + 1, sizeof *n);
                if (!n)
                        return log_oom();
                c->oci_devices = n;
                n[c->n_oci_devices] = (OciDevice) {
                        .type = streq(type, "b")   ? S_IFBLK
                                : streq(type, "p") ? S_IFIFO
                                                   : S_IFCHR,
                        .rdev = makedev((unsigned) maj, (unsigned) min),
                        .mode = (mode_t) mode,
                        .uid = (uid_t) host_uid,
                        .gid = (gid_t) host_gid,
                        .path = strdup(path),
                };
                if (!n[c->n_oci_devices++].path)
                        return log_oom();
                if (streq(type, "p"))
                        continue;
                /* As runc does: the config's own nodes are usable (read, write, mknod). */
                {
                        DeviceRule *rules = reallocarray(c->device_rules, c->n_device_rules + 1, sizeof *rules);
                        unsigned rwm;
                        if (!rules)
                                return log_oom();
                        c->device_rules = rules;
                        (void) device_access_from_string("rwm", &rwm);
                        rules[c->n_device_rules++] = (DeviceRule) {
                                .type = streq(type, "b") ? 'b' : 'c',
                                .major = maj,
                                .minor = min,
                                .access = rwm,
                        };
                }
        }
        return 0;
}

/* An object of string values, appended as KEY=VALUE. */
static int string_map(OciJson *x, json_t *o, const char *key, const char *name, char ***ret) {
        json_t *map, *v;
        const char *k;
        int r;

        (void) oci_json_at(x, "%s", name);
        r = oci_json_member(x, o, key, JSON_OBJECT, "expected an object of strings", &map);
        if (r < 0)
                return r;
        json_object_foreach(map, k, v) {
                _cleanup_free_ char *s = NULL;
                if (!json_is_string(v))
                        return (void) oci_json_at(x, "%s.%s", name, k), oci_json_bad(x, "expected a string");
                s = strjoin(k, "=", json_string_value(v));
                if (!s || strv_extend(ret, s) < 0)
                        return log_oom();
        }
        return 0;
}

/* linux.maskedPaths, linux.readonlyPaths: absolute paths; given (even empty), they replace the defaults. */
static int path_list(OciJson *x, json_t *linux_, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        (void) oci_json_at(x, "linux.%s", key);
        r = oci_json_strv_member(x, linux_, key, "expected an array of absolute paths", &l);
        if (r <= 0)
                return r;
        STRV_FOREACH(p, l)
                if (!path_is_absolute(*p))
                        return oci_json_bad(x, "expected an array of absolute paths");
        if (!l && !(l = calloc(1, sizeof(char *))))
                return log_oom();
        *ret = TAKE_PTR(l);
        return 0;
}

/* A SemVer 2.0 number: no leading zeros, not empty. */
static const char *semver_number(const char *p) {
        const char *s = p;

        while (*p >= '0' && *p <= '9')
                p++;
        return p == s || (s[0] == '0' && p - s > 1) ? NULL : p;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty (a SemVer pre-release or build part). */
static const char *semver_identifiers(const char *p) {
        for (;;) {
                const char *s = p;
                while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-')
                        p++;
                if (p == s)
                        return NULL;
                if (*p != '.')
                        return p;
                p++;
        }
}

bool oci_version_supported(const char *v) {
        const char *p = v;

        if (!startswith(p, "1."))
                return false;
        p = semver_number(p + 2);
        if (!p || *p != '.' || !(p = semver_number(p + 1)))
                return false;
        if (*p == '-' && !(p = semver_identifiers(p + 1)))
                return false;
        if (*p == '+' && !(p = semver_identifiers(p + 1)))
                return false;
        return *p == 0;
}

/* Fields berth-runtime does not apply: refused when given, rather than the container running without
 * what they ask for. */
static int unsupported_fields(OciJson *x, json_t *cfg) {
        static const struct {
                const char *object, *key;
        } fields[] = {
                { NULL, "domainname" },
                { "process", "scheduler" },
                { "process", "ioPriority" },
                { "process", "execCPUAffinity" },
                { "linux", "personality" },
                { "linux", "intelRdt" },
                { "linux", "memoryPolicy" },
                { "linux", "netDevices" },
        };

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                json_t *o = fields[i].object ? json_object_get(cfg, fields[i].object) : cfg;
                json_t *v = json_object_get(o, fields[i].key);
                if (!v || json_is_null(v))
                        continue;
                if (fields[i].object)
                        (void) oci_json_at(x, "%s.%s", fields[i].object, fields[i].key);
                else
                        (void) oci_json_at(x, "%s", fields[i].key);
                return oci_json_bad(x, "not supported by berth-runtime");
        }
        return 0;
}

/* What needs a namespace of the container's own, where linux.namespaces leaves the runtime's: a
 * mount made there would be made in the runtime's mount namespace, a host name would be the host's. */
static int inherited_namespaces_check(OciJson *x, Container *c) {
        static const char *const why = "given, but linux.namespaces has no mount namespace (it would change the "
                                       "runtime's own)";

        if (c->ns_inherit & CLONE_NEWNS) {
                if (c->n_oci_mounts > 0)
                        return (void) oci_json_at(x, "mounts"), oci_json_bad(x, why);
                if (c->spec.read_only)
                        return (void) oci_json_at(x, "root.readonly"), oci_json_bad(x, why);
                if (c->rootfs_propagation)
                        return (void) oci_json_at(x, "linux.rootfsPropagation"), oci_json_bad(x, why);
                if (strv_length(c->masked_paths) > 0)
                        return (void) oci_json_at(x, "linux.maskedPaths"), oci_json_bad(x, why);
                if (strv_length(c->readonly_paths) > 0)
                        return (void) oci_json_at(x, "linux.readonlyPaths"), oci_json_bad(x, why);
                if (c->n_oci_devices > 0)
                        return (void) oci_json_at(x, "linux.devices"), oci_json_bad(x, why);
        }
        if ((c->ns_inherit & CLONE_NEWUTS) && c->process.hostname)
                return (void) oci_json_at(x, "hostname"),
                       oci_json_bad(x, "given, but linux.namespaces has no uts namespace (it would change "
                                       "the host's)");
        return 0;
}

/* linux.rootfsPropagation: what the root mount becomes once the container is in it. */
static int rootfs_propagation_from_json(OciJson *x, Container *c, json_t *linux_) {
        json_t *v;
        const char *s;
        int r;

        (void) oci_json_at(x, "linux.rootfsPropagation");
        r = oci_json_member(x, linux_, "rootfsPropagation", JSON_STRING, "expected a string", &v);
        if (r <= 0)
                return r;
        s = json_string_value(v);
        if (streq(s, "unbindable") || streq(s, "runbindable")) {
                c->rootfs_propagation = MS_UNBINDABLE | (s[0] == 'r' ? MS_REC : 0);
                return 0;
        }
        if (propagation_from_string(s, &c->rootfs_propagation) < 0)
                return oci_json_bad(x, "expected one of private, rprivate, slave, rslave, shared, rshared, "
                                       "unbindable, "
                                       "runbindable");
        return 0;
}

int oci_config_load(Container *c, const char *bundle) {
        _cleanup_free_ char *path = path_join(bundle, "config.json"), *mount_label = NULL;
        _cleanup_(json_decrefp) json_t *cfg = NULL;
        json_t *root, *linux_, *v;
        json_error_t err;
        OciJson x;
        int r;

        if (!path)
                return log_oom();
        x = (OciJson) { .file = path };
        cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!cfg) {
                if (err.line <= 0)
                        return log_error_errno(-EINVAL, "%s: %s", path, err.text);
                return log_error_errno(-EINVAL, "%s:%d:%d: %s", path, err.line, err.column, err.text);
        }
        if (!json_is_object(cfg))
                return log_error_errno(-EINVAL, "%s: expected a JSON object at the top.", path);
        (void) oci_json_at(&x, "ociVersion");
        if (oci_json_required(&x, cfg, "ociVersion", JSON_STRING, "expected a version string like \"1.0.2\"", &v) < 0)
                return -EINVAL;
        if (!oci_version_supported(json_string_value(v)))
                return oci_json_bad(&x, "expected a SemVer 2.0 version of the runtime spec with major version 1, "
                                        "like \"1.0.2\"");

        r = unsupported_fields(&x, cfg);
        if (r < 0)
                return r;

        (void) oci_json_at(&x, "root");
        r = oci_json_member(&x, cfg, "root", JSON_OBJECT, "expected an object", &root);
        if (r < 0)
                return r;
        (void) oci_json_at(&x, "root.path");
        if (oci_json_member(&x, root, "path", JSON_STRING, "expected a path", &v) < 0)
                return -EINVAL;
        {
                const char *p = v ? json_string_value(v) : "rootfs";
                c->spec.rootfs = path_is_absolute(p) ? strdup(p) : path_join(bundle, p);
                if (!c->spec.rootfs)
                        return log_oom();
        }
        (void) oci_json_at(&x, "root.readonly");
        if (oci_json_member(&x, root, "readonly", JSON_TRUE, "expected true or false", &v) < 0)
                return -EINVAL;
        c->spec.read_only = json_is_true(v);

        r = oci_process_from_json(&x, c, cfg);
        if (r < 0)
                return r;

        (void) oci_json_at(&x, "hostname");
        if (oci_json_member(&x, cfg, "hostname", JSON_STRING, "expected a string", &v) < 0)
                return -EINVAL;
        if (v && !(c->process.hostname = strdup(json_string_value(v))))
                return log_oom();
        (void) oci_json_at(&x, "linux");
        if (oci_json_member(&x, cfg, "linux", JSON_OBJECT, "expected an object", &linux_) < 0)
                return -EINVAL;
        r = oci_lsm_member(&x, linux_, "mountLabel", "linux.mountLabel", "selinux", &mount_label);
        if (r < 0)
                return r;
        r = mounts_from_json(&x, c, cfg, mount_label);
        if (r < 0)
                return r;
        r = rootfs_propagation_from_json(&x, c, linux_);
        if (r < 0)
                return r;
        r = oci_namespaces_from_json(&x, c, linux_);
        /* Before linux.devices: its nodes stay usable whatever linux.resources.devices says. */
        if (r >= 0)
                r = oci_resources_load(path, linux_, c);
        if (r >= 0)
                r = devices_from_json(&x, c, linux_);
        if (r >= 0)
                r = string_map(&x, linux_, "sysctl", "linux.sysctl", &c->spec.sysctl);
        if (r >= 0)
                r = string_map(&x, cfg, "annotations", "annotations", &c->spec.annotations);
        if (r < 0)
                return r;

        r = oci_hooks_parse(json_object_get(cfg, "hooks"), path, c);
        if (r < 0)
                return r;
        r = path_list(&x, linux_, "maskedPaths", &c->masked_paths);
        if (r >= 0)
                r = path_list(&x, linux_, "readonlyPaths", &c->readonly_paths);
        if (r < 0)
                return r;

        r = inherited_namespaces_check(&x, c);
        if (r < 0)
                return r;

        (void) oci_json_at(&x, "linux.cgroupsPath");
        if (oci_json_member(&x, linux_, "cgroupsPath", JSON_STRING, "expected a path", &v) < 0)
                return -EINVAL;
        if (v && strstr(json_string_value(v), ".."))
                return oci_json_bad(&x, "may not contain \"..\"");
        c->cgroup_path = v ? strdup(json_string_value(v)) : strjoin("berth-oci-", c->oci_id);
        if (!c->cgroup_path)
                return log_oom();

        /* Without a profile the container gets none, as the spec says, unless the annotation
         * org.berth.seccomp=default asks for the filter a berth container gets (berth build's RUN). */
        (void) oci_json_at(&x, "linux.seccomp");
        if (oci_json_member(&x, linux_, "seccomp", JSON_OBJECT, "expected an object", &v) < 0)
                return -EINVAL;
        if (!v && strv_contains(c->spec.annotations, "org.berth.seccomp=default"))
                return 0; /* c->seccomp NULL: the default filter for the container's capabilities */
        c->seccomp = v ? json_dumps(v, JSON_COMPACT) : strdup("unconfined");
        if (!c->seccomp)
                return log_oom();
        return 0;
}
