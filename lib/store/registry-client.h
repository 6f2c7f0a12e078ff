/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A client for the OCI distribution API (the registry protocol) on libcurl.
 *
 * It pings /v2/ (https, then http for registries allowed to be insecure), keeps the auth challenge,
 * and answers 401s with Basic credentials or a Bearer token fetched from the challenge's realm
 * (anonymously or with the credentials). Redirects are followed by hand, at most 10, and the
 * Authorization header goes only to the registry's own scheme, host and port: blob downloads are
 * often redirected to storage that must not see it.
 *
 * A transfer is pulled by its reader: registry_transfer_read() runs curl until the next bytes of
 * the body arrive, so a layer can be decompressed and extracted while it downloads. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

typedef struct RegistryClient RegistryClient;
typedef struct RegistryTransfer RegistryTransfer;

typedef struct RegistryOptions {
        const char *username, *password; /* NULL: anonymous, or from the auth file */
        bool insecure;                   /* allow plain http and unverified TLS */
        unsigned stall_timeout_sec;      /* fail a transfer that got no byte for this long; 0:
                                          * $BERTH_PULL_STALL_TIMEOUT, else 60 s */
} RegistryOptions;

/* domain as in a reference ("docker.io", "127.0.0.1:5000"); repository is its path ("library/busybox"). */
int registry_client_new(const char *domain, const char *repository, const RegistryOptions *options,
                RegistryClient **ret, char **ret_error);
RegistryClient *registry_client_free(RegistryClient *c);
/* A second client for the same repository sharing c's address and credentials (no new ping), so
 * another thread can run transfers on it. */
int registry_client_clone(RegistryClient *c, RegistryClient **ret);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryClient *, registry_client_free);

/* GET /v2/<repository>/<kind>/<reference>, kind "manifests" or "blobs". accept may be NULL.
 * Returns once the final response's headers are in: -ENOENT for 404, -EACCES for 401/403 after
 * authenticating, -EIO otherwise; *ret_error has the registry's status, error code and message. */
int registry_get(RegistryClient *c, const char *kind, const char *reference, const char *accept, RegistryTransfer **ret,
                char **ret_error);

/* The same for a blob whose first offset bytes the caller already has: asks for the rest with a
 * Range request (a server that ignores it is handled: the bytes already there are dropped). */
int registry_get_from(RegistryClient *c, const char *kind, const char *reference, const char *accept, uint64_t offset,
                RegistryTransfer **ret, char **ret_error);

/* The next body bytes: >0 bytes in *ret_data (valid until the next call), 0 at the end, <0 error. */
ssize_t registry_transfer_read(RegistryTransfer *t, const void **ret_data, char **ret_error);
/* A response header of the final response, or NULL. */
const char *registry_transfer_header(RegistryTransfer *t, const char *name);
/* Content-Length, or -1. */
int64_t registry_transfer_length(RegistryTransfer *t);
RegistryTransfer *registry_transfer_free(RegistryTransfer *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryTransfer *, registry_transfer_free);

/* Reads a whole body of at most max bytes (-EFBIG beyond). */
int registry_transfer_read_all(RegistryTransfer *t, size_t max, char **ret, size_t *ret_size, char **ret_error);
