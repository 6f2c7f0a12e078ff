/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Signal names as docker and systemd write them: "TERM", "SIGTERM", "sigterm", "RTMIN+3" or a number
 * 1..SIGRTMAX.
 * Returns the signal number or -EINVAL. */
int signal_from_string(const char *s);
