/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one description of a container that every berth program shares. The generator fills it from a
 * .container file, `berth run` from docker-style flags, berth-runtime from its command line; all three
 * go through the option table in run-options.h, so an option means the same thing everywhere. */

#include <stdbool.h>
#include <stdint.h>

#include "strv.h"

typedef struct ContainerSpec {
        char *name;     /* --name: unique per host; names state dirs and the unit */
        char *id;       /* --id: 64 hex digits; derived from the name when unset (running-containers.h) */
        char *image;    /* positional IMAGE: a reference in the image store */
        char *rootfs;   /* --rootfs: a directory used instead of an image */
        char **command; /* positional after IMAGE: replaces the image's Cmd */

        char **entrypoint; /* --entrypoint: replaces the image's Entrypoint when entrypoint_set */
        bool entrypoint_set;
        char **env;             /* --env K=V, merged over the image's Env */
        char **env_files;       /* --env-file */
        char *env_private_file; /* --env-private-file: --env values kept off the command line (unit-container-env.h) */
        char **secrets; /* --secret NAME[,type=mount|env][,target=...]: from the secret store (secret-spec.h, secret-store.h) */
        char *workdir;    /* --workdir */
        char *user;       /* --user USER[:GROUP], names or numbers */
        char **group_add; /* --group-add */
        char *hostname;   /* --hostname */

        char **volumes; /* --volume SRC:DST[:OPTS] */
        char **mounts;  /* --mount type=...,source=...,destination=... */
        char **tmpfs;   /* --tmpfs DST[:OPTS] */
        bool read_only; /* --read-only */

        char **network;         /* --network none|host|private|container:NAME, or bridge NETWORK[:OPTS]s */
        char *pod;              /* --pod NAME: join the pod `berth pod create NAME` made */
        char *ipc;              /* --ipc private|host|container:NAME */
        char *pid;              /* --pid private|host|container:NAME */
        char *uts;              /* --uts private|host|container:NAME */
        char *ip;               /* --ip: IPv4 address on the network (folded into --network=NAME:ip=) */
        char *ip6;              /* --ip6 */
        char *mac_address;      /* --mac-address */
        char **network_aliases; /* --network-alias */
        char **publish;         /* --publish */
        bool publish_all;       /* -P: the image's exposed ports, each on a free host port */
        char **dns;             /* --dns */
        char **dns_search;      /* --dns-search */
        char **dns_option;      /* --dns-option */
        char **add_host;        /* --add-host NAME:IP */

        char **cap_add;         /* --cap-add */
        char **cap_drop;        /* --cap-drop */
        bool privileged;        /* --privileged */
        bool no_new_privileges; /* --no-new-privileges, on by default */
        char *seccomp_profile;  /* --seccomp-profile PATH|unconfined */
        char **sysctl;          /* --sysctl */
        char **ulimit;          /* --ulimit NAME=SOFT[:HARD] */
        char *umask;            /* --umask: octal file mode creation mask, 0022 when unset */
        char *shm_size;         /* --shm-size: the size of /dev/shm (a size, 64M when unset) */
        char **devices;         /* --device */
        char *userns;           /* --userns */
        char **uidmap;          /* --uidmap CONTAINER_ID:HOST_ID:SIZE (Quadlet's UIDMap=) */
        char **gidmap;          /* --gidmap, the same for groups; without it the uid maps apply */

        char *notify;       /* --notify false|true|healthy (Quadlet's Notify=) */
        char *stop_signal;  /* --stop-signal */
        char *stop_timeout; /* --stop-timeout seconds */
        bool init;          /* --init */
        char **labels;      /* --label */
        char **annotations; /* --annotation */
        char *pull;         /* --pull missing|always|never|newer */

        char *health_cmd;          /* --health-cmd */
        char *health_interval;     /* --health-interval */
        char *health_timeout;      /* --health-timeout */
        char *health_retries;      /* --health-retries */
        char *health_start_period; /* --health-start-period */
        char *health_on_failure;   /* --health-on-failure none|kill|stop */

        char **unit_properties; /* "MemoryMax=64M": limits systemd enforces on the unit (--memory ...) */
} ContainerSpec;

/* Seconds a unit's TimeoutStopSec= adds to the container's stop timeout, so that the runtime's own
 * escalation (stop signal, then SIGKILL) runs before systemd's. */
#define CONTAINER_STOP_TIMEOUT_MARGIN_SEC 10

/* --notify: when the unit is ready. false (or podman's conmon): once started; true (or container): when
 * the payload says READY=1; healthy: at the first passed health check. -EINVAL otherwise. */
typedef enum NotifyMode {
        NOTIFY_MODE_STARTED,
        NOTIFY_MODE_PAYLOAD,
        NOTIFY_MODE_HEALTHY,
} NotifyMode;
int notify_mode_from_string(const char *s);

/* --health-on-failure: none, kill or stop. -EINVAL otherwise. */
typedef enum HealthOnFailure {
        HEALTH_ON_FAILURE_NONE,
        HEALTH_ON_FAILURE_KILL,
        HEALTH_ON_FAILURE_STOP,
} HealthOnFailure;
int health_on_failure_from_string(const char *s);

/* --pull / Pull=: missing, always, never or newer; NULL (the default, missing) too. */
bool image_pull_policy_is_valid(const char *policy);

/* --seccomp-profile: "unconfined" or the absolute path of a profile. */
bool seccomp_profile_is_valid(const char *s);

void container_spec_init(ContainerSpec *spec);
void container_spec_done(ContainerSpec *spec);

/* The runtime's command line for spec, as a unit's ExecStart= runs it: berth-runtime supervise
 * --opt=... IMAGE CMD... One builder for the generator's units and `berth run`'s transient ones. */
int container_spec_supervise_argv(const ContainerSpec *spec, char ***ret);
/* The unit's ExecStopPost=: berth-runtime cleanup --name=... [--network=...] [--pod=...]
 * [--env-private-file=...] [--volume=/DST]... [--id=... IMAGE], which removes what a killed supervisor
 * left, and the unit's anonymous volumes (berth-runtime(8)). */
int container_spec_cleanup_argv(const ContainerSpec *spec, char ***ret);
