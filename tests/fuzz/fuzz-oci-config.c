/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a bundle's config.json through berth-runtime's whole oci_config_load (the OCI runtime
 * command line's input: process, root, mounts, namespaces, resources, devices, hooks, seccomp, ...).
 * It checks and records only, so it runs as is; errors are fine, crashes, leaks and UB are not. The
 * file is written into a private temporary bundle directory.
 * fuzz-sources: lib/store lib/sys runtime
 * fuzz-exclude: runtime/main.c
 * fuzz-libs: libarchive libcurl libseccomp libnl-route-3.0 libnftables */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../runtime/container.h"
#include "../../runtime/oci-config.h"
#include "fs-util.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char bundle[] = "/tmp/berth-fuzz-oci.XXXXXX";
static char *file;

static void remove_bundle(void) {
        (void) unlink(file);
        (void) rmdir(bundle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(container_done) Container c = { .created_fd = -EBADF,
                .console_socket = -EBADF,
                .lock_fd = -EBADF,
                .init_program_fd = -EBADF,
                .process.umask = 0022 };

        log_set_max_level(LOG_CRIT);
        if (!file) {
                if (!mkdtemp(bundle) || !(file = path_join(bundle, "config.json")))
                        abort();
                (void) atexit(remove_bundle);
        }
        if (write_file_atomic(file, (const char *) data, size, 0600, 0) < 0)
                abort();
        (void) oci_config_load(&c, bundle);
        return 0;
}
