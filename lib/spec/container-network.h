/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which network a container joins, and which network options can take effect there. Decided once,
 * here, for `berth run`, for the generator and `berth check`, and for the runtime, so that a file and
 * a command line with the same options land on the same network and fail the same way. */

#include "container-spec.h"

/* A container that names no network (and joins no pod) is on the default bridge network "berth", as
 * docker's are on "bridge" and podman's on "podman"; --network=none is the opt-out. Sets
 * spec->network to it then, unless no_default: a user's service manager (rootless) cannot make
 * bridges, so its containers keep the private namespace, and the runtime's callers spell the network
 * out (the runtime alone keeps its private namespace for no --network). Then folds --ip, --ip6,
 * --mac-address and --network-alias into the first network's options (NAME:ip=...,alias=...,
 * podman's per-network syntax the runtime reads), or, when the network has no addresses, returns
 * -EINVAL with *ret_message saying so. */
int container_network_default(ContainerSpec *spec, bool no_default, char **ret_message);

/* The first --network: the namespace mode, or the bridge network whose gateway is the default route. */
const char *container_network_primary(const ContainerSpec *spec);

/* Whether spec's network is a bridge network (one with addresses, where ports can be published). */
bool container_network_is_bridge(const ContainerSpec *spec);

/* An option that cannot take effect with spec's network (--publish with --network=none, host or
 * container:NAME, or in a pod; -P likewise), or a --publish that does not parse. Returns 0, or
 * -EINVAL with *ret_option the option's long name ("publish", "publish-all") and *ret_message a
 * sentence saying why. Does not log. */
int container_network_check(const ContainerSpec *spec, const char **ret_option, char **ret_message);
