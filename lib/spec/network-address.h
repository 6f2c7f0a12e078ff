/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Addresses, subnets and network names: values, parsed and checked (lib/spec/network-address.c, libc
 * only), so that the definitions' parsers (publish specs, --ip, Network=) need no network store. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETWORK_DEFAULT_NAME      "berth"
#define NETWORK_DEFAULT_SUBNET    "10.88.0.0/16" /* as podman's default network */
#define NETWORK_DEFAULT_INTERFACE "berth0"

/* An address with a prefix length; for a subnet the host bits are zero. */
typedef struct Cidr {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        unsigned prefixlen;
} Cidr;

int cidr_parse(const char *s, Cidr *ret);              /* "A.B.C.D/N", "X::/N"; host bits are cleared */
int address_parse(const char *s, Cidr *ret);           /* a plain address, prefixlen = full length */
int interface_address_parse(const char *s, Cidr *ret); /* "10.89.1.2/24": host bits kept */
char *cidr_format(const Cidr *c);                      /* "10.89.1.0/24" */
char *address_format(const Cidr *c);                   /* "10.89.1.2" */
void cidr_mask(Cidr *c);                               /* clears the host bits */
bool cidr_contains(const Cidr *subnet, const Cidr *address);
bool cidr_overlaps(const Cidr *a, const Cidr *b);
/* subnet's address plus n (n=1: the first host). -ERANGE if that leaves the subnet. */
int cidr_nth(const Cidr *subnet, uint64_t n, Cidr *ret);
/* Number of addresses in the subnet, capped at 2^32. */
uint64_t cidr_size(const Cidr *subnet);
/* The first 10.89.N.0/24 (N = 0..255) overlapping none of used[0..n_used). -ENOSPC if none is free. */
int network_pick_subnet(const Cidr *used, size_t n_used, Cidr *ret);

bool network_name_is_valid(const char *name);
/* none, private, host, "", container:X and NULL are namespace modes of the runtime, not networks. */
bool network_name_is_mode(const char *name);

/* docker's default network is "bridge"; here it is "berth". */
const char *network_canonical_name(const char *name);
