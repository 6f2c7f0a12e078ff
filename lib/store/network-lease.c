/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address leases of container networks: one JSON file per container name next to the network's
 * OFD lock in $BERTH_RUN_DIR/networks/NAME/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "network-store.h"
#include "paths.h"
#include "running-containers.h"
#include "strv.h"
#include "json-util.h"
#include "lock-util.h"

static char *lease_dir(const char *name) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/networks/", name);
}

int network_lock(const char *name) {
        _cleanup_free_ char *dir = lease_dir(name);
        int fd;

        if (!dir)
                return log_oom();
        fd = lock_file_take(dir, 0755, ".lock");
        if (fd < 0)
                return log_error_errno(fd, "Failed to lock %s/.lock: %m", dir);
        return fd;
}

bool network_container_is_running(const char *container) {
        _cleanup_free_ char *path = container_lock_path(container);
        _cleanup_close_ int fd = -EBADF;

        if (!path)
                return true; /* when in doubt, keep the lease */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno != ENOENT;
        /* The supervisor holds a write lock for the container's whole life; the probe takes none. */
        return lock_fd_is_held(fd, F_RDLCK) != 0;
}

char *network_pod_owner(const char *pod) {
        return strjoin(NETWORK_POD_OWNER_PREFIX, pod);
}

const char *network_owner_pod(const char *owner) {
        return startswith(owner, NETWORK_POD_OWNER_PREFIX);
}

const char *network_owner_name(const char *owner) {
        return network_owner_pod(owner) ?: owner;
}

static bool pod_netns_is_mounted(const char *pod) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/pods/", pod, "/netns");
        struct statfs sfs;

        if (!path)
                return true; /* when in doubt, keep the lease */
        return statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

bool network_lease_is_live(const NetworkLease *l) {
        const char *pod = network_owner_pod(l->container);

        if (!pod)
                return network_container_is_running(l->container);
        /* The pod's namespace may be mounted only in another mount namespace (a supervisor's private
         * one, say); its veth, which the kernel removes with the namespace, tells the truth there. */
        return pod_netns_is_mounted(pod) || (l->veth && if_nametoindex(l->veth) > 0);
}

void network_lease_done(NetworkLease *l) {
        free(l->container);
        free(l->veth);
        strv_free(l->publish);
        strv_free(l->aliases);
        *l = (NetworkLease) {};
}

static int lease_read(const char *path, NetworkLease *ret) {
        const char *container = NULL, *address = NULL, *address6 = NULL, *veth = NULL;
        json_t *o, *publish = NULL, *aliases = NULL;
        json_error_t err;
        json_int_t pid = 0;
        NetworkLease l = {};
        int r = 0;

        o = json_load_file(path, 0, &err);
        if (!o)
                return -EBADMSG;
        if (json_unpack(o, "{s:s, s:s, s?s, s:s, s?o, s?o, s?I}", "container", &container, "address", &address,
                            "address6", &address6, "veth", &veth, "publish", &publish, "aliases", &aliases,
                            "supervisor_pid", &pid) < 0 ||
                        interface_address_parse(address, &l.address) < 0 ||
                        (address6 && interface_address_parse(address6, &l.address6) < 0))
                r = -EBADMSG;
        if (r >= 0) {
                l.container = strdup(container);
                l.veth = strdup(veth);
                l.supervisor = (pid_t) pid;
                if (!l.container || !l.veth)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = json_array_to_strv(publish, &l.publish);
        if (r >= 0)
                r = json_array_to_strv(aliases, &l.aliases);
        json_decref(o);
        if (r < 0) {
                network_lease_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

int network_leases_read(const char *name, NetworkLease **ret, size_t *ret_n) {
        _cleanup_free_ char *dir = lease_dir(name);
        _cleanup_(closedirp) DIR *d = NULL;
        NetworkLease *leases = NULL;
        struct dirent *de;
        size_t n = 0;

        if (!dir)
                return log_oom();
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                NetworkLease *a;
                if (de->d_name[0] == '.' || !endswith(de->d_name, ".json"))
                        continue;
                p = path_join(dir, de->d_name);
                if (!p)
                        goto oom;
                a = reallocarray(leases, n + 1, sizeof(NetworkLease));
                if (!a)
                        goto oom;
                leases = a;
                if (lease_read(p, &leases[n]) < 0) {
                        log_warning("Ignoring the unreadable lease %s.", p);
                        continue;
                }
                n++;
        }
        *ret = leases;
        *ret_n = n;
        return 0;
oom:
        for (size_t i = 0; i < n; i++)
                network_lease_done(&leases[i]);
        free(leases);
        return log_oom();
}

/* The container holding a, other than container itself; NULL if a is free. */
static const char *address_holder(const NetworkLease *leases, size_t n, const char *container, const Cidr *a) {
        for (size_t i = 0; i < n; i++) {
                const Cidr *held = a->family == AF_INET6 ? &leases[i].address6 : &leases[i].address;
                if (!streq(leases[i].container, container) && held->family == a->family &&
                                memcmp(held->addr, a->addr, 16) == 0)
                        return leases[i].container;
        }
        return NULL;
}

static bool address_taken(const NetworkLease *leases, size_t n, const char *container, const Cidr *a) {
        return address_holder(leases, n, container, a);
}

/* A requested address (ip=, ip6=): in a subnet of its family, neither the subnet's own address, its
 * broadcast address nor the gateway, and not another container's. */
static int check_requested(const Network *n, const NetworkLease *leases, size_t n_leases, const char *container,
                const Cidr *want, Cidr *ret) {
        _cleanup_free_ char *text = address_format(want);
        const char *holder;

        for (size_t s = 0; s < n->n_subnets; s++) {
                const NetworkSubnet *sub = &n->subnets[s];
                Cidr first, last;
                if (!cidr_contains(&sub->subnet, want))
                        continue;
                if (cidr_nth(&sub->subnet, 0, &first) < 0 ||
                                cidr_nth(&sub->subnet, cidr_size(&sub->subnet) - 1, &last) < 0)
                        continue;
                if (memcmp(want->addr, sub->gateway.addr, 16) == 0 || memcmp(want->addr, first.addr, 16) == 0 ||
                                (want->family == AF_INET && memcmp(want->addr, last.addr, 16) == 0))
                        return log_error_errno(-EINVAL,
                                        "Address %s is reserved on network '%s' (subnet, broadcast or "
                                        "gateway address).",
                                        text ?: "?", n->name);
                holder = address_holder(leases, n_leases, container, want);
                if (holder)
                        return log_error_errno(-EADDRINUSE, "Address %s on network '%s' is in use by container %s.",
                                        text ?: "?", n->name, holder);
                *ret = *want;
                ret->prefixlen = sub->subnet.prefixlen;
                return 0;
        }
        return log_error_errno(-EINVAL, "Address %s is not in a subnet of network '%s'.", text ?: "?", n->name);
}

/* The first free IPv4 address of the network's range that is neither the subnet's own address, its
 * broadcast address nor the gateway. */
static uint32_t be32(const uint8_t *b) {
        return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
}

/* The IPv6 address has the same offset in the first IPv6 subnet as the IPv4 one in its subnet, so it
 * is as unique (and never the gateway, the first address). */
static void pick_address6(const Network *n, uint64_t offset, Cidr *ret) {
        *ret = (Cidr) {};
        for (size_t s = 0; s < n->n_subnets; s++) {
                const NetworkSubnet *sub = &n->subnets[s];
                if (sub->subnet.family != AF_INET6 || cidr_nth(&sub->subnet, offset, ret) < 0)
                        continue;
                if (memcmp(ret->addr, sub->gateway.addr, 16) == 0) {
                        *ret = (Cidr) {};
                        continue;
                }
                ret->prefixlen = sub->subnet.prefixlen;
                return;
        }
}

static int pick_address(const Network *n, const NetworkLease *leases, size_t n_leases, const char *container, Cidr *ret,
                Cidr *ret6) {
        for (size_t s = 0; s < n->n_subnets; s++) {
                const NetworkSubnet *sub = &n->subnets[s];
                Cidr first, last;
                if (sub->subnet.family != AF_INET)
                        continue;
                if (cidr_nth(&sub->subnet, 0, &first) < 0 ||
                                cidr_nth(&sub->subnet, cidr_size(&sub->subnet) - 1, &last) < 0)
                        continue;
                for (uint64_t i = 0; i < cidr_size(&sub->range); i++) {
                        Cidr a;
                        if (cidr_nth(&sub->range, i, &a) < 0)
                                break;
                        if (memcmp(a.addr, first.addr, 4) == 0 || memcmp(a.addr, last.addr, 4) == 0 ||
                                        memcmp(a.addr, sub->gateway.addr, 4) == 0 ||
                                        address_taken(leases, n_leases, container, &a))
                                continue;
                        a.prefixlen = sub->subnet.prefixlen;
                        *ret = a;
                        pick_address6(n, i + (uint64_t) (be32(sub->range.addr) - be32(sub->subnet.addr)), ret6);
                        return 0;
                }
        }
        return log_error_errno(-ENOSPC, "Network '%s' has no free IPv4 address left.", n->name);
}

int network_lease_acquire(const Network *n, const char *container, const char *veth, char *const *publish,
                const NetworkAttachOptions *opts, NetworkLease *ret) {
        _cleanup_free_ char *dir = lease_dir(n->name), *path = NULL, *addr = NULL, *addr6 = NULL;
        NetworkLease *leases = NULL;
        size_t n_leases = 0;
        Cidr a = {}, a6 = {};
        json_t *o, *pub, *aliases;
        int r;

        if (!dir || !(path = strjoin(dir, "/", container, ".json")))
                return log_oom();
        r = network_leases_read(n->name, &leases, &n_leases);
        if (r < 0)
                return r;
        if (opts && opts->ip.family)
                r = check_requested(n, leases, n_leases, container, &opts->ip, &a);
        else
                r = pick_address(n, leases, n_leases, container, &a, &a6);
        if (r >= 0 && opts && opts->ip6.family)
                r = check_requested(n, leases, n_leases, container, &opts->ip6, &a6);
        for (size_t i = 0; i < n_leases; i++)
                network_lease_done(&leases[i]);
        free(leases);
        if (r < 0)
                return r;

        addr = cidr_format(&a);
        addr6 = a6.family ? cidr_format(&a6) : NULL;
        pub = json_array();
        aliases = json_array();
        STRV_FOREACH(p, publish)
                if (pub)
                        json_array_append_new(pub, json_string(*p));
        STRV_FOREACH(p, opts ? opts->aliases : NULL)
                if (aliases)
                        json_array_append_new(aliases, json_string(*p));
        o = addr && pub && aliases ? json_pack("{s:s, s:s, s:s*, s:s, s:o, s:o, s:I}", "container", container,
                                                     "address", addr, "address6", addr6, "veth", veth, "publish", pub,
                                                     "aliases", aliases, "supervisor_pid", (json_int_t) getpid())
                                   : NULL;
        r = json_write_record_at(AT_FDCWD, path, o, 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        *ret = (NetworkLease) { .container = strdup(container),
                .address = a,
                .address6 = a6,
                .veth = strdup(veth),
                .publish = strv_copy(publish),
                .supervisor = getpid() };
        ret->aliases = strv_copy(opts ? opts->aliases : NULL);
        if (!ret->container || !ret->veth || (publish && !ret->publish) || (opts && opts->aliases && !ret->aliases))
                return network_lease_done(ret), log_oom();
        return 0;
}

int network_lease_exists(const char *name, const char *container) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/networks/", name, "/", container, ".json");

        if (!path)
                return log_oom();
        if (access(path, F_OK) < 0)
                return errno == ENOENT ? 0 : -errno;
        return 1;
}

int network_lease_has_publish(const char *name, const char *container) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/networks/", name, "/", container, ".json");
        NetworkLease l;
        int r;

        if (!path)
                return log_oom();
        if (access(path, F_OK) < 0)
                return -errno;
        r = lease_read(path, &l);
        if (r < 0)
                return r;
        r = l.publish && l.publish[0];
        network_lease_done(&l);
        return r;
}

int network_leases_of(const char *container, char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **found = NULL;
        int r, n = 0;

        r = network_list(&names);
        if (r < 0)
                return r;
        STRV_FOREACH(name, names)
                if (network_lease_exists(*name, container) > 0) {
                        if (ret && strv_extend(&found, *name) < 0)
                                return log_oom();
                        n++;
                }
        if (ret)
                *ret = TAKE_PTR(found);
        return n;
}

int network_lease_release(const char *name, const char *container) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/networks/", name, "/", container, ".json");

        if (!path)
                return log_oom();
        if (unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(-errno, "Failed to remove %s: %m", path);
        return 0;
}
