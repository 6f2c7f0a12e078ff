/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The default seccomp filter: an allow list; syscalls the profile does not know (including ones newer
 * than it) fail with ENOSYS so libc falls back; known-dangerous ones fail with EPERM unless the
 * container holds the capability that makes them legitimate. */

#include <stdint.h>

/* Loads the default filter for a container whose bounding set is caps. Must be the last thing before
 * execve when no_new_privs is set (it needs no privilege then). */
int seccomp_load_default(uint64_t caps);

/* Loads a Docker-format JSON profile (defaultAction, syscalls[].names/action/errnoRet/args). */
int seccomp_load_profile(const char *path);

/* Whether the default profile allows name for a container with caps: 1 allow, 0 EPERM, -ENOSYS
 * when it is not in the profile. For tests and `berth-runtime features`. */
int seccomp_default_verdict(const char *name, uint64_t caps);
