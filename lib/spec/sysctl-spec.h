/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --sysctl / Sysctl= values: NAME=VALUE for a sysctl the container's own namespaces hold. */

#include <stdbool.h>

#define SYSCTL_EXPECTED                                                                                                \
        "NAME=VALUE naming a namespaced sysctl (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, "            \
        "kernel.domainname)"

/* Whether a sysctl may be set in a container: only namespaced ones (net.* needs a private netns). */
bool sysctl_is_namespaced(const char *name, bool private_network);
/* A dotted name below /proc/sys: no '/', no "..", no empty part. */
bool sysctl_name_is_valid(const char *name);
/* Splits NAME=VALUE with a valid name; *ret_value points into s. 0, -EINVAL or -ENOMEM. */
int sysctl_assignment_split(const char *s, char **ret_name, const char **ret_value);
/* The option's check: a valid NAME=VALUE whose sysctl is namespaced in some container (net.* with a
 * private network; whether this container has one is the runtime's to check at start). */
int sysctl_option_check(const char *s);
