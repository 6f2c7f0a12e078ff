/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compose projects and image builds, run by a `berth` process of berthd's (worker.h) as the CLI
 * runs them: ComposeUp, ComposeDown (answered when berth is done), ComposePs (its table), and
 * BuildImage (a Transfer with the build's lines and its steps as progress). */

#include "berthd.h"

int method_compose_up(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_compose_down(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_compose_ps(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_build_image(sd_bus_message *m, void *userdata, sd_bus_error *error);
