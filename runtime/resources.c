/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "resources.h"
#include "strv.h"

/* Where each file comes from in config.json, for the errors; raw files are linux.resources.unified. */
static const struct {
        const char *file;
        const char *field;
} origins[] = {
        { "memory.max", "memory limit (linux.resources.memory.limit)" },
        { "memory.low", "memory reservation (linux.resources.memory.reservation)" },
        { "memory.swap.max", "swap limit (linux.resources.memory.swap)" },
        { "pids.max", "process limit (linux.resources.pids.limit)" },
        { "cpu.weight", "CPU weight (linux.resources.cpu.shares)" },
        { "cpu.max", "CPU quota (linux.resources.cpu.quota, period)" },
        { "cpu.max.burst", "CPU burst (linux.resources.cpu.burst)" },
        { "cpu.idle", "CPU idle (linux.resources.cpu.idle)" },
        { "cpuset.cpus", "CPU set (linux.resources.cpu.cpus)" },
        { "cpuset.mems", "memory node set (linux.resources.cpu.mems)" },
        { "io.weight", "block I/O weight (linux.resources.blockIO.weight)" },
        { "io.max", "block I/O limit (linux.resources.blockIO.throttle*)" },
};

static char *origin_of(const char *file) {
        for (size_t i = 0; i < ELEMENTSOF(origins); i++)
                if (streq(origins[i].file, file))
                        return strdup(origins[i].field);
        if (startswith(file, "hugetlb."))
                return strjoin("huge page limit (linux.resources.hugepageLimits) ", file);
        return strjoin("linux.resources.unified.", file);
}

size_t resources_controller_of(const char *file) {
        size_t n = strcspn(file, ".");

        if (file[n] != '.' || (n == strlen("cgroup") && startswith(file, "cgroup.")))
                return 0;
        return n;
}

int resources_apply(const CgroupPaths *cg, char *const *writes) {
        _cleanup_strv_free_ char **enabled = NULL;
        _cleanup_close_ int dir = -EBADF;
        int r;

        if (strv_length(writes) == 0)
                return 0;
        /* The controllers first, all of them, so a missing one fails before any file is written. */
        STRV_FOREACH(w, writes) {
                _cleanup_free_ char *controller = NULL, *file = NULL, *why = NULL;
                size_t n = resources_controller_of(*w);

                if (n == 0)
                        continue;
                controller = strndup(*w, n);
                file = strndup(*w, strcspn(*w, "="));
                if (!controller || !file)
                        return log_oom();
                if (strv_contains(enabled, controller))
                        continue;
                why = origin_of(file);
                if (!why)
                        return log_oom();
                r = cgroup_enable_controller(cg, controller, why);
                if (r < 0)
                        return r;
                if (strv_consume(&enabled, TAKE_PTR(controller)) < 0)
                        return log_oom();
        }

        dir = open(cg->payload, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return log_error_errno(negative_errno(), "Failed to open cgroup %s: %m", cg->payload);
        STRV_FOREACH(w, writes) {
                _cleanup_free_ char *file = strndup(*w, strcspn(*w, "=")), *why = NULL;
                const char *value = *w + strcspn(*w, "=") + ((*w)[strcspn(*w, "=")] ? 1 : 0);
                _cleanup_close_ int fd = -EBADF;
                ssize_t l = (ssize_t) strlen(value);

                if (!file)
                        return log_oom();
                /* No symlinks and nothing but a plain name: the key came from config.json. */
                fd = openat(dir, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0 || write(fd, value, (size_t) l) != l) {
                        r = negative_errno();
                        why = origin_of(file);
                        if (r == -ENOENT)
                                return log_error_errno(r,
                                                "%s: cgroup %s has no file %s (not a cgroup v2 interface "
                                                "file this kernel has).",
                                                why ?: file, cg->payload, file);
                        return log_error_errno(r, "%s: failed to write \"%s\" to %s/%s: %m", why ?: file, value,
                                        cg->payload, file);
                }
                log_debug("%s/%s: %s", cg->payload, file, value);
        }
        return 0;
}
