/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Everything `supervise` decides before a container starts: the command line, the image, the network
 * and pod, the process, and the container's directories. */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>
#include <time.h>
#include <unistd.h>
#include "caps.h"
#include "cgroup.h"
#include "child.h"
#include "config.h"
#include "container-network.h"
#include "container-record.h"
#include "container.h"
#include "devices.h"
#include "fs-util.h"
#include "health.h"
#include "image-pull.h"
#include "init.h"
#include "log.h"
#include "monitor-exec.h"
#include "mount.h"
#include "namespaces.h"
#include "network-attach.h"
#include "network.h"
#include "notify.h"
#include "running-containers.h"
#include "oci.h"
#include "oci-hooks.h"
#include "paths.h"
#include "pod-store.h"
#include "prepare.h"
#include "run-options.h"
#include "secrets.h"
#include "state.h"
#include "supervise.h"

static int random_name(char **ret) {
        uint8_t b[6];
        char hex[2 * sizeof b + 1];

        if (getrandom(b, sizeof b, 0) != (ssize_t) sizeof b)
                return negative_errno();
        for (size_t i = 0; i < sizeof b; i++)
                (void) snprintf(hex + 2 * i, 3, "%02x", b[i]);
        *ret = strjoin("berth-", hex);
        return *ret ? 0 : -ENOMEM;
}

int supervise_parse_command_line(Container *c, int argc, char *argv[]) {
        int idx, r;

        r = run_options_parse_argv(&c->spec, argc, argv, &idx);
        if (r < 0)
                return r;
        if (!c->spec.rootfs) {
                if (idx >= argc)
                        return log_error_errno(-EINVAL, "No image given. Usage: berth-runtime supervise [OPTIONS] "
                                                        "IMAGE [COMMAND [ARG...]]");
                c->spec.image = strdup(argv[idx++]);
                if (!c->spec.image)
                        return log_oom();
        }
        if (idx < argc) {
                c->spec.command = strv_copy(argv + idx);
                if (!c->spec.command)
                        return log_oom();
        }
        if (!c->spec.name) {
                r = random_name(&c->spec.name);
                if (r < 0)
                        return log_error_errno(r, "Failed to generate a container name: %m");
        }
        if (!container_name_is_valid(c->spec.name))
                return log_error_errno(-EINVAL, "Invalid container name '%s': " CONTAINER_NAME_RULE ".", c->spec.name);
        if (c->spec.id && !container_id_is_valid(c->spec.id))
                return log_error_errno(-EINVAL, "Invalid --id '%s': expected 64 lowercase hex digits.", c->spec.id);
        c->name = c->spec.name;
        return 0;
}

static int resolve_image(Container *c) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_free_ char *error = NULL;
        const char *root = berth_path(BERTH_PATH_STORAGE);
        int r;

        if (c->spec.rootfs) {
                struct stat st;
                if (!path_is_absolute(c->spec.rootfs))
                        return log_error_errno(-EINVAL, "--rootfs '%s' must be an absolute path.", c->spec.rootfs);
                if (stat(c->spec.rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
                        return log_error_errno(-ENOTDIR, "--rootfs %s is not a directory.", c->spec.rootfs);
                return 0;
        }
        r = image_store_open(root, &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", root);
        /* --pull (Pull=): a missing image is pulled now, at unit start (lib/image-pull.h). */
        r = image_store_ensure(store, c->spec.image, c->spec.pull, &c->image, &error);
        if (r < 0 && error)
                return log_error_errno(r, "%s", error); /* it names the image and the store */
        if (r < 0)
                return log_error_errno(r, "Failed to get image '%s': %m", c->spec.image);
        return 0;
}

/* --pod: the pod's network, IPC and UTS namespaces, kept by `berth pod create` as nsfs files, and its
 * host name (lib/pod-store.h). Its DNS and /etc/hosts settings come from pod_apply_to_spec() later. */
static int join_pod(Container *c) {
        _cleanup_(pod_freep) Pod *pod = NULL;
        _cleanup_free_ char *h = NULL;
        int r;

        r = pod_load(c->spec.pod, &pod);
        if (r == -ENOENT)
                return log_error_errno(r, "Pod '%s' does not exist: create it with 'berth pod create'.", c->spec.pod);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return r;
        c->join_netns = pod_namespace_path(pod->name, POD_NS_NET);
        c->join_ipcns = pod_namespace_path(pod->name, POD_NS_IPC);
        c->join_utsns = pod_namespace_path(pod->name, POD_NS_UTS);
        if (!c->join_netns || !c->join_ipcns || !c->join_utsns)
                return log_oom();
        c->network = NETWORK_JOIN;

        /* The UTS namespace is shared: the pod's host name is the container's. */
        free(c->process.hostname);
        c->process.hostname = strdup(pod->hostname);
        if (!c->process.hostname || !(h = strjoin("HOSTNAME=", pod->hostname)) || env_set(&c->process.env, h) < 0)
                return log_oom();
        return 0;
}

static int resolve_network(Container *c) {
        const char *n = c->spec.network ? c->spec.network[0] : NULL, *other;
        pid_t pid;
        int r;

        if (c->spec.pod)
                return join_pod(c);
        if (!n || streq(n, "none") || streq(n, "private") || streq(n, "")) {
                c->network = NETWORK_PRIVATE;
                return 0;
        }
        if (streq(n, "host")) {
                c->network = NETWORK_HOST;
                return 0;
        }
        other = startswith(n, "container:");
        if (other) {
                r = running_container_pid(other, &pid);
                if (r < 0)
                        return log_error_errno(r, "--network=%s: container '%s' is not running.", n, other);
                if (asprintf(&c->join_netns, "/proc/%d/ns/net", (int) pid) < 0)
                        return log_oom();
                c->network = NETWORK_JOIN;
                return 0;
        }
        /* Other names are bridge networks: a private namespace, plugged into each after clone. */
        STRV_FOREACH(name, c->spec.network) {
                _cleanup_(network_freep) Network *net = NULL;
                n = *name;
                r = network_load(n, &net);
                if (r == -ENOENT)
                        break;
                if (r < 0)
                        return log_error_errno(r, "Failed to load network '%s': %m", n);
                if (!name[1]) {
                        c->network = NETWORK_PRIVATE;
                        return 0;
                }
        }
        return log_error_errno(-EOPNOTSUPP,
                        "--network=%s is not supported by berth-runtime: use none, private, host, "
                        "container:NAME or a network made with 'berth network create'.",
                        n);
}

int supervise_prepare(Container *c) {
        int r;

        r = resolve_image(c);
        if (r < 0)
                return r;
        r = process_config_resolve(&c->spec, c->image ? &c->image->config : NULL, environ, &c->process);
        if (r < 0)
                return r;
        if (c->spec.secrets) {
                _cleanup_free_ char *run_dir = strjoin(berth_path(BERTH_PATH_RUN), "/containers/", c->name);
                if (!run_dir)
                        return log_oom();
                r = secrets_to_mounts(c->spec.secrets, run_dir, &c->spec.mounts);
                if (r < 0)
                        return r;
        }
        {
                /* Volume=/dst of a generator-made unit: the same volume on each start of the unit, until
                 * `berth-runtime cleanup` removes it (berth run names its own before it starts us) */
                _cleanup_strv_free_ char **anonymous = NULL;
                r = container_spec_unit_anonymous_volumes(&c->spec, true, &anonymous);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the anonymous volumes of container %s: %m", c->name);
        }
        r = capabilities_from_spec(&c->spec, &c->caps);
        if (r < 0)
                return r;
        STRV_FOREACH(a, c->spec.cap_add) {
                int cap = capability_from_name(*a);
                if (cap >= 0)
                        c->caps_added |= CAP_MASK(cap);
        }
        /* -P: each port the image exposes ("80/tcp") on a free host port. */
        if (c->spec.publish_all && c->image)
                STRV_FOREACH(p, c->image->config.exposed_ports)
                        if (strv_extend(&c->spec.publish, *p) < 0)
                                return log_oom();
        {
                _cleanup_free_ char *message = NULL;
                const char *option;
                r = container_network_default(&c->spec, true, &message); /* --ip and the like */
                if (r == -ENOMEM)
                        return log_oom();
                if (r >= 0)
                        r = container_network_check(&c->spec, &option, &message);
                if (r < 0)
                        return log_error_errno(r, "%s", message);
        }

        r = resolve_network(c);
        if (r >= 0)
                r = namespaces_from_options(c); /* --ipc, --pid, --uts, --userns=container:NAME */
        if (r < 0)
                return r;
        if (c->spec.pod) {
                /* DNS and host entries of the pod (berth pod create --dns, --add-host, ...). */
                r = pod_apply_to_spec(c->spec.pod, &c->spec);
                if (r < 0)
                        return r;
        }

        if (c->spec.stop_signal || (c->image && c->image->config.stop_signal)) {
                const char *s = c->spec.stop_signal ?: c->image->config.stop_signal;
                c->stop_signal = signal_from_string(s);
                if (c->stop_signal < 0)
                        return log_error_errno(-EINVAL, "Invalid stop signal '%s'.", s);
        } else
                c->stop_signal = SIGTERM;
        c->stop_timeout_usec = DEFAULT_STOP_TIMEOUT_USEC;
        if (c->spec.stop_timeout && parse_duration(c->spec.stop_timeout, &c->stop_timeout_usec) < 0)
                return log_error_errno(-EINVAL, "Invalid --stop-timeout '%s': expected " PARSE_DURATION_EXPECTED ".",
                                c->spec.stop_timeout);

        switch (notify_mode_from_string(c->spec.notify)) {
        case NOTIFY_MODE_STARTED:
                c->notify_proxy = false;
                break;
        case NOTIFY_MODE_PAYLOAD:
                c->notify_proxy = true;
                if (env_set(&c->process.env, "NOTIFY_SOCKET=" NOTIFY_CONTAINER_SOCKET) < 0)
                        return log_oom();
                break;
        case NOTIFY_MODE_HEALTHY:
                if (isempty(c->spec.health_cmd) || strcasecmp(c->spec.health_cmd, "none") == 0)
                        return log_error_errno(-EINVAL, "--notify=healthy needs a health check (--health-cmd).");
                c->notify_healthy = true;
                break;
        default:
                return log_error_errno(-EINVAL, "Invalid --notify '%s': expected false, true or healthy.",
                                c->spec.notify);
        }

        if (c->spec.seccomp_profile && !seccomp_profile_is_valid(c->spec.seccomp_profile))
                return log_error_errno(-EINVAL,
                                "Invalid --seccomp-profile '%s': expected unconfined or an absolute path.",
                                c->spec.seccomp_profile);
        if (streq_ptr(c->spec.seccomp_profile, "unconfined")) {
                c->seccomp = strdup("unconfined");
                if (!c->seccomp)
                        return log_oom();
        } else if (c->spec.seccomp_profile) {
                r = read_full_file(c->spec.seccomp_profile, &c->seccomp, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to read --seccomp-profile %s: %m", c->spec.seccomp_profile);
        }
        STRV_FOREACH(d, c->spec.devices) {
                struct DeviceRule *n = reallocarray(c->device_rules, c->n_device_rules + 1, sizeof *n);
                if (!n)
                        return log_oom();
                c->device_rules = n;
                r = device_rule_from_spec(*d, &c->device_rules[c->n_device_rules]);
                if (r < 0)
                        return r;
                c->n_device_rules++;
        }
        if (c->ns.user)
                ; /* joined by namespaces_from_options() */
        else if (streq_ptr(c->spec.userns, "auto") || c->spec.uidmap || c->spec.gidmap) {
                if (streq_ptr(c->spec.userns, "auto") && (c->spec.uidmap || c->spec.gidmap))
                        return log_error_errno(-EINVAL, "--userns=auto and --uidmap/--gidmap cannot be combined.");
                /* Explicit maps go the same way as auto's block: idmapped layers, the userns entered last. */
                c->userns_auto = true;
                c->userns = USERNS_NULL;
                c->userns.uid_map = c->spec.uidmap;
                c->userns.gid_map = c->spec.gidmap;
        } /* any other --userns was refused by namespaces_from_options() */

        /* Devices must be opened before the container's device filter forbids it (mount.h). */
        r = mount_open_device_volumes(c);
        if (r < 0)
                return r;
        c->run_dir = container_run_dir(c->name);
        c->state_dir = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", c->name);
        c->lock_path = container_lock_path(c->name);
        c->root_mnt = c->run_dir ? path_join(c->run_dir, "rootfs") : NULL;
        if (!c->run_dir || !c->state_dir || !c->lock_path || !c->root_mnt)
                return log_oom();
        return 0;
}

/* Fresh per-container directories; whatever a killed predecessor left is removed first (we hold the
 * name's lock, so nobody else uses them). */
int container_make_directories(const Container *c) {
        _cleanup_free_ char *upper = NULL, *work = NULL;
        int r;

        (void) rm_rf(c->run_dir);
        r = mkdir_p(c->root_mnt, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", c->root_mnt);
        if (c->spec.rootfs)
                return 0;
        /* A recorded container runs again on the writable layer of its last run, as Docker's does;
         * only overlayfs's work directory starts empty. */
        if (!c->name || !container_record_exists(c->name))
                (void) rm_rf(c->state_dir);
        upper = path_join(c->state_dir, "upper");
        work = path_join(c->state_dir, "work");
        if (!upper || !work)
                return log_oom();
        (void) rm_rf(work);
        r = mkdir_p(c->state_dir, 0700);
        if (r >= 0)
                r = mkdir_p(upper, 0755);
        if (r >= 0)
                r = mkdir_p(work, 0700);
        /* The container's root owns its "/" (the upper dir is the overlay's root directory). */
        if (r >= 0 && c->userns_auto && chown(upper, c->userns.base, c->userns.base) < 0)
                r = negative_errno();
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", c->state_dir);
        return 0;
}

void container_remove_directories(const Container *c) {
        int r;

        if (c->run_dir && (r = rm_rf(c->run_dir)) < 0)
                log_warning_errno(r, "Failed to remove %s: %m", c->run_dir);
        if (c->state_dir && !c->spec.rootfs && !(c->name && container_record_exists(c->name)) &&
                        (r = rm_rf(c->state_dir)) < 0)
                log_warning_errno(r, "Failed to remove %s: %m", c->state_dir);
}
