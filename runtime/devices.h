/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A fresh /dev for the container: a tmpfs with the OCI default nodes, the usual symlinks, a private
 * devpts instance, /dev/shm and /dev/mqueue, plus --device and config.json linux.devices
 * nodes. Nothing of the image's /dev is used, so a symlinked or pre-populated /dev in the image
 * cannot redirect what is created. */

#include "container.h"
#include "device-filter.h"

int devices_setup(const Container *c, int root_fd);
/* An OCI container's /dev, after its listed mounts: the default devices and links where missing, and
 * the linux.devices nodes. */
int devices_populate(const Container *c, int root_fd);

/* The device cgroup rule for one --device HOST[:CONTAINER][:PERMS] (PERMS default rwm). */
int device_rule_from_spec(const char *spec, DeviceRule *ret);

/* Opens a top-level directory of the root (proc, sys, dev) refusing symlinks, creating it if missing.
 * Runtimes that followed a symlinked /proc were escaped (CVE-2019-19921, CVE-2023-28642). */
int open_special_dir(int root_fd, const char *name);
