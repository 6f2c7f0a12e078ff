/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CLI's side of finding a container (the lookup itself is lib/sys/container-ref.h): the one
 * error message for each way a name can fail to name a container. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "container-ref.h"

/* container_ref_lookup() with the CLI's messages: logs and returns -ENOENT ("No such container")
 * when there is no such container. An ID prefix names its container too. */
int container_lookup(sd_bus *bus, const char *name, ContainerRef *ret);

/* berth rm of one container (cli/container.c): a running one only with force (stopped first); its
 * ended unit is reset, its record, writable layer and environment file removed. */
int container_remove(sd_bus *bus, ContainerRef *ref, bool force);

/* Logs a D-Bus failure of an action on a container once, with the bus error's text. */
int log_unit_error(int r, const sd_bus_error *error, const char *action, const char *name);
