/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The values of the namespace options: --ipc/--pid/--uts, --userns, --uidmap/--gidmap. */

#include <stdint.h>

#define NAMESPACE_OPTION_EXPECTED "private, host or container:NAME"
#define USERNS_OPTION_EXPECTED    "host, auto, container:NAME or ns:/PATH"
#define IDMAP_EXPECTED            "CONTAINER_ID:HOST_ID:SIZE with a non-zero size, within 32-bit ids"

typedef enum NamespaceOption {
        NAMESPACE_OPTION_PRIVATE, /* empty, or "private": a new one */
        NAMESPACE_OPTION_HOST,
        NAMESPACE_OPTION_CONTAINER, /* container:NAME, *ret_arg is NAME */
} NamespaceOption;

/* --ipc, --pid, --uts. Returns the NamespaceOption or -EINVAL; *ret_arg points into value. */
int namespace_option_parse(const char *value, const char **ret_arg);

typedef enum UsernsOption {
        USERNS_OPTION_HOST,      /* empty or "host": no user namespace */
        USERNS_OPTION_AUTO,      /* a free block of ids from /etc/subuid */
        USERNS_OPTION_CONTAINER, /* container:NAME, *ret_arg is NAME */
        USERNS_OPTION_PATH,      /* ns:/PATH, *ret_arg is the absolute PATH */
} UsernsOption;

/* --userns. Returns the UsernsOption or -EINVAL. */
int userns_option_parse(const char *value, const char **ret_arg);

/* One --uidmap/--gidmap range: CONTAINER_ID:HOST_ID:SIZE, size > 0, both ranges within 32 bits. */
int idmap_entry_parse(const char *s, uint64_t *ret_inside, uint64_t *ret_outside, uint64_t *ret_size);
