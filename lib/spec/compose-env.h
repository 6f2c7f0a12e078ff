/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compose's variables: interpolation of values ($VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, nesting, $$) and the .env / env_file format. */

#include <stdbool.h>

/* Looks a variable up in env ("K=V" strings, the first of a name wins); NULL when unset. */
const char *compose_env_get(char *const *env, const char *name);
/* Sets name=value unless already set (overwrite false) or always. */
int compose_env_set(char ***env, const char *name, const char *value, bool overwrite);

/* Interpolates s. *ret_unset collects variables used without a default that were unset (for the
 * "not set, defaulting to a blank string" warning; may be NULL). On an error returns -EINVAL with
 * *ret_error the message without location: "required variable X is missing a value: text" or
 * "invalid interpolation format for ...". */
int compose_interpolate(const char *s, char *const *env, char ***ret_unset, char **ret, char **ret_error);

/* Parses a .env / env_file text into "K=V" pairs appended to *vars (a later line overrides an earlier
 * one). Values are interpolated from lookup (and the lines before) unless raw or single-quoted. A bare
 * "KEY" takes lookup's value or is skipped. On a syntax error returns -EINVAL with *ret_error
 * "FILE:LINE: message". */
int compose_dotenv_parse(const char *file, const char *text, char *const *lookup, bool raw, char ***vars,
                char **ret_error);
int compose_dotenv_load(const char *path, char *const *lookup, bool raw, char ***vars, char **ret_error);
