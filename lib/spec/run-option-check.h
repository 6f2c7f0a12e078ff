/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What each option of the shared table (run-options.h) accepts. run_option_apply() checks every value
 * here before it sets anything, so the generator and `berth check` (when a file is read), `berth run`
 * (when a flag is read) and berth-runtime (when its command line is read) take and refuse the same
 * values. Each check is the parser that later uses the value (parse-util.h, signal-name.h, ...).
 * Keyed by option name, beside the table, so the table's rows stay one line each. */

#include "run-options.h"

/* Checks one value of o (one word of a WORDS option). 0, -EINVAL for a value o does not take, -ENOMEM.
 * An option without a check takes anything. */
int run_option_check(const RunOption *o, const char *value);
/* What o takes, for an error message ("a duration such as 30s, ..."); NULL when it has no check. */
const char *run_option_expected(const RunOption *o);
