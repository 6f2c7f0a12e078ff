/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Connecting a container's (or a pod's) network namespace to a berth bridge network: the bridge, a
 * veth pair, addresses and routes (libnl-route-3), and NAT rules (libnftables) in the table "ip berth".
 * Every rule carries a comment naming its owner: "berth-net:NETWORK" for the network's own rules,
 * "berth-ctr:NETWORK/CONTAINER" for a container's port forwards ("berth-ctr:NETWORK/pod:POD" for a
 * pod's), so they can be found and removed on exit, on `berth network rm`, and after a crash. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "network-store.h"

/* The MAC of a container's interface with IPv4 address: 02:42 and the address's four bytes, as docker
 * makes them, so it stays the same across restarts. */
void network_mac_from_address(const Cidr *address, char ret[18]);

/* The host end of a container's veth pair: "veth" and 8 hex digits of a hash of NETWORK/CONTAINER. */
void network_veth_name(const char *network, const char *container, char ret[16]);

/* Called by the supervisor after clone, before the payload starts: for each of networks (bridge
 * networks, NAME[:OPTIONS]) takes a lease, plugs the namespace of pid in (eth0, eth1, ...), and adds
 * the container's address to run_dir/hosts (and the network's DNS servers to run_dir/resolv.conf
 * unless keep_resolv). The first network's gateway is the default route and the published ports are
 * forwarded there. Nothing is left behind on failure. A no-op for the runtime's namespace modes. */
int network_attach_container(char *const *networks, const char *container, pid_t pid, const char *run_dir,
                const char *hostname, char *const *publish, bool keep_resolv);
/* `berth network connect`: the same for one more network of a running container (pid its payload). */
int network_connect_container(const char *network, const char *container, pid_t pid, const char *hostname);
/* `berth network disconnect`: its interface, lease and names on network go; the others stay. */
int network_disconnect_container(const char *network, const char *container);
/* Undoes the attach on every network the container has a lease on: rules, host veth, lease.
 * Idempotent; network (its first) is not needed any more: a container started with --network=none
 * may have been connected since. */
int network_detach_container(const char *network, const char *container);
/* A pod's held network namespace (an fd of $BERTH_RUN_DIR/pods/NAME/netns) on network
 * (NAME[:OPTIONS]): a lease owned by "pod:POD" (network-store.h), veth, addresses, routes and the
 * DNAT rules of publish; the peers' /etc/hosts list the pod by its name and host name. Nothing is left
 * behind on failure. A no-op for namespace modes. */
int network_attach_pod(const char *network, const char *pod, int netns_fd, const char *hostname, char *const *publish);
/* Detaches the pod from every network it has a lease on (rules, veth, lease, peers' hosts lines). */
int network_detach_pod(const char *pod);
/* Under the network's lock: detaches every container whose supervisor is gone. Returns the number of
 * live leases left. */
int network_reclaim_stale(const char *network);
/* The IPv4 subnets of the host's addresses, except on the bridges of berth networks. */
int network_host_subnets(Cidr **ret, size_t *ret_n);
/* Removes the bridge and the network's rules (`berth network rm`). */
int network_teardown(const Network *n);
