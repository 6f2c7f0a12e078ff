/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Hardened extraction of one image layer (a tar stream) into an empty directory that will serve as an
 * overlayfs lower directory.
 *
 * Rules (see berth-image(1), "LAYER EXTRACTION"):
 *  - no entry leaves the layer: absolute paths and ".." components are refused; every parent is
 *    resolved with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) from the layer dir, so symlinks are
 *    stored as they are (their targets may point anywhere: they resolve inside the container) but
 *    are never followed while extracting; files are created with O_NOFOLLOW|O_EXCL;
 *  - hard links must name an already-extracted non-directory inside the layer;
 *  - ".wh.NAME" becomes an overlay whiteout (char device 0/0), ".wh..wh..opq" sets
 *    trusted.overlay.opaque=y on its directory; a ".wh." directory component is refused; a
 *    whiteout applies to lower layers only, so a directory of the same layer under the whited-out
 *    name (before or after the whiteout) becomes opaque instead, and other entries stay as they are;
 *  - xattrs from the archive: trusted.*, security.* (except security.capability) and user.overlay.*
 *    are dropped, so an image cannot forge overlay metadata;
 *  - device nodes and sockets are skipped with a warning: devices come from the runtime;
 *  - the setuid bit survives only on regular files owned by root; setgid is kept on files and dirs;
 *  - the total size of file data and the number of entries are bounded.
 * Every failure's reason names the archive entry. */

#include <stdint.h>

struct archive;

typedef struct TarExtractLimits {
        uint64_t max_bytes; /* sum of regular file sizes */
        uint64_t max_entries;
} TarExtractLimits;

#define TAR_EXTRACT_MAX_BYTES_DEFAULT   (UINT64_C(64) << 30) /* 64 GiB */
#define TAR_EXTRACT_MAX_ENTRIES_DEFAULT UINT64_C(2000000)

/* The defaults, overridden by $BERTH_LAYER_MAX_BYTES and $BERTH_LAYER_MAX_ENTRIES when set. */
TarExtractLimits tar_extract_limits_default(void);

/* Reads every entry of a (a libarchive reader opened on a tar stream) and materializes it under
 * dir_fd. On success *ret_bytes is the sum of file sizes written. On failure *ret_error (may be NULL)
 * says why, naming the entry; skipped entries and dropped xattrs are logged as warnings. */
int tar_extract(struct archive *a, int dir_fd, const TarExtractLimits *limits, uint64_t *ret_bytes, char **ret_error);
