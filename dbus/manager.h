/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthd's objects: org.berth1.Manager on /org/berth1, the containers, images and transfers below it. */

#include "berthd.h"

/* Registers every object and follows systemd's signals; the slots live as long as the bus. */
int manager_add_objects(Berthd *d);
