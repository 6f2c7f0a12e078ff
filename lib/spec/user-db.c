/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"
#include "strv.h"
#include "user-db.h"

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

static int fail(int r, char **ret_error, const char *what, const char *name, const char *file) {
        if (ret_error && asprintf(ret_error, "%s '%s' does not exist in %s", what, name, file) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return r;
}

int user_resolve(const char *spec, char *const *extra_groups, FILE *passwd, FILE *group, UserIds *ret, char **ret_error) {
        _cleanup_free_ char *user = NULL, *home = NULL, *name = NULL;
        _cleanup_(user_ids_done) UserIds u = {};
        const char *grp = NULL;
        PasswdEntry pw = {};
        unsigned id;
        int r;

        if (ret_error)
                *ret_error = NULL;
        user = strdup(isempty(spec) ? "0" : spec);
        if (!user)
                return -ENOMEM;
        char *colon = strchr(user, ':');
        if (colon) {
                *colon = 0;
                grp = colon + 1;
        }
        if (isempty(user)) {
                if (ret_error && asprintf(ret_error, "invalid user '%s': the user part is empty", spec) < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return -EINVAL;
        }

        if (parse_id(user, &id) >= 0) {
                /* A number needs no passwd entry; docker then uses gid 0 and HOME=/. */
                u.uid = id;
                u.gid = 0;
                r = passwd_find(passwd, NULL, id, &pw);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0) {
                        u.gid = pw.gid;
                        name = pw.name;
                        home = pw.home;
                }
        } else {
                r = passwd_find(passwd, user, 0, &pw);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(-ESRCH, ret_error, "user", user, "/etc/passwd");
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
                        return fail(-ESRCH, ret_error, "group", grp, "/etc/group");
        }

        /* Like login: the primary group first, then every group listing the user, then the extra ones. */
        if (groups_add(&u, u.gid) < 0 || groups_of_member(group, name, &u) < 0)
                return -ENOMEM;
        STRV_FOREACH(g, extra_groups) {
                if (parse_id(*g, &id) < 0 && group_find(group, *g, &id) < 0)
                        return fail(-ESRCH, ret_error, "group", *g, "/etc/group");
                if (groups_add(&u, id) < 0)
                        return -ENOMEM;
        }

        u.home = home && path_is_absolute(home) ? TAKE_PTR(home) : strdup("/");
        if (!u.home)
                return -ENOMEM;
        *ret = u;
        u = (UserIds) {};
        return 0;
}

FILE *user_db_open_in_root(int root_fd, const char *path) {
        struct open_how how = {
                .flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        struct stat st;
        FILE *f;
        int fd;

        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                int e = S_ISREG(st.st_mode) ? errno : EINVAL;
                close(fd);
                errno = e;
                return NULL;
        }
        f = fdopen(fd, "r");
        if (!f)
                close(fd);
        return f;
}
