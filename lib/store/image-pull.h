/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pulling an image from a registry into the store (`berth pull`). Every byte is verified: the
 * manifest against the digest asked for (or the one the registry claims), the config and each
 * compressed layer against their descriptors (size and sha256), and each layer's uncompressed tar
 * against the config's rootfs.diff_ids. Layers are extracted while they download; layers the store
 * already has are not downloaded. */

#include <stdbool.h>

#include "container-spec.h" /* image_pull_policy_is_valid() */
#include "image-store.h"
#include "registry-client.h"

typedef enum PullProgressMode {
        PULL_PROGRESS_AUTO,  /* a live display when stderr is a terminal, plain lines otherwise */
        PULL_PROGRESS_PLAIN, /* one line as each layer starts and as it ends */
        PULL_PROGRESS_TTY,   /* per layer, redrawn in place (as docker pull) */
} PullProgressMode;

typedef struct ImagePullOptions {
        RegistryOptions registry;
        const char *platform; /* "os/arch[/variant]"; NULL: this machine's */
        bool quiet;           /* no progress lines */
        PullProgressMode progress;
        bool extend_timeout; /* running as a starting systemd service: send EXTEND_TIMEOUT_USEC= while
                              * bytes arrive, so only a stall (registry.stall_timeout_sec) fails it */
} ImagePullOptions;

/* reference defaults to docker.io ("busybox" is docker.io/library/busybox:latest). */
int image_store_pull(ImageStore *store, const char *reference, const ImagePullOptions *options, Image **ret,
                char **ret_error);

/* The pull policy of `--pull` / Pull= at container start: "missing" (default: pull only when the store
 * has no such image), "always", "never" (never pull; a missing image is an error) or "newer" (pull
 * when the registry's image differs; when the registry cannot be reached, the stored one is used).
 * Looks the image up in the store afterwards. The pull runs as a child (`berth pull --extend-timeout`,
 * BERTH_CLI), which extends systemd's start timeout while bytes arrive; a pull that gets no byte for
 * the stall timeout ($BERTH_PULL_STALL_TIMEOUT, 60 s) fails. Callers need not link libcurl. */
int image_store_ensure(ImageStore *store, const char *reference, const char *policy, Image **ret, char **ret_error);
