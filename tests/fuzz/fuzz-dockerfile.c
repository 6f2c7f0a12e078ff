/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the Dockerfile parser (a build context is often someone else's), then what the builder
 * does with each instruction's words: variable expansion and the S-expression dump. Errors are fine;
 * crashes, leaks, UB and time growing faster than the input are not. */
#include <stdint.h>
#include <stdlib.h>

#include "dockerfile.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expand_words(const Dockerfile *d) {
        char *env[] = { (char *) "A=a b", (char *) "EMPTY=", NULL };

        for (size_t i = 0; i < d->n_instructions; i++)
                STRV_FOREACH(w, d->instructions[i].argv) {
                        _cleanup_free_ char *word = NULL;
                        _cleanup_strv_free_ char **words = NULL;
                        const char *why = NULL;

                        (void) dockerfile_expand_word(*w, d->escape, env, &word, &why);
                        (void) dockerfile_expand_words(*w, d->escape, env, &words, &why);
                }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(dockerfile_done) Dockerfile d = {};
        _cleanup_free_ char *error = NULL, *dump = NULL;

        log_set_max_level(LOG_CRIT);
        if (dockerfile_parse("Dockerfile", (const char *) data, size, &d, &error) < 0)
                return 0;
        (void) dockerfile_dump(&d, &dump);
        expand_words(&d);
        return 0;
}
