/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth run in the foreground: waits for the unit to end while relaying the container's standard
 * fds (lib/stdio-relay.h). sd-event cannot do the relaying itself: epoll refuses regular files, and
 * our stdout is often one (`berth run ... > log`). So one poll() covers the event loop's fd and the
 * relay's fds, and the event loop runs whenever its fd is ready. */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "stdio-relay.h"

/* Runs event until *ended is true (set by one of its handlers); relay may be NULL. */
int run_stdio_wait(sd_event *event, StdioRelay *relay, const bool *ended);
