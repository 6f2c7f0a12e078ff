/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one parser for systemd-style unit and INI files in berth (definitions, drop-ins, configuration).
 *
 * Syntax as systemd reads unit files: "[Section]" headers, "Key=Value" assignments with the
 * whitespace around '=' trimmed, '#' and ';' comment lines, and continuation lines: a line ending in an
 * unescaped backslash continues on the next line, the backslash-newline becoming one space; comment lines
 * inside a continuation are skipped. Every value remembers the file and line it came from, sections and
 * assignments keep their order, and parsing more text into the same UnitFile appends to it, which is how
 * drop-ins merge: the last assignment wins, and an empty assignment resets a list key. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

/* Limits on what is read, so that no file makes a reader slow or large: one logical line (a key, its
 * value and its continuation lines) as systemd's LONG_LINE_MAX, and a whole file. */
#define UNIT_LINE_MAX (1024U * 1024U)
#define UNIT_FILE_MAX (8U * 1024U * 1024U)

typedef struct UnitEntry {
        char *key;
        char *value;
        const char *file; /* points into UnitFile.files; NULL for generated entries */
        unsigned line;    /* line of the key, for a continued value its first line; 0 when generated */
} UnitEntry;

typedef struct UnitSection {
        char *name;
        UnitEntry *entries;
        size_t n_entries;
} UnitSection;

typedef struct UnitFile {
        char **files; /* every file parsed into this one, in order: the main file, then drop-ins */
        UnitSection *sections;
        size_t n_sections;
} UnitFile;

UnitFile *unit_file_new(void);
UnitFile *unit_file_free(UnitFile *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitFile *, unit_file_free);
#define _cleanup_unit_file_free_ _cleanup_(unit_file_freep)

/* Parses text (size bytes, need not be NUL-terminated) named filename into u. On a syntax error returns
 * -EBADMSG and sets *ret_error to "FILENAME:LINE: what is wrong" (u then holds what came before it).
 * Returns -ENOMEM on allocation failure. Does not log. */
int unit_file_parse(UnitFile *u, const char *filename, const char *text, size_t size, char **ret_error);
/* Reads and parses a file; a read failure gives "PATH: cannot read: <reason>" in *ret_error. Only a
 * regular file (or /dev/null) is read, without blocking, up to UNIT_FILE_MAX. */
int unit_file_load(UnitFile *u, const char *path, char **ret_error);

UnitSection *unit_file_find_section(const UnitFile *u, const char *name);
/* Returns the section, appending an empty one when missing; NULL on OOM. */
UnitSection *unit_file_ensure_section(UnitFile *u, const char *name);
/* Appends an assignment; file must be NULL or one of u->files. */
int unit_section_append(UnitSection *s, const char *key, const char *value, const char *file, unsigned line);
int unit_file_append(UnitFile *u, const char *section, const char *key, const char *value);
/* Inserts an assignment in front of all others in the section. */
int unit_file_prepend(UnitFile *u, const char *section, const char *key, const char *value);
/* Appends the assignment only when the key is not set in the section yet. */
int unit_file_append_default(UnitFile *u, const char *section, const char *key, const char *value);

/* The last assignment of key in section, or NULL. An empty assignment is returned as such. */
const UnitEntry *unit_file_lookup_last(const UnitFile *u, const char *section, const char *key);
/* The assignments of a list key that count: those after the last empty assignment, empty ones skipped.
 * *ret is a NULL-terminated array (free() it, not the entries); returns the count or -ENOMEM. */
int unit_file_lookup_list(const UnitFile *u, const char *section, const char *key, const UnitEntry ***ret);

/* Writes the sections back in unit syntax, one blank line between sections. */
int unit_file_serialize(const UnitFile *u, FILE *f);

/* Returns a copy of v without one pair of surrounding double quotes, as Quadlet reads single values. */
char *unit_value_unquote(const char *v);
/* "FILE:LINE" (or "FILE" when the line is unknown) for messages about an entry; NULL on OOM. */
char *unit_entry_location(const UnitEntry *e);
