/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The shared option vocabulary. Each entry ties together
 *   - the long option of berth-runtime and `berth run` (docker's and podman's flag names),
 *   - the key in a .container file (Quadlet's key names),
 *   - the ContainerSpec field it sets,
 *   - or, for resource limits, the systemd unit property that enforces it.
 * The generator, the CLI and the runtime all parse and print options through this table. */

#include <stddef.h>

#include "container-spec.h"
#include "parse-util.h"

typedef enum RunOptionKind {
        RUN_OPTION_STRING,        /* last one wins */
        RUN_OPTION_BOOL,          /* --flag, --flag=true|false */
        RUN_OPTION_LIST,          /* repeatable; an empty value clears earlier ones */
        RUN_OPTION_WORDS,         /* like LIST, but a key's value is split at spaces (AddCapability=a b) */
        RUN_OPTION_ARGV,          /* a command line (Entrypoint=); sets a strv */
        RUN_OPTION_UNIT_PROPERTY, /* not a runtime option: becomes a systemd property, e.g. MemoryMax= */
} RunOptionKind;

typedef struct RunOption {
        const char *name; /* long option without "--" */
        char short_name;  /* docker's short flag for `berth run`, or 0 */
        const char *key;  /* .container key, or NULL when there is none */
        RunOptionKind kind;
        size_t offset;             /* offsetof(ContainerSpec, field) */
        const char *unit_property; /* for RUN_OPTION_UNIT_PROPERTY */
        const char *help;
} RunOption;

extern const RunOption run_options[];
extern const size_t run_options_count;

const RunOption *run_option_by_name(const char *name);
const RunOption *run_option_by_short(char c);
const RunOption *run_option_by_key(const char *key);

/* Applies one value to the spec as the option defines. value may be NULL for a bare boolean flag.
 * Returns -EINVAL for a value the option does not accept (a bad boolean, or one run_option_check()
 * refuses), and then leaves the spec as it was. */
int run_option_apply(const RunOption *o, ContainerSpec *spec, const char *value);

/* Parses "--opt=value", "--opt value", "-e value" style options from argv, stopping at the first
 * positional argument (the image) like docker run. Sets *ret_index to that argument.
 * Unknown options give -EINVAL after logging which one. */
int run_options_parse_argv(ContainerSpec *spec, int argc, char *const *argv, int *ret_index);

/* Appends the spec back as "--opt=value" arguments (the inverse of run_options_parse_argv), in the
 * fixed order of the table. Unit properties are skipped. */
int run_options_to_argv(const ContainerSpec *spec, char ***argv);
/* Appends the unit properties back as the options that set them ("MemoryMax=64M" as "--memory=64M"),
 * so that with run_options_to_argv() the options give the same spec again. -EINVAL for a property no
 * option sets. */
int run_options_unit_properties_to_argv(const ContainerSpec *spec, char ***argv);
