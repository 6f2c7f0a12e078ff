/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names side of bridge networks: each container's /etc/hosts lists its peers on the network
 * (containers and pods), kept up to date in the running ones as peers come and go. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "network-hosts.h"
#include "paths.h"
#include "pod-store.h"
#include "strv.h"

/* Containers on one network find each other by name through /etc/hosts. A peer's file is bind-mounted
 * into it, so it is rewritten in place (a rename would not reach the container): our line, marked with
 * our owner id, is dropped, and so is an unmarked line starting with stale (the "IP\tNAME" a pod member
 * got from pod_apply_to_spec() when it started; "IP\t": any line of that address); line is appended
 * when given. */
static int peer_hosts_update(const char *peer, const char *owner, const char *line, const char *stale) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", peer, "/hosts"),
                            *mark = strjoin("\t# berth-peer:", owner), *old = NULL, *out = strdup("");
        _cleanup_close_ int fd = -EBADF;
        size_t l;

        if (!path || !mark || !out)
                return log_oom();
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0; /* not a container of ours (any more) */
        if (read_full_fd(fd, &old, NULL) < 0)
                return 0;
        for (char *save = NULL, *ln = strtok_r(old, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
                const char *rest = stale ? startswith(ln, stale) : NULL;
                char *more;
                if (endswith(ln, mark) || (rest && (*rest == 0 || *rest == ' ' || endswith(stale, "\t"))))
                        continue;
                more = strjoin(out, ln, "\n");
                if (!more)
                        return log_oom();
                free(out);
                out = more;
        }
        if (line) {
                char *more = strjoin(out, line, mark, "\n");
                if (!more)
                        return log_oom();
                free(out);
                out = more;
        }
        /* Written over, then cut: a reader never sees the file empty. */
        l = strlen(out);
        if (pwrite(fd, out, l, 0) != (ssize_t) l || ftruncate(fd, (off_t) l) < 0)
                log_warning_errno(-errno, "Failed to update %s: %m", path);
        return 0;
}

/* The same for every /etc/hosts behind a lease: a container's own, or those of a pod's running members
 * (they share the pod's address). */
static void owner_hosts_update(const char *peer_owner, const char *owner, const char *line, const char *stale) {
        _cleanup_strv_free_ char **members = NULL;
        const char *pod = network_owner_pod(peer_owner);

        if (!pod) {
                (void) peer_hosts_update(peer_owner, owner, line, stale);
                return;
        }
        if (pod_members(pod, &members) < 0)
                return;
        STRV_FOREACH(m, members)
                (void) peer_hosts_update(*m, owner, line, stale);
}

/* Each live peer learns our address, and we learn theirs (into our own hosts text). */
int network_hosts_exchange(const char *network, const NetworkLease *lease, char **own) {
        _cleanup_free_ char *ip = address_format(&lease->address), *my_aliases = strv_join(lease->aliases, " ");
        const char *owner = lease->container;
        NetworkLease *leases = NULL;
        size_t n = 0;
        int r;

        if (!ip || !my_aliases)
                return log_oom();
        r = network_leases_read(network, &leases, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *peer_ip = address_format(&leases[i].address),
                                    *peer_aliases = strv_join(leases[i].aliases, " ");
                if (r >= 0 && !streq(leases[i].container, owner) && peer_ip && peer_aliases &&
                                network_lease_is_live(&leases[i])) {
                        _cleanup_free_ char *mine = strjoin(ip, "\t", network_owner_name(owner), *my_aliases ? " " : "",
                                                            my_aliases),
                                            *theirs = strjoin(*own, peer_ip, "\t",
                                                            network_owner_name(leases[i].container),
                                                            *peer_aliases ? " " : "", peer_aliases,
                                                            "\t# berth-peer:", leases[i].container, "\n");
                        if (!mine || !theirs)
                                r = log_oom();
                        else {
                                owner_hosts_update(leases[i].container, owner, mine, NULL);
                                free(*own);
                                *own = TAKE_PTR(theirs);
                        }
                }
                network_lease_done(&leases[i]);
        }
        free(leases);
        return r;
}

void network_hosts_drop_own(const char *container, const NetworkLease *lease) {
        _cleanup_free_ char *ip = address_format(&lease->address), *ip6 = NULL, *stale = NULL, *stale6 = NULL;

        stale = ip ? strjoin(ip, "\t") : NULL;
        if (stale)
                (void) peer_hosts_update(container, "-", NULL, stale);
        if (lease->address6.family && (ip6 = address_format(&lease->address6)) && (stale6 = strjoin(ip6, "\t")))
                (void) peer_hosts_update(container, "-", NULL, stale6);
}

void network_hosts_forget(const char *network, const char *owner) {
        _cleanup_free_ char *stale = NULL;
        NetworkLease *leases = NULL;
        size_t n = 0;

        if (network_leases_read(network, &leases, &n) < 0)
                return;
        for (size_t i = 0; i < n && !stale; i++)
                if (streq(leases[i].container, owner)) {
                        _cleanup_free_ char *ip = address_format(&leases[i].address);
                        stale = ip ? strjoin(ip, "\t", network_owner_name(owner)) : NULL;
                }
        for (size_t i = 0; i < n; i++) {
                if (!streq(leases[i].container, owner))
                        owner_hosts_update(leases[i].container, owner, NULL, stale);
                network_lease_done(&leases[i]);
        }
        free(leases);
}

/* A running container has the file bind-mounted: a rename would not reach it. */
static int write_in_place(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        size_t l = strlen(text);

        if (fd < 0)
                return errno == ENOENT ? write_file_atomic(path, text, l, 0644, 0) : -errno;
        if (pwrite(fd, text, l, 0) != (ssize_t) l || ftruncate(fd, (off_t) l) < 0)
                return -errno;
        return 0;
}

/* run_dir/hosts gets the container's own address; run_dir/resolv.conf the network's DNS servers. */
int network_hosts_write_files(const Network *n, const char *run_dir, const char *hostname, const char *container,
                const NetworkLease *lease, bool keep_resolv) {
        _cleanup_free_ char *hosts_path = path_join(run_dir, "hosts"), *resolv_path = path_join(run_dir, "resolv.conf"),
                            *hosts = NULL, *ip = address_format(&lease->address), *text = NULL, *resolv = NULL,
                            *ip6 = lease->address6.family ? address_format(&lease->address6) : NULL,
                            *aliases = strv_join(lease->aliases, " "), *names = NULL;
        bool other_host = hostname && !streq(hostname, container);
        int r;

        if (!hosts_path || !resolv_path || !ip || (lease->address6.family && !ip6) || !aliases)
                return log_oom();
        /* Its own names: host name, container name, aliases. */
        names = strjoin(hostname ?: container, other_host ? " " : "", other_host ? container : "", *aliases ? " " : "",
                        aliases);
        (void) read_full_file(hosts_path, &hosts, NULL);
        text = names ? strjoin(hosts ?: "", ip, "\t", names, "\n", ip6 ?: "", ip6 ? "\t" : "", ip6 ? names : "",
                                       ip6 ? "\n" : "")
                     : NULL;
        if (!text)
                return log_oom();
        r = network_hosts_exchange(n->name, lease, &text);
        if (r < 0)
                return r;
        r = write_in_place(hosts_path, text);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", hosts_path);
        if (keep_resolv || !n->dns)
                return 0;

        /* The network's servers replace the host's; search and options lines stay. */
        _cleanup_free_ char *old = NULL, *out = strdup("");
        (void) read_full_file(resolv_path, &old, NULL);
        if (!out)
                return log_oom();
        for (char *save = NULL, *line = old ? strtok_r(old, "\n", &save) : NULL; line;
                        line = strtok_r(NULL, "\n", &save)) {
                char *more;
                if (startswith(line, "nameserver"))
                        continue;
                more = strjoin(out, line, "\n");
                if (!more)
                        return log_oom();
                free(out);
                out = more;
        }
        STRV_FOREACH(d, n->dns) {
                char *more = strjoin(out, "nameserver ", *d, "\n");
                if (!more)
                        return log_oom();
                free(out);
                out = more;
        }
        r = write_file_atomic(resolv_path, out, strlen(out), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", resolv_path);
        return 0;
}
