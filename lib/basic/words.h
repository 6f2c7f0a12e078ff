/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Splitting and quoting command lines the way systemd reads ExecStart= and list-valued keys:
 * words separated by whitespace, "double" or 'single' quotes group, C escapes (\n \t \\ \" \xNN \NNN). */

/* Splits s into words. Returns 0, -EINVAL for an unterminated quote or bad escape, -ENOMEM. */
int split_words(const char *s, char ***ret);

/* Returns word quoted so that split_words() (and systemd's ExecStart= parser) give it back unchanged.
 * Specifiers (%) and $VAR are left alone on purpose: systemd expands them when the unit runs. */
char *quote_word(const char *word);
