/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth port NAME [PORT[/PROTO]]: the host ports a container's ports are published on, read from its
 * leases on the bridge networks (where the runtime records the host ports it chose). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fs-util.h"
#include "log.h"
#include "network-store.h"
#include "publish-spec.h"
#include "strv.h"

/* Prints what of lease matches filter (NULL: all): "80/tcp -> 0.0.0.0:8080", or "0.0.0.0:8080" with a
 * filter, as docker does. Returns the number of lines. */
static int print_lease(const NetworkLease *l, const PublishSpec *filter) {
        int n = 0;

        STRV_FOREACH(s, l->publish) {
                _cleanup_free_ char *ip = NULL;
                PublishSpec p;
                if (publish_spec_parse(*s, &p) < 0 || !p.host_port)
                        continue;
                ip = p.host_ip.family ? address_format(&p.host_ip) : NULL;
                for (unsigned k = 0; k < p.count; k++) {
                        unsigned cport = p.container_port + k, hport = p.host_port + k;
                        if (filter && (filter->container_port != cport || !streq(filter->proto, p.proto)))
                                continue;
                        for (int v6 = 0; v6 < 2; v6++) {
                                const char *addr = ip ?: v6 ? "::" : "0.0.0.0";
                                bool bracket = p.host_ip.family == AF_INET6 || (!ip && v6);
                                if (v6 && (ip || !l->address6.family))
                                        continue; /* IPv6 only for every address on an IPv6 network */
                                if (!filter)
                                        printf("%u/%s -> ", cport, p.proto);
                                printf("%s%s%s:%u\n", bracket ? "[" : "", addr, bracket ? "]" : "", hport);
                                n++;
                        }
                }
        }
        return n;
}

int verb_port(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        PublishSpec filter;
        bool found = false;
        int r, lines = 0;

        if (argc < 2 || argc > 3 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth port CONTAINER [PORT[/tcp|udp]]\n\n"
                       "Lists the host addresses and ports the container's ports are published on.\n");
                return argc == 2 ? 0 : -EINVAL;
        }
        if (argc == 3 && (publish_spec_parse(argv[2], &filter) < 0 || filter.host_port || filter.count != 1))
                return log_error_errno(-EINVAL, "Invalid port '%s': expected PORT[/tcp|udp].", argv[2]);
        r = network_list(&names);
        if (r < 0)
                return r;
        STRV_FOREACH(name, names) {
                NetworkLease *leases = NULL;
                size_t n = 0;
                if (network_leases_read(*name, &leases, &n) < 0)
                        continue;
                for (size_t i = 0; i < n; i++) {
                        if (streq(leases[i].container, argv[1]) && network_lease_is_live(&leases[i])) {
                                found = true;
                                lines += print_lease(&leases[i], argc == 3 ? &filter : NULL);
                        }
                        network_lease_done(&leases[i]);
                }
                free(leases);
        }
        if (!found)
                return log_error_errno(-ENOENT, "Container '%s' is not running on a bridge network.", argv[1]);
        if (argc == 3 && lines == 0)
                return log_error_errno(-ENOENT, "No public port '%s' published for %s.", argv[2], argv[1]);
        return 0;
}
