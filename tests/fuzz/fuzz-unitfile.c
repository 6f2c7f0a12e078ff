/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the unit-file parser, then the whole .container conversion on what it parsed.
 * Neither may crash, leak or read out of bounds whatever the input; errors are fine.
 */
#include <stdint.h>
#include <stdlib.h>

#include "log.h"
#include "unit-generator.h"
#include "unitfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Definition def = {
                .name = (char *) "fuzz.container",
                .path = (char *) "/fuzz/fuzz.container",
                .dir = (char *) "/fuzz",
                .type = unit_type_from_filename("fuzz.container"),
                .service_name = (char *) "fuzz.service",
                .resource_name = (char *) "fuzz",
        };
        size_t by_name[] = { 0 };
        DefinitionSet set = { .defs = &def, .n_defs = 1, .by_name = by_name };
        GeneratedUnit unit = {};
        _cleanup_free_ char *error = NULL;
        int r;

        log_set_max_level(LOG_CRIT); /* the messages are expected; keep the fuzzer's output readable */
        def.file = unit_file_new();
        if (!def.file)
                return 0;
        r = unit_file_parse(def.file, "fuzz.container", (const char *) data, size, &error);
        if (r >= 0) {
                /* The same text as a drop-in: merging must cope with anything already there. */
                r = unit_file_parse(def.file, "fuzz.conf", (const char *) data, size, NULL);
                (void) unit_file_lookup_last(def.file, "Container", "Image");
        }
        def.error = error ? strdup(error) : NULL;
        (void) definition_generate(&set, &def, &unit);
        generated_unit_done(&unit);
        free(def.error);
        unit_file_free(def.file);
        return 0;
}
