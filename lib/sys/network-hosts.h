/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /etc/hosts (and resolv.conf) of containers on berth bridge networks. Peers' lines are marked
 * "\t# berth-peer:OWNER" (a container's name or "pod:NAME") so they can be dropped when the peer
 * leaves. A pod's lines go to its running members, which share its address. Called by the attach code
 * under the network's lock. */

#include <stdbool.h>

#include "network-store.h"

/* Each live peer of lease learns its address, and *own (a hosts text) gets theirs appended. */
int network_hosts_exchange(const char *network, const NetworkLease *lease, char **own);
/* container's own /etc/hosts drops the line of the address of lease (`berth network disconnect`). */
void network_hosts_drop_own(const char *container, const NetworkLease *lease);
/* The live peers drop their lines about owner. */
void network_hosts_forget(const char *network, const char *owner);
/* run_dir/hosts gets the container's own address and its peers; run_dir/resolv.conf the network's DNS
 * servers, unless keep_resolv. */
int network_hosts_write_files(const Network *n, const char *run_dir, const char *hostname, const char *container,
                const NetworkLease *lease, bool keep_resolv);
