/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The default seccomp filter: an allow list; syscalls the profile does not know (including ones newer
 * than it) fail with ENOSYS so libc falls back; known-dangerous ones fail with EPERM unless the
 * container holds the capability that makes them legitimate, except those that C libraries probe
 * (clone3), which fail with ENOSYS. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A compiled filter (BPF instructions), made by the supervisor on the host and applied by the
 * container's process: compiling takes libseccomp some 20 ms, so compiled filters are cached in
 * $BERTH_RUN_DIR/seccomp-cache/, keyed by the profile, the capabilities, the libseccomp version and
 * the architecture. An empty filter (size 0) means none. */
typedef struct SeccompFilter {
        void *bpf;
        size_t size; /* bytes */
} SeccompFilter;

void seccomp_filter_done(SeccompFilter *f);
/* profile: NULL for the default filter for caps, "unconfined" for none, or a JSON profile's text. */
int seccomp_filter_prepare(const char *profile, uint64_t caps, SeccompFilter *ret);
/* Installs the filter on the calling thread (needs no_new_privs or CAP_SYS_ADMIN). */
int seccomp_filter_apply(const SeccompFilter *f);

/* Compiles and loads the default filter for a container whose bounding set is caps, without a cache. */
int seccomp_load_default(uint64_t caps);

/* Loads a Docker- or OCI-format JSON profile (defaultAction, defaultErrnoRet, syscalls[].names/action/
 * errnoRet/args) given as text; origin names it in errors. The text is read by the supervisor: the
 * container's child can no longer reach host paths when it loads the filter. */
int seccomp_load_profile(const char *json_text, const char *origin);

/* What the default profile answers name for a container with caps: 0 when it is allowed (for some
 * arguments, with socket, clone and personality), else -errno of the refusal (-EPERM, or -ENOSYS for
 * calls refused as "not there" and ones the profile does not know). For tests. */
int seccomp_default_verdict(const char *name, uint64_t caps);
