/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Containers as D-Bus objects, /org/berth1/container/NAME (org.berth1.Container). A container is
 * what systemd and berth-runtime know of it, read on every call: a running one from the runtime's
 * state.json (which names its unit), else a loaded unit berth-NAME.service (berth run, RunContainer)
 * or NAME.service made by the generator from NAME.container. systemd's change signals for those
 * units become PropertiesChanged of the container and ContainerNew/ContainerRemoved. */

#include "berthd.h"
#include "container-ref.h"

/* Resolves a container by name (lib/sys/container-ref.h); with load, also by a prefix of its ID and
 * loading a generator-made unit. -ENOENT when there is none. Does not log. */
int container_resolve(Berthd *d, const char *name, bool load, ContainerRef *ret);
/* The same, setting org.berth1.Error.NoSuchContainer (or another error) on failure. */
int container_resolve_or_error(Berthd *d, const char *name, bool load, ContainerRef *ret, sd_bus_error *error);

/* Whether the name is taken: running, or a unit berth-NAME.service or generated NAME.service exists. */
int container_name_taken(Berthd *d, const char *name);

/* The object path of a container. */
char *container_object_path(const char *name);

/* The container's State: "created" (its unit starts), "running", "stopping", "exited". */
const char *container_state_from_active_state(const char *active_state);

/* Manager methods. */
int method_list_containers(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_get_container(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* Forgets the States announced last (at exit). */
void container_state_hints_free(Berthd *d);

/* Registers the container objects and follows systemd's unit signals. */
int container_objects_add(Berthd *d);

extern const sd_bus_vtable container_vtable[];
