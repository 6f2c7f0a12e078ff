/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pulling an image from a registry into the store (`berth pull`). Every byte is verified: the
 * manifest against the digest asked for (or the one the registry claims), the config and each
 * compressed layer against their descriptors (size and sha256), and each layer's uncompressed tar
 * against the config's rootfs.diff_ids. Layers are extracted while they download; layers the store
 * already has are not downloaded. */

#include <stdbool.h>

#include "image-store.h"
#include "registry-client.h"

typedef struct ImagePullOptions {
        RegistryOptions registry;
        const char *platform; /* "os/arch[/variant]"; NULL: this machine's */
        bool quiet;           /* no progress lines */
} ImagePullOptions;

/* reference defaults to docker.io ("busybox" is docker.io/library/busybox:latest). */
int image_store_pull(ImageStore *store, const char *reference, const ImagePullOptions *options, Image **ret);
