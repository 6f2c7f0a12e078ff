/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One function per `berth` verb. Each gets argv starting at the verb itself (argv[0] = "image", ...),
 * logs its own errors, and returns 0 or a negative errno; main() turns that into the exit status. */

int verb_image(int argc, char *argv[]);  /* cli/image.c: image import|ls|inspect|rm|tag */
int verb_pull(int argc, char *argv[]);   /* cli/pull.c: pull an image from a registry */
int verb_load(int argc, char *argv[]);   /* cli/load.c: load a docker-archive tarball */
int verb_save(int argc, char *argv[]);   /* cli/save.c: write a docker-archive tarball */
int verb_check(int argc, char *argv[]);  /* cli/check.c: validate definition files */
int verb_volume(int argc, char *argv[]); /* cli/volume.c: volume create|ls|inspect|rm|prune */
int verb_pod(int argc, char *argv[]);    /* cli/pod.c: pod create|ls|inspect|rm */
int verb_network(int argc, char *argv[]); /* cli/network.c: network create|ls|inspect|rm|prune */
int verb_version(int argc, char *argv[]);
