/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Everything the supervisor decided about one container before it is started: the parsed options,
 * the image, the resolved process, and where its files live. Built by supervise.c in the host
 * context, then read (never changed) by the container child. */

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "config.h"
#include "seccomp.h"
#include "userns.h"
#include "container-spec.h"
#include "image-store.h"
#include "namespaces.h"
#include "volume-mount.h"

/* One config.json linux.devices entry: made in the container's /dev with these numbers (devices.c). */
typedef struct OciDevice {
        char *path;  /* absolute, under /dev */
        mode_t type; /* S_IFCHR, S_IFBLK or S_IFIFO */
        dev_t rdev;
        mode_t mode; /* fileMode */
        uid_t uid;   /* on the host: through the user namespace's map when there is one */
        gid_t gid;
} OciDevice;

/* One config.json mounts entry, mounted in the listed order (mount.c). A bind mount is kept as a
 * --volume entry (spec.volumes[volume]), for its idmap and propagation; any other type is a new file
 * system of that type with the entry's options. */
typedef struct OciMount {
        char *destination;
        char *type; /* NULL for a bind mount */
        char *source;
        char **data;    /* file system options ("mode=755", "newinstance"); may be NULL */
        unsigned attrs; /* MountAttr (mount-util.h): ro, nosuid, nodev, noexec */
        int volume;     /* >= 0: the index of the bind mount in spec.volumes; else -1 */
} OciMount;

typedef enum NetworkMode {
        NETWORK_PRIVATE, /* a new network namespace with only lo (none, private) */
        NETWORK_HOST,    /* the host's */
        NETWORK_JOIN,    /* container:NAME: another container's namespace */
} NetworkMode;

typedef struct Container {
        ContainerSpec spec;
        Image *image; /* NULL with --rootfs */
        ProcessConfig process;
        const char *name; /* spec.name */

        char *run_dir;   /* $BERTH_RUN_DIR/containers/<name>: state.json, etc files, notify/ */
        char *state_dir; /* $BERTH_STATE_DIR/containers/<name>: overlay upper/ and work/ */
        char *root_mnt;  /* run_dir/rootfs: where the root is assembled before pivot_root */
        char *lock_path; /* $BERTH_RUN_DIR/containers/.<name>.lock */
        int lock_fd;     /* supervise: the lock held on lock_path (handed to the monitor); else -1 */

        NetworkMode network;
        char *join_netns;  /* /proc/PID/ns/net for NETWORK_JOIN */
        char *join_ipcns;  /* --pod: the pod's IPC namespace (nsfs file), else NULL: a new one */
        char *join_utsns;  /* --pod: the pod's UTS namespace, whose host name the container keeps */
        NamespacePaths ns; /* pid, mount, cgroup, time and user namespaces joined by path; a new time one */
        VolumeDeviceMounts *device_volumes; /* named volumes on devices, mounted before the device filter */
        int *idmap_userns_fds; /* per --volume, then --mount entry: the user namespace of its own idmap maps
                                */
        size_t n_idmap_userns_fds;
        int *shared_source_fds; /* per entry as idmap_userns_fds: the clone of a shared volume's source */
        size_t n_shared_source_fds;
        uint64_t caps;       /* the container's bounding set */
        uint64_t caps_added; /* explicitly --cap-add'ed (what a non-root user gets) */
        int stop_signal;
        uint64_t stop_timeout_usec;
        bool notify_proxy;               /* --notify=true */
        bool notify_healthy;             /* --notify=healthy: READY=1 once the first health check passes */
        char *seccomp;                   /* NULL: default profile; "unconfined"; or the text of a JSON profile */
        SeccompFilter filter;            /* compiled from seccomp and caps before the container starts */
        SeccompFilter init_filter;       /* --init: the default filter for an init holding only CAP_KILL */
        int init_program_fd;             /* --init: a sealed memfd copy of berth-runtime-init, or -EBADF */
        bool userns_auto;                /* --userns=auto */
        UserNamespace userns;            /* valid with userns_auto */
        struct DeviceRule *device_rules; /* --device entries, for the device cgroup program */
        size_t n_device_rules;
        char **cgroup_writes; /* OCI linux.resources: "FILE=VALUE" for the payload cgroup (resources.h) */

        /* The OCI face (oci.c): */
        bool oci; /* no generated /etc files; state in OCI format; stays "stopped" after exit */
        char *oci_id;
        char *oci_bundle;
        char *cgroup_path;      /* the payload cgroup to use (cgroupsPath), instead of <own>/payload */
        char *hooks_json;       /* config.json "hooks", checked (oci-hooks.h); NULL: none */
        OciDevice *oci_devices; /* config.json linux.devices */
        size_t n_oci_devices;
        bool oci_run;         /* `run`: the hooks run at "created", then the process starts at once */
        OciMount *oci_mounts; /* config.json mounts, in order (replacing the runtime's own /proc, /sys, /dev)
                               */
        size_t n_oci_mounts;
        int ns_inherit; /* CLONE_NEW* of the namespaces config.json does not list: the runtime's own */
        unsigned long rootfs_propagation; /* linux.rootfsPropagation (MS_* flags); 0: not given */
        bool has_cap_sets;                /* process.capabilities: every set as given, for root too */
        CapSets cap_sets;
        bool has_oom_score_adj; /* process.oomScoreAdj */
        int oom_score_adj;
        char *apparmor_profile; /* process.apparmorProfile, where the kernel has AppArmor */
        char *selinux_label;    /* process.selinuxLabel, where the kernel has SELinux */
        char **masked_paths;    /* linux.maskedPaths (maybe empty); NULL: the runtime's defaults */
        char **readonly_paths;  /* linux.readonlyPaths, likewise */
        bool wait_for_start;    /* the child stops before execve until `start` (create/start) */
        char *start_fifo;       /* written by `start` */
        int created_fd;         /* told "created" (a byte) or nothing (EOF) once the child waits; -1 if unused */
        bool detach;            /* OCI create: once created, the container's parent (create) exits, so the
                                 * caller's subreaper (conmon) becomes its parent; a forked monitor goes on */
        bool is_monitor;        /* set in that forked monitor: the container is not our child */
        pid_t monitor_pid;      /* set in create once it forked the monitor: create's part is done */
        int console_socket;     /* OCI --console-socket: the pty master is sent here; -1 if unused */
} Container;

void container_done(Container *c);
