/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which images containers use, so `berth image rm` and `prune` leave them alone, as docker does for
 * any container that is not removed: running ones (the runtime's state.json names the image id) and
 * the ones `berth ps -a` lists without running them (a failed or stopped berth-NAME.service, a
 * failed generator-made unit), whose image is the reference in their unit's ExecStart=, looked up
 * in the store now. */

#include <stdbool.h>
#include <stddef.h>

#include "image-store.h"

typedef struct ImageUser {
        char *container;
        char *image_id; /* "sha256:<hex>" */
        bool running;
} ImageUser;

typedef struct ImageUsers {
        ImageUser *items;
        size_t n;
} ImageUsers;

void image_users_done(ImageUsers *u);

/* Without a systemd (no /run/systemd/system) only running containers are found. */
int image_users_load(ImageStore *store, ImageUsers *ret);

/* The first container that uses image_id, or NULL. */
const ImageUser *image_users_find(const ImageUsers *u, const char *image_id);

/* The ids of all used images (for image_store_prune_except()). */
int image_users_ids(const ImageUsers *u, char ***ret);
