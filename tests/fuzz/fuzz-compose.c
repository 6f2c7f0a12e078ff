/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a compose file through the whole loader of `berth compose config` (YAML, interpolation,
 * extends, profiles, the schema's normalisation, the service order), then printed as compose config
 * prints it. Errors are fine; crashes, leaks, UB and blowups are not. The file lives in a private
 * temporary directory, which is the project directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "compose-project.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/berth-fuzz-compose.XXXXXX";
static char *file;

static void remove_dir(void) {
        (void) unlink(file);
        (void) rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *files[2] = {}, *environ_[] = { (char *) "HOME=/root", (char *) "TAG=1", NULL };
        _cleanup_(compose_project_done) ComposeProject p = {};
        _cleanup_strv_free_ char **order = NULL;
        _cleanup_free_ char *error = NULL;
        FILE *devnull;

        log_set_max_level(LOG_CRIT);
        if (!file) {
                if (!mkdtemp(dir) || !(file = path_join(dir, "compose.yaml")))
                        abort();
                (void) atexit(remove_dir);
        }
        if (write_file_atomic(file, (const char *) data, size, 0600, 0) < 0)
                abort();
        files[0] = file;
        if (compose_project_load(&(ComposeOptions) { .files = files, .project_name = "fuzz", .environ = environ_ }, &p,
                            &error) < 0)
                return 0;
        (void) compose_service_order(&p, &order);
        devnull = fopen("/dev/null", "we");
        if (devnull) {
                (void) yaml_print(p.root, devnull);
                fclose(devnull);
        }
        return 0;
}
