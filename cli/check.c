/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth check FILE...: validates definition files with the generator's own code, so it reports exactly
 * what berth-generator would, with the same messages and exit status. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "compose-definition.h"
#include "log.h"
#include "strv.h"
#include "unit-generator.h"

/* A compose project (NAME.compose or a compose/PROJECT directory), converted as the generator does. */
static int check_compose(const char *path, bool user) {
        _cleanup_(compose_units_done) ComposeUnits units = {};
        _cleanup_free_ char *error = NULL;
        int r = compose_declaration_units(path, NULL, user, &units, &error);

        if (r == -EINVAL)
                return log_error_errno(r, "%s", error);
        if (r < 0)
                return log_error_errno(r, "Failed to check %s: %m", path);
        printf("%s: OK (%s)\n", path, units.target);
        return 0;
}

/* Every definition and compose project berth-generator would read, found as it finds them. */
static int check_search_path(bool user) {
        _cleanup_(definition_set_done) DefinitionSet set = {};
        _cleanup_strv_free_ char **roots = NULL, **projects = NULL;
        bool failed = false;
        int r;

        r = unit_search_path(user, &roots);
        if (r >= 0)
                r = definition_set_scan(&set, roots, user);
        if (r >= 0)
                r = definition_set_load(&set);
        if (r >= 0)
                r = compose_declarations_find(roots, &projects);
        if (r < 0)
                return log_error_errno(r, "Failed to read definitions: %m");
        if (set.n_defs == 0 && !projects) {
                _cleanup_free_ char *joined = strv_join(roots, ":");
                printf("No definitions in %s.\n", joined ?: "the search path");
                return 0;
        }
        for (size_t i = 0; i < set.n_defs; i++) {
                GeneratedUnit u = {};
                r = definition_generate(&set, &set.defs[i], &u);
                if (r == -EINVAL) {
                        log_error("%s", set.defs[i].error);
                        failed = true;
                } else if (r < 0) {
                        generated_unit_done(&u);
                        return log_error_errno(r, "Failed to check %s: %m", set.defs[i].path);
                } else
                        printf("%s: OK (%s)\n", set.defs[i].path, u.name);
                generated_unit_done(&u);
        }
        STRV_FOREACH(path, projects)
                failed = check_compose(*path, user) < 0 || failed;
        return failed ? -EINVAL : 0;
}

int verb_check(int argc, char *argv[]) {
        static const struct option options[] = {
                { "user", no_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(definition_set_done) DefinitionSet set = {};
        bool user = false, failed = false;
        size_t n_given;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'u':
                        user = true;
                        break;
                case 'h':
                        printf("Usage: berth check [--user] [FILE...]\n\n"
                               "Checks .container, .volume, .network, .image, .build, .pod and .compose files (and\n"
                               "compose/PROJECT directories) as berth-generator would convert them, drop-ins next to\n"
                               "them included. Other definitions in the same directories are read so that references\n"
                               "to them resolve. Without FILE, every definition and compose project in the\n"
                               "generator's search path is checked; the exit status is non-zero if any is wrong.\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind >= argc)
                return check_search_path(user);

        for (int i = optind; i < argc; i++) {
                if (compose_declaration_is(argv[i])) {
                        failed = check_compose(argv[i], user) < 0 || failed;
                        continue;
                }
                r = definition_set_add_file(&set, argv[i]);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return r;
        }
        n_given = set.n_defs;
        /* The neighbours, for Network=x.network and the like; the named files come first and win. */
        _cleanup_strv_free_ char **dirs = strv_copy(set.dirs);
        if (!dirs)
                return log_oom();
        set.flat = true;
        r = definition_set_scan(&set, dirs, user);
        if (r >= 0)
                r = definition_set_load(&set);
        if (r < 0)
                return log_error_errno(r, "Failed to read definitions: %m");

        for (size_t i = 0; i < n_given; i++) {
                GeneratedUnit u = {};
                r = definition_generate(&set, &set.defs[i], &u);
                if (r == -EINVAL) {
                        log_error("%s", set.defs[i].error);
                        failed = true;
                } else if (r < 0) {
                        generated_unit_done(&u);
                        return log_error_errno(r, "Failed to check %s: %m", set.defs[i].path);
                } else
                        printf("%s: OK (%s)\n", set.defs[i].path, u.name);
                generated_unit_done(&u);
        }
        return failed ? -EINVAL : 0;
}
