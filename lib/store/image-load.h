/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "image-store.h"

/* Loads every image of a docker-archive tarball (plain or compressed) read from fd, or of an OCI
 * layout in such a tarball (an oci-archive; manifest.json wins when an archive has both). *ret_loaded
 * lists the names loaded (or ids of images without one). Every blob whose digest the archive states is
 * checked before the first image is stored, so a tampered one stores nothing; a layer whose diffID
 * does not match (found while extracting) leaves the images before it loaded. */
int image_store_load(ImageStore *store, int fd, char ***ret_loaded, char **ret_error);

/* The same for an OCI layout directory (berth load -i DIR). */
int image_store_load_oci_dir(ImageStore *store, int dir_fd, char ***ret_loaded, char **ret_error);

/* ---- shared by image-load.c and image-load-oci.c ---- */
typedef struct ImageStaging ImageStaging;
/* Opens path inside root_fd: the tree's own symlinks resolve inside it (RESOLVE_IN_ROOT). Only a
 * regular file, opened without blocking; anything else (a FIFO, a device) gives -EBADMSG. */
int image_archive_open(int root_fd, const char *path);
/* The reason for an image_archive_open() failure, for messages. */
const char *image_archive_open_error(int r);
/* Reads a regular file of at most max bytes there. */
int image_archive_read(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size, char **ret_error);
int image_load_oci_layout(ImageStore *store, ImageStaging *staging, int layout_fd, char ***loaded, char **ret_error);
