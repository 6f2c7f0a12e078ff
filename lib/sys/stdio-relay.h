/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The standard fds of a process in a container are pipes that berth owns, never the caller's own
 * fds: a container must not be able to reach the caller's files through /proc/PID/fd. The relay
 * makes the pipes and copies between them and the caller's fds 0-2 (splice(2) where both ends
 * allow it, else read/write), driven by the caller's poll loop:
 *
 *   stdio_relay_open(&r, interactive);      hand r.container_fds to the process, then
 *   stdio_relay_container_fds_close(&r);    so that the ends are the process's only
 *   loop: stdio_relay_pollfds(); poll(); stdio_relay_dispatch();
 *   once the process ended: stdio_relay_drain(), which copies what it wrote last.
 *
 * The caller's fds are used as they are (blocking or not) and never closed. Input ends by closing
 * the pipe (end of file for the process); output the caller can no longer take closes the pipe's
 * read end, so the process gets EPIPE, as it would writing into a closed pipe of its own. */

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define STDIO_RELAY_POLLFDS 3

typedef struct StdioRelayChannel {
        int from, to;       /* copy from -> to; the one that is a pipe end of ours is closed at the end */
        bool from_ours;     /* output: from is our read end; input: to is our write end */
        bool no_splice;     /* splice(2) refused these ends: read/write through buf */
        bool wait_writable; /* to was full: wait for POLLOUT before copying more */
        bool done;
        char *buf;
        size_t start, end; /* pending bytes in buf */
} StdioRelayChannel;

typedef struct StdioRelay {
        bool open;
        /* 0: the caller's stdin to the process (with input), 1 and 2: the process's output to ours */
        StdioRelayChannel channels[3];
        /* the process's fds 0-2: the pipes' other ends (fd 0 is /dev/null without input) */
        int container_fds[3];
} StdioRelay;

/* Makes the pipes; with input, the caller's stdin feeds the process's, else that is /dev/null.
 * A zero-initialized StdioRelay needs no stdio_relay_done(). */
int stdio_relay_open(StdioRelay *r, bool input);
/* Closes our copies of the process's ends, once it (or systemd) holds them. */
void stdio_relay_container_fds_close(StdioRelay *r);
/* Fills p with what the relay waits for (fd -1 for a channel that is idle or done). */
void stdio_relay_pollfds(const StdioRelay *r, struct pollfd p[STDIO_RELAY_POLLFDS]);
/* Copies what p says is ready. */
void stdio_relay_dispatch(StdioRelay *r, const struct pollfd p[STDIO_RELAY_POLLFDS]);
/* After the process ended: ends the input and copies the output still in the pipes, without
 * waiting for writers that outlive the process (a background child holding the pipe). */
void stdio_relay_drain(StdioRelay *r);
void stdio_relay_done(StdioRelay *r);
