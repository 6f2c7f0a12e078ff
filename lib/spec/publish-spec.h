/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --publish (PublishPort=) values, parsed once for the CLI, the generator and `berth check`, and the
 * runtime:
 *
 *   [[IP:][HOST_PORT]:]CONTAINER_PORT[/tcp|udp]
 *
 * where a port may be a range A-B (HOST and CONTAINER ranges of the same length), IP an IPv4 address
 * or an IPv6 one in brackets ([::1]), and an empty or missing HOST_PORT asks for a free port chosen
 * at start, as docker and podman do. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network-address.h"

typedef struct PublishSpec {
        Cidr host_ip;            /* family 0: every local address */
        uint16_t host_port;      /* first host port; 0: free ports are chosen at start */
        uint16_t container_port; /* first container port */
        uint16_t count;          /* ports in the range; 1 for a single port */
        char proto[4];           /* "tcp" or "udp" */
} PublishSpec;

/* -EINVAL for anything else; does not log. */
int publish_spec_parse(const char *s, PublishSpec *ret);
/* The canonical text: "IP:HOST:CONTAINER/PROTO" with ranges as A-B, IPv6 in brackets, IP empty for
 * every address, HOST empty while unchosen. publish_spec_parse() reads it back. */
char *publish_spec_format(const PublishSpec *p);
/* Every entry of l, or a logged error naming the entry at fault. */
int publish_spec_parse_list(char *const *l, PublishSpec **ret, size_t *ret_n);
/* Whether a and b claim a common host port of one protocol on a common address. */
bool publish_spec_overlaps(const PublishSpec *a, const PublishSpec *b);
/* For messages: the accepted syntax. */
#define PUBLISH_SPEC_SYNTAX "[[IP:][HOST_PORT]:]CONTAINER_PORT[/tcp|udp], ports or ranges A-B, IPv6 as [ADDR]"
