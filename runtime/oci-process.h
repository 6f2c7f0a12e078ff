/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* config.json's process (oci-process.c), for oci_config_load and `exec --process`. */

#include <jansson.h>

#include "container.h"
#include "oci-json.h"

/* cfg's process object into c->process, c->caps, c->caps_added and c->spec. */
int oci_process_from_json(OciJson *x, Container *c, json_t *cfg);
/* process.apparmorProfile, process.selinuxLabel, linux.mountLabel: o's member key, taken where the
 * kernel has the LSM lsm; refused otherwise (field names it in the error). */
int oci_lsm_member(OciJson *x, json_t *o, const char *key, const char *field, const char *lsm, char **ret);
