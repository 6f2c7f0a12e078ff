/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Turning definition files (.container, .volume, .network, .image, .build, .pod) into systemd units: the code
 * berth-generator and `berth check` share, so both accept and reject exactly the same files with the
 * same messages.
 *
 *   DefinitionSet set = {};
 *   definition_set_scan(&set, roots, user)     find files (first of a name wins), remember directories
 *   definition_set_load(&set)                  parse files and drop-ins, work out unit and resource names
 *   definition_generate(&set, &set.defs[i], &unit)   one unit (or a unit that fails with the error) */

#include <stdbool.h>

#include "unitfile.h"

/* Where systemd has the system manager's generators write their units (the "normal" directory). */
#define SYSTEM_GENERATOR_DIR "/run/systemd/generator"

typedef struct UnitType UnitType;

typedef struct Definition Definition;

struct Definition {
        char *name; /* file name: "web.container", "db@.container", "db@blue.container" */
        char *path; /* the main file */
        char *dir;  /* its directory, for relative paths in values */
        const UnitType *type;
        UnitFile *file;          /* the main file with its drop-ins merged in; NULL if it could not be read */
        char *service_name;      /* "web.service", "data-volume.service", "db@blue.service" */
        char *resource_name;     /* the container, volume, network, pod name or image reference others use */
        char *error;             /* the first problem found: "FILE:LINE: Key=: what is wrong" */
        const Definition *clash; /* another definition that becomes the same service (set by load) */
};

typedef struct DefinitionSet {
        Definition *defs;
        size_t n_defs;
        size_t *by_name;        /* indices of defs sorted by name, for lookups (built by load) */
        char **dirs;            /* every directory walked, highest precedence first: drop-ins are looked up here */
        char **dropin_dirs;     /* every *.d directory the walk passed, sorted: only these are opened */
        bool user;              /* generating for a user's service manager */
        bool flat;              /* scan only the top level of each directory (berth check's neighbours) */
        const char *output_dir; /* where the units go: private files are named by their absolute path
                                 * there; NULL: systemd's generator directory of the scope */
} DefinitionSet;

typedef struct GeneratedUnit {
        char *name;         /* "web.service" */
        char *text;         /* the unit file */
        char **links;       /* pairs: symlink path relative to the output directory, then its target */
        char *private_name; /* a root-only file to write beside the unit (unit-container-env.h), or NULL */
        char *private_data;
        size_t private_size;
} GeneratedUnit;

void definition_set_done(DefinitionSet *set);
void generated_unit_done(GeneratedUnit *g);

/* The directories searched, highest precedence first: BERTH_UNIT_DIRS when set, otherwise the system
 * or user search path (see berth-generator(8)). */
int unit_search_path(bool user, char ***ret);
/* Walks the roots recursively (following symlinks, skipping *.d and, for the system, users/) and adds
 * every definition file whose name was not seen before. Missing roots are fine. */
int definition_set_scan(DefinitionSet *set, char *const *roots, bool user);
/* Adds one named file (for `berth check`); its directory joins the drop-in search. A second file with the
 * same name is an error. */
int definition_set_add_file(DefinitionSet *set, const char *path);
/* Adds a definition made in memory (compose services), taking file; path names it in messages. */
int definition_set_add_memory(DefinitionSet *set, const char *name, const char *path, const char *dir, UnitFile *file);
/* Parses every definition and its drop-ins and names the units. Problems are stored per definition. */
int definition_set_load(DefinitionSet *set);

/* Converts one definition. On success returns 0. When the definition is broken returns -EINVAL with
 * def->error set, and *ret still holds a unit of the same name that fails when started and shows the
 * message in `systemctl status`. Other negative errnos are internal failures (OOM). */
int definition_generate(const DefinitionSet *set, Definition *def, GeneratedUnit *ret);

/* Whether systemd accepts name as a unit name (the characters, the length). */
bool unit_name_is_valid(const char *name);

/* Looks a type up by the file name's extension; NULL when it is not a definition file. */
const UnitType *unit_type_from_filename(const char *filename);
