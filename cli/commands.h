/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One function per `berth` verb. Each gets argv starting at the verb itself (argv[0] = "image", ...),
 * logs its own errors, and returns 0 or a negative errno; main() turns that into the exit status. */

int verb_image(int argc, char *argv[]);   /* cli/image.c: image import|ls|inspect|rm|tag */
int verb_pull(int argc, char *argv[]);    /* cli/pull.c: pull an image from a registry */
int verb_load(int argc, char *argv[]);    /* cli/load.c: load a docker-archive tarball */
int verb_save(int argc, char *argv[]);    /* cli/save.c: write a docker-archive tarball */
int verb_build(int argc, char *argv[]);   /* cli/build.c: build an image from a Dockerfile */
int verb_check(int argc, char *argv[]);   /* cli/check.c: validate definition files */
int verb_volume(int argc, char *argv[]);  /* cli/volume.c: volume create|ls|inspect|rm|prune */
int verb_pod(int argc, char *argv[]);     /* cli/pod.c: pod create|ls|inspect|rm */
int verb_secret(int argc, char *argv[]);  /* cli/secret.c: secret create|ls|inspect|rm */
int verb_network(int argc, char *argv[]); /* cli/network.c: network create|ls|inspect|rm|prune */
/* Container verbs: containers are systemd units running berth-runtime (lib/systemd-unit.h).
 * verb_run and verb_exec return a positive value as the exit status to pass on (the container's). */
int verb_run(int argc, char *argv[]);     /* cli/run.c: run a container as a transient unit */
int verb_create(int argc, char *argv[]);  /* cli/run.c: record a container without starting it */
int verb_ps(int argc, char *argv[]);      /* cli/ps.c: list containers */
int verb_stop(int argc, char *argv[]);    /* cli/container.c: stop containers */
int verb_start(int argc, char *argv[]);   /* cli/container.c: start stopped containers */
int verb_restart(int argc, char *argv[]); /* cli/container.c: restart containers */
int verb_kill(int argc, char *argv[]);    /* cli/container.c: send a signal */
int verb_rm(int argc, char *argv[]);      /* cli/container.c: forget failed containers */
int verb_logs(int argc, char *argv[]);    /* cli/logs.c: a container's output from the journal */
int verb_exec(int argc, char *argv[]);    /* cli/exec.c: run a command in a running container */
int verb_inspect(int argc, char *argv[]); /* cli/inspect.c: state and unit properties as JSON */
int verb_compose(int argc, char *argv[]); /* cli/compose.c: compose projects as systemd units */
int verb_port(int argc, char *argv[]);    /* cli/port.c: a container's published ports */
int verb_wait(int argc, char *argv[]);    /* cli/wait.c: wait for containers, print exit codes */
int verb_top(int argc, char *argv[]);     /* cli/top.c: a container's processes */
int verb_stats(int argc, char *argv[]);   /* cli/stats.c: CPU, memory, pids from the unit's cgroup */
int verb_update(int argc, char *argv[]);  /* cli/update.c: change limits of running containers */
int verb_rename(int argc, char *argv[]);  /* cli/rename.c: a stopped container's new name */
int verb_cp(int argc, char *argv[]);      /* cli/cp.c: files between a container and the host */
int verb_attach(int argc, char *argv[]);  /* cli/attach.c: a container's live output and signals */
int verb_info(int argc, char *argv[]);    /* cli/info.c: what berth manages, and the host */
int verb_system(int argc, char *argv[]);  /* cli/system.c: system info|df|prune */
/* cli/system.c: remove stopped containers; cli/main.c: the container verbs as one group */
int verb_container_prune(int argc, char *argv[]);
int verb_container(int argc, char *argv[]);
int verb_version(int argc, char *argv[]);
