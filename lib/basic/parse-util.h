/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one parser of each plain value kind: booleans, durations, sizes, masks and bounded numbers. The
 * generator, `berth check`, the CLI and the runtime all read these values through here, so a value one
 * of them takes, the others take too. Each returns 0 (or the boolean) or -EINVAL/-ERANGE, never logs. */

#include <stdint.h>
#include <sys/types.h>

/* systemd's booleans: 1/yes/y/true/t/on, 0/no/n/false/f/off, any case. Returns 1, 0 or -EINVAL. */
int parse_boolean(const char *v);

/* Docker's and Go's durations: "30s", "1m30s", "500ms", "2h", "10us", or a plain number of seconds. */
int parse_duration(const char *s, uint64_t *ret_usec);
#define PARSE_DURATION_EXPECTED "a duration such as 30s, 1m30s, 500ms or a number of seconds"

/* systemd's sizes: a number of bytes with an optional K, M, G or T (powers of 1024, either case, an
 * optional B after it), or "infinity" (UINT64_MAX). */
int parse_size(const char *s, uint64_t *ret);
#define PARSE_SIZE_EXPECTED "a size such as 512M, 1G or 65536 (bytes), or infinity"

/* A file mode creation mask in octal, 0 to 0777. */
int parse_umask(const char *s, mode_t *ret);

/* A decimal number from min to max, digits only. */
int parse_uint_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
