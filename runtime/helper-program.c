/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "helper-program.h"
#include "log.h"

int own_binary_path(char **ret) {
        char self[4096];
        ssize_t n;

        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0 || (size_t) n >= sizeof self - 1)
                return log_debug_errno(-ENOENT, "Cannot find our own binary.");
        self[n] = 0;
        if (self[0] != '/' || endswith(self, " (deleted)"))
                return -ENOENT;
        *ret = strdup(self);
        return *ret ? 0 : log_oom();
}

int helper_program_path(const char *name, char **ret) {
        _cleanup_free_ char *self = NULL;
        int r;

        r = own_binary_path(&self);
        if (r < 0)
                return r;
        *strrchr(self, '/') = 0;
        *ret = path_join(self, name);
        return *ret ? 0 : log_oom();
}
