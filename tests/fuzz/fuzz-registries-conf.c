/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: registries.conf (the containers-registries.conf(5) subset berth reads), then a
 * lookup through what was read. Errors are fine; crashes, leaks and UB are not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "registry-conf.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RegistriesConf conf = {};
        char path[64];
        int fd;

        log_set_max_level(LOG_CRIT);
        /* The parser reads a path: a memfd keeps the fuzzer off the disk. */
        fd = memfd_create("registries.conf", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (write(fd, data, size) == (ssize_t) size) {
                (void) snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
                _cleanup_free_ char *error = NULL;
                int r = registries_conf_load_file(&conf, path, &error);
                if (r < 0 && r != -ENOMEM && !error)
                        abort(); /* every refusal says why */
                if (r >= 0) {
                        char **candidates = NULL;
                        if (registries_conf_candidates(&conf, "busybox", &candidates, NULL) >= 0)
                                strv_free(candidates);
                }
                registries_conf_done(&conf);
        }
        close(fd);
        return 0;
}
