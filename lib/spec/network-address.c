/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses, subnets and network names: the arithmetic and the naming rules of container networks,
 * apart from the store so that the option checks of the CLI, the generator and the runtime
 * (lib/container-network.c, lib/publish-spec.c) need nothing but libc. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "macro.h"
#include "network-address.h"
#include "object-name.h"

/* --- addresses and subnets --------------------------------------------------------------------- */

static unsigned family_bits(int family) {
        return family == AF_INET ? 32 : 128;
}

void cidr_mask(Cidr *c) {
        unsigned bytes = family_bits(c->family) / 8;

        for (unsigned i = 0; i < bytes; i++) {
                unsigned first = i * 8;
                if (first >= c->prefixlen)
                        c->addr[i] = 0;
                else if (first + 8 > c->prefixlen)
                        c->addr[i] &= (uint8_t) (0xff << (8 - (c->prefixlen - first)));
        }
}

int address_parse(const char *s, Cidr *ret) {
        Cidr c = {};

        if (!s)
                return -EINVAL;
        if (inet_pton(AF_INET, s, c.addr) == 1)
                c.family = AF_INET;
        else if (inet_pton(AF_INET6, s, c.addr) == 1)
                c.family = AF_INET6;
        else
                return -EINVAL;
        c.prefixlen = family_bits(c.family);
        *ret = c;
        return 0;
}

static int parse_prefixed(const char *s, bool clear, Cidr *ret) {
        _cleanup_free_ char *a = NULL;
        const char *slash;
        char *end;
        unsigned long n;
        Cidr c;

        if (!s || !(slash = strchr(s, '/')))
                return -EINVAL;
        a = strndup(s, (size_t) (slash - s));
        if (!a)
                return -ENOMEM;
        if (address_parse(a, &c) < 0)
                return -EINVAL;
        errno = 0;
        n = strtoul(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || n > family_bits(c.family))
                return -EINVAL;
        c.prefixlen = (unsigned) n;
        if (clear)
                cidr_mask(&c);
        *ret = c;
        return 0;
}

int cidr_parse(const char *s, Cidr *ret) {
        return parse_prefixed(s, true, ret);
}

int interface_address_parse(const char *s, Cidr *ret) {
        return parse_prefixed(s, false, ret);
}

char *address_format(const Cidr *c) {
        char buf[INET6_ADDRSTRLEN];

        if (!inet_ntop(c->family, c->addr, buf, sizeof buf))
                return NULL;
        return strdup(buf);
}

char *cidr_format(const Cidr *c) {
        _cleanup_free_ char *a = address_format(c);
        char *s;

        if (!a || asprintf(&s, "%s/%u", a, c->prefixlen) < 0)
                return NULL;
        return s;
}

/* Whether a and b agree in their first bits bits. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits) {
        unsigned full = bits / 8, rest = bits % 8;

        if (memcmp(a, b, full) != 0)
                return false;
        return rest == 0 || ((a[full] ^ b[full]) & (uint8_t) (0xff << (8 - rest))) == 0;
}

bool cidr_contains(const Cidr *subnet, const Cidr *address) {
        return subnet->family == address->family && address->prefixlen >= subnet->prefixlen &&
               prefix_equal(subnet->addr, address->addr, subnet->prefixlen);
}

bool cidr_overlaps(const Cidr *a, const Cidr *b) {
        return a->family == b->family && prefix_equal(a->addr, b->addr, MIN(a->prefixlen, b->prefixlen));
}

uint64_t cidr_size(const Cidr *subnet) {
        unsigned host = family_bits(subnet->family) - subnet->prefixlen;
        return host >= 32 ? UINT64_C(1) << 32 : UINT64_C(1) << host;
}

int cidr_nth(const Cidr *subnet, uint64_t n, Cidr *ret) {
        Cidr c = *subnet;
        unsigned carry = 0;

        if (n >= cidr_size(subnet))
                return -ERANGE;
        /* Add n to the address, big-endian, from the last byte. */
        for (int i = (int) family_bits(c.family) / 8 - 1; i >= 0; i--) {
                unsigned v = c.addr[i] + (unsigned) (n & 0xff) + carry;
                c.addr[i] = (uint8_t) v;
                carry = v >> 8;
                n >>= 8;
        }
        *ret = c;
        return 0;
}

int network_pick_subnet(const Cidr *used, size_t n_used, Cidr *ret) {
        for (unsigned third = 0; third < 256; third++) {
                Cidr c = { .family = AF_INET, .addr = { 10, 89, (uint8_t) third, 0 }, .prefixlen = 24 };
                bool taken = false;
                for (size_t i = 0; i < n_used && !taken; i++)
                        taken = cidr_overlaps(&c, &used[i]);
                if (!taken) {
                        *ret = c;
                        return 0;
                }
        }
        return -ENOSPC;
}

/* --- names ---------------------------------------------------------------------------------------- */

bool network_name_is_valid(const char *name) {
        return object_name_is_valid(name, 64);
}

bool network_name_is_mode(const char *name) {
        return isempty(name) || streq(name, "none") || streq(name, "private") || streq(name, "host") ||
               startswith(name, "container:") || startswith(name, "ns:") || streq(name, "slirp4netns") ||
               streq(name, "pasta");
}

const char *network_canonical_name(const char *name) {
        return streq(name, "bridge") ? NETWORK_DEFAULT_NAME : name;
}
