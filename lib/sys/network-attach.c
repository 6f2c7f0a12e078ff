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
#include <arpa/inet.h>
#include <sched.h>
#include <sys/stat.h>
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
#include "publish-spec.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put);

void network_mac_from_address(const Cidr *address, char ret[18]) {
        (void) snprintf(ret, 18, "02:42:%02x:%02x:%02x:%02x", address->addr[0], address->addr[1], address->addr[2],
                        address->addr[3]);
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
                if (network_mtu(n))
                        rtnl_link_set_mtu(br, network_mtu(n));
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
        if (network_mtu(n)) {
                rtnl_link_set_mtu(link, network_mtu(n));
                rtnl_link_set_mtu(peer, network_mtu(n));
        }
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

/* The first ethN the namespace does not have: eth0 for the first network, eth1 for the second, ... */
static int pick_interface(int netns_fd, char ret[IF_NAMESIZE]) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int r;

        r = route_socket_in(netns_fd, &sk);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < 1000; i++) {
                (void) snprintf(ret, IF_NAMESIZE, "eth%u", i);
                r = link_index(sk, ret);
                if (r == -ENODEV)
                        return 0;
                if (r < 0)
                        return r;
        }
        return log_error_errno(-ENOSPC, "The container has no free ethN interface name left.");
}

/* Inside the container: eth0 with its addresses, lo, and default routes via the gateways. */
static int configure_container(int netns_fd, const Network *n, const NetworkLease *lease, const char *ifname,
                bool primary) {
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
        if (n->internal || !primary)
                return 0; /* internal: only its own subnet is reachable, no default route to time out on;
                           * not the first network: the first one's gateway is the way out */
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
        /* A lease without published ports has no rules to look for (a lost lease may have). */
        if (network_lease_has_publish(network, container) != 0) {
                r = network_nft_rules_by_comment(comment, false);
                if (r < 0)
                        ret = r;
        }
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

/* A host port goes to one container only: the first DNAT rule would silently win. */
static int check_publish_conflicts(const char *owner, const PublishSpec *ports, size_t n_ports) {
        _cleanup_strv_free_ char **names = NULL;
        int r = 0;

        if (n_ports == 0 || network_list(&names) < 0)
                return 0;
        STRV_FOREACH(name, names) {
                NetworkLease *leases = NULL;
                size_t n = 0;
                if (network_leases_read(*name, &leases, &n) < 0)
                        continue;
                for (size_t i = 0; i < n; i++) {
                        if (r >= 0 && !streq(leases[i].container, owner) && network_lease_is_live(&leases[i]))
                                STRV_FOREACH(theirs, leases[i].publish) {
                                        PublishSpec t;
                                        if (publish_spec_parse(*theirs, &t) < 0)
                                                continue;
                                        for (size_t k = 0; r >= 0 && k < n_ports; k++)
                                                if (publish_spec_overlaps(&t, &ports[k]))
                                                        r = log_error_errno(-EADDRINUSE,
                                                                        "Host port %u/%s is already "
                                                                        "published by container %s (--publish %s).",
                                                                        MAX(t.host_port, ports[k].host_port),
                                                                        ports[k].proto, leases[i].container, *theirs);
                                }
                        network_lease_done(&leases[i]);
                }
                free(leases);
        }
        return r;
}

/* Binds a socket to the host address and port of p (port 0: the kernel picks a free one) and returns
 * it, or -EADDRINUSE when another process holds the port. */
static int bind_host_port(const PublishSpec *p, uint16_t port) {
        int family = p->host_ip.family == AF_INET6 ? AF_INET6 : AF_INET;
        _cleanup_close_ int fd = socket(family, (streq(p->proto, "udp") ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        socklen_t len;

        if (fd < 0)
                return -errno;
        if (family == AF_INET6) {
                sa.in6 = (struct sockaddr_in6) { .sin6_family = AF_INET6, .sin6_port = htons(port) };
                memcpy(&sa.in6.sin6_addr, p->host_ip.addr, 16);
                len = sizeof sa.in6;
        } else {
                sa.in = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons(port) };
                if (p->host_ip.family)
                        memcpy(&sa.in.sin_addr, p->host_ip.addr, 4);
                len = sizeof sa.in;
        }
        if (bind(fd, &sa.sa, len) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* Host ports: a port another process has bound is refused (its traffic would vanish into the
 * container), and an unchosen one (-p 5432) becomes a free port that no other container publishes.
 * Ranges without host ports were split into single ports by the caller. The check closes its sockets:
 * the DNAT rules, not a listening socket, carry the traffic. */
static int resolve_host_ports(const char *owner, PublishSpec *ports, size_t n_ports) {
        for (size_t i = 0; i < n_ports; i++) {
                PublishSpec *p = &ports[i];
                if (p->host_port) {
                        for (unsigned k = 0; k < p->count; k++) {
                                int fd = bind_host_port(p, (uint16_t) (p->host_port + k));
                                if (fd == -EADDRINUSE) {
                                        _cleanup_free_ char *text = publish_spec_format(p);
                                        return log_error_errno(fd,
                                                        "Host port %u/%s (--publish %s) is in use by another "
                                                        "process.",
                                                        p->host_port + k, p->proto, text ?: "?");
                                }
                                if (fd < 0)
                                        return log_error_errno(fd, "Failed to check host port %u/%s: %m",
                                                        p->host_port + k, p->proto);
                                safe_close(fd);
                        }
                        continue;
                }
                for (unsigned attempt = 0;; attempt++) {
                        _cleanup_close_ int fd = bind_host_port(p, 0);
                        struct sockaddr_storage ss;
                        socklen_t len = sizeof ss;
                        /* memset, not = {}: the analyzer sees the port of the address read as a
                         * sockaddr_in(6) as initialised only then */
                        memset(&ss, 0, sizeof ss);
                        if (fd < 0)
                                return log_error_errno(fd, "Failed to find a free host port: %m");
                        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                                return log_error_errno(-errno, "Failed to find a free host port: %m");
                        p->host_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &ss)->sin6_port
                                                                      : ((struct sockaddr_in *) &ss)->sin_port);
                        if (check_publish_conflicts(owner, p, 1) == 0)
                                break;
                        if (attempt >= 32)
                                return log_error_errno(-EADDRINUSE, "Found no free host port for --publish.");
                }
        }
        return 0;
}

/* --publish as given, parsed once: ranges without host ports become single ports, each to be given
 * a free host port of its own (as docker does). */
static int publish_expand(char *const *publish, PublishSpec **ret, size_t *ret_n) {
        _cleanup_free_ PublishSpec *given = NULL, *out = NULL;
        size_t n_given = 0, n = 0;
        int r;

        r = publish_spec_parse_list(publish, &given, &n_given);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_given; i++) {
                size_t split = given[i].host_port ? 1 : given[i].count;
                PublishSpec *more = reallocarray(out, n + split, sizeof(PublishSpec));
                if (!more)
                        return log_oom();
                out = more;
                for (size_t k = 0; k < split; k++) {
                        out[n] = given[i];
                        if (split > 1) {
                                out[n].container_port = (uint16_t) (given[i].container_port + k);
                                out[n].count = 1;
                        }
                        n++;
                }
        }
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

static int publish_to_strv(const PublishSpec *ports, size_t n, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; i < n; i++)
                if (strv_consume(&l, publish_spec_format(&ports[i])) < 0)
                        return log_oom();
        *ret = TAKE_PTR(l);
        return 0;
}

/* Plugs the network namespace netns_fd into network for owner (a container's name or "pod:NAME").
 * run_dir: the container's, whose hosts and resolv.conf get the network's view; NULL for a pod, whose
 * members get it from pod_apply_to_spec() when they start. */
static int attach_netns(const char *network, const char *owner, int netns_fd, const char *run_dir, const char *hostname,
                char *const *publish, bool keep_resolv, bool primary) {
        _cleanup_(network_attach_options_done) NetworkAttachOptions opts = {};
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_free_ PublishSpec *ports = NULL;
        _cleanup_strv_free_ char **published = NULL;
        _cleanup_close_ int lock = -EBADF;
        NetworkLease lease = {};
        size_t n_ports = 0;
        char veth[16], mac[18], ifname[IF_NAMESIZE];
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
        r = publish_expand(publish, &ports, &n_ports);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_ports; i++)
                if (ports[i].host_ip.family == AF_INET6 && !n->ipv6)
                        return log_error_errno(-EINVAL,
                                        "--publish on an IPv6 host address needs a network with IPv6 "
                                        "('berth network create --ipv6'); '%s' has none.",
                                        n->name);
        /* A pod is known by its host name too, as its containers know themselves. */
        if (!run_dir && hostname && !streq(hostname, network_owner_name(owner)) &&
                        !strv_contains(opts.aliases, hostname) && strv_extend(&opts.aliases, hostname) < 0)
                return log_oom();
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
        r = check_publish_conflicts(owner, ports, n_ports);
        if (r >= 0)
                r = resolve_host_ports(owner, ports, n_ports);
        if (r >= 0)
                r = publish_to_strv(ports, n_ports, &published);
        if (r < 0)
                return r;
        r = route_socket(&sk);
        if (r < 0)
                return r;
        r = ensure_bridge(sk, n);
        if (r < 0)
                return r;
        if (opts.interface)
                (void) snprintf(ifname, sizeof ifname, "%s", opts.interface);
        else {
                r = pick_interface(netns_fd, ifname);
                if (r < 0)
                        return r;
        }
        r = network_lease_acquire(n, owner, veth, published, &opts, &lease);
        if (r < 0)
                return r;
        /* The MAC follows the address, as docker's 02:42:... does: a restarted container answers at once,
         * without the neighbour caches of the host and its peers pointing at a MAC that is gone. */
        if (!opts.mac)
                network_mac_from_address(&lease.address, mac);
        r = create_veth(sk, n, veth, netns_fd, ifname, opts.mac ?: mac);
        if (r >= 0)
                r = configure_container(netns_fd, n, &lease, ifname, primary);
        if (r >= 0)
                r = network_nft_add_publish_rules(n->name, owner, &lease.address, &lease.address6, ports, n_ports);
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

int network_attach_container(char *const *networks, const char *container, pid_t pid, const char *run_dir,
                const char *hostname, char *const *publish, bool keep_resolv) {
        _cleanup_close_ int netns = -EBADF;
        char path[64];
        int r;

        if (!networks || network_name_is_mode(networks[0]))
                return 0;
        (void) snprintf(path, sizeof path, "/proc/%d/ns/net", (int) pid);
        netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return log_error_errno(-errno, "Failed to open network namespace %s: %m", path);
        /* The ports are published on the first network; its gateway is the default route. */
        STRV_FOREACH(net, networks) {
                r = attach_netns(*net, container, netns, run_dir, hostname, net == networks ? publish : NULL,
                                keep_resolv, net == networks);
                if (r < 0) {
                        (void) network_detach_container(networks[0], container);
                        return r;
                }
        }
        return 0;
}

int network_connect_container(const char *network, const char *container, pid_t pid, const char *hostname) {
        _cleanup_free_ char *run_dir = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", container);
        _cleanup_close_ int netns = -EBADF;
        struct stat ours, theirs;
        char path[64];
        bool primary;

        if (!run_dir)
                return log_oom();
        if (network_name_is_mode(network))
                return log_error_errno(-EINVAL, "'%s' is not a bridge network.", network);
        (void) snprintf(path, sizeof path, "/proc/%d/ns/net", (int) pid);
        netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return log_error_errno(-errno, "Failed to open network namespace %s: %m", path);
        if (stat("/proc/self/ns/net", &ours) < 0 || fstat(netns, &theirs) < 0)
                return log_error_errno(-errno, "Failed to compare network namespaces: %m");
        if (ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev)
                return log_error_errno(-EINVAL,
                                "Container '%s' shares the host's network namespace (--network=host): "
                                "it cannot be connected to a network.",
                                container);
        primary = network_leases_of(container, NULL) == 0; /* its only network: the way out */
        return attach_netns(network, container, netns, run_dir, hostname, NULL, true, primary);
}

int network_attach_pod(const char *network, const char *pod, int netns_fd, const char *hostname, char *const *publish) {
        _cleanup_free_ char *owner = network_pod_owner(pod);

        if (!owner)
                return log_oom();
        if (network_name_is_mode(network))
                return 0;
        return attach_netns(network, owner, netns_fd, NULL, hostname, publish, true, true);
}

static int detach_one(const char *name, const char *container) {
        _cleanup_close_ int lock = -EBADF;

        /* No lease: never attached, or `berth network rm -f` took the network away already. */
        if (network_lease_exists(name, container) == 0)
                return 0;
        lock = network_lock(name);
        if (lock < 0)
                return lock;
        return detach_locked(name, container, NULL);
}

int network_detach_container(const char *network, const char *container) {
        _cleanup_strv_free_ char **names = NULL;
        int r, ret = 0;

        /* Every network it has a lease on: those it started with and those `berth network connect` added
         * (also to a container started with --network=none). */
        (void) network;
        r = network_leases_of(container, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(name, names) {
                r = detach_one(*name, container);
                if (r < 0 && ret >= 0)
                        ret = r;
        }
        return ret;
}

int network_disconnect_container(const char *network, const char *container) {
        _cleanup_free_ char *plain = strndup(network, strcspn(network, ":"));
        const char *name;
        int r;

        if (!plain)
                return log_oom();
        name = network_canonical_name(plain);
        r = network_lease_exists(name, container);
        if (r < 0)
                return r;
        if (r == 0)
                return log_error_errno(-ENOENT, "Container '%s' is not connected to network '%s'.", container, name);
        {
                _cleanup_close_ int lock = network_lock(name);
                NetworkLease *leases = NULL;
                size_t n = 0;
                if (lock < 0)
                        return lock;
                /* Its own line for this network's address leaves its /etc/hosts. */
                if (network_leases_read(name, &leases, &n) >= 0) {
                        for (size_t i = 0; i < n; i++) {
                                if (streq(leases[i].container, container))
                                        network_hosts_drop_own(container, &leases[i]);
                                network_lease_done(&leases[i]);
                        }
                        free(leases);
                }
                return detach_locked(name, container, NULL);
        }
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
                        r = detach_one(*name, owner);
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
