/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>

#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "network-attach.h"
#include "paths.h"
#include "object-name.h"
#include "pod-store.h"
#include "running-containers.h"
#include "strv.h"
#include "time-util.h"
#include "lock-util.h"

static const struct {
        const char *file; /* under the pod's directory */
        const char *proc; /* under /proc/PID/ns */
        int type;         /* for setns() */
} namespaces[_POD_NS_MAX] = {
        [POD_NS_NET] = { "netns", "net", CLONE_NEWNET },
        [POD_NS_IPC] = { "ipcns", "ipc", CLONE_NEWIPC },
        [POD_NS_UTS] = { "utsns", "uts", CLONE_NEWUTS },
};

Pod *pod_free(Pod *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->hostname);
        free(p->network);
        strv_free(p->publish);
        strv_free(p->dns);
        strv_free(p->dns_search);
        strv_free(p->dns_option);
        strv_free(p->add_host);
        strv_free(p->labels);
        free(p->created);
        free(p);
        return NULL;
}

bool pod_name_is_valid(const char *name) {
        return object_name_is_valid(name, 253);
}

static char *pod_dir(const char *name) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/pods/", name);
}

char *pod_namespace_path(const char *name, PodNamespace ns) {
        return strjoin(berth_path(BERTH_PATH_RUN), "/pods/", name, "/", namespaces[ns].file);
}

static int pods_lock(void) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_RUN), "/pods");
        int fd;

        if (!dir)
                return log_oom();
        fd = lock_file_take(dir, 0755, ".lock");
        if (fd < 0)
                return log_error_errno(fd, "Failed to lock %s/.lock: %m", dir);
        return fd;
}

static bool is_nsfs(const char *path) {
        struct statfs sfs;
        return statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

/* Unmounts the namespace files (every layer, should a crash have stacked two) and removes the
 * directory. Safe on a directory in any state. */
static int pod_dir_clean(const char *dir) {
        int r;

        for (size_t i = 0; i < _POD_NS_MAX; i++) {
                _cleanup_free_ char *p = path_join(dir, namespaces[i].file);
                if (!p)
                        return log_oom();
                for (unsigned n = 0; n < 16 && umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; n++)
                        ;
                if (is_nsfs(p))
                        return log_error_errno(-EBUSY, "Failed to unmount %s: %m", p);
        }
        r = rm_rf(dir);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", dir);
        return 0;
}

static int loopback_up(void) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};

        if (fd < 0)
                return negative_errno();
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return negative_errno();
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        return RET_NERRNO(ioctl(fd, SIOCSIFFLAGS, &ifr));
}

/* Runs in the forked child: new namespaces, configured, then held until the parent has bound them. */
_noreturn_ static void namespace_holder(const char *hostname, int ready_fd, int go_fd) {
        char c;
        int r;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
                log_error_errno(negative_errno(), "Failed to create the pod's namespaces: %m");
                _exit(EXIT_FAILURE);
        }
        if (sethostname(hostname, strlen(hostname)) < 0) {
                log_error_errno(negative_errno(), "Failed to set the pod's host name '%s': %m", hostname);
                _exit(EXIT_FAILURE);
        }
        r = loopback_up();
        if (r < 0) {
                log_error_errno(r, "Failed to bring up lo in the pod's network namespace: %m");
                _exit(EXIT_FAILURE);
        }
        if (write(ready_fd, "1", 1) != 1)
                _exit(EXIT_FAILURE);
        (void) read(go_fd, &c, 1); /* EOF once the parent is done */
        _exit(EXIT_SUCCESS);
}

static int make_namespaces(const char *dir, const char *hostname) {
        int ready[2] = { -EBADF, -EBADF }, go[2] = { -EBADF, -EBADF };
        int r = 0, status;
        pid_t pid;
        char c;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
                r = log_error_errno(negative_errno(), "pipe2() failed: %m");
                goto finish;
        }
        pid = fork();
        if (pid < 0) {
                r = log_error_errno(negative_errno(), "fork() failed: %m");
                goto finish;
        }
        if (pid == 0) {
                safe_close(ready[0]);
                safe_close(go[1]);
                namespace_holder(hostname, ready[1], go[0]);
        }
        ready[1] = safe_close(ready[1]);
        go[0] = safe_close(go[0]);

        if (read(ready[0], &c, 1) != 1)
                r = log_error_errno(-ECHILD, "The pod's namespaces could not be set up.");
        for (size_t i = 0; r >= 0 && i < _POD_NS_MAX; i++) {
                _cleanup_free_ char *target = path_join(dir, namespaces[i].file), *src = NULL;
                _cleanup_close_ int fd = -EBADF;
                if (!target || asprintf(&src, "/proc/%d/ns/%s", (int) pid, namespaces[i].proc) < 0) {
                        r = log_oom();
                        break;
                }
                fd = open(target, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
                if (fd < 0)
                        r = log_error_errno(negative_errno(), "Failed to create %s: %m", target);
                else if (mount(src, target, NULL, MS_BIND, NULL) < 0)
                        r = log_error_errno(negative_errno(), "Failed to bind-mount %s on %s: %m", src, target);
        }
        /* Let the holder go, and reap it: nothing else here would. */
        go[1] = safe_close(go[1]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                r = log_error_errno(-ECHILD, "The pod's namespace holder failed.");
finish:
        for (size_t i = 0; i < 2; i++) {
                safe_close(ready[i]);
                safe_close(go[i]);
        }
        return r;
}

static bool network_is_private(const char *network) {
        return isempty(network) || streq(network, "none") || streq(network, "private");
}

/* A pod's network: its own namespace with only lo (none, private), or that namespace on a berth bridge
 * network (NAME[:OPTIONS]), where the pod holds an address for its containers. */
static int pod_network_check(const Pod *p) {
        _cleanup_(network_attach_options_done) NetworkAttachOptions opts = {};
        _cleanup_(network_freep) Network *n = NULL;
        int r;

        if (network_is_private(p->network)) {
                if (p->publish)
                        return log_error_errno(-EINVAL,
                                        "--publish needs --network naming a berth bridge network: with "
                                        "--network=%s the pod has only lo, and no address to forward ports to.",
                                        isempty(p->network) ? "private" : p->network);
                return 0;
        }
        if (streq(p->network, "host") || startswith(p->network, "container:") || startswith(p->network, "ns:"))
                return log_error_errno(-EOPNOTSUPP,
                                "--network=%s is not supported for pods: a pod has its own "
                                "network namespace (none, private, or a network made with 'berth network create').",
                                p->network);
        r = network_attach_options_parse(p->network, &opts);
        if (r < 0)
                return r;
        r = network_load(opts.name, &n);
        if (r == -ENOENT)
                return log_error_errno(r, "--network=%s: no such network; create it with 'berth network create %s'.",
                                p->network, opts.name);
        if (r < 0)
                return log_error_errno(r, "Failed to load network '%s': %m", opts.name);
        return 0;
}

/* Plugs the pod's held network namespace into its berth network. */
static int pod_network_attach(const char *dir, const Pod *p, const char *hostname) {
        _cleanup_free_ char *path = path_join(dir, namespaces[POD_NS_NET].file);
        _cleanup_close_ int fd = -EBADF;

        if (network_is_private(p->network))
                return 0;
        if (!path)
                return log_oom();
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", path);
        return network_attach_pod(p->network, p->name, fd, hostname, p->publish);
}

static int write_pod_json(const char *dir, const Pod *p, const char *hostname) {
        _cleanup_free_ char *path = path_join(dir, "pod.json");
        char created[RFC3339_MAX];
        time_t now = time(NULL);
        json_t *o;
        int r;

        if (!path)
                return log_oom();
        (void) format_rfc3339(created, now);
        o = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "name", p->name, "hostname", hostname,
                        "network", p->network, "publish", strv_to_json_array(p->publish), "dns",
                        strv_to_json_array(p->dns), "dns_search", strv_to_json_array(p->dns_search), "dns_option",
                        strv_to_json_array(p->dns_option), "add_host", strv_to_json_array(p->add_host), "labels",
                        strv_to_json_array(p->labels), "created", created);
        r = json_write_record_at(AT_FDCWD, path, o, 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

static bool pod_is_complete(const char *dir) {
        _cleanup_free_ char *json = path_join(dir, "pod.json");

        if (!json || access(json, F_OK) < 0)
                return false;
        for (size_t i = 0; i < _POD_NS_MAX; i++) {
                _cleanup_free_ char *p = path_join(dir, namespaces[i].file);
                if (!p || !is_nsfs(p))
                        return false;
        }
        return true;
}

int pod_create(const Pod *p) {
        _cleanup_free_ char *dir = NULL, *hostname = NULL;
        _cleanup_close_ int lock = -EBADF;
        int r;

        if (!pod_name_is_valid(p->name))
                return log_error_errno(-EINVAL, "Invalid pod name '%s': names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*.",
                                p->name ?: "");
        hostname = strndup(p->hostname ?: p->name, 63);
        if (!hostname)
                return log_oom();
        r = pod_network_check(p);
        if (r < 0)
                return r;
        dir = pod_dir(p->name);
        if (!dir)
                return log_oom();
        lock = pods_lock();
        if (lock < 0)
                return lock;
        if (pod_is_complete(dir))
                return -EEXIST;
        /* Whatever is there is what a crash (or a reboot-less restart of the state) left behind, leases
         * of the pod's name included. */
        (void) network_detach_pod(p->name);
        r = pod_dir_clean(dir);
        if (r < 0)
                return r;
        if (mkdir(dir, 0755) < 0)
                return log_error_errno(negative_errno(), "Failed to create %s: %m", dir);
        r = make_namespaces(dir, hostname);
        if (r >= 0)
                r = pod_network_attach(dir, p, hostname);
        if (r >= 0)
                r = write_pod_json(dir, p, hostname);
        if (r < 0) {
                (void) network_detach_pod(p->name);
                (void) pod_dir_clean(dir);
                return r;
        }
        return 0;
}

int pod_load(const char *name, Pod **ret) {
        _cleanup_(pod_freep) Pod *p = NULL;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        const char *hostname = NULL, *network = NULL, *created = NULL;
        json_error_t err;
        json_t *o;
        int r = 0;

        if (!pod_name_is_valid(name))
                return -ENOENT;
        dir = pod_dir(name);
        if (!dir || !(path = path_join(dir, "pod.json")))
                return -ENOMEM;
        if (!pod_is_complete(dir))
                return -ENOENT;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        o = json_load_file(path, 0, &err);
        if (!o) {
                log_error("%s:%d: %s", path, err.line, err.text);
                return -EBADMSG;
        }
        hostname = json_string_value(json_object_get(o, "hostname"));
        network = json_string_value(json_object_get(o, "network"));
        created = json_string_value(json_object_get(o, "created"));
        p->name = strdup(name);
        p->hostname = strdup(hostname ?: name);
        p->network = network ? strdup(network) : NULL;
        p->created = strdup(created ?: "");
        if (!p->name || !p->hostname || (network && !p->network) || !p->created)
                r = -ENOMEM;
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "publish"), &p->publish);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "dns"), &p->dns);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "dns_search"), &p->dns_search);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "dns_option"), &p->dns_option);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "add_host"), &p->add_host);
        if (r >= 0)
                r = json_array_to_strv(json_object_get(o, "labels"), &p->labels);
        json_decref(o);
        if (r == -EBADMSG)
                log_error("%s: list fields must be arrays of strings.", path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int pod_list(char ***ret) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_RUN), "/pods");
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!dir || !names)
                return -ENOMEM;
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                if (!pod_name_is_valid(de->d_name))
                        continue;
                sub = path_join(dir, de->d_name);
                if (!sub)
                        return -ENOMEM;
                if (pod_is_complete(sub) && strv_extend(&names, de->d_name) < 0)
                        return -ENOMEM;
        }
        qsort(names, strv_length(names), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(names);
        return 0;
}

int pod_members(const char *name, char ***ret) {
        _cleanup_strv_free_ char **running = NULL, **members = calloc(1, sizeof(char *));
        _cleanup_free_ char *netns = pod_namespace_path(name, POD_NS_NET);
        struct stat pod_st;
        int r;

        if (!members || !netns)
                return -ENOMEM;
        if (stat(netns, &pod_st) < 0 || !is_nsfs(netns)) {
                *ret = TAKE_PTR(members);
                return 0;
        }
        r = running_containers(&running);
        if (r < 0)
                return r;
        STRV_FOREACH(c, running) {
                char path[64];
                struct stat st;
                pid_t pid;
                if (running_container_pid(*c, &pid) < 0)
                        continue;
                snprintf(path, sizeof path, "/proc/%d/ns/net", (int) pid);
                if (stat(path, &st) < 0 || st.st_ino != pod_st.st_ino || st.st_dev != pod_st.st_dev)
                        continue;
                if (strv_extend(&members, *c) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(members);
        return 0;
}

static int supervisor_pid(const char *container, pid_t *ret) {
        _cleanup_free_ char *path = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", container, "/state.json");
        json_t *o, *v;
        int r = -ESRCH;

        if (!path)
                return -ENOMEM;
        o = json_load_file(path, 0, NULL);
        v = o ? json_object_get(o, "supervisor_pid") : NULL;
        if (json_is_integer(v) && json_integer_value(v) > 0) {
                *ret = (pid_t) json_integer_value(v);
                r = 0;
        }
        json_decref(o);
        return r;
}

/* -f: the supervisors stop their containers as on `systemctl stop` (SIGTERM, then the stop timeout). */
static void stop_members(char *const *members) {
        struct timespec tick = { 0, 100 * 1000 * 1000 };

        STRV_FOREACH(m, members) {
                pid_t pid;
                if (supervisor_pid(*m, &pid) >= 0)
                        (void) kill(pid, SIGTERM);
        }
        for (unsigned i = 0; i < 600; i++) { /* 60 s: beyond the default stop timeout of 10 s */
                bool any = false;
                STRV_FOREACH(m, members)
                        any = any || container_is_running(*m);
                if (!any)
                        return;
                (void) nanosleep(&tick, NULL);
        }
        log_warning("Containers of the pod are still running; removing the pod anyway.");
}

int pod_remove(const char *name, bool force) {
        _cleanup_strv_free_ char **members = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int lock = -EBADF;
        bool complete;
        int r;

        if (!pod_name_is_valid(name))
                return -ENOENT;
        dir = pod_dir(name);
        if (!dir)
                return log_oom();
        lock = pods_lock();
        if (lock < 0)
                return lock;
        if (access(dir, F_OK) < 0)
                return -ENOENT;
        complete = pod_is_complete(dir);
        r = pod_members(name, &members);
        if (r < 0)
                return log_error_errno(r, "Failed to find the containers of pod '%s': %m", name);
        if (members[0] && !force)
                return -EBUSY;
        if (members[0])
                stop_members(members);
        /* Its address, port forwards and veth; a half-created pod may have them too. */
        r = network_detach_pod(name);
        if (r < 0)
                return r;
        r = pod_dir_clean(dir);
        if (r < 0)
                return r;
        return complete ? 0 : -ENOENT;
}

int pod_join(const char *name, unsigned mask) {
        for (size_t i = 0; i < _POD_NS_MAX; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_close_ int fd = -EBADF;
                if (!(mask & (1U << i)))
                        continue;
                path = pod_namespace_path(name, i);
                if (!path)
                        return log_oom();
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return log_error_errno(negative_errno(), "Pod '%s': cannot open %s (is the pod created?): %m",
                                        name, path);
                if (!is_nsfs(path))
                        return log_error_errno(-ENOENT, "Pod '%s': %s is not a namespace (is the pod created?)", name,
                                        path);
                if (setns(fd, namespaces[i].type) < 0)
                        return log_error_errno(negative_errno(), "Pod '%s': failed to join %s: %m", name, path);
        }
        return 0;
}

/* On a berth network, a member's /etc/hosts names the pod's live peers there, as a container's own
 * would: one "NAME ALIASES...:IP" entry each (the runtime writes "IP<tab>NAME ALIASES..."). Peers that
 * come later are added, and leaving ones dropped, by the network code (network-hosts.c). The network's
 * DNS servers come after the container's and the pod's own. */
static int pod_network_apply(const Pod *p, ContainerSpec *spec) {
        _cleanup_(network_attach_options_done) NetworkAttachOptions opts = {};
        _cleanup_free_ char *owner = network_pod_owner(p->name);
        _cleanup_(network_freep) Network *net = NULL;
        NetworkLease *leases = NULL;
        size_t n = 0;
        int r;

        if (!owner)
                return log_oom();
        if (network_is_private(p->network) || network_attach_options_parse(p->network, &opts) < 0)
                return 0;
        if (network_load(opts.name, &net) >= 0 && strv_extend_strv(&spec->dns, net->dns) < 0)
                return log_oom();
        if (network_leases_read(network_canonical_name(opts.name), &leases, &n) < 0)
                return 0;
        r = 0;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *ip = address_format(&leases[i].address),
                                    *aliases = strv_join(leases[i].aliases, " ");
                if (r >= 0 && !streq(leases[i].container, owner) && network_lease_is_live(&leases[i]) &&
                                strv_consume(&spec->add_host,
                                                ip && aliases ? strjoin(network_owner_name(leases[i].container),
                                                                                *aliases ? " " : "", aliases, ":", ip)
                                                              : NULL) < 0)
                        r = log_oom();
                network_lease_done(&leases[i]);
        }
        free(leases);
        return r;
}

int pod_apply_to_spec(const char *name, ContainerSpec *spec) {
        _cleanup_(pod_freep) Pod *p = NULL;
        int r;

        r = pod_load(name, &p);
        if (r == -ENOENT)
                return log_error_errno(r, "Pod '%s' does not exist: is the pod created?", name);
        if (r < 0)
                return log_error_errno(r, "Failed to read pod '%s': %m", name);
        if (strv_extend_strv(&spec->dns, p->dns) < 0 || strv_extend_strv(&spec->dns_search, p->dns_search) < 0 ||
                        strv_extend_strv(&spec->dns_option, p->dns_option) < 0 ||
                        strv_extend_strv(&spec->add_host, p->add_host) < 0)
                return log_oom();
        return pod_network_apply(p, spec);
}

json_t *pod_to_json(const Pod *p) {
        _cleanup_free_ char *net = pod_namespace_path(p->name, POD_NS_NET),
                            *ipc = pod_namespace_path(p->name, POD_NS_IPC),
                            *uts = pod_namespace_path(p->name, POD_NS_UTS);

        if (!net || !ipc || !uts)
                return NULL;
        return json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:s, s:s, s:s}}", "Name", p->name,
                        "Created", p->created, "Hostname", p->hostname, "Network", p->network, "PublishPorts",
                        strv_to_json_array(p->publish), "DNS", strv_to_json_array(p->dns), "DNSSearch",
                        strv_to_json_array(p->dns_search), "DNSOption", strv_to_json_array(p->dns_option), "AddHost",
                        strv_to_json_array(p->add_host), "Labels", strv_pairs_to_json_object(p->labels), "Namespaces",
                        "net", net, "ipc", ipc, "uts", uts);
}
