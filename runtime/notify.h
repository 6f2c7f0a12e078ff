/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --notify=true: the payload gets its own sd_notify socket (run_dir/notify/notify.sock, bound into the
 * container at /run/notify) and the supervisor relays a whitelist of its messages to systemd. MAINPID,
 * FDSTORE, NOTIFYACCESS and the like never pass: the payload must not steer the unit. */

#include <stdbool.h>

#define NOTIFY_CONTAINER_DIR    "/run/notify"
#define NOTIFY_CONTAINER_SOCKET "/run/notify/notify.sock"

/* Creates run_dir/notify/notify.sock; returns the socket fd. */
int notify_proxy_open(const char *run_dir);
/* Reads one datagram and forwards its allowed lines. Sets *ready when it carried READY=1. */
int notify_proxy_forward(int fd, bool *ready);
/* Keeps only whitelisted assignments of a notify message; returns a new string (maybe empty). */
char *notify_filter(const char *message);
