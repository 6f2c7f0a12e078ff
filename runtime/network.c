/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "mount-util.h"
#include "network.h"

static bool strv_isempty(char *const *l) {
        return !l || !*l;
}

static int write_sysctl(int root_fd, const char *name, const char *value) {
        _cleanup_free_ char *path = strjoin("/proc/sys/", name);
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(value);

        if (!path)
                return log_oom();
        if (!sysctl_name_is_valid(name))
                return log_error_errno(-EINVAL, "Invalid sysctl name '%s'.", name);
        for (char *p = path + strlen("/proc/sys/"); *p; p++)
                if (*p == '.')
                        *p = '/';
        fd = open_in_root(root_fd, path, O_WRONLY | O_NOFOLLOW, 0);
        if (fd < 0)
                return log_error_errno(fd, "Failed to open sysctl %s: %m", name);
        if (write(fd, value, l) != (ssize_t) l)
                return log_error_errno(negative_errno(), "Failed to set sysctl %s=%s: %m", name, value);
        return 0;
}

static int loopback_up(void) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};

        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open a socket: %m");
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return log_error_errno(negative_errno(), "Failed to read the flags of lo: %m");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return log_error_errno(negative_errno(), "Failed to bring lo up: %m");
        return 0;
}

int network_apply_sysctls(const Container *c, int root_fd) {
        bool private = c->network == NETWORK_PRIVATE;
        int r;

        if (private) {
                r = loopback_up();
                if (r < 0)
                        return r;
        }
        /* An OCI container gets the sysctls its config.json lists, and no others. */
        if (private && !c->oci) {
                /* Docker's compensation for not granting NET_BIND_SERVICE-free low ports and raw ping. */
                r = write_sysctl(root_fd, "net.ipv4.ip_unprivileged_port_start", "0");
                if (r >= 0)
                        r = write_sysctl(root_fd, "net.ipv4.ping_group_range", "0 2147483647");
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(s, c->spec.sysctl) {
                _cleanup_free_ char *name = NULL;
                const char *value;
                r = sysctl_assignment_split(*s, &name, &value);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r, "Invalid --sysctl '%s': expected " SYSCTL_EXPECTED ".", *s);
                if (!sysctl_is_namespaced(name, private))
                        return log_error_errno(-EPERM, "--sysctl %s is not namespaced%s; refusing to set it on the host.",
                                        name, startswith(name, "net.") ? " with this --network" : "");
                r = write_sysctl(root_fd, name, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int append(char **buf, const char *a, const char *b, const char *c) {
        char *n = strjoin(*buf ?: "", a, b ?: "", c ?: "");
        if (!n)
                return -ENOMEM;
        free(*buf);
        *buf = n;
        return 0;
}

char *resolv_conf_build(const char *host_text, bool private_network, char *const *dns, char *const *search,
                char *const *options) {
        _cleanup_free_ char *copy = host_text ? strdup(host_text) : NULL, *out = strdup("");
        char *save = NULL;
        bool have_server = false;

        if (!out || (host_text && !copy))
                return NULL;
        for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
                const char *server = startswith(line, "nameserver");
                if (server) {
                        server += strspn(server, " \t");
                        if (!strv_isempty(dns))
                                continue;
                        if (private_network && (startswith(server, "127.") || streq(server, "::1")))
                                continue;
                        have_server = true;
                } else if ((startswith(line, "search") && !strv_isempty(search)) ||
                                (startswith(line, "options") && !strv_isempty(options)))
                        continue;
                if (append(&out, line, "\n", NULL) < 0)
                        return NULL;
        }
        STRV_FOREACH(d, dns) {
                if (append(&out, "nameserver ", *d, "\n") < 0)
                        return NULL;
                have_server = true;
        }
        if (!strv_isempty(search)) {
                _cleanup_free_ char *j = strv_join(search, " ");
                if (!j || append(&out, "search ", j, "\n") < 0)
                        return NULL;
        }
        if (!strv_isempty(options)) {
                _cleanup_free_ char *j = strv_join(options, " ");
                if (!j || append(&out, "options ", j, "\n") < 0)
                        return NULL;
        }
        (void) have_server;
        return TAKE_PTR(out);
}

static int write_run_file(const Container *c, const char *name, const char *content) {
        _cleanup_free_ char *p = path_join(c->run_dir, name);
        int r;

        if (!p)
                return log_oom();
        r = write_file_atomic(p, content, strlen(content), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", p);
        /* In a user namespace the container's root must own its /etc files, as without one. */
        if (c->userns_auto && c->userns.base > 0 &&
                        chown(p, c->userns.base, c->spec.gidmap ? (gid_t) -1 : (gid_t) c->userns.base) < 0)
                return log_error_errno(negative_errno(), "Failed to hand %s to the container's root: %m", p);
        return 0;
}

int network_write_files(const Container *c) {
        _cleanup_free_ char *hostname = NULL, *hosts = NULL, *host_resolv = NULL, *resolv = NULL, *host_hosts = NULL;
        const char *hn = c->process.hostname;
        int r;

        hostname = strjoin(hn, "\n");
        if (!hostname)
                return log_oom();
        r = write_run_file(c, "hostname", hostname);
        if (r < 0)
                return r;

        if (c->network == NETWORK_PRIVATE)
                hosts = strjoin("127.0.0.1\tlocalhost ", hn, "\n",
                                "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                "fe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
                                "ff02::2\tip6-allrouters\n");
        else {
                /* Sharing a network namespace: the host's names are as valid in here. */
                (void) read_full_file("/etc/hosts", &host_hosts, NULL);
                hosts = strjoin(host_hosts ?: "127.0.0.1\tlocalhost\n", "127.0.1.1\t", hn, "\n");
        }
        if (!hosts)
                return log_oom();
        STRV_FOREACH(a, c->spec.add_host) {
                /* NAME:IP, where IP may itself contain ':' (IPv6). */
                const char *colon = strchr(*a, ':');
                if (!colon || colon == *a || isempty(colon + 1))
                        return log_error_errno(-EINVAL, "Invalid --add-host '%s': expected NAME:IP.", *a);
                _cleanup_free_ char *name = strndup(*a, (size_t) (colon - *a));
                if (!name || append(&hosts, colon + 1, "\t", name) < 0 || append(&hosts, "\n", NULL, NULL) < 0)
                        return log_oom();
        }
        r = write_run_file(c, "hosts", hosts);
        if (r < 0)
                return r;

        /* With the host's resolver stub (127.0.0.53), the real upstreams are in systemd-resolved's file. */
        if (read_full_file("/etc/resolv.conf", &host_resolv, NULL) >= 0 && c->network == NETWORK_PRIVATE &&
                        strstr(host_resolv, "nameserver 127.0.0.53")) {
                free(host_resolv);
                host_resolv = NULL;
                (void) read_full_file("/run/systemd/resolve/resolv.conf", &host_resolv, NULL);
        }
        resolv = resolv_conf_build(host_resolv, c->network == NETWORK_PRIVATE, c->spec.dns, c->spec.dns_search,
                        c->spec.dns_option);
        if (!resolv)
                return log_oom();
        return write_run_file(c, "resolv.conf", resolv);
}
