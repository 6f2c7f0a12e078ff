/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthd's objects: org.berth1.Manager on /org/berth1, the containers, images and transfers below it. */

#include "berthd.h"

/* Registers every object and follows systemd's signals; the slots live as long as the bus. */
int manager_add_objects(Berthd *d);

/* Checks of the arguments handed to a berth process (worker.h), setting InvalidArgs or
 * org.berth1.Error.InvalidOption: a word that is never an option, never empty, printable and
 * bounded; options each "--NAME[=VALUE]" with NAME one of allowed. */
int check_word(const char *what, const char *s, sd_bus_error *error);
int check_options(char *const *options, const char *const *allowed, sd_bus_error *error);
