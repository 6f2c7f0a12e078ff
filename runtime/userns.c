/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "namespace-spec.h"
#include "namespaces.h"
#include "paths.h"
#include "strv.h"
#include "userns.h"
#include "lock-util.h"

#define FALLBACK_BASE   2000000000ULL
#define FALLBACK_BLOCKS 1024

int subid_ranges(const char *text, const char *user, uint64_t (*ranges)[2], size_t max, size_t *n) {
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line && *n < max; line = strtok_r(NULL, "\n", &save)) {
                char name[256];
                unsigned long long start, count;
                if (sscanf(line, "%255[^:]:%llu:%llu", name, &start, &count) != 3 || !streq(name, user))
                        continue;
                ranges[*n][0] = start;
                ranges[*n][1] = count;
                (*n)++;
        }
        return 0;
}

/* The candidate blocks: from subuid ranges (also present in subgid, same numbers), else the fallback. */
static int candidate_ranges(uint64_t (*ranges)[2], size_t max, size_t *n) {
        _cleanup_free_ char *uids = NULL, *gids = NULL;
        static const char *const users[] = { "berth", "containers" };

        *n = 0;
        if (read_full_file("/etc/subuid", &uids, NULL) >= 0 && read_full_file("/etc/subgid", &gids, NULL) >= 0)
                for (size_t i = 0; i < ELEMENTSOF(users) && *n == 0; i++) {
                        uint64_t g[16][2];
                        size_t ng = 0, nu = 0;
                        (void) subid_ranges(uids, users[i], ranges, max, &nu);
                        (void) subid_ranges(gids, users[i], g, ELEMENTSOF(g), &ng);
                        /* Only ranges valid for both uids and gids. */
                        for (size_t a = 0; a < nu; a++)
                                for (size_t b = 0; b < ng; b++)
                                        if (ranges[a][0] == g[b][0] && *n < max) {
                                                ranges[*n][0] = ranges[a][0];
                                                ranges[*n][1] = MIN(ranges[a][1], g[b][1]);
                                                (*n)++;
                                        }
                }
        if (*n == 0) {
                ranges[0][0] = FALLBACK_BASE;
                ranges[0][1] = (uint64_t) USERNS_SIZE * FALLBACK_BLOCKS;
                *n = 1;
        }
        return 0;
}

static int reserve_block(UserNamespace *u) {
        _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_RUN), "/userns");
        uint64_t ranges[16][2];
        size_t n;
        int r;

        if (!dir)
                return log_oom();
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        (void) candidate_ranges(ranges, ELEMENTSOF(ranges), &n);
        for (size_t i = 0; i < n; i++)
                for (uint64_t b = ranges[i][0]; b + USERNS_SIZE <= ranges[i][0] + ranges[i][1]; b += USERNS_SIZE) {
                        char name[64];
                        int fd;
                        (void) snprintf(name, sizeof name, "%llu.lock", (unsigned long long) b);
                        fd = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0)
                                return log_error_errno(negative_errno(), "Failed to open %s: %m", dir);
                        {
                                int lfd = openat(fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                                safe_close(fd);
                                if (lfd < 0)
                                        return log_error_errno(negative_errno(), "Failed to open %s/%s: %m", dir, name);
                                if (lock_fd(lfd, F_WRLCK, false) < 0) {
                                        safe_close(lfd);
                                        continue;
                                }
                                u->lock_fd = lfd;
                                u->base = (uid_t) b;
                                return 0;
                        }
                }
        return log_error_errno(-EBUSY,
                        "No free block of %u ids for --userns=auto: add ranges for the user 'berth' "
                        "to /etc/subuid and /etc/subgid.",
                        USERNS_SIZE);
}

int userns_map_text(char *const *entries, const char *option, char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t n = 0;

        STRV_FOREACH(e, entries) {
                uint64_t inside, outside, size;
                char line[96];
                _cleanup_free_ char *joined = NULL;

                /* The kernel takes at most 340 lines; ranges must not overlap (it checks that). */
                if (idmap_entry_parse(*e, &inside, &outside, &size) < 0)
                        return log_error_errno(-EINVAL, "--%s=%s: expected " IDMAP_EXPECTED ".", option, *e);
                if (++n > 340)
                        return log_error_errno(-EINVAL, "--%s: more than 340 ranges.", option);
                (void) snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", inside, outside, size);
                joined = strjoin(text ?: "", line);
                if (!joined)
                        return log_oom();
                free(text);
                text = TAKE_PTR(joined);
        }
        if (!text)
                return log_error_errno(-EINVAL, "--%s: no ranges.", option);
        *ret = TAKE_PTR(text);
        return 0;
}

/* The host id the container's 0 maps to, from map text; -ENOENT when 0 is not mapped. */
static int map_host_id_of_zero(const char *text, uid_t *ret) {
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                unsigned long long inside, outside, size;
                if (sscanf(l, "%llu %llu %llu", &inside, &outside, &size) == 3 && inside == 0) {
                        *ret = (uid_t) outside;
                        return 0;
                }
        }
        return -ENOENT;
}

static int write_map_text(pid_t pid, const char *file, const char *text) {
        char path[64];
        _cleanup_close_ int fd = -EBADF;
        size_t l = strlen(text);

        (void) snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, text, l) != (ssize_t) l)
                return log_error_errno(negative_errno(), "Failed to write %s (%s): %m", path, file);
        return 0;
}

/* The host uid of the container's 0 in an existing user namespace: a helper enters it, and its
 * uid_map, read from here, shows our ids. */
static int joined_base(int ns_fd, const char *path, uid_t *ret) {
        _cleanup_free_ char *text = NULL;
        int ready[2], r;
        char map[64], b;
        pid_t helper;

        if (pipe2(ready, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), "pipe2() failed: %m");
        helper = fork();
        if (helper == 0) {
                char x = 1;
                safe_close(ready[0]);
                if (setns(ns_fd, CLONE_NEWUSER) < 0 || write(ready[1], &x, 1) != 1)
                        _exit(1);
                (void) pause(); /* until killed: we only need to be in there while our map is read */
                _exit(0);
        }
        safe_close(ready[1]);
        r = helper < 0 ? log_error_errno(negative_errno(), "fork() failed: %m") : 0;
        if (r >= 0 && read(ready[0], &b, 1) != 1)
                r = log_error_errno(-EIO, "Failed to enter the user namespace %s.", path);
        if (r >= 0) {
                (void) snprintf(map, sizeof map, "/proc/%d/uid_map", (int) helper);
                r = read_full_file(map, &text, NULL);
                if (r < 0)
                        log_error_errno(r, "Failed to read the uid map of the user namespace %s: %m", path);
        }
        safe_close(ready[0]);
        if (helper > 0) {
                (void) kill(helper, SIGKILL);
                (void) waitpid(helper, NULL, 0);
        }
        if (r >= 0 && map_host_id_of_zero(text, ret) < 0)
                r = log_error_errno(-EINVAL, "The user namespace %s does not map uid 0.", path);
        return r;
}

static int userns_join(UserNamespace *u) {
        int r;

        u->ns_fd = namespace_open(u->join_path, CLONE_NEWUSER, NULL);
        if (u->ns_fd < 0) {
                r = namespace_check(u->join_path, CLONE_NEWUSER, "Cannot join the user namespace");
                return r < 0 ? r : log_error_errno(u->ns_fd, "Cannot open %s: %m", u->join_path);
        }
        r = joined_base(u->ns_fd, u->join_path, &u->base);
        if (r < 0)
                u->ns_fd = safe_close(u->ns_fd);
        return r;
}

/* A new user namespace with these maps (text of uid_map and gid_map): a helper process makes it, we
 * write its maps and keep a reference to it. */
static int create_mapped(const char *uid_text, const char *gid_text, int *ret_fd) {
        int ready[2], done[2], r;
        char path[64], b;
        pid_t helper;

        if (pipe2(ready, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), "pipe2() failed: %m");
        if (pipe2(done, O_CLOEXEC) < 0) {
                safe_close(ready[0]);
                safe_close(ready[1]);
                return log_error_errno(negative_errno(), "pipe2() failed: %m");
        }
        helper = fork();
        if (helper == 0) {
                char x = 1;
                safe_close(ready[0]);
                safe_close(done[1]);
                if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], &x, 1) != 1)
                        _exit(1);
                (void) read(done[0], &x, 1);
                _exit(0);
        }
        safe_close(ready[1]);
        safe_close(done[0]);
        r = helper < 0 ? log_error_errno(negative_errno(), "fork() failed: %m") : 0;
        if (r >= 0 && read(ready[0], &b, 1) != 1)
                r = log_error_errno(-EIO, "Failed to create a user namespace.");
        if (r >= 0)
                r = write_map_text(helper, "uid_map", uid_text);
        if (r >= 0)
                r = write_map_text(helper, "gid_map", gid_text);
        if (r >= 0) {
                (void) snprintf(path, sizeof path, "/proc/%d/ns/user", (int) helper);
                *ret_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (*ret_fd < 0)
                        r = log_error_errno(negative_errno(), "Failed to open %s: %m", path);
        }
        safe_close(ready[0]);
        safe_close(done[1]);
        if (helper > 0)
                (void) waitpid(helper, NULL, 0);
        return r;
}

int userns_new(char *const *uid_map, char *const *gid_map, const char *option, int *ret_fd) {
        _cleanup_free_ char *uid_text = NULL, *gid_text = NULL;
        int r;

        r = userns_map_text(uid_map ?: gid_map, option, &uid_text);
        if (r >= 0)
                r = userns_map_text(gid_map ?: uid_map, option, &gid_text);
        if (r < 0)
                return r;
        return create_mapped(uid_text, gid_text, ret_fd);
}

int userns_setup(UserNamespace *u) {
        _cleanup_free_ char *uid_text = NULL, *gid_text = NULL;
        char block[64];
        int r;

        if (u->join_path)
                return userns_join(u);
        if (u->uid_map || u->gid_map) {
                r = userns_map_text(u->uid_map ?: u->gid_map, u->uid_map ? "uidmap" : "gidmap", &uid_text);
                if (r >= 0)
                        r = userns_map_text(u->gid_map ?: u->uid_map, u->gid_map ? "gidmap" : "uidmap", &gid_text);
                if (r < 0)
                        return r;
                if (map_host_id_of_zero(uid_text, &u->base) < 0)
                        return log_error_errno(-EINVAL, "--uidmap: the container's uid 0 must be mapped.");
        } else {
                r = reserve_block(u);
                if (r < 0)
                        return r;
        }
        (void) snprintf(block, sizeof block, "0 %u %u\n", (unsigned) u->base, USERNS_SIZE);
        return create_mapped(uid_text ?: block, gid_text ?: block, &u->ns_fd);
}

void userns_done(UserNamespace *u) {
        u->ns_fd = safe_close(u->ns_fd);
        /* The lock file stays: another container may be about to lock it. */
        u->lock_fd = safe_close(u->lock_fd);
}

int userns_host_id(const UserNamespace *u, bool gid, uint32_t id, uint32_t *ret) {
        char *const *map = gid ? (u->gid_map ?: u->uid_map) : (u->uid_map ?: u->gid_map);

        if (!map) {
                if (id >= USERNS_SIZE)
                        return -ERANGE;
                *ret = (uint32_t) u->base + id;
                return 0;
        }
        STRV_FOREACH(e, map) {
                unsigned long long inside, outside, size;
                if (sscanf(*e, "%llu:%llu:%llu", &inside, &outside, &size) == 3 && id >= inside && id - inside < size) {
                        *ret = (uint32_t) (outside + (id - inside));
                        return 0;
                }
        }
        return -ERANGE;
}
