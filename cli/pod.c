/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth pod create|ls|inspect|rm: pods (lib/pod-store.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "commands.h"
#include "fs-util.h"
#include "log.h"
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

static int print_json(json_t *a) {
        char *text = a ? json_dumps(a, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;

        json_decref(a);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return 0;
}

static int pod_ls_verb(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                { "format", required_argument, NULL, 'f' },
                {},
        };
        _cleanup_strv_free_ char **names = NULL;
        const char *format = NULL;
        bool quiet = false;
        json_t *all = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hqf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth pod ls [--quiet] [--format json]\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        format = optarg;
                        break;
                default:
                        return PARSE_FAILED("ls");
                }
        if (format && !streq(format, "json"))
                return log_error_errno(-EINVAL, "Unsupported --format '%s': only json.", format);
        r = pod_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list pods: %m");
        if (format && !(all = json_array()))
                return log_oom();
        if (!quiet && !format)
                printf("%-24s %-24s %-22s %s\n", "NAME", "HOSTNAME", "CREATED", "# OF CONTAINERS");
        STRV_FOREACH(n, names) {
                _cleanup_(pod_freep) Pod *p = NULL;
                _cleanup_strv_free_ char **members = NULL;
                if (quiet) {
                        printf("%s\n", *n);
                        continue;
                }
                if (pod_load(*n, &p) < 0)
                        continue; /* removed meanwhile */
                if (format) {
                        json_array_append_new(all, pod_json_with_members(p));
                        continue;
                }
                (void) pod_members(*n, &members);
                printf("%-24s %-24s %-22s %zu\n", p->name, p->hostname, p->created, strv_length(members));
        }
        return format ? print_json(all) : 0;
}

static int pod_inspect_verb(int argc, char *argv[]) {
        json_t *all;
        int r = 0;

        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: berth pod inspect NAME...\n");
                return 0;
        }
        if (argc < 2)
                return log_error_errno(-EINVAL, "'berth pod inspect' needs at least one NAME.");
        all = json_array();
        if (!all)
                return log_oom();
        for (int i = 1; i < argc; i++) {
                _cleanup_(pod_freep) Pod *p = NULL;
                int k = pod_load(argv[i], &p);
                if (k == -ENOENT)
                        k = log_error_errno(k, "No such pod: %s", argv[i]);
                if (k < 0) {
                        r = k;
                        continue;
                }
                json_array_append_new(all, pod_json_with_members(p));
        }
        int k = print_json(all);
        return r < 0 ? r : k;
}

static int pod_rm_verb(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                { "ignore", no_argument, NULL, 'i' },
                {},
        };
        bool force = false, ignore = false;
        int c, r = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hfi", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth pod rm [-f] [--ignore] NAME...\n\n"
                               "-f stops the pod's running containers first (they are refused otherwise).\n"
                               "--ignore succeeds for pods that do not exist.\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                case 'i':
                        ignore = true;
                        break;
                default:
                        return PARSE_FAILED("rm");
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "'berth pod rm' needs at least one NAME.");
        for (int i = optind; i < argc; i++) {
                int k = pod_remove(argv[i], force);
                if (k == -ENOENT && ignore)
                        continue;
                if (k == -ENOENT)
                        k = log_error_errno(k, "No such pod: %s", argv[i]);
                else if (k == -EBUSY) {
                        _cleanup_strv_free_ char **members = NULL;
                        _cleanup_free_ char *joined = NULL;
                        (void) pod_members(argv[i], &members);
                        joined = members ? strv_join(members, ", ") : NULL;
                        k = log_error_errno(k, "Pod '%s' has running containers (%s); stop them first or use -f.",
                                        argv[i], joined ?: "?");
                } else if (k < 0)
                        k = log_error_errno(k, "Failed to remove pod '%s': %m", argv[i]);
                if (k < 0)
                        r = k;
                else
                        printf("%s\n", argv[i]);
        }
        return r;
}

int verb_pod(int argc, char *argv[]) {
        static const struct {
                const char *name;
                int (*run)(int argc, char *argv[]);
        } subs[] = {
                { "create", pod_create_verb }, { "ls", pod_ls_verb },        { "list", pod_ls_verb }, { "ps", pod_ls_verb },
                { "inspect", pod_inspect_verb }, { "rm", pod_rm_verb },      { "remove", pod_rm_verb },
        };

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth pod create|ls|inspect|rm ...\n\nSee berth-pod(1).\n");
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(subs); i++)
                if (streq(subs[i].name, argv[1]))
                        return subs[i].run(argc - 1, argv + 1);
        return log_error_errno(-EINVAL, "Unknown command 'berth pod %s'. See 'berth pod --help'.", argv[1]);
}
