/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A container's output in the journal (cli/logs.c), for `berth logs` and `berth attach`. */

#include <stddef.h>
#include <systemd/sd-journal.h>

/* Matches the entries of unit, and of one invocation of it when invocation is not empty. */
int container_journal_add_matches(sd_journal *j, const char *unit, const char *invocation);

/* Prints the value of a MESSAGE= field (as sd_journal_get_data() gives it) as one line on stdout. */
void container_journal_print_message(const void *data, size_t length);
