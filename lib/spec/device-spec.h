/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --device / AddDevice= values: HOST[:CONTAINER][:PERMS], docker's syntax. */

#define DEVICE_SPEC_EXPECTED "/dev/HOST[:/dev/CONTAINER][:PERMS] with PERMS made of r, w and m"

typedef struct DeviceSpec {
        char *host;      /* absolute path of the host's node */
        char *container; /* where it appears in the container, below /dev/ (the host path by default) */
        char *perms;     /* some of "rwm"; "rwm" by default */
} DeviceSpec;

/* 0, -EINVAL for a value of another shape, -ENOMEM. Does not look at the host. */
int device_spec_parse(const char *s, DeviceSpec *ret);
void device_spec_done(DeviceSpec *d);
