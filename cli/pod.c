/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth pod create|ls|inspect|rm: pods (lib/pod-store.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "commands.h"
#include "fs-util.h"
#include "log.h"
#include "object-verbs.h"
#include "network-store.h"
#include "pod-store.h"
#include "strv.h"

#define PARSE_FAILED(sub) log_error_errno(-EINVAL, "See 'berth pod %s --help'.", sub)

static int pod_create_verb(int argc, char *argv[]) {
        enum { ARG_IGNORE = 0x100, ARG_DNS, ARG_DNS_SEARCH, ARG_DNS_OPTION, ARG_ADD_HOST, ARG_NETWORK, ARG_HOSTNAME };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "ignore", no_argument, NULL, ARG_IGNORE },
                { "name", required_argument, NULL, 'n' },
                { "network", required_argument, NULL, ARG_NETWORK },
                { "hostname", required_argument, NULL, ARG_HOSTNAME },
                { "publish", required_argument, NULL, 'p' },
                { "dns", required_argument, NULL, ARG_DNS },
                { "dns-search", required_argument, NULL, ARG_DNS_SEARCH },
                { "dns-option", required_argument, NULL, ARG_DNS_OPTION },
                { "add-host", required_argument, NULL, ARG_ADD_HOST },
                { "label", required_argument, NULL, 'l' },
                {},
        };
        Pod p = {};
        const char *name = NULL;
        bool ignore = false;
        int c, r = 0;

        optind = 0;
        while (r >= 0 && (c = getopt_long(argc, argv, "hn:p:l:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth pod create [--ignore] [--network=none|private|NETWORK[:OPTIONS]] [--hostname=NAME] "
                               "[--publish=[IP:]HOST:CONTAINER[/PROTO]]... [--dns=IP]... [--dns-search=DOMAIN]... "
                               "[--dns-option=OPT]... [--add-host=NAME:IP]... [--label=KEY=VALUE]... NAME\n\n"
                               "Makes the network, IPC and UTS namespaces that the pod's containers (--pod=NAME) share.\n"
                               "On a berth network the pod holds one address for them all, and --publish forwards\n"
                               "host ports to it.\n"
                               "--ignore succeeds when the pod exists already (and leaves it unchanged).\n");
                        return 0;
                case ARG_IGNORE:
                        ignore = true;
                        break;
                case 'n':
                        name = optarg;
                        break;
                case ARG_NETWORK:
                        p.network = optarg;
                        break;
                case ARG_HOSTNAME:
                        p.hostname = optarg;
                        break;
                case 'p':
                        r = strv_extend(&p.publish, optarg);
                        break;
                case ARG_DNS:
                        r = strv_extend(&p.dns, optarg);
                        break;
                case ARG_DNS_SEARCH:
                        r = strv_extend(&p.dns_search, optarg);
                        break;
                case ARG_DNS_OPTION:
                        r = strv_extend(&p.dns_option, optarg);
                        break;
                case ARG_ADD_HOST:
                        if (!strchr(optarg, ':') || optarg[0] == ':')
                                r = log_error_errno(-EINVAL, "Invalid --add-host '%s': expected NAME:IP.", optarg);
                        else
                                r = strv_extend(&p.add_host, optarg);
                        break;
                case 'l':
                        r = strv_consume(&p.labels, strchr(optarg, '=') ? strdup(optarg) : strjoin(optarg, "="));
                        break;
                default:
                        r = PARSE_FAILED("create");
                }
        if (r >= 0 && name && optind < argc)
                r = log_error_errno(-EINVAL, "Give the pod's name either with --name or as the argument, not both.");
        if (r >= 0 && !name && optind != argc - 1)
                r = log_error_errno(-EINVAL, "'berth pod create' takes exactly one NAME.");
        if (r >= 0) {
                p.name = (char *) (name ?: argv[optind]);
                r = pod_create(&p);
                if (r == -EEXIST && !ignore)
                        r = log_error_errno(r, "Pod '%s' already exists.", p.name);
                else if (r >= 0 || r == -EEXIST) {
                        printf("%s\n", p.name);
                        r = 0;
                }
        }
        p.name = p.hostname = p.network = NULL; /* borrowed from argv */
        strv_free(p.publish);
        strv_free(p.dns);
        strv_free(p.dns_search);
        strv_free(p.dns_option);
        strv_free(p.add_host);
        strv_free(p.labels);
        return r == -ENOMEM ? log_oom() : r;
}

/* The pod's address on its berth network (lib/network-store.h: a lease owned by "pod:NAME"); NULL
 * with a private network. */
static char *pod_address(const Pod *p) {
        _cleanup_(network_attach_options_done) NetworkAttachOptions opts = {};
        _cleanup_free_ char *owner = network_pod_owner(p->name);
        NetworkLease *leases = NULL;
        char *address = NULL;
        size_t n = 0;

        if (!owner || !p->network || network_name_is_mode(p->network) ||
                        network_attach_options_parse(p->network, &opts) < 0 ||
                        network_leases_read(network_canonical_name(opts.name), &leases, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (!address && streq(leases[i].container, owner))
                        address = address_format(&leases[i].address);
                network_lease_done(&leases[i]);
        }
        free(leases);
        return address;
}

static json_t *pod_json_with_members(const Pod *p) {
        _cleanup_strv_free_ char **members = NULL;
        _cleanup_free_ char *address = pod_address(p);
        json_t *o = pod_to_json(p), *a = json_array();

        if (o && a && pod_members(p->name, &members) >= 0)
                STRV_FOREACH(m, members)
                        json_array_append_new(a, json_string(*m));
        if (!o || !a || json_object_set_new(o, "Containers", a) < 0 ||
                        (address && json_object_set_new(o, "IPAddress", json_string(address)) < 0)) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static int pod_ls_verb(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        json_t *all = NULL;
        ListOptions o;
        int r;

        r = parse_list_options(argc, argv, "pod", &o);
        if (r != 0)
                return r < 0 ? r : 0;
        r = pod_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list pods: %m");
        if (o.json && !(all = json_array()))
                return log_oom();
        if (!o.quiet && !o.json)
                printf("%-24s %-24s %-22s %s\n", "NAME", "HOSTNAME", "CREATED", "# OF CONTAINERS");
        STRV_FOREACH(n, names) {
                _cleanup_(pod_freep) Pod *p = NULL;
                _cleanup_strv_free_ char **members = NULL;
                if (o.quiet) {
                        printf("%s\n", *n);
                        continue;
                }
                if (pod_load(*n, &p) < 0)
                        continue; /* removed meanwhile */
                if (o.json) {
                        json_array_append_new(all, pod_json_with_members(p));
                        continue;
                }
                (void) pod_members(*n, &members);
                printf("%-24s %-24s %-22s %zu\n", p->name, p->hostname, p->created, strv_length(members));
        }
        return o.json ? print_list_and_free(all, &o) : 0;
}

static int pod_json(const char *name, json_t **ret) {
        _cleanup_(pod_freep) Pod *p = NULL;
        int r = pod_load(name, &p);

        if (r == -ENOENT)
                return log_error_errno(r, "No such pod: %s", name);
        if (r < 0)
                return log_error_errno(r, "Failed to read pod '%s': %m", name);
        *ret = pod_json_with_members(p);
        return *ret ? 0 : log_oom();
}

static int pod_inspect_verb(int argc, char *argv[]) {
        return inspect_each(argc, argv, "pod", pod_json);
}

static int remove_one(const char *name, const RemoveOptions *o) {
        int r = pod_remove(name, o->force);

        if (r == -ENOENT && o->ignore)
                return RM_SKIPPED;
        if (r == -ENOENT)
                return log_error_errno(r, "No such pod: %s", name);
        if (r == -EBUSY) {
                _cleanup_strv_free_ char **members = NULL;
                _cleanup_free_ char *joined = NULL;
                (void) pod_members(name, &members);
                joined = members ? strv_join(members, ", ") : NULL;
                return log_error_errno(r, "Pod '%s' has running containers (%s); stop them first or use -f.", name,
                                joined ?: "?");
        }
        if (r < 0)
                return log_error_errno(r, "Failed to remove pod '%s': %m", name);
        return 0;
}

static int pod_rm_verb(int argc, char *argv[]) {
        RemoveOptions o;
        int r = parse_remove_options(argc, argv, "pod",
                        "stops the pod's running containers first (they are refused otherwise).", &o);

        if (r != 0)
                return r < 0 ? r : 0;
        return remove_each(argv + optind, &o, remove_one);
}

int verb_pod(int argc, char *argv[]) {
        static const SubVerb subs[] = {
                { "create", pod_create_verb },
                { "ls", pod_ls_verb },
                { "list", pod_ls_verb },
                { "ps", pod_ls_verb },
                { "inspect", pod_inspect_verb },
                { "rm", pod_rm_verb },
                { "remove", pod_rm_verb },
        };
        return run_sub_verb(subs, ELEMENTSOF(subs), "Usage: berth pod create|ls|inspect|rm ...", argc, argv);
}
