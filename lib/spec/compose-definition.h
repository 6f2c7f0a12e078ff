/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compose projects declared for the generator and `berth check`:
 *   NAME.compose                       [Compose] File=, Profile=, EnvironmentFile=, ProjectName=, plus
 *                                      [Unit] and [Install] for PROJECT.target
 *   compose/PROJECT/compose.yaml       the shorthand: project PROJECT, WantedBy=multi-user.target
 * Each becomes the units `berth compose up` writes (unit-compose.c), so boot and the command line give
 * the same units. Nothing is pulled or built here: the units do that when they start. */

#include <stdbool.h>

#include "unit-compose.h"

/* The declarations in roots (highest precedence first): NAME.compose at the top of a root and
 * compose/PROJECT/ directories holding a compose file. The first declaration of a project name wins.
 * *ret lists their paths (the .compose file, or the directory). Missing roots are fine. */
int compose_declarations_find(char *const *roots, char ***ret);

/* Whether path names a declaration: a .compose file or a directory with a compose file. */
bool compose_declaration_is(const char *path);

/* Converts one declaration. Returns 0, or -EINVAL with *ret_error "FILE:LINE: key: what" and *ret
 * holding units that fail when started with that message (PROJECT.target requiring
 * PROJECT-compose-error.service, installed as the declaration asks), or -ENOMEM. */
int compose_declaration_units(const char *path, const char *output_dir, bool user, ComposeUnits *ret, char **ret_error);
