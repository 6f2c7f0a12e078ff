/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Registry manifests and indexes (OCI image manifest and index, docker schema 2 manifest and manifest
 * list): parsed and checked from the bytes a registry sent, with no I/O, so that the pull
 * (image-pull.c) and the fuzz target tests/fuzz/fuzz-image-manifest.c run the same code. */

#include <jansson.h>
#include <stdint.h>

#include "image-digest.h"

#define MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1       "application/vnd.docker.distribution.manifest.v1"

/* A blob a manifest points at. The strings belong to the manifest's JSON. */
typedef struct Descriptor {
        const char *media_type, *digest;
        int64_t size;
} Descriptor;

typedef struct Manifest {
        char *body;
        size_t size;
        char *media_type; /* from the body's mediaType, else the registry's Content-Type */
        char digest[SHA256_DIGEST_STRING_MAX];
        json_t *json;
} Manifest;

void manifest_done(Manifest *m);

/* Parses m->body (m->size bytes; the caller has set m->digest) as served with content_type (the
 * Content-Type header, parameters allowed; NULL when there was none): a JSON object whose mediaType,
 * if any, agrees with content_type. Sets m->json and m->media_type. -EBADMSG (*ret_error naming
 * reference) when the bytes are no manifest. */
int manifest_parse(Manifest *m, const char *reference, const char *content_type, char **ret_error);

bool manifest_is_index(const Manifest *m);

typedef struct Platform {
        char *os, *architecture, *variant;
} Platform;

void platform_done(Platform *p);
/* "OS/ARCH[/VARIANT]"; NULL: linux and the host's architecture. */
int platform_parse(const char *s, Platform *ret, char **ret_error);

/* The digest of the index entry for want: the wanted variant first, then none, then any (the first
 * matching entry wins, as the image spec asks). -ENOENT (with *ret_error) when there is none. */
int manifest_select_from_index(const Manifest *index, const Platform *want, char **ret_digest, char **ret_error);

/* An image manifest's config and layer descriptors, checked: a supported manifest type (-EPROTONOSUPPORT
 * for schema 1 and others), at most IMAGE_LAYERS_MAX layers (-EFBIG), each a sha256 digest with a
 * size and a layer media type berth extracts (-EBADMSG, -EPROTONOSUPPORT). *ret_layers (freed by the
 * caller) points into m->json. *ret_error names reference. */
int manifest_image_descriptors(const Manifest *m, const char *reference, Descriptor *ret_config,
                Descriptor **ret_layers, size_t *ret_n_layers, char **ret_error);
