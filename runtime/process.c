/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fs-util.h"
#include "log.h"
#include "process.h"

void user_ids_done(UserIds *u) {
        free(u->groups);
        free(u->home);
        u->groups = NULL;
        u->home = NULL;
        u->n_groups = 0;
}

/* Strict decimal id: no sign, no spaces, no trailing junk, below (uid_t) -1 (CVE-2026-30892 was a
 * lax parser). */
static int parse_id(const char *s, unsigned *ret) {
        unsigned long v;
        char *end;

        if (isempty(s) || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end != 0 || v >= UINT_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* Splits a colon-separated line into at most n fields, in place. Returns the count found. */
static size_t split_colon(char *line, char **fields, size_t n) {
        size_t i = 0;

        line[strcspn(line, "\n")] = 0;
        while (i < n) {
                fields[i++] = line;
                line = strchr(line, ':');
                if (!line)
                        break;
                *line++ = 0;
        }
        return i;
}

typedef struct PasswdEntry {
        char *name;
        unsigned uid, gid;
        char *home;
} PasswdEntry;

/* Finds a passwd entry by name (or by number when name is NULL), -ENOENT when absent. */
static int passwd_find(FILE *f, const char *name, unsigned uid, PasswdEntry *ret) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return -ENOENT;
        rewind(f);
        while (getline(&line, &size, f) >= 0) {
                char *fld[7];
                unsigned u, g;

                if (split_colon(line, fld, 7) < 7 || parse_id(fld[2], &u) < 0 || parse_id(fld[3], &g) < 0)
                        continue;
                if (name ? !streq(fld[0], name) : u != uid)
                        continue;
                ret->name = strdup(fld[0]);
                ret->home = strdup(fld[5]);
                if (!ret->name || !ret->home) {
                        free(ret->name);
                        free(ret->home);
                        return -ENOMEM;
                }
                ret->uid = u;
                ret->gid = g;
                return 0;
        }
        return -ENOENT;
}

static int group_find(FILE *f, const char *name, unsigned *ret) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return -ENOENT;
        rewind(f);
        while (getline(&line, &size, f) >= 0) {
                char *fld[4];
                unsigned g;
                if (split_colon(line, fld, 4) < 3 || parse_id(fld[2], &g) < 0)
                        continue;
                if (streq(fld[0], name)) {
                        *ret = g;
                        return 0;
                }
        }
        return -ENOENT;
}

static int groups_add(UserIds *u, gid_t g) {
        gid_t *n;

        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return 0;
        n = realloc(u->groups, sizeof(gid_t) * (u->n_groups + 1));
        if (!n)
                return -ENOMEM;
        u->groups = n;
        u->groups[u->n_groups++] = g;
        return 0;
}

/* Every group in /etc/group that lists user as a member. */
static int groups_of_member(FILE *f, const char *user, UserIds *u) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f || !user)
                return 0;
        rewind(f);
        while (getline(&line, &size, f) >= 0) {
                char *fld[4], *save = NULL;
                unsigned g;
                if (split_colon(line, fld, 4) < 4 || parse_id(fld[2], &g) < 0)
                        continue;
                for (char *m = strtok_r(fld[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
                        if (streq(m, user) && groups_add(u, g) < 0)
                                return -ENOMEM;
        }
        return 0;
}

int user_resolve(const char *spec, char *const *group_add, FILE *passwd, FILE *group, UserIds *ret) {
        _cleanup_free_ char *user = NULL, *home = NULL, *name = NULL;
        _cleanup_(user_ids_done) UserIds u = {};
        const char *grp = NULL;
        PasswdEntry pw = {};
        unsigned id;
        int r;

        user = strdup(isempty(spec) ? "0" : spec);
        if (!user)
                return log_oom();
        char *colon = strchr(user, ':');
        if (colon) {
                *colon = 0;
                grp = colon + 1;
        }
        if (isempty(user))
                return log_error_errno(-EINVAL, "Invalid user '%s': the user part is empty.", spec);

        if (parse_id(user, &id) >= 0) {
                /* A number needs no passwd entry; docker then uses gid 0 and HOME=/. */
                u.uid = id;
                u.gid = 0;
                if (passwd_find(passwd, NULL, id, &pw) >= 0) {
                        u.gid = pw.gid;
                        name = pw.name;
                        home = pw.home;
                }
        } else {
                r = passwd_find(passwd, user, 0, &pw);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(-ESRCH, "User '%s' does not exist in the container's /etc/passwd.",
                                        user);
                u.uid = pw.uid;
                u.gid = pw.gid;
                name = pw.name;
                home = pw.home;
        }

        if (grp) {
                if (parse_id(grp, &id) >= 0)
                        u.gid = id;
                else if (group_find(group, grp, &id) >= 0)
                        u.gid = id;
                else
                        return log_error_errno(-ESRCH, "Group '%s' does not exist in the container's /etc/group.",
                                        grp);
        }

        /* Like login: the primary group first, then every group listing the user, then --group-add. */
        if (groups_add(&u, u.gid) < 0 || groups_of_member(group, name, &u) < 0)
                return log_oom();
        STRV_FOREACH(g, group_add) {
                if (parse_id(*g, &id) < 0 && group_find(group, *g, &id) < 0)
                        return log_error_errno(-ESRCH, "--group-add: group '%s' does not exist in the container.",
                                        *g);
                if (groups_add(&u, id) < 0)
                        return log_oom();
        }

        u.home = home && path_is_absolute(home) ? TAKE_PTR(home) : strdup("/");
        if (!u.home)
                return log_oom();
        *ret = u;
        u = (UserIds) {};
        return 0;
}

int safe_chdir(const char *dir, uid_t uid, gid_t gid) {
        char cwd[PATH_MAX];
        int r;

        if (!path_is_absolute(dir))
                return log_error_errno(-EINVAL, "Working directory '%s' is not absolute.", dir);
        if (chdir(dir) < 0) {
                if (errno != ENOENT)
                        return log_error_errno(negative_errno(), "Failed to enter working directory %s: %m", dir);
                r = mkdir_p(dir, 0755);
                if (r < 0)
                        return log_error_errno(r, "Failed to create working directory %s: %m", dir);
                /* docker makes a missing WORKDIR owned by the container user. */
                (void) chown(dir, uid, gid);
                if (chdir(dir) < 0)
                        return log_error_errno(negative_errno(), "Failed to enter working directory %s: %m", dir);
        }
        if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/')
                return log_error_errno(-EPERM, "Working directory %s is outside the container root; refusing.", dir);
        return 0;
}

int find_executable(const char *argv0, char *const *env, char **ret) {
        const char *path = env_get(env, "PATH");
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;
        int last = -ENOENT;

        if (strchr(argv0, '/')) {
                *ret = strdup(argv0);
                return *ret ? 0 : -ENOMEM;
        }
        copy = strdup(isempty(path) ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : path);
        if (!copy)
                return -ENOMEM;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *p = path_join(d, argv0);
                struct stat st;
                if (!p)
                        return -ENOMEM;
                if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (access(p, X_OK) < 0) {
                        last = -EACCES;
                        continue;
                }
                *ret = TAKE_PTR(p);
                return 0;
        }
        return last;
}
