/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Streaming sha256 for content addressing (blobs, diffIDs), on top of OpenSSL's libcrypto. */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct Sha256 Sha256;

Sha256 *sha256_new(void);
Sha256 *sha256_free(Sha256 *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(Sha256 *, sha256_free);
int sha256_update(Sha256 *h, const void *data, size_t size);
/* Writes "sha256:<64 hex>" (72 bytes with the NUL) into ret. The hash cannot be updated afterwards. */
int sha256_finish(Sha256 *h, char ret[static 72]);

/* Digest of a buffer, as "sha256:<hex>". */
int sha256_digest(const void *data, size_t size, char ret[static 72]);

/* Digest of everything read from fd (to its end), as "sha256:<hex>", and the number of bytes read. */
int sha256_fd(int fd, char ret[static 72], uint64_t *ret_size);

#define SHA256_DIGEST_STRING_MAX 72
