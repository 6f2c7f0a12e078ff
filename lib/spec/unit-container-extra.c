/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys that do not become one option each: IP=, IP6= and NetworkAlias= of [Container] and [Pod]
 * are folded into the network option (--network=NAME:ip=...,alias=..., as podman spells per-network
 * settings), ReloadCmd= and ReloadSignal= of [Container] become ExecReload=. */
#include <arpa/inet.h>
#include <string.h>

#include "fs-util.h"
#include "paths.h"
#include "signal-name.h"
#include "strv.h"
#include "unit-container-extra.h"
#include "words.h"

/* Network modes that have no address of their own on a berth network. */
static bool network_has_addresses(const char *network) {
        return !isempty(network) && !streq(network, "none") && !streq(network, "host") && !streq(network, "private") &&
               !startswith(network, "container:") && !startswith(network, "ns:");
}

/* Appends ",KEY=VALUE" (or ":KEY=VALUE" for the first option) to *network. */
static int network_add_option(char **network, const char *key, const char *value) {
        char *n = strjoin(*network, strchr(*network, ':') ? "," : ":", key, "=", value);

        if (!n)
                return -ENOMEM;
        free(*network);
        *network = n;
        return 0;
}

static int check_address(ConvertContext *c, const UnitEntry *e, const char *value, int family) {
        unsigned char buf[sizeof(struct in6_addr)];

        if (inet_pton(family, value, buf) != 1)
                return convert_error(c, e, "'%s' is not an %s address.", value, family == AF_INET ? "IPv4" : "IPv6");
        return 0;
}

int convert_network_options(ConvertContext *c, const char *section, char **network) {
        static const struct {
                const char *key, *option;
                int family; /* AF_UNSPEC: a name */
        } keys[] = {
                { "IP", "ip", AF_INET },
                { "IP6", "ip6", AF_INET6 },
                { "NetworkAlias", "alias", AF_UNSPEC },
        };
        _cleanup_free_ const UnitEntry **nets = NULL;
        int r;

        /* Quadlet attaches a container or pod to every Network= given; a berth pod takes one network, and
         * IP=, IP6= and NetworkAlias= apply to a container's first. */
        r = unit_file_lookup_list(c->in, section, "Network", &nets);
        if (r < 0)
                return -ENOMEM;
        if (r > 1 && streq(section, "Pod"))
                return convert_error(c, nets[1],
                                "A %s joins one network in berth, and Network= is set already; "
                                "an empty Network= line first drops the earlier one.",
                                streq(section, "Pod") ? "pod" : "container");

        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                _cleanup_free_ const UnitEntry **entries = NULL;
                int n = unit_file_lookup_list(c->in, section, keys[k].key, &entries);

                if (n < 0)
                        return -ENOMEM;
                /* IP= and IP6= are single values: the last one counts. */
                for (int i = keys[k].family == AF_UNSPEC ? 0 : MAX(n - 1, 0); i < n; i++) {
                        const UnitEntry *e = entries[i];
                        _cleanup_free_ char *v = unit_value_unquote(e->value);

                        if (!v)
                                return -ENOMEM;
                        if (!network_has_addresses(*network))
                                return convert_error(c, e,
                                                "Needs Network= naming a berth network (a .network file "
                                                "or a network name); '%s' has no addresses or names to set.",
                                                isempty(*network) ? "private" : *network);
                        if (keys[k].family != AF_UNSPEC)
                                r = check_address(c, e, v, keys[k].family);
                        else if (strpbrk(v, ",: \t"))
                                r = convert_error(c, e, "'%s' is not a host name (no commas, colons or spaces).", v);
                        else
                                r = 0;
                        if (r >= 0)
                                r = network_add_option(network, keys[k].option, v);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int container_reload(ConvertContext *c, const char *name) {
        _cleanup_free_ const UnitEntry **cmds = NULL, **sigs = NULL;
        _cleanup_strv_free_ char **argv = NULL, **words = NULL;
        const UnitEntry *cmd, *sig;
        int n_cmd, n_sig, r;

        n_cmd = unit_file_lookup_list(c->in, "Container", "ReloadCmd", &cmds);
        n_sig = unit_file_lookup_list(c->in, "Container", "ReloadSignal", &sigs);
        if (n_cmd < 0 || n_sig < 0)
                return -ENOMEM;
        cmd = n_cmd > 0 ? cmds[n_cmd - 1] : NULL;
        sig = n_sig > 0 ? sigs[n_sig - 1] : NULL;
        if (!cmd && !sig)
                return 0;
        if (cmd && sig)
                return convert_error(c, sig, "ReloadCmd= and ReloadSignal= exclude each other.");
        if (unit_file_lookup_last(c->in, "Service", "ExecReload"))
                return convert_error(c, cmd ?: sig, "[Service] sets ExecReload= already.");

        if (cmd) {
                if (split_words(cmd->value, &words) < 0)
                        return convert_error(c, cmd, "Unbalanced quotes or a bad escape in '%s'.", cmd->value);
                /* Runs inside the running container, as `berth-runtime exec` does for a shell. */
                r = strv_extend(&argv, berth_path(BERTH_PATH_RUNTIME_BINARY));
                if (r >= 0)
                        r = strv_extend(&argv, "exec");
                if (r >= 0)
                        r = strv_extend(&argv, name);
                if (r >= 0)
                        r = strv_extend_strv(&argv, words);
                if (r < 0)
                        return r;
                return convert_add_exec(c, "ExecReload", argv);
        }

        _cleanup_free_ char *s = unit_value_unquote(sig->value);
        if (!s)
                return -ENOMEM;
        /* Upper case only: the name goes onto a command line (/bin/kill -s NAME). */
        if (isempty(s) || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+") != strlen(s) || signal_from_string(s) < 0)
                return convert_error(c, sig, "'%s' is not a signal name (such as SIGHUP) or number.", s);
        /* The supervisor is the unit's main process and forwards the signal to the payload. */
        _cleanup_free_ char *line = strjoin("/bin/kill -s ", s, " $MAINPID");
        if (!line)
                return -ENOMEM;
        return unit_file_append(c->out, "Service", "ExecReload", line);
}
