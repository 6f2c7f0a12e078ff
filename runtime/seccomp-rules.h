/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The rules of the default seccomp filter, apart from its compiler and cache (seccomp.c): what is
 * allowed for everybody, what needs a capability, and the arguments personality(2) may take. */

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

/* A call refused unless the container holds cap (-1: always refused), with errno_refused. */
typedef struct SeccompGate {
        const char *name;
        int cap;
        int errno_refused;
} SeccompGate;

extern const char *const seccomp_allowed_syscalls[];
extern const size_t seccomp_n_allowed_syscalls;
extern const SeccompGate seccomp_gated_syscalls[];
extern const size_t seccomp_n_gated_syscalls;
extern const unsigned long seccomp_allowed_personalities[];
extern const size_t seccomp_n_allowed_personalities;
/* One of the allowed personalities: the refused ones are those below it and those above it. */
#define PERSONALITY_RANGE_SPLIT 0x20008

/* Namespace flags of clone(2); without CAP_SYS_ADMIN clone may create no namespace. */
#define CLONE_NAMESPACE_FLAGS                                                                                          \
        (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* 0: the container's caps unlock name; -errno: name is gated and refused with errno; 1: not gated. */
int seccomp_gated_verdict(const char *name, uint64_t caps);
