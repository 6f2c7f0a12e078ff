/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container-spec.h"
#include "run-options.h"

void container_spec_init(ContainerSpec *spec) {
        *spec = (ContainerSpec) {
                .no_new_privileges = true,
        };
}

void container_spec_done(ContainerSpec *spec) {
        /* Every string and list field is reachable through the option table, plus the positional ones. */
        for (size_t i = 0; i < run_options_count; i++) {
                const RunOption *o = &run_options[i];
                void *field = (char *) spec + o->offset;
                switch (o->kind) {
                case RUN_OPTION_STRING:
                        free(*(char **) field);
                        *(char **) field = NULL;
                        break;
                case RUN_OPTION_LIST:
                case RUN_OPTION_WORDS:
                case RUN_OPTION_ARGV:
                case RUN_OPTION_UNIT_PROPERTY:
                        *(char ***) field = strv_free(*(char ***) field);
                        break;
                case RUN_OPTION_BOOL:
                        break;
                }
        }
        free(spec->image);
        strv_free(spec->command);
        container_spec_init(spec);
}
