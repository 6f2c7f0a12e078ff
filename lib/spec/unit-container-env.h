/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container's environment kept out of the unit (issue 16): `Environment=` of a .container file and
 * `berth run -e` are not written on ExecStart=, which every local user can read with `systemctl show`,
 * but into a root-only file the unit names with --env-private-file=PATH. The generator writes it into
 * its output directory (berth-private/UNIT.env, a 0700 directory, 0600 files), `berth run` under the
 * run directory; the runtime reads it at start.
 *
 * The values in the file have the meaning they would have had on ExecStart=: systemd's specifiers
 * (%n, %i, %%, ...) and "${VAR}" from the unit's environment, "$$" for a literal '$'. So a definition's
 * Environment= means what it means to Quadlet, and `berth run` writes what the user typed escaped
 * (unit_value_escape), so that it arrives literally. */

#include <stdbool.h>
#include <stddef.h>

/* The directory below the generator's output directory that holds its private files. */
#define UNIT_PRIVATE_DIR "berth-private"

/* Whether path is one of `berth run`'s private files ($BERTH_RUN_DIR/private/UNIT.env): those are
 * removed by the unit's cleanup once it cannot start again; the generator's are remade by every
 * daemon-reload and stay. */
bool private_env_path_is_run(const char *path);

/* "%" → "%%" and, with dollar, "$" → "$$": s as a literal in a unit's value (systemd expands specifiers
 * in every value), on a command line or in the private file (where "$VAR" is expanded too). */
char *unit_value_escape(const char *s, bool dollar);

/* Expands what systemd would in a word of ExecStart=: specifiers of unit (the unit's full name, e.g.
 * "web@a.service"; NULL when not in a unit: then only "%%" is allowed), "${VAR}" from env (unset: empty)
 * and "$$". Returns -EINVAL for an unknown specifier, or one that needs a unit name without one,
 * with *ret_bad pointing at it in s (may be NULL). */
int unit_value_expand(const char *s, const char *unit, char *const *env, char **ret, const char **ret_bad);

/* The private file's text: NUL-terminated KEY=VALUE entries. */
int private_env_serialize(char *const *env, char **ret, size_t *ret_size);
/* Reads it back; -EINVAL when it is not such a file. */
int private_env_read(const char *path, char ***ret);
/* Writes path (0600, atomically), making its directory (0700) if needed. */
int private_env_write(const char *path, char *const *env);
