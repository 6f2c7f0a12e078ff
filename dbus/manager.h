/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The org.berth1.Manager interface on /org/berth1: what berthd answers. */

#include <systemd/sd-bus.h>

#define BERTH_BUS_NAME      "org.berth1"
#define BERTH_MANAGER_PATH  "/org/berth1"
#define BERTH_MANAGER_IFACE "org.berth1.Manager"

/* Registers the Manager object on bus; the slot lives as long as the bus. */
int manager_add_object(sd_bus *bus);
