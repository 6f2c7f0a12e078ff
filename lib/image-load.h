/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-store.h"

/* Loads every image of a docker-archive tarball (plain or compressed) read from fd. *ret_loaded
 * lists the names loaded (or ids of images without one). Images before a failing one stay loaded. */
int image_store_load(ImageStore *store, int fd, char ***ret_loaded);
