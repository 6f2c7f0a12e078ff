/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "log.h"
#include "network-attach.h"
#include "network-nft.h"
#include "publish-spec.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nft_ctx *, nft_ctx_free);

/* Our table in each family; "berth" in both. */
static const char *const families[] = { "ip", "ip6" };

char *network_nft_network_comment(const char *network) {
        return strjoin("berth-net:", network);
}

char *network_nft_container_comment(const char *network, const char *container) {
        return strjoin("berth-ctr:", network, "/", container);
}

static int nft_run(const char *cmd) {
        _cleanup_(nft_ctx_freep) struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        const char *err;

        if (!ctx || nft_ctx_buffer_error(ctx) < 0)
                return log_oom();
        if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
                err = nft_ctx_get_error_buffer(ctx);
                return log_error_errno(-EIO, "nftables refused the rules: %s", err ?: "(no message)");
        }
        return 0;
}

int network_nft_ensure_tables(void) {
        return nft_run("add table ip berth\n"
                       "add chain ip berth prerouting { type nat hook prerouting priority dstnat; }\n"
                       "add chain ip berth output { type nat hook output priority -100; }\n"
                       "add chain ip berth postrouting { type nat hook postrouting priority srcnat; }\n"
                       "add chain ip berth forward { type filter hook forward priority filter; }\n"
                       "add table ip6 berth\n"
                       "add chain ip6 berth prerouting { type nat hook prerouting priority dstnat; }\n"
                       "add chain ip6 berth output { type nat hook output priority -100; }\n"
                       "add chain ip6 berth postrouting { type nat hook postrouting priority srcnat; }\n"
                       "add chain ip6 berth forward { type filter hook forward priority filter; }\n");
}

/* The JSON listing of our table in one family; NULL if the table does not exist. */
static int list_table(const char *family, json_t **ret) {
        _cleanup_(nft_ctx_freep) struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        _cleanup_free_ char *cmd = strjoin("list table ", family, " berth");
        json_error_t err;

        if (!ctx || !cmd)
                return log_oom();
        nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
        if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0)
                return log_oom();
        if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
                *ret = NULL; /* no table, no rules */
                return 0;
        }
        *ret = json_loads(nft_ctx_get_output_buffer(ctx), 0, &err);
        if (!*ret)
                return log_error_errno(-EBADMSG, "Cannot parse the nftables listing: %s", err.text);
        return 0;
}

static int append(char **buf, const char *family, const char *chain, json_int_t handle) {
        char *more;

        if (asprintf(&more, "%sdelete rule %s berth %s handle %" JSON_INTEGER_FORMAT "\n", *buf, family, chain, handle) <
                        0)
                return -ENOMEM;
        free(*buf);
        *buf = more;
        return 0;
}

static int rules_by_comment(const char *comment, bool count_only, size_t n_families) {
        _cleanup_free_ char *cmds = strdup("");
        int r, n = 0;

        if (!cmds)
                return log_oom();
        for (size_t f = 0; f < n_families; f++) {
                json_t *listing = NULL, *e;
                size_t i;
                r = list_table(families[f], &listing);
                if (r < 0)
                        return r;
                json_array_foreach(json_object_get(listing, "nftables"), i, e) {
                        json_t *rule = json_object_get(e, "rule");
                        const char *c = json_string_value(json_object_get(rule, "comment"));
                        const char *chain = json_string_value(json_object_get(rule, "chain"));
                        if (!rule || !chain || !streq_ptr(c, comment))
                                continue;
                        n++;
                        if (append(&cmds, families[f], chain, json_integer_value(json_object_get(rule, "handle"))) < 0) {
                                json_decref(listing);
                                return log_oom();
                        }
                }
                json_decref(listing);
        }
        if (count_only || n == 0)
                return n;
        r = nft_run(cmds);
        return r < 0 ? r : n;
}

int network_nft_rules_by_comment(const char *comment, bool count_only) {
        return rules_by_comment(comment, count_only, ELEMENTSOF(families));
}

static int add_subnet_rules(char **cmds, const Network *n, const NetworkSubnet *s, const char *comment) {
        _cleanup_free_ char *sub = cidr_format(&s->subnet);
        const char *fam = s->subnet.family == AF_INET ? "ip" : "ip6";
        char *more;
        int r;

        if (!sub)
                return -ENOMEM;
        if (n->internal)
                r = asprintf(&more,
                                "%1$sadd rule %2$s berth forward iifname \"%3$s\" oifname != \"%3$s\" drop comment \"%4$s\"\n"
                                "add rule %2$s berth forward oifname \"%3$s\" iifname != \"%3$s\" drop comment \"%4$s\"\n",
                                *cmds, fam, n->interface, comment);
        else
                r = asprintf(&more,
                                "%1$sadd rule %2$s berth postrouting %2$s saddr %3$s %2$s daddr != %3$s masquerade "
                                "comment \"%4$s\"\n",
                                *cmds, fam, sub, comment);
        if (r < 0)
                return -ENOMEM;
        free(*cmds);
        *cmds = more;
        return 0;
}

int network_nft_add_network_rules(const Network *n) {
        _cleanup_free_ char *comment = network_nft_network_comment(n->name), *cmds = strdup("");
        bool internal_done[2] = {};
        int r;

        if (!comment || !cmds)
                return log_oom();
        /* Every network has rules in "ip berth" (its IPv4 subnet), so one listing tells whether the
         * tables, chains and rules are there: the common case of a start on a network in use. */
        r = rules_by_comment(comment, true, 1);
        if (r != 0)
                return r < 0 ? r : 0;
        r = network_nft_ensure_tables();
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_subnets; i++) {
                bool v6 = n->subnets[i].subnet.family == AF_INET6;
                if (n->internal && internal_done[v6])
                        continue; /* the forward drops are per bridge, not per subnet */
                internal_done[v6] = true;
                if (add_subnet_rules(&cmds, n, &n->subnets[i], comment) < 0)
                        return log_oom();
        }
        if (!n->internal) {
                /* Published ports reached from the host's 127.0.0.1 (route_localnet on the bridge), or
                 * by a container through a host address (hairpin): the server must answer to an address
                 * that routes back through the host, where the DNAT is undone. */
                char *more;
                if (asprintf(&more,
                                    "%1$sadd rule ip berth postrouting oifname \"%2$s\" ip saddr 127.0.0.0/8 masquerade "
                                    "comment \"%3$s\"\n"
                                    "add rule ip berth postrouting oifname \"%2$s\" iifname \"%2$s\" ct status dnat masquerade "
                                    "comment \"%3$s\"\n",
                                    cmds, n->interface, comment) < 0)
                        return log_oom();
                free(cmds);
                cmds = more;
        }
        return nft_run(cmds);
}

/* One DNAT rule in prerouting (from outside and from other containers) and one in output (from the
 * host itself) per published port. */
static int add_dnat(char **cmds, const char *family, const char *match, const char *proto, unsigned host_port,
                const char *to, unsigned container_port, const char *comment) {
        char *more;

        if (asprintf(&more,
                            "%1$sadd rule %2$s berth prerouting %3$s %4$s dport %5$u dnat to %6$s:%7$u comment \"%8$s\"\n"
                            "add rule %2$s berth output %3$s %4$s dport %5$u dnat to %6$s:%7$u comment \"%8$s\"\n",
                            *cmds, family, match, proto, host_port, to, container_port, comment) < 0)
                return -ENOMEM;
        free(*cmds);
        *cmds = more;
        return 0;
}

int network_nft_add_publish_rules(const char *network, const char *container, const Cidr *address, const Cidr *address6,
                const PublishSpec *ports, size_t n_ports) {
        _cleanup_free_ char *comment = network_nft_container_comment(network, container), *ip = address_format(address),
                            *ip6 = address6 && address6->family ? address_format(address6) : NULL, *cmds = strdup(""),
                            *to6 = ip6 ? strjoin("[", ip6, "]") : NULL;

        if (!comment || !ip || !cmds || (address6 && address6->family && (!ip6 || !to6)))
                return log_oom();
        for (size_t i = 0; i < n_ports; i++) {
                const PublishSpec *p = &ports[i];
                _cleanup_free_ char *host_ip = p->host_ip.family ? address_format(&p->host_ip) : NULL, *match = NULL;
                int r = 0;

                if (p->host_ip.family && !host_ip)
                        return log_oom();
                if (p->host_ip.family == AF_INET6 && !ip6)
                        return log_error_errno(-EINVAL, "--publish on %s needs an IPv6 address in the container.",
                                        host_ip);
                match = p->host_ip.family == AF_INET6 ? strjoin("ip6 daddr ", host_ip)
                        : p->host_ip.family           ? strjoin("ip daddr ", host_ip)
                                                      : strdup("fib daddr type local");
                if (!match)
                        return log_oom();
                for (unsigned k = 0; r >= 0 && k < p->count; k++) {
                        unsigned hp = p->host_port + k, cp = p->container_port + k;
                        if (p->host_ip.family != AF_INET6)
                                r = add_dnat(&cmds, "ip", match, p->proto, hp, ip, cp, comment);
                        /* The same over IPv6 when the container has an address there (not from ::1, which
                         * never leaves the loopback device). */
                        if (r >= 0 && ip6 && p->host_ip.family != AF_INET)
                                r = add_dnat(&cmds, "ip6", match, p->proto, hp, to6, cp, comment);
                }
                if (r < 0)
                        return log_oom();
        }
        return isempty(cmds) ? 0 : nft_run(cmds);
}
