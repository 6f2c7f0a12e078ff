/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The default seccomp filter: an allow list; syscalls the profile does not know (including ones newer
 * than it) fail with ENOSYS so libc falls back; known-dangerous ones fail with EPERM unless the
 * container holds the capability that makes them legitimate. */

#include <stdint.h>

/* Loads the default filter for a container whose bounding set is caps. Must be the last thing before
 * execve when no_new_privs is set (it needs no privilege then). */
int seccomp_load_default(uint64_t caps);

/* Loads a Docker- or OCI-format JSON profile (defaultAction, defaultErrnoRet, syscalls[].names/action/
 * errnoRet/args) given as text; origin names it in errors. The text is read by the supervisor: the
 * container's child can no longer reach host paths when it loads the filter. */
int seccomp_load_profile(const char *json_text, const char *origin);

/* Whether the default profile allows name for a container with caps: 1 allow, 0 EPERM, -ENOSYS
 * when it is not in the profile. For tests and `berth-runtime features`. */
int seccomp_default_verdict(const char *name, uint64_t caps);
