/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "network-attach.h"
#include "network-hosts.h"
#include "network-nft.h"
#include "paths.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put);

/* --- --publish --------------------------------------------------------------------------------- */

static int parse_port(const char *s, size_t len, uint16_t *ret) {
        unsigned long v = 0;

        if (len == 0 || len > 5)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long) (s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

int publish_parse(const char *s, PublishSpec *ret) {
        _cleanup_free_ char *copy = strdup(s ?: "");
        PublishSpec p = { .proto = "tcp" };
        char *slash, *last, *prev;

        if (!copy)
                return -ENOMEM;
        slash = strchr(copy, '/');
        if (slash) {
                *slash++ = 0;
                if (!streq(slash, "tcp") && !streq(slash, "udp"))
                        return -EINVAL;
                strcpy(p.proto, slash);
        }
        last = strrchr(copy, ':');
        if (!last)
                return -EINVAL; /* a random host port is not supported: HOST:CONTAINER */
        if (parse_port(last + 1, strlen(last + 1), &p.container_port) < 0)
                return -EINVAL;
        *last = 0;
        prev = strrchr(copy, ':');
        if (parse_port(prev ? prev + 1 : copy, strlen(prev ? prev + 1 : copy), &p.host_port) < 0)
                return -EINVAL;
        if (prev) {
                *prev = 0;
                if (!isempty(copy) && !streq(copy, "0.0.0.0")) {
                        if (address_parse(copy, &p.host_ip) < 0 || p.host_ip.family != AF_INET)
                                return -EINVAL;
                }
        }
        *ret = p;
        return 0;
}

void network_veth_name(const char *network, const char *container, char ret[16]) {
        uint32_t h = 2166136261u;

        for (const char *p = network; *p; p++)
                h = (h ^ (uint8_t) *p) * 16777619u;
        h = (h ^ '/') * 16777619u;
        for (const char *p = container; *p; p++)
                h = (h ^ (uint8_t) *p) * 16777619u;
        (void) snprintf(ret, 16, "veth%08x", h);
}

/* --- links, addresses, routes ------------------------------------------------------------------ */

static int nl_error(int nlerr, const char *what, const char *name) {
        return log_error_errno(-EIO, "Failed to %s %s: %s", what, name, nl_geterror(nlerr));
}

static int route_socket(struct nl_sock **ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = nl_socket_alloc();
        int r;

        if (!sk)
                return log_oom();
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0)
                return nl_error(r, "connect", "a netlink socket");
        *ret = TAKE_PTR(sk);
        return 0;
}

/* A netlink socket that talks to the network namespace netns_fd (sockets stay in the namespace they
 * were made in, so we step in, make it, and step back). */
static int route_socket_in(int netns_fd, struct nl_sock **ret) {
        _cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (self < 0)
                return log_error_errno(-errno, "Failed to open our network namespace: %m");
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return log_error_errno(-errno, "Failed to enter the network namespace to attach: %m");
        r = route_socket(ret);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* We cannot continue in the container's namespace. */
                log_error_errno(-errno, "Failed to return to our network namespace: %m");
                abort();
        }
        return r;
}

static int link_index(struct nl_sock *sk, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r = rtnl_link_get_kernel(sk, 0, name, &link);

        if (r < 0)
                return r == -NLE_NODEV || r == -NLE_OBJ_NOTFOUND ? -ENODEV : nl_error(r, "look up", name);
        return rtnl_link_get_ifindex(link);
}

static int link_up(struct nl_sock *sk, int ifindex, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc(), *change = rtnl_link_alloc();
        int r;

        if (!link || !change)
                return log_oom();
        rtnl_link_set_ifindex(link, ifindex);
        rtnl_link_set_flags(change, IFF_UP);
        r = rtnl_link_change(sk, link, change, 0);
        return r < 0 ? nl_error(r, "bring up", name) : 0;
}

static int add_address(struct nl_sock *sk, int ifindex, const Cidr *a, const char *name) {
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *addr = rtnl_addr_alloc();
        _cleanup_(nl_addr_putp) struct nl_addr *local = nl_addr_build(a->family, a->addr, a->family == AF_INET ? 4 : 16);
        int r;

        if (!addr || !local)
                return log_oom();
        nl_addr_set_prefixlen(local, (int) a->prefixlen);
        rtnl_addr_set_ifindex(addr, ifindex);
        if (a->family == AF_INET6)
                rtnl_addr_set_flags(addr, IFA_F_NODAD); /* we hand out the addresses: usable at once */
        r = rtnl_addr_set_local(addr, local);
        if (r >= 0)
                r = rtnl_addr_add(sk, addr, 0);
        return r < 0 && r != -NLE_EXIST ? nl_error(r, "add an address to", name) : 0;
}

static int write_sysctl(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t) strlen(value))
                return log_error_errno(-errno, "Failed to set %s: %m", path);
        return 0;
}

static const NetworkSubnet *first_ipv4(const Network *n) {
        for (size_t i = 0; i < n->n_subnets; i++)
                if (n->subnets[i].subnet.family == AF_INET)
                        return &n->subnets[i];
        return NULL;
}

/* The bridge with the gateway addresses, up; forwarding on; the network's rules. */
static int ensure_bridge(struct nl_sock *sk, const Network *n) {
        _cleanup_free_ char *localnet = strjoin("/proc/sys/net/ipv4/conf/", n->interface, "/route_localnet");
        bool has_v6 = false;
        int ifindex, r;

        if (!localnet)
                return log_oom();
        ifindex = link_index(sk, n->interface);
        if (ifindex == -ENODEV) {
                _cleanup_(rtnl_link_putp) struct rtnl_link *br = rtnl_link_bridge_alloc();
                if (!br)
                        return log_oom();
                rtnl_link_set_name(br, n->interface);
                r = rtnl_link_add(sk, br, NLM_F_CREATE);
                if (r < 0 && r != -NLE_EXIST)
                        return nl_error(r, "create the bridge", n->interface);
                ifindex = link_index(sk, n->interface);
        }
        if (ifindex < 0)
                return ifindex;
        for (size_t i = 0; i < n->n_subnets; i++) {
                r = add_address(sk, ifindex, &n->subnets[i].gateway, n->interface);
                if (r < 0)
                        return r;
                if (n->subnets[i].subnet.family == AF_INET6)
                        has_v6 = true;
        }
        r = link_up(sk, ifindex, n->interface);
        if (r < 0)
                return r;
        /* Routing between the bridge and the rest, and localhost traffic DNATed onto the bridge. */
        r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
        if (r >= 0)
                r = write_sysctl(localnet, "1");
        if (r >= 0 && has_v6)
                r = write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
        if (r < 0)
                return r;
        r = network_nft_ensure_tables();
        if (r < 0)
                return r;
        return network_nft_add_network_rules(n);
}

static int delete_link(struct nl_sock *sk, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();
        int r;

        if (!link)
                return log_oom();
        rtnl_link_set_name(link, name);
        r = rtnl_link_delete(sk, link);
        if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
                return nl_error(r, "delete", name);
        return 0;
}

/* The veth pair: host end on the bridge, the peer created directly in the container's (or pod's)
 * namespace as eth0, so the name never clashes with the host's interfaces. */
static int create_veth(struct nl_sock *sk, const Network *n, const char *veth, int netns_fd, const char *ifname,
                const char *mac) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_veth_alloc(), *peer = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *lladdr = NULL;
        int bridge, ifindex, r;

        if (!link)
                return log_oom();
        bridge = link_index(sk, n->interface);
        if (bridge < 0)
                return bridge;
        /* A veth of the same name is a leftover of a crashed predecessor of this container. */
        r = delete_link(sk, veth);
        if (r < 0)
                return r;
        peer = rtnl_link_veth_get_peer(link);
        rtnl_link_set_name(link, veth);
        rtnl_link_set_master(link, bridge);
        rtnl_link_set_name(peer, ifname);
        rtnl_link_set_ns_fd(peer, netns_fd);
        if (mac) {
                r = nl_addr_parse(mac, AF_LLC, &lladdr);
                if (r < 0)
                        return nl_error(r, "parse the MAC address", mac);
                rtnl_link_set_addr(peer, lladdr);
        }
        r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
        if (r < 0)
                return nl_error(r, "create the veth pair", veth);
        ifindex = link_index(sk, veth);
        if (ifindex < 0)
                return ifindex;
        return link_up(sk, ifindex, veth);
}

static int add_default_route(struct nl_sock *sk, int ifindex, const Cidr *gateway) {
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = rtnl_route_alloc();
        size_t len = gateway->family == AF_INET ? 4 : 16;
        _cleanup_(nl_addr_putp) struct nl_addr *dst = nl_addr_build(gateway->family, (uint8_t[16]) {}, len),
                                               *gw = nl_addr_build(gateway->family, gateway->addr, len);
        struct rtnl_nexthop *nh;
        int r;

        if (!route || !dst || !gw)
                return log_oom();
        nh = rtnl_route_nh_alloc();
        if (!nh)
                return log_oom();
        nl_addr_set_prefixlen(dst, 0);
        rtnl_route_set_family(route, (uint8_t) gateway->family);
        rtnl_route_set_dst(route, dst);
        rtnl_route_nh_set_gateway(nh, gw);
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
        r = rtnl_route_add(sk, route, NLM_F_CREATE);
        return r < 0 ? nl_error(r, "add the default route in", "the container") : 0;
}

/* Inside the container: eth0 with its addresses, lo, and default routes via the gateways. */
static int configure_container(int netns_fd, const Network *n, const NetworkLease *lease, const char *ifname) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int eth0, lo, r;

        r = route_socket_in(netns_fd, &sk);
        if (r < 0)
                return r;
        eth0 = link_index(sk, ifname);
        lo = link_index(sk, "lo");
        if (eth0 < 0 || lo < 0)
                return log_error_errno(-ENODEV, "The container has no %s or lo.", ifname);
        r = add_address(sk, eth0, &lease->address, ifname);
        if (r >= 0 && lease->address6.family)
                r = add_address(sk, eth0, &lease->address6, ifname);
        if (r >= 0)
                r = link_up(sk, eth0, ifname);
        if (r >= 0)
                r = link_up(sk, lo, "lo");
        if (r < 0)
                return r;
        for (int family = AF_INET; family; family = family == AF_INET && lease->address6.family ? AF_INET6 : 0)
                for (size_t i = 0; i < n->n_subnets; i++)
                        if (n->subnets[i].subnet.family == family) {
                                r = add_default_route(sk, eth0, &n->subnets[i].gateway);
                                if (r < 0)
                                        return r;
                                break;
                        }
        return 0;
}

static int detach_locked(const char *network, const char *container, const char *veth) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_free_ char *comment = network_nft_container_comment(network, container);
        char name[16];
        int r, ret = 0;

        if (!comment)
                return log_oom();
        if (!veth) {
                network_veth_name(network, container, name);
                veth = name;
        }
        r = network_nft_rules_by_comment(comment, false);
        if (r < 0)
                ret = r;
        /* The veth dies with the namespace, but maybe not yet: remove it now, so it is gone when we exit. */
        r = route_socket(&sk);
        if (r >= 0)
                r = delete_link(sk, veth);
        if (r < 0 && ret >= 0)
                ret = r;
        network_hosts_forget(network, container);
        r = network_lease_release(network, container);
        return ret < 0 ? ret : r;
}

int network_reclaim_stale(const char *network) {
        NetworkLease *leases = NULL;
        size_t n = 0;
        int r, live = 0;

        r = network_leases_read(network, &leases, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (network_lease_is_live(&leases[i]))
                        live++;
                else {
                        log_debug("Reclaiming the lease of container %s on network %s.", leases[i].container, network);
                        (void) detach_locked(network, leases[i].container, leases[i].veth);
                }
                network_lease_done(&leases[i]);
        }
        free(leases);
        return live;
}

static bool publish_overlaps(const PublishSpec *a, const PublishSpec *b) {
        return a->host_port == b->host_port && streq(a->proto, b->proto) &&
                (!a->host_ip.family || !b->host_ip.family || memcmp(a->host_ip.addr, b->host_ip.addr, 4) == 0);
}

/* A host port goes to one container only: the first DNAT rule would silently win. */
static int check_publish_conflicts(const char *container, char *const *publish) {
        _cleanup_strv_free_ char **names = NULL;
        int r = 0;

        if (!publish || network_list(&names) < 0)
                return 0;
        STRV_FOREACH(name, names) {
                NetworkLease *leases = NULL;
                size_t n = 0;
                if (network_leases_read(*name, &leases, &n) < 0)
                        continue;
                for (size_t i = 0; i < n; i++) {
                        if (r >= 0 && !streq(leases[i].container, container) &&
                                        network_lease_is_live(&leases[i]))
                                STRV_FOREACH(theirs, leases[i].publish)
                                        STRV_FOREACH(mine, publish) {
                                                PublishSpec a, b;
                                                if (r >= 0 && publish_parse(*theirs, &a) >= 0 &&
                                                                publish_parse(*mine, &b) >= 0 && publish_overlaps(&a, &b))
                                                        r = log_error_errno(-EADDRINUSE, "Port %u/%s is already published "
                                                                        "by container %s (--publish %s).", b.host_port,
                                                                        b.proto, leases[i].container, *theirs);
                                        }
                        network_lease_done(&leases[i]);
                }
                free(leases);
        }
        return r;
}

/* Plugs the network namespace netns_fd into network for owner (a container's name or "pod:NAME").
 * run_dir: the container's, whose hosts and resolv.conf get the network's view; NULL for a pod, whose
 * members get it from pod_apply_to_spec() when they start. */
static int attach_netns(const char *network, const char *owner, int netns_fd, const char *run_dir,
                const char *hostname, char *const *publish, bool keep_resolv) {
        _cleanup_(network_attach_options_done) NetworkAttachOptions opts = {};
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_close_ int lock = -EBADF;
        NetworkLease lease = {};
        char veth[16];
        int r;

        r = network_attach_options_parse(network, &opts);
        if (r < 0)
                return r;
        network = opts.name;
        r = network_load(network, &n);
        if (r == -ENOENT)
                return log_error_errno(r, "Network '%s' does not exist: create it with 'berth network create %s'.",
                                network, network);
        if (r < 0)
                return log_error_errno(r, "Failed to load network '%s': %m", network);
        if (!first_ipv4(n))
                return log_error_errno(-EINVAL, "Network '%s' has no IPv4 subnet.", n->name);
        STRV_FOREACH(s, publish) {
                PublishSpec p;
                if (publish_parse(*s, &p) < 0)
                        return log_error_errno(-EINVAL, "Invalid --publish '%s': expected [IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp] "
                                        "with an IPv4 address.", *s);
        }
        /* A pod is known by its host name too, as its containers know themselves. */
        if (!run_dir && hostname && !streq(hostname, network_owner_name(owner)) && !strv_contains(opts.aliases, hostname) &&
                        strv_extend(&opts.aliases, hostname) < 0)
                return log_oom();
        r = check_publish_conflicts(owner, publish);
        if (r < 0)
                return r;
        network_veth_name(n->name, owner, veth);

        lock = network_lock(n->name);
        if (lock < 0)
                return lock;
        (void) network_reclaim_stale(n->name);
        /* A lease of our own name: a predecessor was killed and we were started again right away (we
         * hold the name's lock now, so it looked alive). Its rules and hosts lines go first. */
        r = network_lease_exists(n->name, owner);
        if (r > 0)
                (void) detach_locked(n->name, owner, NULL);
        r = route_socket(&sk);
        if (r < 0)
                return r;
        r = ensure_bridge(sk, n);
        if (r < 0)
                return r;
        r = network_lease_acquire(n, owner, veth, publish, &opts, &lease);
        if (r < 0)
                return r;
        r = create_veth(sk, n, veth, netns_fd, opts.interface ?: "eth0", opts.mac);
        if (r >= 0)
                r = configure_container(netns_fd, n, &lease, opts.interface ?: "eth0");
        if (r >= 0)
                r = network_nft_add_publish_rules(n->name, owner, &lease.address, &lease.address6, publish);
        if (r >= 0 && run_dir)
                r = network_hosts_write_files(n, run_dir, hostname, owner, &lease, keep_resolv);
        else if (r >= 0) {
                /* The peers learn the pod's address; what it learns of them is read at member start. */
                _cleanup_free_ char *scratch = strdup("");
                r = scratch ? network_hosts_exchange(n->name, &lease, &scratch) : log_oom();
        }
        if (r < 0)
                (void) detach_locked(n->name, owner, veth);
        else {
                _cleanup_free_ char *a = cidr_format(&lease.address);
                log_debug("%s is %s on network %s (%s).", owner, a ?: "?", n->name, veth);
        }
        network_lease_done(&lease);
        return r;
}

int network_attach_container(const char *network, const char *container, pid_t pid, const char *run_dir,
                const char *hostname, char *const *publish, bool keep_resolv) {
        _cleanup_close_ int netns = -EBADF;
        char path[64];

        if (network_name_is_mode(network))
                return 0;
        (void) snprintf(path, sizeof path, "/proc/%d/ns/net", (int) pid);
        netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return log_error_errno(-errno, "Failed to open network namespace %s: %m", path);
        return attach_netns(network, container, netns, run_dir, hostname, publish, keep_resolv);
}

int network_attach_pod(const char *network, const char *pod, int netns_fd, const char *hostname, char *const *publish) {
        _cleanup_free_ char *owner = network_pod_owner(pod);

        if (!owner)
                return log_oom();
        if (network_name_is_mode(network))
                return 0;
        return attach_netns(network, owner, netns_fd, NULL, hostname, publish, true);
}

int network_detach_container(const char *network, const char *container) {
        _cleanup_free_ char *plain = NULL;
        _cleanup_close_ int lock = -EBADF;
        const char *name;

        if (network_name_is_mode(network))
                return 0;
        plain = strndup(network, strcspn(network, ":")); /* NAME[:OPTIONS] */
        if (!plain)
                return log_oom();
        name = network_canonical_name(plain);
        if (!network_name_is_valid(name))
                return 0;
        /* No lease: never attached, or `berth network rm -f` took the network away already. */
        if (network_lease_exists(name, container) == 0)
                return 0;
        lock = network_lock(name);
        if (lock < 0)
                return lock;
        return detach_locked(name, container, NULL);
}

int network_detach_pod(const char *pod) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *owner = network_pod_owner(pod);
        int r, ret = 0;

        if (!owner)
                return log_oom();
        r = network_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list the networks: %m");
        STRV_FOREACH(name, names)
                if (network_lease_exists(*name, owner) > 0) {
                        r = network_detach_container(*name, owner);
                        if (r < 0 && ret >= 0)
                                ret = r;
                }
        return ret;
}

int network_host_subnets(Cidr **ret, size_t *ret_n) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_strv_free_ char **names = NULL, **bridges = NULL;
        struct nl_cache *cache = NULL;
        Cidr *list = NULL;
        size_t n = 0;
        int r;

        r = route_socket(&sk);
        if (r < 0)
                return r;
        if (network_list(&names) >= 0)
                STRV_FOREACH(name, names) {
                        _cleanup_(network_freep) Network *net = NULL;
                        if (network_load(*name, &net) >= 0 && strv_extend(&bridges, net->interface) < 0)
                                return log_oom();
                }
        r = rtnl_addr_alloc_cache(sk, &cache);
        if (r < 0)
                return nl_error(r, "list", "the host's addresses");
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *a = (struct rtnl_addr *) o;
                struct nl_addr *local = rtnl_addr_get_local(a);
                char ifname[IF_NAMESIZE] = "";
                Cidr c = { .family = AF_INET };
                Cidr *more;
                if (rtnl_addr_get_family(a) != AF_INET || !local || nl_addr_get_len(local) != 4)
                        continue;
                (void) if_indextoname((unsigned) rtnl_addr_get_ifindex(a), ifname);
                if (strv_contains(bridges, ifname))
                        continue;
                memcpy(c.addr, nl_addr_get_binary_addr(local), 4);
                c.prefixlen = (unsigned) rtnl_addr_get_prefixlen(a);
                if (c.prefixlen >= 32)
                        continue; /* a lone address, no network to collide with */
                cidr_mask(&c);
                more = reallocarray(list, n + 1, sizeof(Cidr));
                if (!more)
                        break;
                list = more;
                list[n++] = c;
        }
        nl_cache_free(cache);
        *ret = list;
        *ret_n = n;
        return 0;
}

int network_teardown(const Network *n) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_free_ char *comment = network_nft_network_comment(n->name);
        NetworkLease *leases = NULL;
        size_t count = 0;
        int r;

        if (!comment)
                return log_oom();
        /* Every container's rules, live or not: the network goes away under them. */
        if (network_leases_read(n->name, &leases, &count) >= 0) {
                for (size_t i = 0; i < count; i++) {
                        (void) detach_locked(n->name, leases[i].container, leases[i].veth);
                        network_lease_done(&leases[i]);
                }
                free(leases);
        }
        r = network_nft_rules_by_comment(comment, false);
        if (r < 0)
                return r;
        r = route_socket(&sk);
        if (r < 0)
                return r;
        return delete_link(sk, n->interface);
}
