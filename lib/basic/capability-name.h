/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capability names, as --cap-add/--cap-drop, AddCapability=/DropCapability= and OCI configs write them. */

/* The highest capability berth has a name for. */
#define CAPABILITY_NAMES_LAST 40

/* "CAP_NET_ADMIN", "net_admin" -> 12. -EINVAL for an unknown name. */
int capability_from_name(const char *name);
const char *capability_to_name(int cap);

/* One word of --cap-add/--cap-drop: a capability's number, CAPABILITY_ALL for "all" (any case), or
 * -EINVAL. */
#define CAPABILITY_ALL 64
int capability_from_option_word(const char *word);
