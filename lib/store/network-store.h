/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Container networks: the records `berth network create` writes, the subnet arithmetic behind them,
 * and the address leases containers take.
 *
 *   $BERTH_STATE_DIR/networks/NAME.json     the record (persistent, written atomically)
 *   $BERTH_RUN_DIR/networks/NAME/.lock      OFD lock serializing allocation and attach/detach
 *   $BERTH_RUN_DIR/networks/NAME/CTR.json   one lease per container name: address, veth, supervisor pid
 *   $BERTH_RUN_DIR/networks/NAME/pod:POD.json   a pod's lease (below)
 *
 * A lease is live while its container's supervisor holds $BERTH_RUN_DIR/containers/.CTR.lock (the
 * runtime's lock); otherwise it is stale and reclaimed, with its nftables rules, by the next
 * allocation, `berth network rm` or `berth network prune`.
 *
 * A pod holds an address without any process: its lease is owned by "pod:NAME" (a name no container
 * can have) and is live while the pod's network namespace is: while $BERTH_RUN_DIR/pods/NAME/netns is
 * a mounted nsfs, or, seen from a mount namespace where it is not, while the lease's host veth exists
 * (the pair dies with the namespace). */

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "network-address.h"

#define NETWORK_MAX_SUBNETS 8
/* $BERTH_CONFIG_DIR/berth.conf: "[network]" "default_subnet = 10.88.0.0/16" sets the default network's
 * subnet when its record is made (on first use). */
#define NETWORK_CONFIG_FILE "berth.conf"

typedef struct NetworkSubnet {
        Cidr subnet;
        Cidr gateway; /* prefixlen of the subnet */
        Cidr range;   /* where container addresses come from; the subnet itself unless --ip-range */
} NetworkSubnet;

typedef struct Network {
        char *name;
        char *driver;    /* "bridge" */
        char *interface; /* the bridge device */
        NetworkSubnet subnets[NETWORK_MAX_SUBNETS];
        size_t n_subnets;
        bool internal, ipv6, dns_enabled;
        char **dns;     /* servers for the containers' resolv.conf */
        char **options; /* K=V */
        char **labels;  /* K=V */
        char *created;  /* RFC 3339 */
} Network;

Network *network_free(Network *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Network *, network_free);

/* --opt mtu=N: the MTU of the bridge and the containers' interfaces (68..65535); 0 when unset. */
int network_mtu_parse(const char *s); /* N, or -EINVAL */
unsigned network_mtu(const Network *n);

/* Options of `berth network create`, as given. */
typedef struct NetworkCreateOptions {
        const char *name;
        const char *driver, *ipam_driver, *interface;
        char **subnets, **gateways, **ranges;
        bool ipv6, internal, disable_dns;
        char **dns, **options, **labels;
        const Cidr *host_subnets; /* in use on the host (network_host_subnets()): never picked */
        size_t n_host_subnets;
} NetworkCreateOptions;

/* Validates the options and fills in defaults (free subnet, gateway, bridge name) against the
 * networks that exist. Errors name the flag at fault. Does not save. */
int network_new(const NetworkCreateOptions *o, Network **ret);

/* The default network's subnet: berth.conf's default_subnet, else NETWORK_DEFAULT_SUBNET. Errors name
 * the file, line and key. */
int network_default_subnet(char **ret);

/* The store. Looking up "berth" (or docker's "bridge") creates the default network on first use.
 * network_load() takes a name, or podman's NAME:OPTIONS of --network, whose options it ignores. */
int network_load(const char *spec, Network **ret); /* -ENOENT if there is no such network */
int network_save(const Network *n);
int network_remove_record(const char *name);
int network_list(char ***ret_names); /* sorted; includes the default network */
json_t *network_to_json(const Network *n);

/* --network=NAME:ip=A,ip6=A,alias=N,mac=M,interface_name=I (podman's per-network options; the
 * generator passes Network=x.network:OPTIONS through). */
typedef struct NetworkAttachOptions {
        char *name;
        Cidr ip, ip6;    /* family 0: allocated */
        char **aliases;  /* more names in the peers' /etc/hosts */
        char *mac;       /* of eth0 */
        char *interface; /* instead of eth0 */
} NetworkAttachOptions;
int network_attach_options_parse(const char *spec, NetworkAttachOptions *ret);
void network_attach_options_done(NetworkAttachOptions *o);

/* Leases. network_lock() takes the network's OFD lock (blocking) and returns its fd. */
int network_lock(const char *name);
typedef struct NetworkLease {
        char *container;
        Cidr address;  /* prefixlen of the subnet */
        Cidr address6; /* family 0 unless the network has an IPv6 subnet */
        char *veth;    /* host end of the container's veth pair */
        char **publish;
        char **aliases;
        pid_t supervisor;
} NetworkLease;
void network_lease_done(NetworkLease *l);
bool network_container_is_running(const char *container);
/* Lease owners: a container's name, or NETWORK_POD_OWNER_PREFIX + the pod's name. */
#define NETWORK_POD_OWNER_PREFIX "pod:"
char *network_pod_owner(const char *pod);          /* "pod:NAME"; NULL on OOM */
const char *network_owner_pod(const char *owner);  /* NAME for "pod:NAME", NULL for a container */
const char *network_owner_name(const char *owner); /* the name peers know it by: the pod's or container's */
/* Whether the lease's owner (container or pod) still uses it. */
bool network_lease_is_live(const NetworkLease *l);
/* Under the lock: the leases of a network (live and stale). */
int network_leases_read(const char *name, NetworkLease **ret, size_t *ret_n);
/* Under the lock: an address for container (the requested one of opts, else a free one) and writes
 * the lease. */
int network_lease_acquire(const Network *n, const char *container, const char *veth, char *const *publish,
                const NetworkAttachOptions *opts, NetworkLease *ret);
int network_lease_release(const char *name, const char *container);
int network_lease_exists(const char *name, const char *container); /* 1, 0 or -errno */
/* Whether container's lease on network lists published ports: 1, 0, or -errno (-ENOENT: no lease). */
int network_lease_has_publish(const char *name, const char *container);
/* The networks where container (an owner) has a lease; ret may be NULL. Returns their number. */
int network_leases_of(const char *container, char ***ret);
