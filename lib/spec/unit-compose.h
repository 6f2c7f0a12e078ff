/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A compose project as units: each service a .container definition made in memory (so it goes through
 * the same converter and unit writer as a .container file), each network and volume a .network and
 * .volume definition, and PROJECT.target that wants them all. Names as docker compose's:
 * PROJECT-SERVICE-1.service running the container PROJECT-SERVICE-1, PROJECT_KEY networks and volumes,
 * the com.docker.compose.* labels. Every unit carries X-ComposeProject=PROJECT in [Unit]. */

#include "compose-project.h"
#include "unit-generator.h"
#include "unitfile.h"

typedef struct ComposeUnits {
        GeneratedUnit *units;
        size_t n_units;
        char *target; /* "PROJECT.target" */
} ComposeUnits;

void compose_units_done(ComposeUnits *u);

/* Converts p. source names the project in SourcePath= (the .compose file or compose.yaml). target_unit
 * supplies [Unit] and [Install] for PROJECT.target (may be NULL). output_dir is where the units go
 * (their private environment files beside them). Errors: -EINVAL with *ret_error. */
int compose_generate_units(const ComposeProject *p, const char *source, const UnitFile *target_unit,
                const char *output_dir, bool user, ComposeUnits *ret, char **ret_error);

/* For a project that could not be loaded or converted: PROJECT.target requiring
 * PROJECT-compose-error.service, a oneshot that prints "berth: ERROR" and fails, so the problem shows in
 * `systemctl status` and at boot instead of the project silently missing. */
int compose_error_units(const char *project, const char *source, const UnitFile *target_unit, const char *error,
                ComposeUnits *ret);
