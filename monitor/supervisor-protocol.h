/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What berth-runtime and berth-runtime-monitor (static, libc only) must agree on; included by both,
 * so each rule has one copy: the notify proxy's whitelist, and the exit codes of
 * `berth-runtime health-run`, which the monitor runs for every health check. */

#include <stdbool.h>
#include <string.h>

/* berth-runtime health-run: the check ran and the container's health did not change, changed to
 * healthy or changed to unhealthy (the helper has logged it and rewritten state.json). Any other
 * status: the check could not be run (not counted). */
#define HEALTH_RUN_UNCHANGED 0
#define HEALTH_RUN_HEALTHY   10
#define HEALTH_RUN_UNHEALTHY 11

/* --notify=true: the assignments the payload may send to systemd. MAINPID, FDSTORE, NOTIFYACCESS and
 * the like never pass: the payload must not steer the unit. */
static inline bool notify_line_allowed(const char *line, size_t len) {
        static const char *const exact[] = {
                "READY=1",
                "RELOADING=1",
                "STOPPING=1",
                "WATCHDOG=1",
                "WATCHDOG=trigger",
        };
        static const char *const prefixes[] = {
                "STATUS=",
                "ERRNO=",
                "BUSERROR=",
                "EXTEND_TIMEOUT_USEC=",
                "MONOTONIC_USEC=",
        };

        for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
                if (len == strlen(exact[i]) && memcmp(line, exact[i], len) == 0)
                        return true;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
                if (len >= strlen(prefixes[i]) && memcmp(line, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

/* Keeps the allowed lines of the n bytes at buf, each followed by "\n", in place; returns their
 * length (0: nothing to forward), at most n + 1: buf must have room for n + 1 bytes. A NUL in a line
 * makes it refused. */
static inline size_t notify_filter_in_place(char *buf, size_t n) {
        size_t out = 0, start = 0;

        while (start < n) {
                const char *nl = memchr(buf + start, '\n', n - start);
                size_t len = nl ? (size_t) (nl - (buf + start)) : n - start;

                if (len > 0 && !memchr(buf + start, 0, len) && notify_line_allowed(buf + start, len)) {
                        memmove(buf + out, buf + start, len);
                        out += len;
                        buf[out++] = '\n';
                }
                start += len + 1;
        }
        return out;
}
