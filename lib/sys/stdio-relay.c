/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "stdio-relay.h"

/* As much as a default pipe holds: one splice or read per wakeup empties a full pipe. */
#define RELAY_CHUNK ((size_t) 64 * 1024)

static void channel_init(StdioRelayChannel *c) {
        *c = (StdioRelayChannel) { .from = -EBADF, .to = -EBADF };
}

/* Closes our pipe end: end of file for the process's input, EPIPE for its output. */
static void channel_finish(StdioRelayChannel *c) {
        if (c->done)
                return;
        c->done = true;
        if (c->from_ours)
                c->from = safe_close(c->from);
        else
                c->to = safe_close(c->to);
        free(c->buf);
        c->buf = NULL;
        c->start = c->end = 0;
}

static bool channel_pending(const StdioRelayChannel *c) {
        return c->start < c->end;
}

/* Writes what buf holds; 0 when to is full (wait for POLLOUT), < 0 when to takes no more. */
static int channel_flush(StdioRelayChannel *c) {
        while (channel_pending(c)) {
                ssize_t n = write(c->to, c->buf + c->start, c->end - c->start);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                c->wait_writable = true;
                                return 0;
                        }
                        return negative_errno();
                }
                c->start += (size_t) n;
        }
        c->start = c->end = 0;
        return 1;
}

/* One copy step once from is readable: > 0 copied, 0 nothing for now, < 0 the channel ended. */
static int channel_copy(StdioRelayChannel *c) {
        ssize_t n;
        int r;

        if (!c->no_splice) {
                n = splice(c->from, NULL, c->to, NULL, RELAY_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0)
                        return 1;
                if (n == 0) {
                        channel_finish(c);
                        return -EPIPE;
                }
                if (errno == EINTR)
                        return 0;
                if (errno == EAGAIN) {
                        /* from was readable, so to is full (a pipe of ours or a non-blocking one of
                         * the caller's) */
                        c->wait_writable = true;
                        return 0;
                }
                /* EINVAL: an end splice cannot take (a terminal, an O_APPEND file, ...) */
                if (errno != EINVAL && errno != ESPIPE) {
                        r = negative_errno();
                        log_debug_errno(r, "stdio relay: splice() failed: %m");
                        channel_finish(c);
                        return r;
                }
                c->no_splice = true;
        }
        if (!c->buf) {
                c->buf = malloc(RELAY_CHUNK);
                if (!c->buf) {
                        channel_finish(c);
                        return -ENOMEM;
                }
        }
        n = read(c->from, c->buf, RELAY_CHUNK);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                r = n < 0 ? negative_errno() : -EPIPE;
                channel_finish(c);
                return r;
        }
        c->start = 0;
        c->end = (size_t) n;
        r = channel_flush(c);
        if (r < 0)
                channel_finish(c);
        return r;
}

static void channel_dispatch(StdioRelayChannel *c, short revents) {
        if (c->done || revents == 0)
                return;
        if (revents & POLLNVAL) { /* the caller's fd is closed */
                channel_finish(c);
                return;
        }
        if (c->wait_writable || channel_pending(c)) {
                /* to has room (or an error, which the write reports); without pending bytes the
                 * next round waits for from again */
                c->wait_writable = false;
                if (channel_pending(c) && channel_flush(c) < 0)
                        channel_finish(c);
                return;
        }
        (void) channel_copy(c);
}

static struct pollfd channel_pollfd(const StdioRelayChannel *c) {
        if (c->done)
                return (struct pollfd) { .fd = -1 };
        if (c->wait_writable || channel_pending(c))
                return (struct pollfd) { .fd = c->to, .events = POLLOUT };
        return (struct pollfd) { .fd = c->from, .events = POLLIN };
}

static int set_nonblock(int fd) {
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return negative_errno();
        return 0;
}

int stdio_relay_open(StdioRelay *r, bool input) {
        int p[2], k;

        *r = (StdioRelay) { .open = true, .container_fds = { -EBADF, -EBADF, -EBADF } };
        for (size_t i = 0; i < ELEMENTSOF(r->channels); i++)
                channel_init(&r->channels[i]);

        if (input) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        goto fail;
                r->container_fds[0] = p[0];
                r->channels[0].from = STDIN_FILENO;
                r->channels[0].to = p[1];
        } else {
                r->container_fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (r->container_fds[0] < 0)
                        goto fail;
                r->channels[0].done = true;
        }
        for (int i = 1; i < 3; i++) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        goto fail;
                r->container_fds[i] = p[1];
                r->channels[i].from = p[0];
                r->channels[i].from_ours = true;
                r->channels[i].to = i;
        }
        /* Only our ends are non-blocking; the process's ends behave like any pipe it is given. */
        for (int i = 0; i < 3; i++) {
                StdioRelayChannel *c = &r->channels[i];
                if (!c->done && (k = set_nonblock(c->from_ours ? c->from : c->to)) < 0) {
                        errno = -k;
                        goto fail;
                }
        }
        return 0;
fail:
        k = negative_errno();
        stdio_relay_done(r);
        return log_debug_errno(k, "stdio relay: failed to set up the pipes: %m");
}

void stdio_relay_container_fds_close(StdioRelay *r) {
        if (!r->open) /* zero-initialized: the 0s are not ours */
                return;
        for (size_t i = 0; i < ELEMENTSOF(r->container_fds); i++)
                r->container_fds[i] = safe_close(r->container_fds[i]);
}

void stdio_relay_pollfds(const StdioRelay *r, struct pollfd p[STDIO_RELAY_POLLFDS]) {
        for (size_t i = 0; i < STDIO_RELAY_POLLFDS; i++)
                p[i] = r->open ? channel_pollfd(&r->channels[i]) : (struct pollfd) { .fd = -1 };
}

void stdio_relay_dispatch(StdioRelay *r, const struct pollfd p[STDIO_RELAY_POLLFDS]) {
        if (!r->open)
                return;
        for (size_t i = 0; i < STDIO_RELAY_POLLFDS; i++)
                if (p[i].fd >= 0)
                        channel_dispatch(&r->channels[i], p[i].revents);
}

void stdio_relay_drain(StdioRelay *r) {
        if (!r->open)
                return;
        channel_finish(&r->channels[0]);
        for (size_t i = 1; i < ELEMENTSOF(r->channels); i++) {
                StdioRelayChannel *c = &r->channels[i];
                while (!c->done) {
                        struct pollfd p = channel_pollfd(c);
                        /* Waiting only for the caller to take our output: whatever the process
                         * wrote is in the pipe already, and anything else still holding its end
                         * is not waited for. */
                        int n = poll(&p, 1, p.events == POLLOUT ? -1 : 0);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                channel_finish(c);
                                break;
                        }
                        channel_dispatch(c, p.revents);
                }
        }
}

void stdio_relay_done(StdioRelay *r) {
        if (!r->open)
                return;
        stdio_relay_container_fds_close(r);
        for (size_t i = 0; i < ELEMENTSOF(r->channels); i++)
                channel_finish(&r->channels[i]);
        r->open = false;
}
