/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "log.h"
#include "publish-spec.h"
#include "strv.h"

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

/* "A" or "A-B" with A <= B. */
static int parse_range(const char *s, uint16_t *ret_first, uint16_t *ret_count) {
        const char *dash = strchr(s, '-');
        uint16_t first, last;

        if (parse_port(s, dash ? (size_t) (dash - s) : strlen(s), &first) < 0)
                return -EINVAL;
        last = first;
        if (dash && parse_port(dash + 1, strlen(dash + 1), &last) < 0)
                return -EINVAL;
        if (last < first)
                return -EINVAL;
        *ret_first = first;
        *ret_count = (uint16_t) (last - first + 1);
        return 0;
}

int publish_spec_parse(const char *s, PublishSpec *ret) {
        _cleanup_free_ char *copy = strdup(s ?: "");
        PublishSpec p = { .proto = "tcp" };
        char *slash, *ports, *last, *prev;
        uint16_t host_count = 0;

        if (!copy)
                return -ENOMEM;
        slash = strchr(copy, '/');
        if (slash) {
                *slash++ = 0;
                if (!streq(slash, "tcp") && !streq(slash, "udp"))
                        return -EINVAL;
                strcpy(p.proto, slash);
        }
        ports = copy;
        if (copy[0] == '[') {
                /* [IPv6]:HOST:CONTAINER */
                char *close = strchr(copy, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                *close = 0;
                if (address_parse(copy + 1, &p.host_ip) < 0 || p.host_ip.family != AF_INET6)
                        return -EINVAL;
                ports = close + 2;
                if (!strchr(ports, ':'))
                        return -EINVAL; /* an address needs the HOST_PORT field, even if empty */
        }
        last = strrchr(ports, ':');
        if (parse_range(last ? last + 1 : ports, &p.container_port, &p.count) < 0)
                return -EINVAL;
        if (last) {
                *last = 0;
                prev = strrchr(ports, ':');
                const char *host = prev ? prev + 1 : ports;
                if (!isempty(host) && parse_range(host, &p.host_port, &host_count) < 0)
                        return -EINVAL;
                if (host_count && host_count != p.count)
                        return -EINVAL;
                if (prev) {
                        if (ports != copy)
                                return -EINVAL; /* [IPv6] and another address field */
                        *prev = 0;
                        if (!isempty(copy) && !streq(copy, "0.0.0.0") &&
                                        (address_parse(copy, &p.host_ip) < 0 || p.host_ip.family != AF_INET))
                                return -EINVAL;
                }
        }
        if ((uint32_t) p.container_port + p.count - 1 > 65535 ||
                        (p.host_port && (uint32_t) p.host_port + p.count - 1 > 65535))
                return -EINVAL;
        *ret = p;
        return 0;
}

static void format_range(char *buf, size_t size, uint16_t first, uint16_t count) {
        if (first == 0)
                buf[0] = 0;
        else if (count > 1)
                (void) snprintf(buf, size, "%u-%u", first, (unsigned) (first + count - 1));
        else
                (void) snprintf(buf, size, "%u", first);
}

char *publish_spec_format(const PublishSpec *p) {
        _cleanup_free_ char *ip = p->host_ip.family ? address_format(&p->host_ip) : strdup("");
        char host[16], container[16], *s;

        if (!ip)
                return NULL;
        format_range(host, sizeof host, p->host_port, p->count);
        format_range(container, sizeof container, p->container_port, p->count);
        if (asprintf(&s, "%s%s%s:%s:%s/%s", p->host_ip.family == AF_INET6 ? "[" : "", ip,
                            p->host_ip.family == AF_INET6 ? "]" : "", host, container, p->proto) < 0)
                return NULL;
        return s;
}

int publish_spec_parse_list(char *const *l, PublishSpec **ret, size_t *ret_n) {
        _cleanup_free_ PublishSpec *specs = NULL;
        size_t n = 0;

        STRV_FOREACH(s, l) {
                PublishSpec *more = reallocarray(specs, n + 1, sizeof(PublishSpec));
                if (!more)
                        return log_oom();
                specs = more;
                if (publish_spec_parse(*s, &specs[n]) < 0)
                        return log_error_errno(-EINVAL, "Invalid --publish '%s': expected " PUBLISH_SPEC_SYNTAX ".", *s);
                n++;
        }
        *ret = TAKE_PTR(specs);
        *ret_n = n;
        return 0;
}

bool publish_spec_overlaps(const PublishSpec *a, const PublishSpec *b) {
        if (!a->host_port || !b->host_port || !streq(a->proto, b->proto))
                return false;
        if (a->host_port + a->count <= b->host_port || b->host_port + b->count <= a->host_port)
                return false;
        return !a->host_ip.family || !b->host_ip.family ||
               (a->host_ip.family == b->host_ip.family && memcmp(a->host_ip.addr, b->host_ip.addr, 16) == 0);
}
