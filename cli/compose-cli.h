/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "compose-project.h"

/* The commands that act on a loaded project (cli/compose-run.c): argv[0] is the command. */
int compose_command(ComposeProject *p, int argc, char *argv[]);
