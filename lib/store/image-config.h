/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI image config blob (application/vnd.oci.image.config.v1+json, which is also docker's
 * application/vnd.docker.container.image.v1+json): reading the parts berth uses and writing the
 * minimal one an imported rootfs gets. */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "image-store.h"

/* Limits on untrusted image metadata, shared by pulls and loads. An image has at most as many layers
 * as overlayfs can stack (500, also containers/storage's maxDepth; Docker stops at 125). A config or
 * manifest is refused above these sizes (containers/image reads at most 4 MiB of a manifest). */
#define IMAGE_LAYERS_MAX   500u
#define IMAGE_MANIFEST_MAX (4u * 1024 * 1024)
#define IMAGE_CONFIG_MAX   (8u * 1024 * 1024)

typedef struct ImageConfigInfo {
        ImageConfig config;
        char *os, *architecture;
        char **diff_ids;  /* rootfs.diff_ids */
        uint64_t created; /* seconds since the epoch; 0 when absent or unreadable */
} ImageConfigInfo;

/* Parses a config blob; -EBADMSG (*ret_error naming what) when it is not a usable image config, and
 * -EFBIG when it is over IMAGE_CONFIG_MAX or lists more than IMAGE_LAYERS_MAX layers. */
int image_config_parse(const char *json, size_t size, ImageConfigInfo *ret, char **ret_error);
void image_config_info_done(ImageConfigInfo *info);

/* The config an imported rootfs gets: this machine's os/architecture, rootfs.diff_ids = [diff_id],
 * an empty "config" (no Cmd, like docker import) and one history entry. *ret is a JSON string. */
int image_config_new_for_rootfs(const char *diff_id, const struct timespec *created, char **ret);

/* The GOARCH name of this machine ("amd64", "arm64", ...). */
const char *image_host_architecture(void);
