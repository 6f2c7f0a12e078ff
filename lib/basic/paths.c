/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "paths.h"

#ifndef BERTH_LIBEXECDIR
#define BERTH_LIBEXECDIR "/usr/local/libexec/berth"
#endif
#ifndef BERTH_BINDIR
#define BERTH_BINDIR "/usr/local/bin"
#endif

const char *berth_path(BerthPath which) {
        static const struct {
                const char *env;
                const char *fallback;
        } table[_BERTH_PATH_MAX] = {
                [BERTH_PATH_CONFIG] = { "BERTH_CONFIG_DIR", "/etc/berth" },
                [BERTH_PATH_STATE] = { "BERTH_STATE_DIR", "/var/lib/berth" },
                [BERTH_PATH_STORAGE] = { "BERTH_STORAGE_DIR", "/var/lib/berth/storage" },
                [BERTH_PATH_RUN] = { "BERTH_RUN_DIR", "/run/berth" },
                [BERTH_PATH_RUNTIME_BINARY] = { "BERTH_RUNTIME", BERTH_LIBEXECDIR "/berth-runtime" },
                [BERTH_PATH_CLI_BINARY] = { "BERTH_CLI", BERTH_BINDIR "/berth" },
        };
        const char *e = getenv(table[which].env);

        if (e && *e)
                return e;
        return table[which].fallback;
}
