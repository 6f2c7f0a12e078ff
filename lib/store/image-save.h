/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-store.h"

/* Writes the images (references as for lookup) as one docker-archive tarball to fd, the format
 * `docker load`, `podman load` and `berth load` read. Each layer is written back as a tar from its
 * directory (overlay whiteouts and opaque directories become ".wh." entries again). The store keeps
 * no copy of the original tar bytes, so the layers' diffIDs, and with them the config and the image
 * id in the archive, are new ones; the contents are the same. */
int image_store_save(ImageStore *store, char *const *references, int fd, char **ret_error);
