/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The nftables side of bridge networks, through libnftables: the tables "ip berth" and "ip6 berth",
 * each with nat chains prerouting/output/postrouting and a filter chain forward. Every rule carries a
 * comment naming its owner ("berth-net:NETWORK" or "berth-ctr:NETWORK/CONTAINER"), which is how
 * rules are found again (in the JSON listing) and removed. */

#include <stdbool.h>

#include "network-store.h"
#include "publish-spec.h"

char *network_nft_network_comment(const char *network);
char *network_nft_container_comment(const char *network, const char *container);

/* Creates the tables and chains if missing (idempotent). */
int network_nft_ensure_tables(void);
/* Counts our rules whose comment is exactly comment in both tables, and deletes them unless count_only.
 * Returns the count. */
int network_nft_rules_by_comment(const char *comment, bool count_only);
/* The network's own rules (and the tables, chains), unless they exist: masquerade of what leaves each subnet and of
 * localhost traffic DNATed onto the bridge; for --internal, forward drops in and out of the bridge instead. */
int network_nft_add_network_rules(const Network *n);
/* DNAT for each published port (host ports resolved) to address, in prerouting and output; also to
 * address6 (may be NULL or of family 0) for ports published on every host address or an IPv6 one. */
int network_nft_add_publish_rules(const char *network, const char *container, const Cidr *address, const Cidr *address6,
                const PublishSpec *ports, size_t n_ports);
