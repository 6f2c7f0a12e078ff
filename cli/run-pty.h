/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth run -t: the container's standard input, output and error are the slave of a pseudo-terminal
 * whose master berth run keeps, copying between it and its own stdio (as systemd-run --pty does). */

#include <stdbool.h>
#include <termios.h>
#include <systemd/sd-event.h>

typedef struct RunPty {
        int master;
        bool forward_input; /* -i: our stdin goes to the container */
        bool raw;           /* our terminal was put into raw mode, restore saved */
        struct termios saved;
        sd_event_source *input, *output, *winch;
} RunPty;

#define RUN_PTY_NULL ((RunPty) { .master = -EBADF })

/* Opens a pty sized like our terminal; *ret_slave is the fd to hand to the unit (close it after). */
int run_pty_open(RunPty *p, int *ret_slave);
/* Starts copying in the event loop; puts our terminal into raw mode when input is forwarded. */
int run_pty_attach(RunPty *p, sd_event *event, bool forward_input);
/* Copies what the container wrote last, restores the terminal, closes everything. */
void run_pty_done(RunPty *p);
