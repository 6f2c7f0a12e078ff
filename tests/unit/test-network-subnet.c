/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Subnet and address arithmetic of container networks, --publish parsing, and network_new()'s
 * defaults and errors against a temporary store. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs-util.h"
#include "network-attach.h"
#include "network-store.h"
#include "publish-spec.h"
#include "strv.h"
#include "tap.h"

static char *fmt_cidr(const char *in) {
        Cidr c;
        return cidr_parse(in, &c) < 0 ? strdup("error") : cidr_format(&c);
}

static void test_parse(void) {
        _cleanup_free_ char *a = fmt_cidr("10.89.1.7/24"), *b = fmt_cidr("fd00:1:2:3::5/64"),
                            *c = fmt_cidr("10.0.0.0/33"), *d = fmt_cidr("10.0.0.0"), *e = fmt_cidr("10.0.0.0/"),
                            *f = fmt_cidr("10.0.0.0/8x"), *g = fmt_cidr("172.16.5.255/20"), *h = fmt_cidr("0.0.0.0/0");
        Cidr x;

        CHECK_STREQ(a, "10.89.1.0/24");
        CHECK_STREQ(b, "fd00:1:2:3::/64");
        CHECK_STREQ(c, "error");
        CHECK_STREQ(d, "error");
        CHECK_STREQ(e, "error");
        CHECK_STREQ(f, "error");
        CHECK_STREQ(g, "172.16.0.0/20");
        CHECK_STREQ(h, "0.0.0.0/0");
        CHECK(interface_address_parse("10.89.1.7/24", &x) == 0);
        _cleanup_free_ char *i = cidr_format(&x);
        CHECK_STREQ(i, "10.89.1.7/24");
        CHECK(address_parse("10.1.2.3", &x) == 0 && x.family == AF_INET && x.prefixlen == 32);
        CHECK(address_parse("not-an-ip", &x) < 0);
}

static void test_arithmetic(void) {
        Cidr s24, s16, other, a, v6;
        _cleanup_free_ char *first = NULL, *last = NULL, *carry = NULL, *six = NULL;

        CHECK(cidr_parse("10.89.1.0/24", &s24) == 0);
        CHECK(cidr_parse("10.89.0.0/16", &s16) == 0);
        CHECK(cidr_parse("10.90.0.0/24", &other) == 0);
        CHECK(cidr_overlaps(&s24, &s16));
        CHECK(cidr_overlaps(&s16, &s24));
        CHECK(!cidr_overlaps(&s24, &other));
        CHECK(cidr_contains(&s16, &s24));
        CHECK(!cidr_contains(&s24, &s16));
        CHECK(cidr_size(&s24) == 256);
        CHECK(cidr_nth(&s24, 1, &a) == 0 && (first = address_format(&a)));
        CHECK_STREQ(first, "10.89.1.1");
        CHECK(cidr_nth(&s24, 255, &a) == 0 && (last = address_format(&a)));
        CHECK_STREQ(last, "10.89.1.255");
        CHECK(cidr_nth(&s24, 256, &a) == -ERANGE);
        CHECK(cidr_nth(&s16, 256 + 2, &a) == 0 && (carry = address_format(&a)));
        CHECK_STREQ(carry, "10.89.1.2");
        CHECK(cidr_parse("fd00::/64", &v6) == 0);
        CHECK(cidr_size(&v6) == UINT64_C(1) << 32);
        CHECK(cidr_nth(&v6, 0x1ff, &a) == 0 && (six = address_format(&a)));
        CHECK_STREQ(six, "fd00::1ff");
        CHECK(!cidr_overlaps(&v6, &s24));
}

static void test_pick(void) {
        Cidr used[3], got;
        _cleanup_free_ char *a = NULL, *b = NULL;

        CHECK(cidr_parse("10.89.0.0/24", &used[0]) == 0);
        CHECK(network_pick_subnet(used, 1, &got) == 0 && (a = cidr_format(&got)));
        CHECK_STREQ(a, "10.89.1.0/24");
        CHECK(cidr_parse("10.89.1.0/24", &used[1]) == 0);
        CHECK(cidr_parse("10.89.2.0/23", &used[2]) == 0); /* covers .2 and .3 */
        CHECK(network_pick_subnet(used, 3, &got) == 0 && (b = cidr_format(&got)));
        CHECK_STREQ(b, "10.89.4.0/24");
        CHECK(cidr_parse("10.89.0.0/16", &used[0]) == 0);
        CHECK(network_pick_subnet(used, 1, &got) == -ENOSPC);
}

static bool formats_as(const char *in, const char *want) {
        _cleanup_free_ char *out = NULL;
        PublishSpec p;
        return publish_spec_parse(in, &p) == 0 && (out = publish_spec_format(&p)) && streq(out, want);
}

static void test_publish(void) {
        PublishSpec p, q;
        _cleanup_free_ char *ip = NULL;
        char veth[16], mac[18];
        Cidr a;

        CHECK(publish_spec_parse("8080:80", &p) == 0 && p.host_port == 8080 && p.container_port == 80 &&
                        streq(p.proto, "tcp") && p.host_ip.family == 0 && p.count == 1);
        CHECK(publish_spec_parse("127.0.0.1:53:5353/udp", &p) == 0 && p.host_port == 53 && p.container_port == 5353 &&
                        streq(p.proto, "udp") && (ip = address_format(&p.host_ip)) && streq(ip, "127.0.0.1"));
        CHECK(publish_spec_parse("0.0.0.0:1:2", &p) == 0 && p.host_ip.family == 0);
        /* A container port alone, or with an address and no host port: a free port is chosen later. */
        CHECK(publish_spec_parse("5432", &p) == 0 && p.host_port == 0 && p.container_port == 5432);
        CHECK(publish_spec_parse("127.0.0.1::5432", &p) == 0 && p.host_port == 0 && p.host_ip.family == AF_INET);
        CHECK(publish_spec_parse(":5432", &p) == 0 && p.host_port == 0);
        /* Ranges of equal length. */
        CHECK(publish_spec_parse("9000-9001:80-81", &p) == 0 && p.host_port == 9000 && p.container_port == 80 &&
                        p.count == 2);
        CHECK(publish_spec_parse("9000-9002:80-81", &p) < 0);
        CHECK(publish_spec_parse("9001-9000:81-80", &p) < 0);
        CHECK(publish_spec_parse("65535-65536:1-2", &p) < 0);
        CHECK(publish_spec_parse("80-81", &p) == 0 && p.host_port == 0 && p.count == 2);
        /* IPv6 host addresses in brackets. */
        CHECK(publish_spec_parse("[fd00::1]:8080:80", &p) == 0 && p.host_ip.family == AF_INET6 && p.host_port == 8080);
        CHECK(publish_spec_parse("[fd00::1]::80", &p) == 0 && p.host_port == 0);
        CHECK(publish_spec_parse("[fd00::1]:80", &p) < 0);
        CHECK(publish_spec_parse("[10.0.0.1]:8080:80", &p) < 0);
        CHECK(publish_spec_parse("fd00::1:8080:80", &p) < 0);
        CHECK(publish_spec_parse("8080:0", &p) < 0);
        CHECK(publish_spec_parse("8080:65536", &p) < 0);
        CHECK(publish_spec_parse("8080:80/sctp", &p) < 0);
        CHECK(publish_spec_parse("bad:8080:80", &p) < 0);
        CHECK(publish_spec_parse("", &p) < 0);
        CHECK(publish_spec_parse("1.2.3.4:5:6:7", &p) < 0);
        /* The canonical text reads back to itself. */
        CHECK(formats_as("8080:80", ":8080:80/tcp"));
        CHECK(formats_as("127.0.0.1::5432/udp", "127.0.0.1::5432/udp"));
        CHECK(formats_as("9000-9001:80-81", ":9000-9001:80-81/tcp"));
        CHECK(formats_as("[fd00::1]:8080:80", "[fd00::1]:8080:80/tcp"));
        CHECK(formats_as(":9000-9001:80-81/tcp", ":9000-9001:80-81/tcp"));
        /* Overlaps: one port of a range, any address against a given one, not another protocol. */
        CHECK(publish_spec_parse("9000-9001:80-81", &p) == 0 && publish_spec_parse("127.0.0.1:9001:22", &q) == 0 &&
                        publish_spec_overlaps(&p, &q));
        CHECK(publish_spec_parse("9002:22", &q) == 0 && !publish_spec_overlaps(&p, &q));
        CHECK(publish_spec_parse("9000:22/udp", &q) == 0 && !publish_spec_overlaps(&p, &q));
        CHECK(publish_spec_parse("127.0.0.1:9000:1", &p) == 0 && publish_spec_parse("127.0.0.2:9000:1", &q) == 0 &&
                        !publish_spec_overlaps(&p, &q));
        CHECK(address_parse("10.88.0.5", &a) == 0);
        network_mac_from_address(&a, mac);
        CHECK(streq(mac, "02:42:0a:58:00:05"));
        network_veth_name("n1", "web", veth);
        CHECK(strlen(veth) == 12 && startswith(veth, "veth"));
}

static void test_new(void) {
        char tmpl[] = "/tmp/berth-test-network-XXXXXX";
        _cleanup_(network_freep) Network *def = NULL, *n1 = NULL, *n2 = NULL, *bad = NULL, *v6 = NULL;
        _cleanup_free_ char *s1 = NULL, *s2 = NULL, *gw = NULL, *range = NULL;
        _cleanup_strv_free_ char **names = NULL;

        CHECK(mkdtemp(tmpl) != NULL);
        setenv("BERTH_STATE_DIR", tmpl, 1);
        setenv("BERTH_RUN_DIR", tmpl, 1);

        CHECK(network_load("bridge", &def) == 0 && streq(def->name, "berth") && streq(def->interface, "berth0"));
        CHECK(network_new(&(NetworkCreateOptions) { .name = "n1" }, &n1) == 0);
        CHECK(n1 && (s1 = cidr_format(&n1->subnets[0].subnet)) && (gw = address_format(&n1->subnets[0].gateway)));
        CHECK_STREQ(s1, "10.89.0.0/24");
        CHECK_STREQ(gw, "10.89.0.1");
        CHECK_STREQ(n1->interface, "berth1");
        CHECK(network_save(n1) == 0);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "n2",
                                          .subnets = (char *[]) { (char *) "192.168.77.0/24", NULL },
                                          .ranges = (char *[]) { (char *) "192.168.77.128/25", NULL } },
                              &n2) == 0);
        CHECK(n2 && (s2 = cidr_format(&n2->subnets[0].subnet)) && (range = cidr_format(&n2->subnets[0].range)));
        CHECK_STREQ(s2, "192.168.77.0/24");
        CHECK_STREQ(range, "192.168.77.128/25");
        CHECK_STREQ(n2->interface, "berth2");

        CHECK(network_new(&(NetworkCreateOptions) { .name = "x",
                                          .subnets = (char *[]) { (char *) "10.89.0.128/25", NULL } },
                              &bad) == -EEXIST);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "x", .subnets = (char *[]) { (char *) "10.1.0.0/33", NULL } },
                              &bad) == -EINVAL);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "x", .driver = "macvlan" }, &bad) == -EOPNOTSUPP);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "x",
                                          .subnets = (char *[]) { (char *) "10.7.0.0/24", NULL },
                                          .gateways = (char *[]) { (char *) "10.8.0.1", NULL } },
                              &bad) == -EINVAL);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "host" }, &bad) == -EINVAL);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "x", .interface = "berth1" }, &bad) == -EEXIST);
        CHECK(bad == NULL);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "six", .ipv6 = true }, &v6) == 0);
        CHECK(v6 && v6->n_subnets == 2 && v6->subnets[1].subnet.family == AF_INET6 && v6->ipv6);

        CHECK(network_list(&names) == 0);
        CHECK(strv_length(names) == 2 && streq(names[0], "berth") && streq(names[1], "n1"));
        CHECK(rm_rf(tmpl) == 0);
}

static void test_attach_options(void) {
        NetworkAttachOptions o = {};
        _cleanup_free_ char *ip = NULL;

        CHECK(network_attach_options_parse("n1", &o) == 0 && streq(o.name, "n1") && o.ip.family == 0 && !o.aliases);
        network_attach_options_done(&o);
        CHECK(network_attach_options_parse("n1:ip=10.89.1.9,alias=a,alias=b,mac=02:00:00:00:00:01,interface_name=net1",
                              &o) == 0);
        CHECK(o.ip.family == AF_INET && (ip = address_format(&o.ip)) && streq(ip, "10.89.1.9"));
        CHECK(strv_length(o.aliases) == 2 && streq(o.aliases[1], "b"));
        CHECK(streq_ptr(o.mac, "02:00:00:00:00:01") && streq_ptr(o.interface, "net1"));
        network_attach_options_done(&o);
        CHECK(network_attach_options_parse("n1:ip6=fd00::5", &o) == 0 && o.ip6.family == AF_INET6);
        network_attach_options_done(&o);
        CHECK(network_attach_options_parse("n1:ip=fd00::5", &o) == -EINVAL);
        CHECK(network_attach_options_parse("n1:mac=02:00:00:00:00", &o) == -EINVAL);
        CHECK(network_attach_options_parse("n1:color=red", &o) == -EINVAL);
        CHECK(network_attach_options_parse("n1:ip", &o) == -EINVAL);
        CHECK(network_attach_options_parse("n1:alias=bad name", &o) == -EINVAL);
}

static void test_leases(void) {
        char tmpl[] = "/tmp/berth-test-lease-XXXXXX";
        _cleanup_(network_freep) Network *n = NULL;
        const char *names[] = { "a", "b", "c", "d", "e" };
        const char *want[] = { "10.1.0.2/29", "10.1.0.3/29", "10.1.0.4/29", "10.1.0.5/29", "10.1.0.6/29" };
        NetworkLease l = {}, *all = NULL;
        NetworkAttachOptions o = {};
        size_t count = 0;
        int lock;

        CHECK(mkdtemp(tmpl) != NULL);
        setenv("BERTH_STATE_DIR", tmpl, 1);
        setenv("BERTH_RUN_DIR", tmpl, 1);
        CHECK(network_new(&(NetworkCreateOptions) { .name = "small",
                                          .ipv6 = true,
                                          .subnets = (char *[]) { (char *) "10.1.0.0/29", NULL } },
                              &n) == 0);
        lock = network_lock("small");
        CHECK(lock >= 0);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *a = NULL;
                CHECK(network_lease_acquire(n, names[i], "veth0", NULL, NULL, &l) == 0);
                CHECK((a = cidr_format(&l.address)) && streq(a, want[i]));
                CHECK(l.address6.family == AF_INET6);
                network_lease_done(&l);
        }
        CHECK(network_lease_acquire(n, "f", "veth0", NULL, NULL, &l) == -ENOSPC);
        /* The same container gets its own address again. */
        CHECK(network_lease_acquire(n, "c", "veth0", NULL, NULL, &l) == 0 && l.address.addr[3] == 4);
        network_lease_done(&l);
        CHECK(network_lease_release("small", "b") == 0);
        CHECK(network_lease_acquire(n, "f", "veth0", NULL, NULL, &l) == 0 && l.address.addr[3] == 3);
        network_lease_done(&l);
        /* Requested addresses. */
        CHECK(network_attach_options_parse("small:ip=10.1.0.4", &o) == 0);
        CHECK(network_lease_acquire(n, "g", "veth0", NULL, &o, &l) == -EADDRINUSE);
        network_attach_options_done(&o);
        CHECK(network_attach_options_parse("small:ip=10.1.0.7", &o) == 0);
        CHECK(network_lease_acquire(n, "g", "veth0", NULL, &o, &l) == -EINVAL); /* broadcast */
        network_attach_options_done(&o);
        CHECK(network_lease_release("small", "a") == 0);
        CHECK(network_attach_options_parse("small:ip=10.1.0.2,alias=x", &o) == 0);
        CHECK(network_lease_acquire(n, "g", "veth0", (char *[]) { (char *) "80:80", NULL }, &o, &l) == 0);
        network_lease_done(&l);
        network_attach_options_done(&o);
        CHECK(network_leases_read("small", &all, &count) == 0 && count == 5);
        for (size_t i = 0; i < count; i++) {
                if (streq(all[i].container, "g"))
                        CHECK(strv_length(all[i].aliases) == 1 && strv_length(all[i].publish) == 1);
                network_lease_done(&all[i]);
        }
        free(all);
        CHECK(!network_container_is_running("g"));
        /* A pod's lease: owned by "pod:NAME", live only while the pod's namespace (or veth) is. */
        {
                _cleanup_free_ char *owner = network_pod_owner("web");
                CHECK(owner && streq(owner, "pod:web"));
                CHECK(streq_ptr(network_owner_pod(owner), "web") && !network_owner_pod("web"));
                CHECK(streq(network_owner_name(owner), "web") && streq(network_owner_name("ctr"), "ctr"));
                CHECK(network_lease_release("small", "g") == 0);
                CHECK(network_lease_acquire(n, owner, "vethnonexistent", NULL, NULL, &l) == 0);
                CHECK(!network_lease_is_live(&l)); /* no pods/web/netns mounted, no such veth */
                network_lease_done(&l);
                CHECK(network_lease_exists("small", owner) == 1);
        }
        safe_close(lock);
        CHECK(rm_rf(tmpl) == 0);
}

static int write_conf(const char *dir, const char *text) {
        _cleanup_free_ char *path = path_join(dir, "berth.conf");
        return path ? write_file_atomic(path, text, strlen(text), 0644, 0) : -ENOMEM;
}

/* berth.conf's [network] default_subnet: the default network's subnet, when its record is made. */
static void test_default_subnet(void) {
        char tmpl[] = "/tmp/berth-test-conf.XXXXXX";
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_free_ char *sub = NULL, *a = NULL, *b = NULL, *c = NULL;

        CHECK(mkdtemp(tmpl) != NULL);
        setenv("BERTH_CONFIG_DIR", tmpl, 1);
        setenv("BERTH_STATE_DIR", tmpl, 1);
        setenv("BERTH_RUN_DIR", tmpl, 1);
        CHECK(network_default_subnet(&a) == 0 && streq(a, NETWORK_DEFAULT_SUBNET)); /* no file */
        CHECK(write_conf(tmpl, "# comment\n[containers]\ndefault_subnet = 1.2.3.0/24\n\n[network]\n"
                               "other = x\n  default_subnet =  10.77.0.0/16  \n") == 0);
        CHECK(network_default_subnet(&b) == 0 && streq(b, "10.77.0.0/16"));
        CHECK(network_load("berth", &n) == 0);
        CHECK((sub = cidr_format(&n->subnets[0].subnet)) && streq(sub, "10.77.0.0/16"));
        CHECK(streq(n->interface, NETWORK_DEFAULT_INTERFACE));
        CHECK(write_conf(tmpl, "[network]\ndefault_subnet = 10.77.0.0/40\n") == 0);
        CHECK(network_default_subnet(&c) == -EINVAL);
        CHECK(write_conf(tmpl, "[network]\ndefault_subnet\n") == 0);
        CHECK(network_default_subnet(&c) == -EINVAL);
        CHECK(write_conf(tmpl, "[network]\ndefault_subnet = fd00::/64\n") == 0);
        CHECK(network_default_subnet(&c) == -EINVAL);
        unsetenv("BERTH_CONFIG_DIR");
        CHECK(rm_rf(tmpl) == 0);
}

int main(void) {
        test_default_subnet();
        test_leases();
        test_attach_options();
        test_parse();
        test_arithmetic();
        test_pick();
        test_publish();
        test_new();
        return tap_done();
}
