/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the per-type converters (unit-container.c, unit-volume.c, ...) share. A type is a row in the
 * table in unit-convert.c: its extension, its section, the suffix of its service name, and a convert
 * function that fills ConvertContext.out from ConvertContext.in. Adding .build or .compose later is one
 * new file and one new row. */

#include "unit-generator.h"

typedef struct ConvertContext {
        const DefinitionSet *set;
        const Definition *def;
        const UnitFile *in; /* the definition, drop-ins merged */
        UnitFile *out;      /* the unit being written */
        char **links;       /* install symlinks: path, target, ... */
        char *error;        /* the first error, already "FILE:LINE: Key=: ..." */
        char **private_env; /* the container's environment, for the unit's private file (not its text) */
} ConvertContext;

struct UnitType {
        const char *extension;      /* "container" */
        const char *section;        /* "Container" */
        const char *service_suffix; /* "" for containers, "-volume" for volumes, ... */
        const char *name_key;       /* key that names the resource ("VolumeName"), NULL when special */
        int (*convert)(ConvertContext *c);
};

int convert_container(ConvertContext *c);
int convert_volume(ConvertContext *c);
int convert_network(ConvertContext *c);
int convert_image(ConvertContext *c);
int convert_build(ConvertContext *c);
int convert_pod(ConvertContext *c);

/* Records the first error as "FILE:LINE: Key=: message" and returns -EINVAL (or -ENOMEM). e may be NULL
 * for problems of the whole file. */
int convert_error(ConvertContext *c, const UnitEntry *e, const char *fmt, ...) _printf_(3, 4);
/* The error for a key that is not valid here: "not supported by berth yet" when it is one of the
 * unsupported Quadlet keys, otherwise "unknown key" with the closest supported key as a suggestion. */
int convert_bad_key(ConvertContext *c, const UnitEntry *e, const char *section, char *const *supported,
                const char *const *unsupported);
/* The candidate from the list closest to key by edit distance, if it is close enough; NULL otherwise. */
const char *closest_word(const char *key, char *const *candidates);

/* Resolves a reference to another definition ("x.volume", "x@.volume", "x@i.volume"). expected_ext is
 * the extension the value must have (NULL: any definition type). Returns the unit and resource names
 * (a template instance's names are derived from the template). Errors name the entry. */
int convert_resolve(ConvertContext *c, const UnitEntry *e, const char *value, const char *expected_ext,
                const Definition **ret_def, char **ret_service, char **ret_resource);
/* Adds "dep=service" (Requires or BindsTo, ...) and "After=service" to [Unit]. */
int convert_add_dependency(ConvertContext *c, const char *dep, const char *service);
/* Adds RequiresMountsFor= for an absolute host path. */
int convert_add_mounts_for(ConvertContext *c, const char *path);
/* Makes a relative host path ("./data") absolute against the definition's directory. */
int convert_absolute_path(ConvertContext *c, const char *path, char **ret);
/* Writes key=argv, each word quoted the way systemd's Exec*= parser reads it back. */
int convert_add_exec(ConvertContext *c, const char *key, char *const *argv);
/* The absolute path the unit's private file will have: OUTPUT_DIR/berth-private/SERVICE.env. */
char *convert_private_path(ConvertContext *c);
/* The berth CLI binary followed by args, as an argv. */
int convert_cli_argv(char ***ret, ...);

/* Simple "Key= → --flag" translation used by the resource types. */
typedef enum KeyFlagKind {
        KEY_FLAG_STRING, /* last value: --flag=VALUE */
        KEY_FLAG_SWITCH, /* boolean: --flag when true */
        KEY_FLAG_BOOL,   /* boolean: --flag=true|false */
        KEY_FLAG_LIST,   /* every value: --flag=VALUE (an empty value resets) */
        KEY_FLAG_WORDS,  /* every space-separated word of every value: --flag=WORD */
} KeyFlagKind;

typedef struct KeyFlag {
        const char *key;
        const char *flag; /* with the dashes: "--driver" */
        KeyFlagKind kind;
        const char *prefix; /* put before the value: "--opt=device=" is flag "--opt", prefix "device=" */
} KeyFlag;

/* Appends the flags of every key in table that is set in the type section. */
int convert_key_flags(ConvertContext *c, const KeyFlag *table, size_t n, char ***argv);
/* Checks that every key of the type section is in table or in extra; the error otherwise. */
int convert_check_keys(ConvertContext *c, const KeyFlag *table, size_t n, const char *const *extra,
                const char *const *unsupported);

/* [Service] defaults of the resource types: Type=oneshot, RemainAfterExit=yes, SyslogIdentifier=%N. */
int convert_oneshot_service(ConvertContext *c);
/* The last value of key in the type section, unquoted (NULL when unset). */
char *convert_lookup(ConvertContext *c, const char *key, const UnitEntry **ret_entry);
/* Keys every type accepts and which podman-only keys berth refuses. */
extern const char *const convert_common_keys[];
extern const char *const convert_podman_only_keys[];
