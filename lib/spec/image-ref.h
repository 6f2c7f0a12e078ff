/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Image references as docker and Podman spell them: [DOMAIN/]PATH[:TAG][@DIGEST].
 *
 * A first component is a domain when it contains '.' or ':' or is "localhost" (docker's rule).
 * Normalizing fills in what the user left out: a missing domain becomes default_domain,
 * "docker.io/x" becomes "docker.io/library/x", and a missing tag (with no digest) becomes "latest".
 * Names are lowercase; tags follow the distribution grammar; digests are "sha256:<64 lowercase hex>". */

#include <stdbool.h>

typedef struct ImageReference {
        char *domain;      /* "localhost", "docker.io", "127.0.0.1:5000" */
        char *path;        /* "busybox", "library/busybox", "probe/busybox" */
        char *tag;         /* NULL when absent */
        char *digest;      /* NULL when absent */
        bool domain_given; /* the user wrote a domain */
} ImageReference;

#define IMAGE_DOMAIN_LOCAL  "localhost"
#define IMAGE_DOMAIN_DOCKER "docker.io"

/* Parses and normalizes s. Returns -EINVAL with a message in *ret_error (static) when malformed. */
int image_reference_parse(const char *s, const char *default_domain, ImageReference *ret, const char **ret_error);
void image_reference_done(ImageReference *r);

/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest". NULL on OOM. */
char *image_reference_to_string(const ImageReference *r);
/* "domain/path" */
char *image_reference_repository(const ImageReference *r);

/* Parses and normalizes in one go; *ret is the full string. */
int image_reference_normalize(const char *s, const char *default_domain, char **ret, const char **ret_error);

/* True when s is "sha256:<64 lowercase hex>". */
bool image_digest_is_valid(const char *s);
/* True when s is a non-empty run of lowercase hex digits, at most 64 long. */
bool image_id_prefix_is_valid(const char *s);

/* Does the user's reference (as typed: maybe short, maybe untagged) name the stored full name?
 * "busybox" matches "localhost/busybox:latest" and "docker.io/library/busybox:latest";
 * "busybox:1.36" matches only that tag; a reference with a domain must match exactly. Returns a
 * preference (1 best, higher worse; localhost before docker.io before others) or 0 for no match. */
int image_reference_match(const char *reference, const char *full_name);
