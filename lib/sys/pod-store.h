/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pods: sets of containers sharing network, IPC and UTS namespaces. `berth pod create` makes the
 * namespaces and keeps them alive without any process, as nsfs files bind-mounted in the host's
 * mount namespace:
 *
 *   $BERTH_RUN_DIR/pods/.lock                 write-locked while a pod is created or removed
 *   $BERTH_RUN_DIR/pods/NAME/{netns,ipcns,utsns}  the namespaces (bind mounts of /proc/PID/ns/...)
 *   $BERTH_RUN_DIR/pods/NAME/pod.json         written last (atomically): the pod exists once it does
 *
 * A directory without pod.json, or whose namespace files are not mounted, is what a crash left; the
 * next create of that name unmounts and replaces it. Members are found by comparing the network
 * namespace of each running container with the pod's.
 *
 * On a berth bridge network the pod, not a container, holds the address: pod_create() attaches the
 * held network namespace (network_attach_pod(), a lease owned by "pod:NAME", with the --publish
 * forwards) before pod.json is written, and pod_remove() detaches it. */

#include <jansson.h>
#include <stdbool.h>

#include "container-spec.h"
#include "macro.h"

typedef struct Pod {
        char *name;
        char *hostname; /* the UTS namespace's host name; default: the pod name */
        char *network;  /* NULL, none, private: a namespace with only lo; else a berth network[:OPTIONS] */
        char **publish; /* forwarded to the pod's address on its berth network */
        char **dns, **dns_search, **dns_option, **add_host; /* applied to every member container */
        char **labels;                                      /* KEY=VALUE */
        char *created;                                      /* RFC 3339, UTC */
} Pod;

Pod *pod_free(Pod *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Pod *, pod_free);

/* Same rule as container and volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool pod_name_is_valid(const char *name);

typedef enum PodNamespace {
        POD_NS_NET,
        POD_NS_IPC,
        POD_NS_UTS,
        _POD_NS_MAX,
} PodNamespace;

/* $BERTH_RUN_DIR/pods/NAME/netns and so on; NULL on OOM. */
char *pod_namespace_path(const char *name, PodNamespace ns);

/* Creates the pod described by config (its name, hostname, network, ...); -EEXIST (not logged) when
 * it exists. --publish without a berth network, host and container: networks are refused. Other
 * errors are logged. */
int pod_create(const Pod *config);
/* Reads pod.json; -ENOENT (not logged) when there is no such pod. */
int pod_load(const char *name, Pod **ret);
int pod_list(char ***ret);
/* The running containers in the pod, sorted. */
int pod_members(const char *name, char ***ret);
/* Unmounts and removes the pod; -EBUSY (not logged) while members run, unless force, which first
 * asks their supervisors to stop them (SIGTERM) and waits for them. -ENOENT when there is no such pod
 * (a half-created leftover is still cleaned). */
int pod_remove(const char *name, bool force);
/* setns() into the pod's namespaces of the given kinds (a mask of 1 << PodNamespace). Logs errors. */
int pod_join(const char *name, unsigned namespaces);

/* What the pod says for every member: appends the pod's --dns, --dns-search, --dns-option and
 * --add-host to the container's own (which thus come first), then, on a berth network, the network's
 * DNS servers and its live peers as host entries. Logs errors. */
int pod_apply_to_spec(const char *name, ContainerSpec *spec);

/* Docker/podman-like `pod inspect` object. */
json_t *pod_to_json(const Pod *p);
