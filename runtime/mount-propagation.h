/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Propagation of bind mounts, as docker's -v SRC:DST:OPT and --mount bind-propagation=OPT:
 *   private, rprivate (the default)  nothing propagates either way
 *   slave, rslave                    what the host mounts below SRC appears in the container
 *   shared, rshared                  that, and what the container mounts below DST appears on the host
 * The container's mount namespace is made private before anything is mounted (slave when a volume
 * asks for slave), so a shared volume must be a peer of the host's mount from before: the supervisor
 * clones each one with open_tree() while its namespace is still the host's, and the container's
 * process attaches the clone. SRC itself must be a shared mount (or below one) on the host. */

#include <stdbool.h>
#include <stddef.h>

#include "container.h"
#include "mount.h"

/* In the supervisor: an open_tree() clone of the source of every shared volume, kept in
 * c->shared_source_fds by entry. Refused for a container with a user namespace of its own (its
 * mount namespace holds no peers of the host's mounts). Logs its errors. */
int mount_open_shared_sources(Container *c);

/* Whether a volume asks for slave (or shared) propagation: then the container's root mount tree is
 * made a slave of the host's rather than private. */
bool mount_wants_slave_root(const Container *c);

/* Attaches entry index's bind mount on target_fd: the supervisor's clone for a shared volume, a
 * fresh one of source_fd otherwise; then sets the volume's propagation. */
int mount_bind_with_propagation(const Container *c, size_t index, const VolumeSpec *v, int target_fd, int source_fd);
