/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth network create|ls|inspect|rm|prune|connect|disconnect: bridge networks for containers (lib/network-store.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "berthd-client.h"
#include "commands.h"
#include "container-lookup.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "network-attach.h"
#include "network-store.h"
#include "object-verbs.h"
#include "strv.h"

static int network_create(int argc, char *argv[]) {
        enum {
                ARG_IGNORE = 0x100,
                ARG_IPAM,
                ARG_IFACE,
                ARG_GATEWAY,
                ARG_RANGE,
                ARG_IPV6,
                ARG_INTERNAL,
                ARG_NODNS,
                ARG_DNS,
                ARG_LABEL
        };
        static const struct option options[] = {
                { "ignore", no_argument, NULL, ARG_IGNORE },
                { "driver", required_argument, NULL, 'd' },
                { "ipam-driver", required_argument, NULL, ARG_IPAM },
                { "interface-name", required_argument, NULL, ARG_IFACE },
                { "subnet", required_argument, NULL, 's' },
                { "gateway", required_argument, NULL, ARG_GATEWAY },
                { "ip-range", required_argument, NULL, ARG_RANGE },
                { "ipv6", no_argument, NULL, ARG_IPV6 },
                { "internal", no_argument, NULL, ARG_INTERNAL },
                { "disable-dns", no_argument, NULL, ARG_NODNS },
                { "dns", required_argument, NULL, ARG_DNS },
                { "opt", required_argument, NULL, 'o' },
                { "label", required_argument, NULL, ARG_LABEL },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_strv_free_ char **subnets = NULL, **gateways = NULL, **ranges = NULL, **dns = NULL, **opts = NULL,
                                 **labels = NULL;
        _cleanup_(network_freep) Network *n = NULL, *existing = NULL;
        _cleanup_free_ Cidr *host = NULL;
        NetworkCreateOptions o = {};
        _cleanup_close_ int lock = -EBADF;
        bool ignore = false;
        int c, r = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "d:s:o:h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_IGNORE:
                        ignore = true;
                        break;
                case 'd':
                        o.driver = optarg;
                        break;
                case ARG_IPAM:
                        o.ipam_driver = optarg;
                        break;
                case ARG_IFACE:
                        o.interface = optarg;
                        break;
                case 's':
                        r = strv_extend(&subnets, optarg);
                        break;
                case ARG_GATEWAY:
                        r = strv_extend(&gateways, optarg);
                        break;
                case ARG_RANGE:
                        r = strv_extend(&ranges, optarg);
                        break;
                case ARG_IPV6:
                        o.ipv6 = true;
                        break;
                case ARG_INTERNAL:
                        o.internal = true;
                        break;
                case ARG_NODNS:
                        o.disable_dns = true;
                        break;
                case ARG_DNS:
                        r = strv_extend(&dns, optarg);
                        break;
                case 'o':
                        r = strv_extend(&opts, optarg);
                        break;
                /* docker's --label KEY alone means an empty value */
                case ARG_LABEL:
                        r = strv_consume(&labels, strchr(optarg, '=') ? strdup(optarg) : strjoin(optarg, "="));
                        break;
                case 'h':
                        printf("Usage: berth network create [--ignore] [--driver bridge] [--subnet CIDR [--gateway IP]\n"
                               "       [--ip-range CIDR]]... [--interface-name NAME] [--ipv6] [--internal] [--disable-dns]\n"
                               "       [--dns IP]... [--opt K=V]... [--label K=V]... NAME\n");
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth network create --help'.");
                }
                if (r < 0)
                        return log_oom();
        }
        if (optind + 1 != argc)
                return log_error_errno(-EINVAL, "Usage: berth network create [OPTIONS] NAME");
        {
                static char *const accepted[] = { (char *) "driver", (char *) "subnet", (char *) "gateway",
                        (char *) "ip-range", (char *) "ipv6", (char *) "internal", (char *) "disable-dns",
                        (char *) "dns", (char *) "opt", (char *) "label", (char *) "interface-name", NULL };
                r = berthd_create_object(accepted, "ListNetworks", "CreateNetwork", options, "d:s:o:h", argc, argv,
                                ignore, false);
                if (r != BERTHD_DO_IT_YOURSELF)
                        return r;
        }
        o.name = argv[optind];
        o.subnets = subnets;
        o.gateways = gateways;
        o.ranges = ranges;
        o.dns = dns;
        o.options = opts;
        o.labels = labels;

        /* Serialized against other creates: the subnet choice must see every record. */
        lock = network_lock(".create");
        if (lock < 0)
                return lock;
        r = network_load(o.name, &existing);
        if (r >= 0)
                return ignore ? 0 : log_error_errno(-EEXIST, "Network '%s' already exists.", o.name);
        if (r != -ENOENT)
                return r;
        if (network_host_subnets(&host, &o.n_host_subnets) >= 0)
                o.host_subnets = host;
        r = network_new(&o, &n);
        if (r >= 0)
                r = network_save(n);
        if (r < 0)
                return r;
        printf("%s\n", n->name);
        return 0;
}

static int network_ls(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        json_t *all = NULL;
        ListOptions o;
        int r;

        r = parse_list_options(argc, argv, "network", &o);
        if (r != 0)
                return r < 0 ? r : 0;
        r = network_list(&names);
        if (r < 0)
                return r;
        if (o.json && !(all = json_array()))
                return log_oom();
        if (!o.json && !o.quiet)
                printf("%-20s %-8s %-12s %s\n", "NAME", "DRIVER", "INTERFACE", "SUBNETS");
        STRV_FOREACH(name, names) {
                _cleanup_(network_freep) Network *n = NULL;
                _cleanup_strv_free_ char **subs = NULL;
                _cleanup_free_ char *joined = NULL;
                if (o.quiet) {
                        printf("%s\n", *name);
                        continue;
                }
                if (network_load(*name, &n) < 0)
                        continue; /* removed meanwhile */
                if (o.json) {
                        json_array_append_new(all, network_to_json(n));
                        continue;
                }
                for (size_t i = 0; i < n->n_subnets; i++)
                        (void) strv_consume(&subs, cidr_format(&n->subnets[i].subnet));
                joined = strv_join(subs, ",");
                printf("%-20s %-8s %-12s %s\n", n->name, n->driver, n->interface, joined ?: "");
        }
        return o.json ? print_list_and_free(all, &o) : 0;
}

/* A network's record plus the containers attached to it now. */
static int network_json(const char *name, json_t **ret) {
        _cleanup_(network_freep) Network *n = NULL;
        NetworkLease *leases = NULL;
        size_t count = 0;
        json_t *o, *ctrs;
        int r = network_load(name, &n);

        if (r < 0)
                return log_error_errno(r, "No such network: %s", name);
        o = network_to_json(n);
        ctrs = json_object();
        if (!o || !ctrs) {
                json_decref(o);
                json_decref(ctrs);
                return log_oom();
        }
        if (network_leases_read(n->name, &leases, &count) >= 0)
                for (size_t j = 0; j < count; j++) {
                        _cleanup_free_ char *a = cidr_format(&leases[j].address);
                        if (network_lease_is_live(&leases[j]))
                                json_object_set_new(ctrs, leases[j].container,
                                                json_pack("{s:s, s:s, s:o}", "address", a ?: "", "interface",
                                                                leases[j].veth, "aliases",
                                                                strv_to_json_array(leases[j].aliases)));
                        network_lease_done(&leases[j]);
                }
        free(leases);
        json_object_set_new(o, "containers", ctrs);
        *ret = o;
        return 0;
}

static int network_inspect(int argc, char *argv[]) {
        return inspect_each(argc, argv, "network", network_json);
}

/* Removes one network; with force also while containers use it (they lose their connectivity). */
static int remove_network(const char *name, bool force, bool ignore, bool quiet_if_busy) {
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_close_ int lock = -EBADF;
        int r, live;

        r = network_load(name, &n);
        if (r == -ENOENT)
                return ignore ? 0 : log_error_errno(r, "No such network: %s", name);
        if (r < 0)
                return r;
        if (streq(n->name, NETWORK_DEFAULT_NAME))
                return quiet_if_busy ? 0
                                     : log_error_errno(-EPERM, "The default network '%s' cannot be removed.", n->name);
        lock = network_lock(n->name);
        if (lock < 0)
                return lock;
        live = network_reclaim_stale(n->name);
        if (live < 0)
                return live;
        if (live > 0 && !force)
                return quiet_if_busy ? 0
                                     : log_error_errno(-EBUSY,
                                                       "Network '%s' is in use by %d container%s: stop %s first or use -f.",
                                                       n->name, live, live == 1 ? "" : "s", live == 1 ? "it" : "them");
        r = network_teardown(n);
        if (r < 0)
                return r;
        r = network_remove_record(n->name);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to remove network '%s': %m", n->name);
        return 1;
}

static int remove_one(const char *name, const RemoveOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = 1;

        /* RemoveNetwork has no force: -f is root's, done here */
        if (!o->force) {
                r = o->ignore ? berthd_list_contains(&bus, "ListNetworks", name) : 1;
                if (r == 0)
                        return RM_SKIPPED;
                if (r > 0)
                        r = berthd_call(&bus, "RemoveNetwork", UINT64_MAX, NULL, "s", name);
                if (r != BERTHD_DO_IT_YOURSELF)
                        return r;
        }
        return remove_network(name, o->force, o->ignore, false) ?: RM_SKIPPED;
}

static int network_rm(int argc, char *argv[]) {
        RemoveOptions o;
        int r = parse_remove_options(argc, argv, "network",
                        "removes a network even while containers use it (they lose their connectivity).", &o);

        if (r != 0)
                return r < 0 ? r : 0;
        return remove_each(argv + optind, &o, remove_one);
}

static int network_prune(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = network_list(&names);
        if (r < 0)
                return r;
        STRV_FOREACH(name, names) {
                int k = remove_network(*name, false, true, true);
                if (k > 0)
                        printf("%s\n", *name);
        }
        return 0;
}

/* berth network connect [--ip A] [--ip6 A] [--alias N]... NETWORK CONTAINER */
static int network_connect(int argc, char *argv[]) {
        static const struct option options[] = {
                { "ip", required_argument, NULL, 'i' },
                { "ip6", required_argument, NULL, '6' },
                { "alias", required_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_free_ char *spec = NULL;
        _cleanup_(container_state_done) ContainerState state = {};
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'i':
                case '6':
                case 'a': {
                        const char *key = c == 'i' ? "ip" : c == '6' ? "ip6" : "alias";
                        char *more = strjoin(spec ?: "", spec ? "," : "", key, "=", optarg);
                        if (!more)
                                return log_oom();
                        free(spec);
                        spec = more;
                        break;
                }
                case 'h':
                        printf("Usage: berth network connect [--ip A] [--ip6 A] [--alias NAME]... NETWORK CONTAINER\n\n"
                               "Plugs a running container into one more bridge network: an interface (eth1, ...),\n"
                               "an address, and its name in the /etc/hosts of the network's containers.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (argc - optind != 2)
                return log_error_errno(-EINVAL, "Usage: berth network connect [OPTIONS] NETWORK CONTAINER");
        {
                _cleanup_(network_freep) Network *n = NULL;
                r = network_load(argv[optind], &n);
                if (r == -ENOENT)
                        return log_error_errno(r, "No such network: %s", argv[optind]);
                if (r < 0)
                        return r;
                if (network_lease_exists(n->name, argv[optind + 1]) > 0)
                        return log_error_errno(-EEXIST, "Container '%s' is connected to network '%s' already.",
                                        argv[optind + 1], n->name);
        }
        r = container_state_read(argv[optind + 1], &state);
        if (r == -ESRCH || r == -ENOENT)
                return log_error_errno(-ESRCH, "Container '%s' is not running.", argv[optind + 1]);
        if (r < 0)
                return log_error_errno(r, "Failed to read the state of container '%s': %m", argv[optind + 1]);
        if (spec) {
                char *full = strjoin(argv[optind], ":", spec);
                if (!full)
                        return log_oom();
                free(spec);
                spec = full;
        }
        if (state.pid <= 0)
                return log_error_errno(-ESRCH, "Container '%s' has no process.", argv[optind + 1]);
        return network_connect_container(spec ?: argv[optind], argv[optind + 1], state.pid, state.hostname);
}

static int network_disconnect(int argc, char *argv[]) {
        if (argc != 3 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth network disconnect NETWORK CONTAINER\n");
                return argc == 2 ? 0 : -EINVAL;
        }
        return network_disconnect_container(argv[1], argv[2]);
}

int verb_network(int argc, char *argv[]) {
        static const SubVerb subs[] = {
                { "create", network_create },
                { "ls", network_ls },
                { "list", network_ls },
                { "inspect", network_inspect },
                { "rm", network_rm },
                { "remove", network_rm },
                { "prune", network_prune },
                { "connect", network_connect },
                { "disconnect", network_disconnect },
        };
        return run_sub_verb(subs, ELEMENTSOF(subs),
                        "Usage: berth network create|ls|inspect|rm|prune|connect|disconnect ...", argc, argv);
}
