/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Authorisation of the calls that change something, as systemd's daemons do it: root (or a caller
 * with CAP_SYS_ADMIN) always; anyone else as polkit's CheckAuthorization says for the action. The
 * check is asynchronous: the first time, the method handler gets 0 and returns 1 ("answered later");
 * polkit's answer re-dispatches the same call, and this time polkit_verify() has the result. */

#include "berthd.h"

#define POLKIT_ACTION_CONTAINERS "org.berth1.manage-containers"
#define POLKIT_ACTION_IMAGES     "org.berth1.manage-images"
#define POLKIT_ACTION_VOLUMES    "org.berth1.manage-volumes"
#define POLKIT_ACTION_NETWORKS   "org.berth1.manage-networks"

/* 1: allowed, go on. 0: asked polkit; return 1 from the handler, it runs again with the answer.
 * < 0: refused or failed, *error is set. details: NULL or "key", "value", ..., NULL, shown by polkit
 * and usable in its rules (subject.action.lookup("name")). */
int polkit_verify(Berthd *d, sd_bus_message *call, const char *action, const char *const *details, sd_bus_error *error);

/* Forgets every query (at exit). */
void polkit_queries_free(Berthd *d);
