/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `exec --tty`: a pseudo-terminal from the container's own devpts instance. The process in the
 * container gets the slave as stdio and controlling terminal; the master goes to `berth-runtime
 * exec`, which copies between it and its own stdio (in raw mode when that is a terminal). */

#include <stdbool.h>
#include <termios.h>

/* Child side, inside the container's mount namespace: opens a pty pair, makes the slave fds 0-2 and
 * sends the master over sock (SCM_RIGHTS, with a zeroed ChildError). */
int pty_setup_child(int sock);
/* Parent side: the master, or a negative errno; *ret_error is set when the child reported an error. */
int pty_receive_master(int sock, bool *ret_error, void *error_buf, size_t error_size);

typedef struct PtyTerminal {
        bool raw;
        struct termios saved;
} PtyTerminal;
/* Puts our stdin into raw mode when it is a terminal. */
void pty_terminal_raw(PtyTerminal *t);
void pty_terminal_restore(PtyTerminal *t);
/* Gives the master the size of our terminal (on start and on SIGWINCH). */
void pty_copy_size(int master);
/* Copies what is readable on from to to. Returns > 0 when something was copied, 0 when nothing was
 * there, < 0 at end of input or error. */
int pty_shovel(int from, int to);
