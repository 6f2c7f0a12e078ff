/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "object-name.h"
#include "network-store.h"
#include "paths.h"
#include "strv.h"
#include "time-util.h"

/* --- records ----------------------------------------------------------------------------------- */

Network *network_free(Network *n) {
        if (!n)
                return NULL;
        free(n->name);
        free(n->driver);
        free(n->interface);
        strv_free(n->dns);
        strv_free(n->options);
        strv_free(n->labels);
        free(n->created);
        free(n);
        return NULL;
}

static char *record_path(const char *name) {
        return strjoin(berth_path(BERTH_PATH_STATE), "/networks/", name, ".json");
}

int network_mtu_parse(const char *s) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < 68 || v > 65535)
                return -EINVAL;
        return (int) v;
}

unsigned network_mtu(const Network *n) {
        for (size_t i = strv_length(n->options); i > 0; i--) {
                const char *v = startswith(n->options[i - 1], "mtu=");
                if (v)
                        return network_mtu_parse(v) > 0 ? (unsigned) network_mtu_parse(v) : 0;
        }
        return 0;
}

static int now_rfc3339(char **ret) {
        char buf[RFC3339_MAX];

        if (format_rfc3339(buf, time(NULL)) < 0)
                return -EINVAL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

json_t *network_to_json(const Network *n) {
        json_t *subnets = json_array(), *o;

        for (size_t i = 0; subnets && i < n->n_subnets; i++) {
                const NetworkSubnet *s = &n->subnets[i];
                _cleanup_free_ char *sub = cidr_format(&s->subnet), *gw = address_format(&s->gateway),
                                    *range = cidr_format(&s->range);
                if (!sub || !gw || !range)
                        return json_decref(subnets), NULL;
                json_array_append_new(subnets,
                                json_pack("{s:s, s:s, s:s}", "subnet", sub, "gateway", gw, "ip_range", range));
        }
        o = json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:b, s:o, s:o, s:o, s:s}", "name", n->name, "driver", n->driver,
                        "network_interface", n->interface, "subnets", subnets, "ipv6_enabled", n->ipv6, "internal",
                        n->internal, "dns_enabled", n->dns_enabled, "dns_servers", strv_to_json_array(n->dns),
                        "options", strv_pairs_to_json_object(n->options), "labels",
                        strv_pairs_to_json_object(n->labels), "created", n->created ?: "");
        return o;
}

static int network_from_json(const char *path, json_t *o, Network **ret) {
        _cleanup_(network_freep) Network *n = calloc(1, sizeof(Network));
        const char *name = NULL, *driver = NULL, *iface = NULL, *created = NULL;
        json_t *subnets = NULL, *dns = NULL, *opts = NULL, *labels = NULL, *e;
        json_error_t err;
        int internal = 0, ipv6 = 0, dns_enabled = 0, r;
        size_t i;

        if (!n)
                return log_oom();
        if (json_unpack_ex(o, &err, 0, "{s:s, s:s, s:s, s:o, s?b, s?b, s?b, s?o, s?o, s?o, s?s}", "name", &name,
                            "driver", &driver, "network_interface", &iface, "subnets", &subnets, "ipv6_enabled", &ipv6,
                            "internal", &internal, "dns_enabled", &dns_enabled, "dns_servers", &dns, "options", &opts,
                            "labels", &labels, "created", &created) < 0 ||
                        !json_is_array(subnets))
                return log_error_errno(-EBADMSG, "%s: not a network record: %s", path, err.text);
        n->name = strdup(name);
        n->driver = strdup(driver);
        n->interface = strdup(iface);
        n->created = strdup(created ?: "");
        n->internal = internal;
        n->ipv6 = ipv6;
        n->dns_enabled = dns_enabled;
        if (!n->name || !n->driver || !n->interface || !n->created)
                return log_oom();
        json_array_foreach(subnets, i, e) {
                NetworkSubnet *s;
                if (n->n_subnets >= NETWORK_MAX_SUBNETS)
                        break;
                s = &n->subnets[n->n_subnets];
                if (cidr_parse(json_string_value(json_object_get(e, "subnet")), &s->subnet) < 0 ||
                                address_parse(json_string_value(json_object_get(e, "gateway")), &s->gateway) < 0 ||
                                cidr_parse(json_string_value(json_object_get(e, "ip_range")), &s->range) < 0)
                        return log_error_errno(-EBADMSG, "%s: subnet %zu is invalid.", path, i);
                s->gateway.prefixlen = s->subnet.prefixlen;
                n->n_subnets++;
        }
        r = json_array_to_strv(dns, &n->dns);
        if (r >= 0)
                r = json_object_to_strv_pairs(opts, &n->options);
        if (r >= 0)
                r = json_object_to_strv_pairs(labels, &n->labels);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s: 'dns', 'options' or 'labels' is malformed.", path);
        *ret = TAKE_PTR(n);
        return 0;
}

int network_save(const Network *n) {
        _cleanup_free_ char *path = record_path(n->name), *dir = NULL;
        int r;

        dir = strjoin(berth_path(BERTH_PATH_STATE), "/networks");
        if (!path || !dir)
                return log_oom();
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        r = json_write_record_at(AT_FDCWD, path, network_to_json(n), 0644, WRITE_FILE_SYNC);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

static int load_record(const char *name, Network **ret) {
        _cleanup_free_ char *path = record_path(name);
        json_error_t err;
        json_t *o;
        int r;

        if (!path)
                return log_oom();
        if (access(path, F_OK) < 0)
                return -errno;
        o = json_load_file(path, 0, &err);
        if (!o)
                return log_error_errno(-EBADMSG, "%s:%d: %s", path, err.line, err.text);
        r = network_from_json(path, o, ret);
        json_decref(o);
        return r;
}

int network_default_subnet(char **ret) {
        _cleanup_free_ char *path = path_join(berth_path(BERTH_PATH_CONFIG), NETWORK_CONFIG_FILE), *text = NULL,
                            *subnet = NULL;
        char *section = NULL;
        unsigned line_no = 0;
        int r;

        if (!path)
                return log_oom();
        r = read_full_file(path, &text, NULL);
        if (r == -ENOENT)
                return (*ret = strdup(NETWORK_DEFAULT_SUBNET)) ? 0 : log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        /* An INI file: [network] default_subnet = CIDR; comments with # or ;, other keys are for others. */
        for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                char *line, *eq, *key, *value;
                nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                line_no++;
                line = p + strspn(p, " \t");
                line[strcspn(line, "\r")] = 0;
                if (*line == 0 || *line == '#' || *line == ';')
                        continue;
                if (*line == '[') {
                        section = line;
                        continue;
                }
                eq = strchr(line, '=');
                if (!eq)
                        return log_error_errno(-EINVAL, "%s:%u: expected KEY = VALUE.", path, line_no);
                key = line;
                value = eq + 1 + strspn(eq + 1, " \t");
                for (*eq = 0; eq > key && (eq[-1] == ' ' || eq[-1] == '\t'); eq--)
                        eq[-1] = 0;
                for (size_t l = strlen(value); l > 0 && (value[l - 1] == ' ' || value[l - 1] == '\t'); l--)
                        value[l - 1] = 0;
                if (!streq_ptr(section, "[network]") || !streq(key, "default_subnet"))
                        continue;
                Cidr c;
                if (cidr_parse(value, &c) < 0 || c.family != AF_INET)
                        return log_error_errno(-EINVAL,
                                        "%s:%u: default_subnet=: '%s' is not an IPv4 subnet such as "
                                        "10.88.0.0/16.",
                                        path, line_no, value);
                free(subnet);
                subnet = strdup(value);
                if (!subnet)
                        return log_oom();
        }
        *ret = subnet ? TAKE_PTR(subnet) : strdup(NETWORK_DEFAULT_SUBNET);
        return *ret ? 0 : log_oom();
}

static int default_network(Network **ret) {
        _cleanup_free_ char *subnet = NULL;
        int r;

        r = network_default_subnet(&subnet);
        if (r < 0)
                return r;
        NetworkCreateOptions o = {
                .name = NETWORK_DEFAULT_NAME,
                .interface = NETWORK_DEFAULT_INTERFACE,
                .subnets = (char *[]) { subnet, NULL },
        };
        return network_new(&o, ret);
}

int network_load(const char *spec, Network **ret) {
        _cleanup_free_ char *plain = strndup(spec, strcspn(spec, ":")); /* NAME[:OPTIONS] */
        const char *name;
        int r;

        if (!plain)
                return log_oom();
        name = network_canonical_name(plain);
        if (!network_name_is_valid(name))
                return -ENOENT;
        r = load_record(name, ret);
        if (r != -ENOENT || !streq(name, NETWORK_DEFAULT_NAME))
                return r;
        r = default_network(ret);
        if (r >= 0)
                r = network_save(*ret);
        return r;
}

int network_remove_record(const char *name) {
        _cleanup_free_ char *path = record_path(name), *run = NULL;

        if (!path)
                return log_oom();
        if (unlink(path) < 0)
                return -errno;
        run = strjoin(berth_path(BERTH_PATH_RUN), "/networks/", name);
        if (run)
                (void) rm_rf(run);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int network_list(char ***ret_names) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_STATE), "/networks");
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!dir)
                return log_oom();
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        while (d && (de = readdir(d))) {
                const char *dot = strrchr(de->d_name, '.');
                _cleanup_free_ char *n = NULL;
                if (de->d_name[0] == '.' || !dot || !streq(dot, ".json"))
                        continue;
                n = strndup(de->d_name, (size_t) (dot - de->d_name));
                if (!n || strv_consume(&names, TAKE_PTR(n)) < 0)
                        return log_oom();
        }
        if (!strv_contains(names, NETWORK_DEFAULT_NAME) && strv_extend(&names, NETWORK_DEFAULT_NAME) < 0)
                return log_oom();
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_str);
        *ret_names = TAKE_PTR(names);
        return 0;
}

/* --- creating ---------------------------------------------------------------------------------- */

static int parse_flag_cidr(const char *flag, const char *value, Cidr *ret) {
        if (cidr_parse(value, ret) < 0)
                return log_error_errno(-EINVAL, "Invalid %s '%s': expected an address/prefix such as 10.89.5.0/24.",
                                flag, value);
        return 0;
}

/* Subnets and bridge names taken by the other networks. */
static int collect_used(const char *except, Cidr **ret_used, size_t *ret_n, char ***ret_ifaces) {
        _cleanup_strv_free_ char **names = NULL, **ifaces = NULL;
        _cleanup_free_ Cidr *used = NULL;
        size_t n = 0;
        int r;

        r = network_list(&names);
        if (r < 0)
                return r;
        STRV_FOREACH(name, names) {
                _cleanup_(network_freep) Network *net = NULL;
                if (streq(*name, except))
                        continue;
                r = load_record(*name, &net);
                if (r == -ENOENT && streq(*name, NETWORK_DEFAULT_NAME))
                        r = default_network(&net); /* reserved even before first use */
                if (r < 0 || !net)
                        continue; /* a broken record was reported; it does not block others */
                Cidr *u = reallocarray(used, n + net->n_subnets + 1, sizeof(Cidr));
                if (!u)
                        return log_oom();
                used = u;
                for (size_t i = 0; i < net->n_subnets; i++)
                        used[n++] = net->subnets[i].subnet;
                if (strv_extend(&ifaces, net->interface) < 0)
                        return log_oom();
        }
        *ret_used = TAKE_PTR(used);
        *ret_n = n;
        *ret_ifaces = TAKE_PTR(ifaces);
        return 0;
}

static int check_kv_list(const char *flag, char *const *l) {
        STRV_FOREACH(s, l)
                if (!strchr(*s, '=') || **s == '=')
                        return log_error_errno(-EINVAL, "Invalid %s '%s': expected KEY=VALUE.", flag, *s);
        return 0;
}

/* A unique-local /64 derived from the network's name, so it is stable across re-creation. */
static void ula_for(const char *name, Cidr *ret) {
        uint32_t h = 2166136261u;
        for (const char *p = name; *p; p++)
                h = (h ^ (uint8_t) *p) * 16777619u;
        *ret = (Cidr) { .family = AF_INET6,
                .prefixlen = 64,
                .addr = { 0xfd, 0xb3, (uint8_t) (h >> 24), (uint8_t) (h >> 16), (uint8_t) (h >> 8), (uint8_t) h } };
}

static int fill_subnet(const char *gateway, const char *range, NetworkSubnet *s) {
        if (gateway) {
                if (address_parse(gateway, &s->gateway) < 0)
                        return log_error_errno(-EINVAL, "Invalid --gateway '%s': expected an address.", gateway);
                s->gateway.prefixlen = s->subnet.prefixlen;
                if (!cidr_contains(&s->subnet, &s->gateway))
                        return log_error_errno(-EINVAL, "--gateway %s is not in --subnet.", gateway);
        } else if (cidr_nth(&s->subnet, 1, &s->gateway) < 0)
                return log_error_errno(-EINVAL, "The subnet is too small for a gateway.");
        if (cidr_size(&s->subnet) < 4)
                return log_error_errno(-EINVAL, "The subnet is too small: use a prefix of /30 or shorter.");
        s->gateway.prefixlen = s->subnet.prefixlen;
        if (range) {
                if (parse_flag_cidr("--ip-range", range, &s->range) < 0)
                        return -EINVAL;
                if (!cidr_contains(&s->subnet, &s->range))
                        return log_error_errno(-EINVAL, "--ip-range %s is not inside the subnet.", range);
        } else
                s->range = s->subnet;
        return 0;
}

int network_new(const NetworkCreateOptions *o, Network **ret) {
        _cleanup_(network_freep) Network *n = calloc(1, sizeof(Network));
        _cleanup_strv_free_ char **ifaces = NULL;
        _cleanup_free_ Cidr *used = NULL;
        size_t n_used = 0, nsub = strv_length(o->subnets);
        bool have_v4 = false, have_v6 = false;
        int r;

        if (!n)
                return log_oom();
        if (!network_name_is_valid(o->name) || network_name_is_mode(o->name) || streq(o->name, "bridge"))
                return log_error_errno(-EINVAL,
                                "Invalid network name '%s': use letters, digits, '_', '.' and '-', "
                                "starting with a letter or digit (none, host, private and bridge are reserved).",
                                o->name ?: "");
        if (o->driver && !streq(o->driver, "bridge"))
                return log_error_errno(-EOPNOTSUPP,
                                "Unsupported --driver '%s': berth networks are bridges "
                                "(driver 'bridge').",
                                o->driver);
        if (o->ipam_driver && !streq(o->ipam_driver, "host-local") && !streq(o->ipam_driver, "default"))
                return log_error_errno(-EOPNOTSUPP, "Unsupported --ipam-driver '%s': only host-local.", o->ipam_driver);
        if (strv_length(o->gateways) > nsub || strv_length(o->ranges) > nsub)
                return log_error_errno(-EINVAL, "Each --gateway and --ip-range belongs to the --subnet in the same "
                                                "position: give a --subnet first.");
        if (nsub > NETWORK_MAX_SUBNETS)
                return log_error_errno(-E2BIG, "At most %d --subnet.", NETWORK_MAX_SUBNETS);
        if (o->interface && (strlen(o->interface) >= 16 || strchr(o->interface, '/') || isempty(o->interface)))
                return log_error_errno(-EINVAL, "Invalid --interface-name '%s': at most 15 characters, no '/'.",
                                o->interface);
        STRV_FOREACH(d, o->dns) {
                Cidr a;
                if (address_parse(*d, &a) < 0)
                        return log_error_errno(-EINVAL, "Invalid --dns '%s': expected an IP address.", *d);
        }
        if (check_kv_list("--opt", o->options) < 0 || check_kv_list("--label", o->labels) < 0)
                return -EINVAL;
        STRV_FOREACH(opt, o->options) {
                const char *mtu = startswith(*opt, "mtu=");
                if (mtu && network_mtu_parse(mtu) < 0)
                        return log_error_errno(-EINVAL, "Invalid --opt %s: the MTU is a number from 68 to 65535.", *opt);
        }
        r = collect_used(o->name, &used, &n_used, &ifaces);
        if (r < 0)
                return r;

        for (size_t i = 0; i < nsub; i++) {
                NetworkSubnet *s = &n->subnets[i];
                const char *gw = i < strv_length(o->gateways) ? o->gateways[i] : NULL;
                const char *range = i < strv_length(o->ranges) ? o->ranges[i] : NULL;
                if (parse_flag_cidr("--subnet", o->subnets[i], &s->subnet) < 0)
                        return -EINVAL;
                for (size_t j = 0; j < n_used; j++)
                        if (cidr_overlaps(&s->subnet, &used[j])) {
                                _cleanup_free_ char *other = cidr_format(&used[j]);
                                return log_error_errno(-EEXIST, "--subnet %s overlaps %s of another berth network.",
                                                o->subnets[i], other ?: "?");
                        }
                for (size_t j = 0; j < i; j++)
                        if (cidr_overlaps(&s->subnet, &n->subnets[j].subnet))
                                return log_error_errno(-EEXIST, "--subnet %s overlaps --subnet %s.", o->subnets[i],
                                                o->subnets[j]);
                r = fill_subnet(gw, range, s);
                if (r < 0)
                        return r;
                have_v4 = have_v4 || s->subnet.family == AF_INET;
                have_v6 = have_v6 || s->subnet.family == AF_INET6;
        }
        n->n_subnets = nsub;
        if (!have_v4) {
                Cidr *all;
                if (n->n_subnets >= NETWORK_MAX_SUBNETS)
                        return -E2BIG;
                /* Also clear of the host's own networks, or their traffic would be routed to the bridge. */
                all = reallocarray(used, n_used + o->n_host_subnets + 1, sizeof(Cidr));
                if (!all)
                        return log_oom();
                used = all;
                for (size_t i = 0; i < o->n_host_subnets; i++)
                        used[n_used++] = o->host_subnets[i];
                r = network_pick_subnet(used, n_used, &n->subnets[n->n_subnets].subnet);
                if (r < 0)
                        return log_error_errno(r, "No free subnet in 10.89.0.0/16: give one with --subnet.");
                r = fill_subnet(NULL, NULL, &n->subnets[n->n_subnets++]);
                if (r < 0)
                        return r;
        }
        if (o->ipv6 && !have_v6 && n->n_subnets < NETWORK_MAX_SUBNETS) {
                ula_for(o->name, &n->subnets[n->n_subnets].subnet);
                r = fill_subnet(NULL, NULL, &n->subnets[n->n_subnets++]);
                if (r < 0)
                        return r;
        }

        if (o->interface)
                n->interface = strdup(o->interface);
        else
                for (unsigned i = 1; i < 10000 && !n->interface; i++) {
                        char buf[16];
                        (void) snprintf(buf, sizeof buf, "berth%u", i);
                        if (!strv_contains(ifaces, buf))
                                n->interface = strdup(buf);
                }
        if (o->interface && strv_contains(ifaces, o->interface))
                return log_error_errno(-EEXIST, "--interface-name %s is used by another berth network.", o->interface);
        n->name = strdup(o->name);
        n->driver = strdup("bridge");
        n->internal = o->internal;
        n->ipv6 = o->ipv6 || have_v6;
        n->dns_enabled = !o->disable_dns;
        n->dns = strv_copy(o->dns);
        n->options = strv_copy(o->options);
        n->labels = strv_copy(o->labels);
        if (!n->interface || !n->name || !n->driver || (o->dns && !n->dns) || (o->options && !n->options) ||
                        (o->labels && !n->labels) || now_rfc3339(&n->created) < 0)
                return log_oom();
        *ret = TAKE_PTR(n);
        return 0;
}

void network_attach_options_done(NetworkAttachOptions *o) {
        free(o->name);
        strv_free(o->aliases);
        free(o->mac);
        free(o->interface);
        *o = (NetworkAttachOptions) {};
}

int network_attach_options_parse(const char *spec, NetworkAttachOptions *ret) {
        _cleanup_(network_attach_options_done) NetworkAttachOptions o = {};
        _cleanup_free_ char *opts = NULL;
        size_t len = strcspn(spec, ":");
        char *save = NULL;

        o.name = strndup(spec, len);
        opts = strdup(spec[len] ? spec + len + 1 : "");
        if (!o.name || !opts)
                return log_oom();
        for (char *kv = strtok_r(opts, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                char *v = strchr(kv, '=');
                if (!v || v == kv || isempty(v + 1))
                        return log_error_errno(-EINVAL, "Invalid network option '%s' in '%s': expected KEY=VALUE.", kv,
                                        spec);
                *v++ = 0;
                if (streq(kv, "ip")) {
                        if (address_parse(v, &o.ip) < 0 || o.ip.family != AF_INET)
                                return log_error_errno(-EINVAL,
                                                "Invalid network option ip=%s: expected an IPv4 address.", v);
                } else if (streq(kv, "ip6")) {
                        if (address_parse(v, &o.ip6) < 0 || o.ip6.family != AF_INET6)
                                return log_error_errno(-EINVAL,
                                                "Invalid network option ip6=%s: expected an IPv6 address.", v);
                } else if (streq(kv, "alias")) {
                        if (!network_name_is_valid(v))
                                return log_error_errno(-EINVAL,
                                                "Invalid network option alias=%s: use letters, digits, '_', "
                                                "'.' and '-'.",
                                                v);
                        if (strv_extend(&o.aliases, v) < 0)
                                return log_oom();
                } else if (streq(kv, "mac")) {
                        unsigned b[6];
                        char end;
                        if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 ||
                                        strlen(v) != 17)
                                return log_error_errno(-EINVAL,
                                                "Invalid network option mac=%s: expected XX:XX:XX:XX:XX:XX.", v);
                        free(o.mac);
                        if (!(o.mac = strdup(v)))
                                return log_oom();
                } else if (streq(kv, "interface_name")) {
                        if (strlen(v) >= 16 || strchr(v, '/') || streq(v, "lo"))
                                return log_error_errno(-EINVAL, "Invalid network option interface_name=%s.", v);
                        free(o.interface);
                        if (!(o.interface = strdup(v)))
                                return log_oom();
                } else
                        return log_error_errno(-EINVAL,
                                        "Unknown network option '%s' in '%s': use ip, ip6, alias, mac or "
                                        "interface_name.",
                                        kv, spec);
        }
        *ret = TAKE_GENERIC(o, NetworkAttachOptions, (NetworkAttachOptions) {});
        return 0;
}
