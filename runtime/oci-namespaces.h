/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* config.json's linux.namespaces (new ones, or existing ones joined by path), linux.uidMappings and
 * linux.gidMappings, and linux.timeOffsets into the container (namespaces.h, userns.h). */

#include <jansson.h>

#include "container.h"
#include "oci-json.h"

int oci_namespaces_from_json(OciJson *x, Container *c, json_t *linux_);
