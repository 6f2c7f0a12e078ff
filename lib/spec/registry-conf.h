/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* registries.conf (see registries.conf(5)): where short names are searched, aliases, and per-
 * registry settings. The subset of containers-registries.conf(5) berth reads:
 *
 *   unqualified-search-registries = ["registry.example.com", "docker.io"]
 *   [[registry]]
 *   prefix = "example.com/foo"          # defaults to location; the longest matching prefix wins
 *   location = "mirror.internal/foo"    # pull from here instead
 *   insecure = true                     # plain http and unverified TLS allowed
 *   blocked = true                      # never pull from here
 *   mirror-by-digest-only = true        # mirrors only for pulls by digest
 *   [[registry.mirror]]                 # tried in order before location; any may fail
 *   location = "mirror.lab:5000/foo"
 *   insecure = true
 *   pull-from-mirror = "digest-only"    # or "all" (default), "tag-only"
 *   [aliases]
 *   "fedora" = "registry.fedoraproject.org/fedora"
 *
 * Read from $BERTH_CONFIG_DIR/registries.conf plus the registries.conf.d/ drop-ins (*.conf) there,
 * in lexical order, later files adding to and overriding earlier ones; when berth has no such file,
 * from /etc/containers/registries.conf and its drop-ins, so berth and podman agree. Other keys are
 * ignored with a debug message; malformed lines are errors naming file and line. */

#include <stdbool.h>
#include <stddef.h>

typedef enum MirrorPulls {
        MIRROR_PULLS_ALL,         /* pull-from-mirror = "all" (the default) */
        MIRROR_PULLS_DIGEST_ONLY, /* "digest-only", or the registry's mirror-by-digest-only = true */
        MIRROR_PULLS_TAG_ONLY,    /* "tag-only" */
} MirrorPulls;

typedef struct RegistryMirror {
        char *location;
        bool insecure;
        MirrorPulls pulls;
} RegistryMirror;

typedef struct RegistryEntry {
        char *prefix, *location;
        bool insecure, blocked, mirror_by_digest_only;
        RegistryMirror *mirrors; /* [[registry.mirror]], tried in order before location */
        size_t n_mirrors;
} RegistryEntry;

typedef struct RegistriesConf {
        char **search; /* unqualified-search-registries */
        RegistryEntry *registries;
        size_t n_registries;
        char **aliases; /* name, target, name, target, ... */
} RegistriesConf;

int registries_conf_load(RegistriesConf *ret, char **ret_error);
/* Loads one file (for tests and the loader). Missing files are fine. */
int registries_conf_load_file(RegistriesConf *c, const char *path, char **ret_error);
void registries_conf_done(RegistriesConf *c);

/* Where to pull "domain/path" from, in order: the matching [[registry]]'s mirrors (those that serve
 * this kind of reference: by_digest), then its location (or the repository itself). Each entry is
 * "domain/path" with the prefix replaced; *ret_insecure tells which may use plain http. -EPERM when
 * the registry is blocked. */
int registries_conf_sources(const RegistriesConf *c, const char *repository, bool by_digest, char ***ret,
                bool **ret_insecure, char **ret_error);

/* The [[registry]] whose prefix matches "domain/path" best, or NULL. */
const RegistryEntry *registries_conf_find(const RegistriesConf *c, const char *repository);

/* What to try for a reference as the user typed it, in order, as full references: an alias, or
 * each search registry, or docker.io when there are none (docker's behavior). A reference with a
 * domain is itself the only candidate. */
int registries_conf_candidates(const RegistriesConf *c, const char *reference, char ***ret, char **ret_error);
