/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The steps of `supervise` before the container starts (runtime/prepare.c). Each logs its errors. */

#include "container.h"

/* Docker's: how long a container gets to stop before it is killed. */
#define DEFAULT_STOP_TIMEOUT_USEC (10ULL * 1000000ULL)

/* Parses `supervise [OPTIONS] IMAGE [COMMAND...]` into c->spec. */
int supervise_parse_command_line(Container *c, int argc, char *argv[]);
/* Resolves the image, network, pod, user, capabilities, seccomp and stop settings into c. */
int supervise_prepare(Container *c);
/* Creates the container's run and state directories; removes them again. */
int container_make_directories(const Container *c);
void container_remove_directories(const Container *c);
