/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The commands of the transient units berth starts for what a user typed (`berth run`, and compose's
 * services later), as StartTransientUnit properties. What was typed must reach the container as typed,
 * as with docker: systemd expands no specifiers in a command given over D-Bus, and the ExecStartEx=
 * flag "no-env-expand" (ExecStart's ':' prefix) keeps it from replacing $VAR and ${VAR}. A definition
 * file's Exec= is different: it keeps systemd's meaning, as in Quadlet (berth.container(5)). */

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* Appends the property NAME ("ExecStart", "ExecStopPost") as NAMEEx=argv with no-env-expand, plus
 * ignore-failure (the '-' prefix) when ignore_failure. */
int unit_append_exec_literal(sd_bus_message *m, const char *name, char *const *argv, bool ignore_failure);
