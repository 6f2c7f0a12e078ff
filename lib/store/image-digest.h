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

/* A sha256 computed on a thread of its own, so that hashing a stream overlaps with what the caller
 * does with the same bytes (extracting them). One block is in flight at a time: the caller must keep
 * a submitted block unchanged until it calls sha256_async_wait() or submits the next block (which
 * waits first). When no thread can be started the hashing happens in the caller instead. */
typedef struct Sha256Async Sha256Async;

Sha256Async *sha256_async_new(void);
/* Waits for the block in flight and ends the thread. */
Sha256Async *sha256_async_free(Sha256Async *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(Sha256Async *, sha256_async_free);
/* Waits until the block in flight is hashed; returns the first hashing error. */
int sha256_async_wait(Sha256Async *h);
int sha256_async_submit(Sha256Async *h, const void *data, size_t size);
int sha256_async_finish(Sha256Async *h, char ret[static 72]);

#define SHA256_DIGEST_STRING_MAX 72
