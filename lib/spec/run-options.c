/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "fs-util.h"
#include "log.h"
#include "run-option-check.h"
#include "run-options.h"
#include "words.h"

#define F(field) offsetof(ContainerSpec, field)
#define STR(n, s, k, f, h)                                                                                             \
        { n, s, k, RUN_OPTION_STRING, F(f), NULL, h }
#define BOOL(n, s, k, f, h)                                                                                            \
        { n, s, k, RUN_OPTION_BOOL, F(f), NULL, h }
#define LIST(n, s, k, f, h)                                                                                            \
        { n, s, k, RUN_OPTION_LIST, F(f), NULL, h }
#define WORDS(n, s, k, f, h)                                                                                           \
        { n, s, k, RUN_OPTION_WORDS, F(f), NULL, h }
#define PROP(n, k, p, h)                                                                                               \
        { n, 0, k, RUN_OPTION_UNIT_PROPERTY, F(unit_properties), p, h }

/* The order here is the order options are printed in (generated ExecStart= lines, `berth inspect`). */
const RunOption run_options[] = {
        STR("name", 0, "ContainerName", name, "container name"),
        STR("id", 0, NULL, id, "the container's ID, 64 hex digits (default: derived from the name)"),
        STR("rootfs", 0, "Rootfs", rootfs, "use a directory as the root instead of an image"),
        { "entrypoint", 0, "Entrypoint", RUN_OPTION_ARGV, F(entrypoint), NULL, "override the image's entrypoint" },
        LIST("env", 'e', "Environment", env, "set an environment variable KEY=VALUE"),
        LIST("env-file", 0, "EnvironmentFile", env_files, "read environment variables from a file"),
        STR("env-private-file", 0, NULL, env_private_file,
                        "read --env values from a root-only file (what the generator and berth run write instead)"),
        LIST("secret", 0, "Secret", secrets, "a secret of `berth secret`: NAME[,type=mount|env][,target=PATH|VAR]"),
        STR("workdir", 'w', "WorkingDir", workdir, "working directory inside the container"),
        STR("user", 'u', "User", user, "user[:group] to run as, by name or number"),
        LIST("group-add", 0, "GroupAdd", group_add, "additional group"),
        STR("hostname", 'h', "HostName", hostname, "container host name"),
        LIST("volume", 'v', "Volume", volumes, "bind mount or named volume SRC:DST[:OPTS]"),
        LIST("mount", 0, "Mount", mounts, "mount type=bind|volume|tmpfs,source=,destination=[,ro]"),
        LIST("tmpfs", 0, "Tmpfs", tmpfs, "mount a tmpfs DST[:OPTS]"),
        BOOL("read-only", 0, "ReadOnly", read_only, "mount the root file system read-only"),
        LIST("network", 0, "Network", network, "none, host, private, container:NAME or network names (repeatable)"),
        STR("pod", 0, NULL, pod, "join a pod made by `berth pod create` (the generator resolves Pod=)"),
        STR("ipc", 0, NULL, ipc, "IPC namespace: private (default), host or container:NAME"),
        STR("pid", 0, NULL, pid, "pid namespace: private (default), host or container:NAME"),
        STR("uts", 0, NULL, uts, "UTS namespace (and host name): private (default), host or container:NAME"),
        STR("ip", 0, NULL, ip, "IPv4 address on the bridge network"),
        STR("ip6", 0, NULL, ip6, "IPv6 address on the bridge network"),
        STR("mac-address", 0, NULL, mac_address, "MAC address of the container's interface"),
        LIST("network-alias", 0, NULL, network_aliases, "another name of the container on its network"),
        LIST("publish", 'p', "PublishPort", publish, "publish a port [[IP:][HOST]:]CONTAINER[/PROTO], ranges A-B"),
        BOOL("publish-all", 'P', NULL, publish_all, "publish the image's exposed ports on free host ports"),
        LIST("dns", 0, "DNS", dns, "DNS server for /etc/resolv.conf"),
        LIST("dns-search", 0, "DNSSearch", dns_search, "DNS search domain"),
        LIST("dns-option", 0, "DNSOption", dns_option, "DNS resolver option"),
        LIST("add-host", 0, "AddHost", add_host, "add NAME:IP to /etc/hosts"),
        WORDS("cap-add", 0, "AddCapability", cap_add, "add a capability"),
        WORDS("cap-drop", 0, "DropCapability", cap_drop, "drop a capability (all drops every one)"),
        BOOL("privileged", 0, NULL, privileged, "all capabilities, no seccomp, no masked paths"),
        BOOL("no-new-privileges", 0, "NoNewPrivileges", no_new_privileges, "set no_new_privs (default on)"),
        STR("seccomp-profile", 0, "SeccompProfile", seccomp_profile, "seccomp profile JSON, or unconfined"),
        WORDS("sysctl", 0, "Sysctl", sysctl, "namespaced sysctl NAME=VALUE"),
        LIST("ulimit", 0, "Ulimit", ulimit, "resource limit NAME=SOFT[:HARD]"),
        STR("umask", 0, NULL, umask, "file mode creation mask of the container's processes (octal, default 0022)"),
        STR("shm-size", 0, "ShmSize", shm_size, "size of /dev/shm, e.g. 256M (default 64M)"),
        LIST("device", 0, "AddDevice", devices, "add a host device HOST[:CONTAINER][:PERMS]"),
        STR("userns", 0, "UserNS", userns, "user namespace: host, auto, container:NAME or ns:PATH"),
        LIST("uidmap", 0, "UIDMap", uidmap, "user namespace uid map CONTAINER_ID:HOST_ID:SIZE"),
        LIST("gidmap", 0, "GIDMap", gidmap, "user namespace gid map CONTAINER_ID:HOST_ID:SIZE"),
        STR("notify", 0, "Notify", notify, "readiness: false (when started), true (payload), healthy"),
        STR("stop-signal", 0, "StopSignal", stop_signal, "signal that stops the container"),
        STR("stop-timeout", 0, "StopTimeout", stop_timeout, "seconds to wait before killing"),
        BOOL("init", 0, "RunInit", init, "run a tiny init as PID 1 that reaps zombies"),
        LIST("label", 'l', "Label", labels, "set a label KEY=VALUE"),
        LIST("annotation", 0, "Annotation", annotations, "set an annotation KEY=VALUE"),
        STR("pull", 0, "Pull", pull, "pull policy: missing, always, never, newer"),
        STR("health-cmd", 0, "HealthCmd", health_cmd, "command that checks health"),
        STR("health-interval", 0, "HealthInterval", health_interval, "time between checks"),
        STR("health-timeout", 0, "HealthTimeout", health_timeout, "time a check may take"),
        STR("health-retries", 0, "HealthRetries", health_retries, "failures before unhealthy"),
        STR("health-start-period", 0, "HealthStartPeriod", health_start_period, "grace period at start"),
        STR("health-on-failure", 0, "HealthOnFailure", health_on_failure, "none, kill or stop"),
        PROP("memory", "Memory", "MemoryMax", "memory limit (MemoryMax=)"),
        PROP("pids-limit", "PidsLimit", "TasksMax", "process limit (TasksMax=)"),
        PROP("restart", NULL, "Restart", "no, always, unless-stopped or on-failure[:N] (Restart=)"),
        PROP("memory-reservation", NULL, "MemoryLow", "memory reservation (MemoryLow=)"),
        PROP("cpus", NULL, "CPUs", "number of CPUs, e.g. 1.5 (CPUQuota=150%)"),
        PROP("cpu-shares", NULL, "CPUShares", "CPU shares, 1024 the default (CPUWeight=)"),
        PROP("cpu-weight", NULL, "CPUWeight", "CPU weight (CPUWeight=)"),
        PROP("cpu-quota", NULL, "CPUQuota", "CPU quota in percent (CPUQuota=)"),
        PROP("io-weight", NULL, "IOWeight", "IO weight (IOWeight=)"),
};
const size_t run_options_count = ELEMENTSOF(run_options);

const RunOption *run_option_by_name(const char *name) {
        for (size_t i = 0; i < run_options_count; i++)
                if (streq(run_options[i].name, name))
                        return &run_options[i];
        return NULL;
}

const RunOption *run_option_by_short(char c) {
        for (size_t i = 0; i < run_options_count; i++)
                if (run_options[i].short_name == c)
                        return &run_options[i];
        return NULL;
}

const RunOption *run_option_by_key(const char *key) {
        for (size_t i = 0; i < run_options_count; i++)
                if (run_options[i].key && streq(run_options[i].key, key))
                        return &run_options[i];
        return NULL;
}

int run_option_apply(const RunOption *o, ContainerSpec *spec, const char *value) {
        void *field = (char *) spec + o->offset;
        char ***list = field;
        int r;

        /* An empty value resets a list; every other value must be one the option takes. */
        if (o->kind != RUN_OPTION_WORDS && o->kind != RUN_OPTION_BOOL &&
                        !(isempty(value) && (o->kind == RUN_OPTION_LIST || o->kind == RUN_OPTION_UNIT_PROPERTY))) {
                r = run_option_check(o, value);
                if (r < 0)
                        return r;
        }

        switch (o->kind) {
        case RUN_OPTION_STRING: {
                char *copy = strdup(value ?: "");
                if (!copy)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = copy;
                return 0;
        }
        case RUN_OPTION_BOOL:
                r = value ? parse_boolean(value) : 1;
                if (r < 0)
                        return r;
                *(bool *) field = r;
                return 0;
        case RUN_OPTION_LIST:
                if (isempty(value)) {
                        *list = strv_free(*list);
                        return 0;
                }
                return strv_extend(list, value);
        case RUN_OPTION_WORDS: {
                _cleanup_strv_free_ char **words = NULL;
                if (isempty(value)) {
                        *list = strv_free(*list);
                        return 0;
                }
                r = split_words(value, &words);
                if (r < 0)
                        return r;
                STRV_FOREACH(w, words) {
                        r = run_option_check(o, *w);
                        if (r < 0)
                                return r;
                }
                return strv_extend_strv(list, words);
        }
        case RUN_OPTION_ARGV: {
                char **words = NULL;
                r = split_words(value ?: "", &words);
                if (r < 0)
                        return r;
                strv_free(*list);
                *list = words;
                if (o->offset == offsetof(ContainerSpec, entrypoint))
                        spec->entrypoint_set = true;
                return 0;
        }
        case RUN_OPTION_UNIT_PROPERTY:
                if (isempty(value))
                        return -EINVAL;
                return strv_consume(list, strjoin(o->unit_property, "=", value));
        }
        return -EINVAL;
}

int run_options_parse_argv(ContainerSpec *spec, int argc, char *const *argv, int *ret_index) {
        int i;

        for (i = 0; i < argc; i++) {
                const char *a = argv[i], *value = NULL;
                const RunOption *o;
                _cleanup_free_ char *name = NULL;
                int r;

                if (streq(a, "--")) {
                        i++;
                        break;
                }
                if (a[0] != '-' || a[1] == 0)
                        break;

                if (a[1] == '-') {
                        const char *eq = strchr(a + 2, '=');
                        name = eq ? strndup(a + 2, (size_t) (eq - a - 2)) : strdup(a + 2);
                        if (!name)
                                return -ENOMEM;
                        o = run_option_by_name(name);
                        if (eq)
                                value = eq + 1;
                } else {
                        o = a[2] == 0 ? run_option_by_short(a[1]) : NULL;
                }
                if (!o)
                        return log_error_errno(-EINVAL, "Unknown option '%s'.", a);

                if (!value && o->kind != RUN_OPTION_BOOL) {
                        if (i + 1 >= argc)
                                return log_error_errno(-EINVAL, "Option '%s' needs a value.", a);
                        value = argv[++i];
                }
                r = run_option_apply(o, spec, value);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        const char *expected = o->kind == RUN_OPTION_BOOL ? "true or false" : run_option_expected(o);
                        return log_error_errno(r, "Invalid value '%s' for option --%s%s%s%s.", value ?: "", o->name,
                                        expected ? " (expected " : "", expected ?: "", expected ? ")" : "");
                }
        }
        *ret_index = i;
        return 0;
}

static int push_option(char ***argv, const RunOption *o, const char *value) {
        return strv_consume(argv, value ? strjoin("--", o->name, "=", value) : strjoin("--", o->name));
}

int run_options_to_argv(const ContainerSpec *spec, char ***argv) {
        for (size_t i = 0; i < run_options_count; i++) {
                const RunOption *o = &run_options[i];
                const void *field = (const char *) spec + o->offset;
                int r = 0;

                switch (o->kind) {
                case RUN_OPTION_STRING:
                        if (*(char *const *) field)
                                r = push_option(argv, o, *(char *const *) field);
                        break;
                case RUN_OPTION_BOOL: {
                        bool v = *(const bool *) field;
                        /* Only differences from the default are printed. */
                        if (o->offset == offsetof(ContainerSpec, no_new_privileges)) {
                                if (!v)
                                        r = push_option(argv, o, "false");
                        } else if (v)
                                r = push_option(argv, o, NULL);
                        break;
                }
                case RUN_OPTION_LIST:
                case RUN_OPTION_WORDS:
                        STRV_FOREACH(s, *(char **const *) field) {
                                r = push_option(argv, o, *s);
                                if (r < 0)
                                        break;
                        }
                        break;
                case RUN_OPTION_ARGV:
                        if (spec->entrypoint_set) {
                                _cleanup_free_ char *joined = NULL;
                                char **words = *(char **const *) field;
                                _cleanup_strv_free_ char **quoted = NULL;
                                STRV_FOREACH(s, words) {
                                        r = strv_consume(&quoted, quote_word(*s));
                                        if (r < 0)
                                                return r;
                                }
                                joined = quoted ? strv_join(quoted, " ") : strdup("");
                                if (!joined)
                                        return -ENOMEM;
                                r = push_option(argv, o, joined);
                        }
                        break;
                case RUN_OPTION_UNIT_PROPERTY:
                        break;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int run_options_unit_properties_to_argv(const ContainerSpec *spec, char ***argv) {
        STRV_FOREACH(p, spec->unit_properties) {
                size_t n = strcspn(*p, "=");
                const RunOption *found = NULL;
                int r;

                for (size_t i = 0; i < run_options_count && !found; i++)
                        if (run_options[i].kind == RUN_OPTION_UNIT_PROPERTY && strlen(run_options[i].unit_property) == n &&
                                        strncmp(run_options[i].unit_property, *p, n) == 0)
                                found = &run_options[i];
                if (!found || (*p)[n] != '=')
                        return -EINVAL;
                r = push_option(argv, found, *p + n + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}
