/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The values of the options that become systemd properties of the container's unit (--memory is
 * MemoryMax=, ...): one parser for the generator's unit files, `berth run`'s transient units and the
 * checks when a file or flag is read. */

#include <stdint.h>

/* Parses value for the unit property key (MemoryMax, MemoryHigh, MemorySwapMax, TasksMax, CPUWeight,
 * IOWeight, CPUQuota, and docker's CPUs (--cpus 1.5) and CPUShares (--cpu-shares), which become
 * CPUQuotaPerSecUSec and CPUWeight). Sets *ret_bus_property to the D-Bus property a transient unit takes (CPUQuota=
 * is CPUQuotaPerSecUSec) and *ret to its value. -EINVAL for a bad value, -EOPNOTSUPP for another key. */
int unit_property_parse(const char *key, const char *value, const char **ret_bus_property, uint64_t *ret);
/* Docker's --restart: no, always, unless-stopped (always: a stop is never restarted in systemd either),
 * on-failure[:N]. Sets the systemd Restart= value and the number of restarts allowed (0: no limit).
 * -EINVAL for anything else. unit_property_parse() takes key "Restart" with the same values. */
int unit_property_restart_parse(const char *value, const char **ret_restart, uint64_t *ret_max);
/* The unit-file lines for a checked value: "Key=value", with docker's CPUs and CPUShares turned into
 * CPUQuota=N% and CPUWeight=N, and Restart=on-failure:N into Restart= plus StartLimitBurst= and
 * StartLimitIntervalSec=infinity (two lines, separated by a newline). NULL on OOM or a value unit_property_parse() refuses. */
char *unit_property_unit_line(const char *key, const char *value);
/* What the value of key looks like, for error messages. */
const char *unit_property_expected(const char *key);
