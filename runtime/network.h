/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container's network identity: the loopback device and sysctls inside its namespace, and the
 * generated /etc/hostname, /etc/hosts and /etc/resolv.conf (written in the run dir, bound in). */

#include "container.h"
#include "sysctl-spec.h"

/* Parent side: writes run_dir/{hostname,hosts,resolv.conf}. */
int network_write_files(const Container *c);
/* Child side, with the container's /proc mounted below root_fd: lo up (private namespace), the default
 * sysctls of a private namespace, then --sysctl. */
int network_apply_sysctls(const Container *c, int root_fd);

/* Builds resolv.conf from the host's file text, dropping loopback servers for a private network
 * (they would point at the container itself), then --dns, --dns-search, --dns-option. For tests. */
char *resolv_conf_build(const char *host_text, bool private_network, char *const *dns, char *const *search,
                char *const *options);
