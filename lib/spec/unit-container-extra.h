/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "unit-convert.h"

/* Appends IP=, IP6= and NetworkAlias= of section ("Container" or "Pod") to *network as podman's
 * per-network options ("NAME:ip=10.90.0.5,alias=web"); an error when the network mode has no addresses
 * or when section has more than one Network=. *network may be NULL (no Network=). */
int convert_network_options(ConvertContext *c, const char *section, char **network);
/* ExecReload= from ReloadCmd= (berth-runtime exec NAME CMD...) or ReloadSignal= (kill the supervisor,
 * which forwards the signal). name is the container's name, specifiers allowed. */
int container_reload(ConvertContext *c, const char *name);
