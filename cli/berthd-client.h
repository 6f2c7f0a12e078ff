/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CLI's calls to berthd (org.berth1(5)) for what changes state: containers' lifecycle, run -d,
 * pull, and the image, volume and network verbs. berthd is bus-activated on the system bus and
 * polkit decides for callers other than root. When there is no system bus or org.berth1 cannot be
 * activated (no systemd), root does the work itself through the same lib calls, and anyone else is
 * told berthd is needed. berth also does the work itself, without asking, as berthd's own worker
 * (BERTH_NO_BERTHD=1), as root in a systemd service (INVOCATION_ID: the generator's units, the
 * runtime's pulls), and when the caller moved berth's directories (BERTH_*_DIR, which berthd does
 * not see). */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

/* The environment variable berthd sets for the berth processes it runs itself. */
#define BERTH_NO_BERTHD_ENV "BERTH_NO_BERTHD"

/* What berthd_call() returns when the CLI is to do the work itself. */
#define BERTHD_DO_IT_YOURSELF (-EUNATCH)

/* Calls member on berthd's manager object with the arguments of types, waiting up to timeout_usec
 * (0: sd-bus's default, UINT64_MAX: no limit). *bus is opened on first use (and may be kept for
 * more calls). Returns 0 with *ret_reply (may be NULL), BERTHD_DO_IT_YOURSELF (see above), or a
 * negative errno after logging berthd's one-line error message. */
int berthd_call(sd_bus **bus, const char *member, uint64_t timeout_usec, sd_bus_message **ret_reply, const char *types,
                ...);

/* The same in two steps, for arguments berthd_call()'s types cannot carry (lists): a new call to
 * member (*bus opened on first use), then sending it. */
int berthd_new_call(sd_bus **bus, const char *member, sd_bus_message **ret);
int berthd_call_message(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, sd_bus_message **ret_reply);

/* berthd's PullImage of reference with options ("--NAME=VALUE" of those it accepts): follows the
 * transfer to its end, printing its log lines on stderr as berth pull does (not with quiet), then prints the image's
 * ID. The same returns as berthd_call(). */
int berthd_pull(sd_bus **bus, const char *reference, char *const *options, bool quiet);

/* The options getopt_long() parses from argv (of the verb: argv[0] is its name) again, as
 * "--NAME=VALUE" or "--NAME" by their long names, leaving out those named in skip. -EOPNOTSUPP for
 * an option without a long name. */
int berthd_options_from_argv(const struct option *options, const char *shortopts, int argc, char *argv[],
                char *const *skip, char ***ret);

/* Whether berthd's list_member ("ListVolumes", "ListNetworks") names name: 1, 0, or as berthd_call(). */
int berthd_list_contains(sd_bus **bus, const char *list_member, const char *name);

/* `berth volume|network create [OPTIONS] NAME` (NAME last in argv) as berthd's create_member with the
 * options again as "--NAME=VALUE"; with ignore an existing one is no error (its name printed when
 * print_ignored). Prints the name made. The same returns as berthd_call(); BERTHD_DO_IT_YOURSELF
 * for an option not in accepted (those berthd takes, org.berth1(5)). */
int berthd_create_object(char *const *accepted, const char *list_member, const char *create_member,
                const struct option *options, const char *shortopts, int argc, char *argv[], bool ignore,
                bool print_ignored);
