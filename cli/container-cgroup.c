/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-cgroup.h"
#include "fs-util.h"

static const char *cgroup2_mount(void) {
        if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
                return "/sys/fs/cgroup";
        if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
                return "/sys/fs/cgroup/unified";
        return NULL;
}

int container_cgroup_dir(sd_bus *bus, const ContainerRef *c, char **ret) {
        _cleanup_free_ char *cgroup = NULL;
        const char *mount = cgroup2_mount();
        int r;

        if (!mount)
                return -EOPNOTSUPP;
        if (!c->unit_path)
                return -ENOENT;
        r = systemd_unit_get_string(bus, c->unit_path, "org.freedesktop.systemd1.Service", "ControlGroup", &cgroup);
        if (r < 0)
                return r;
        if (isempty(cgroup))
                return -ENOENT;
        *ret = strjoin(mount, cgroup);
        return *ret ? 0 : -ENOMEM;
}

static int pid_compare(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

static int collect_pids(const char *dir, pid_t **pids, size_t *n) {
        _cleanup_free_ char *procs = path_join(dir, "cgroup.procs"), *text = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        if (!procs)
                return -ENOMEM;
        r = read_full_file(procs, &text, NULL);
        if (r == -ENOENT)
                return 0; /* removed meanwhile */
        if (r < 0)
                return r;
        for (char *p = text, *end; *p; p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                pid_t *grown = realloc(*pids, (*n + 1) * sizeof(pid_t));
                if (!grown)
                        return -ENOMEM;
                *pids = grown;
                (*pids)[(*n)++] = (pid_t) v;
        }
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                sub = path_join(dir, de->d_name);
                if (!sub)
                        return -ENOMEM;
                r = collect_pids(sub, pids, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_pids_recursive(const char *dir, pid_t **ret, size_t *ret_n) {
        pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = collect_pids(dir, &pids, &n);
        if (r < 0) {
                free(pids);
                return r;
        }
        if (n > 1)
                qsort(pids, n, sizeof(pid_t), pid_compare);
        *ret = pids;
        *ret_n = n;
        return 0;
}

int cgroup_read_u64(const char *dir, const char *file, const char *key, uint64_t *ret) {
        _cleanup_free_ char *path = path_join(dir, file), *text = NULL;
        const char *v = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        if (!key)
                v = text;
        else
                for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                        size_t k = strlen(key);
                        if (strncmp(line, key, k) == 0 && line[k] == ' ') {
                                v = line + k + 1;
                                break;
                        }
                }
        if (!v)
                return -ENOENT;
        if (strncmp(v, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v)
                return -EINVAL;
        *ret = x;
        return 0;
}
