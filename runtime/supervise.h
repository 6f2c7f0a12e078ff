/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth-runtime supervise [OPTIONS] IMAGE [COMMAND...]`: the main process of a container's unit.
 * Returns the exit status for the runtime (the container's, or 125 when it could not be started). */
int supervise_main(int argc, char *argv[]);
