/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>

#include "macro.h"
#include "run-stdio.h"

int run_stdio_wait(sd_event *event, StdioRelay *relay, const bool *ended) {
        StdioRelay none = {};
        int r;

        if (!relay)
                relay = &none;
        for (;;) {
                struct pollfd p[1 + STDIO_RELAY_POLLFDS];

                /* everything that is ready, including D-Bus messages sd-bus has queued already */
                while ((r = sd_event_run(event, 0)) > 0)
                        ;
                if (r < 0)
                        return r;
                if (*ended)
                        return 0;
                p[0] = (struct pollfd) { .fd = sd_event_get_fd(event), .events = POLLIN };
                stdio_relay_pollfds(relay, p + 1);
                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                stdio_relay_dispatch(relay, p + 1);
        }
}
