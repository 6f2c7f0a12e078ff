/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI process (config.json's process, or `exec --process FILE`) into a Container: args, env, cwd,
 * user, terminal, capabilities, noNewPrivileges, rlimits and the LSM labels. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caps.h"
#include "fs-util.h"
#include "log.h"
#include "oci-config.h"
#include "oci-json.h"
#include "oci-process.h"
#include "strv.h"

static const char *const rlimit_types[] = {
        "RLIMIT_AS",
        "RLIMIT_CORE",
        "RLIMIT_CPU",
        "RLIMIT_DATA",
        "RLIMIT_FSIZE",
        "RLIMIT_LOCKS",
        "RLIMIT_MEMLOCK",
        "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE",
        "RLIMIT_NOFILE",
        "RLIMIT_NPROC",
        "RLIMIT_RSS",
        "RLIMIT_RTPRIO",
        "RLIMIT_RTTIME",
        "RLIMIT_SIGPENDING",
        "RLIMIT_STACK",
        NULL,
};

static int caps_member(OciJson *x, json_t *caps, const char *set, uint64_t *ret) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        *ret = 0;
        (void) oci_json_at(x, "process.capabilities.%s", set);
        r = oci_json_strv_member(x, caps, set, "expected an array of capability names", &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                int c = capability_from_name(*n);
                if (c < 0)
                        /* As crun does: a capability this kernel does not know cannot be granted anyway. */
                        log_warning("%s: %s: ignoring unknown capability %s.", x->file, x->field, *n);
                else
                        *ret |= CAP_MASK(c);
        }
        return 0;
}

/* Whether the kernel runs this LSM (its name in /sys/kernel/security/lsm, or for AppArmor the module's
 * own switch, where securityfs is not mounted). */
static bool lsm_enabled(const char *name) {
        _cleanup_free_ char *list = NULL, *enabled = NULL;

        if (read_full_file("/sys/kernel/security/lsm", &list, NULL) >= 0) {
                const char *p = list;
                size_t l = strlen(name);
                while ((p = strstr(p, name))) {
                        if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == 0 || p[l] == '\n'))
                                return true;
                        p += l;
                }
                return false;
        }
        if (streq(name, "apparmor"))
                return read_full_file("/sys/module/apparmor/parameters/enabled", &enabled, NULL) >= 0 &&
                       enabled[0] == 'Y';
        return false;
}

/* process.apparmorProfile, process.selinuxLabel, linux.mountLabel: taken where the kernel has the LSM;
 * refused otherwise, since the container would run without the confinement asked for. */
int oci_lsm_member(OciJson *x, json_t *o, const char *key, const char *field, const char *lsm, char **ret) {
        json_t *v;
        int r;

        (void) oci_json_at(x, "%s", field);
        r = oci_json_member(x, o, key, JSON_STRING, "expected a string", &v);
        if (r <= 0 || isempty(json_string_value(v)))
                return r < 0 ? r : 0;
        if (!lsm_enabled(lsm))
                return oci_json_bad(x, streq(lsm, "apparmor") ? "not supported: this kernel does not run AppArmor"
                                                              : "not supported: this kernel does not run SELinux");
        if (!ret)
                return oci_json_bad(x, "not supported: berth-runtime does not label mounts");
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : log_oom();
}

int oci_process_from_json(OciJson *x, Container *c, json_t *cfg) {
        json_t *process, *user, *v, *caps, *rlimits;
        size_t i;
        int r;

        (void) oci_json_at(x, "process");
        r = oci_json_member(x, cfg, "process", JSON_OBJECT, "expected an object", &process);
        if (r < 0)
                return r;
        if (r == 0)
                return oci_json_bad(x, "missing: the container needs a process to run");

        (void) oci_json_at(x, "process.terminal");
        r = oci_json_member(x, process, "terminal", JSON_TRUE, "expected true or false", &v);
        if (r < 0)
                return r;
        if (x->terminal)
                *x->terminal = json_is_true(v);
        else if (json_is_true(v)) {
                if (c->console_socket < 0)
                        return oci_json_bad(x, "true, but no --console-socket was given to receive the terminal");
        } else
                c->console_socket = safe_close(c->console_socket);

        (void) oci_json_at(x, "process.args");
        r = oci_json_strv_member(x, process, "args", "expected a non-empty array of strings", &c->process.argv);
        if (r < 0)
                return r;
        if (strv_length(c->process.argv) == 0)
                return oci_json_bad(x, "expected a non-empty array of strings");
        (void) oci_json_at(x, "process.env");
        r = oci_json_strv_member(x, process, "env", "expected an array of KEY=VALUE strings", &c->process.env);
        if (r < 0)
                return r;
        (void) oci_json_at(x, "process.cwd");
        r = oci_json_member(x, process, "cwd", JSON_STRING, "expected an absolute path", &v);
        if (r < 0)
                return r;
        if (v && !path_is_absolute(json_string_value(v)))
                return oci_json_bad(x, "expected an absolute path");
        c->process.workdir = strdup(v ? json_string_value(v) : "/");
        if (!c->process.workdir)
                return log_oom();

        (void) oci_json_at(x, "process.user");
        r = oci_json_member(x, process, "user", JSON_OBJECT, "expected an object", &user);
        if (r < 0)
                return r;
        {
                json_t *uid = NULL, *gid = NULL, *mask = NULL, *gids;
                (void) oci_json_at(x, "process.user.uid");
                if (oci_json_member(x, user, "uid", JSON_INTEGER, "expected a user id (an integer)", &uid) < 0)
                        return -EINVAL;
                if (uid && (json_integer_value(uid) < 0 || json_integer_value(uid) > UINT32_MAX - 1))
                        return oci_json_bad(x, "out of range");
                (void) oci_json_at(x, "process.user.gid");
                if (oci_json_member(x, user, "gid", JSON_INTEGER, "expected a group id (an integer)", &gid) < 0)
                        return -EINVAL;
                if (gid && (json_integer_value(gid) < 0 || json_integer_value(gid) > UINT32_MAX - 1))
                        return oci_json_bad(x, "out of range");
                if (asprintf(&c->process.user, "%lld:%lld", (long long) json_integer_value(uid),
                                    (long long) json_integer_value(gid)) < 0)
                        return log_oom();
                (void) oci_json_at(x, "process.user.umask");
                if (oci_json_member(x, user, "umask", JSON_INTEGER, "expected a mask (an integer)", &mask) < 0)
                        return -EINVAL;
                if (mask && (json_integer_value(mask) < 0 || json_integer_value(mask) > 0777))
                        return oci_json_bad(x, "expected a mask from 0 to 0777");
                c->process.umask = mask ? (mode_t) json_integer_value(mask) : 0022;
                (void) oci_json_at(x, "process.user.additionalGids");
                r = oci_json_member(x, user, "additionalGids", JSON_ARRAY, "expected an array of group ids", &gids);
                if (r < 0)
                        return r;
                json_array_foreach(gids, i, v) {
                        char buf[32];
                        if (!json_is_integer(v) || json_integer_value(v) < 0)
                                return oci_json_bad(x, "expected an array of group ids");
                        (void) snprintf(buf, sizeof buf, "%lld", (long long) json_integer_value(v));
                        if (strv_extend(&c->spec.group_add, buf) < 0)
                                return log_oom();
                }
        }

        (void) oci_json_at(x, "process.noNewPrivileges");
        r = oci_json_member(x, process, "noNewPrivileges", JSON_TRUE, "expected true or false", &v);
        if (r < 0)
                return r;
        c->spec.no_new_privileges = json_is_true(v);

        (void) oci_json_at(x, "process.capabilities");
        r = oci_json_member(x, process, "capabilities", JSON_OBJECT, "expected an object", &caps);
        if (r < 0)
                return r;
        /* Every set as given, for root too (the runtime's own rules apply to the unit face only). */
        r = caps_member(x, caps, "bounding", &c->cap_sets.bounding);
        if (r >= 0)
                r = caps_member(x, caps, "effective", &c->cap_sets.effective);
        if (r >= 0)
                r = caps_member(x, caps, "permitted", &c->cap_sets.permitted);
        if (r >= 0)
                r = caps_member(x, caps, "inheritable", &c->cap_sets.inheritable);
        if (r >= 0)
                r = caps_member(x, caps, "ambient", &c->cap_sets.ambient);
        if (r < 0)
                return r;
        c->has_cap_sets = true;
        /* The filter's capability-conditional rules and the device filter look at the bounding set. */
        c->caps = c->cap_sets.bounding;
        c->caps_added = c->cap_sets.ambient;

        (void) oci_json_at(x, "process.oomScoreAdj");
        r = oci_json_member(x, process, "oomScoreAdj", JSON_INTEGER, "expected an integer from -1000 to 1000", &v);
        if (r < 0)
                return r;
        if (v && (json_integer_value(v) < -1000 || json_integer_value(v) > 1000))
                return oci_json_bad(x, "expected an integer from -1000 to 1000");
        c->has_oom_score_adj = v;
        c->oom_score_adj = v ? (int) json_integer_value(v) : 0;

        r = oci_lsm_member(x, process, "apparmorProfile", "process.apparmorProfile", "apparmor", &c->apparmor_profile);
        if (r >= 0)
                r = oci_lsm_member(x, process, "selinuxLabel", "process.selinuxLabel", "selinux", &c->selinux_label);
        if (r < 0)
                return r;

        (void) oci_json_at(x, "process.rlimits");
        r = oci_json_member(x, process, "rlimits", JSON_ARRAY, "expected an array", &rlimits);
        if (r < 0)
                return r;
        json_array_foreach(rlimits, i, v) {
                json_t *type, *soft, *hard;
                char buf[128];
                _cleanup_free_ char *name = NULL;

                if (!json_is_object(v))
                        return (void) oci_json_at(x, "process.rlimits[%zu]", i), oci_json_bad(x, "expected an object");
                (void) oci_json_at(x, "process.rlimits[%zu].type", i);
                if (oci_json_required(x, v, "type", JSON_STRING, "expected a string like \"RLIMIT_NOFILE\"", &type) < 0)
                        return -EINVAL;
                if (!strv_contains((char **) rlimit_types, json_string_value(type)))
                        return oci_json_bad(x, "expected one of RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, "
                                               "... (getrlimit(2))");
                (void) oci_json_at(x, "process.rlimits[%zu].soft", i);
                if (oci_json_required(x, v, "soft", JSON_INTEGER, "expected a non-negative integer", &soft) < 0)
                        return -EINVAL;
                if (json_integer_value(soft) < 0)
                        return oci_json_bad(x, "expected a non-negative integer");
                (void) oci_json_at(x, "process.rlimits[%zu].hard", i);
                if (oci_json_required(x, v, "hard", JSON_INTEGER, "expected a non-negative integer", &hard) < 0)
                        return -EINVAL;
                if (json_integer_value(hard) < 0)
                        return oci_json_bad(x, "expected a non-negative integer");
                if (json_integer_value(soft) > json_integer_value(hard))
                        return (void) oci_json_at(x, "process.rlimits[%zu]", i), oci_json_bad(x, "soft is above hard");
                name = strdup(json_string_value(type) + strlen("RLIMIT_"));
                if (!name)
                        return log_oom();
                for (char *p = name; *p; p++)
                        *p = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
                (void) snprintf(buf, sizeof buf, "%s=%lld:%lld", name, (long long) json_integer_value(soft),
                                (long long) json_integer_value(hard));
                if (strv_extend(&c->spec.ulimit, buf) < 0)
                        return log_oom();
        }
        return 0;
}

int oci_process_load(const char *path, Container *c, bool *ret_terminal, bool *ret_has_caps) {
        _cleanup_(json_decrefp) json_t *process = NULL, *wrapped = NULL;
        json_error_t err;
        OciJson x = { .file = path, .terminal = ret_terminal };

        process = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!process) {
                if (err.line <= 0)
                        return log_error_errno(-EINVAL, "%s: %s", path, err.text);
                return log_error_errno(-EINVAL, "%s:%d:%d: %s", path, err.line, err.column, err.text);
        }
        if (!json_is_object(process))
                return log_error_errno(-EINVAL, "%s: expected a JSON object (an OCI process) at the top.", path);
        *ret_has_caps = json_is_object(json_object_get(process, "capabilities"));
        /* The same checks as config.json's process, so errors read "process.args" etc. */
        wrapped = json_pack("{s:O}", "process", process);
        if (!wrapped)
                return log_oom();
        return oci_process_from_json(&x, c, wrapped);
}
