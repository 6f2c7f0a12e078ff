/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* File-system helpers shared by every program. All return 0 or a negative errno and do not log. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Concatenates NULL-terminated arguments into a new string; NULL on OOM. */
char *strjoin_real(const char *first, ...);
#define strjoin(...) strjoin_real(__VA_ARGS__, NULL)
/* Joins two path parts with exactly one '/' between them. */
char *path_join(const char *a, const char *b);

int mkdir_p(const char *path, mode_t mode);
int read_full_file(const char *path, char **ret, size_t *ret_size);
int read_full_fd(int fd, char **ret, size_t *ret_size);

typedef enum WriteFileFlags {
        WRITE_FILE_SYNC = 1 << 0, /* fsync the file and its directory: state that must survive a crash */
} WriteFileFlags;

/* Writes all size bytes (retrying short writes and EINTR); -errno on failure. */
int write_all(int fd, const char *p, size_t size);
/* Writes the file next to its final name and renames it into place, so readers never see half of it. */
int write_file_atomic(const char *path, const char *content, size_t size, mode_t mode, WriteFileFlags flags);
/* Same, relative to a directory fd. */
int write_file_atomic_at(int dir_fd, const char *name, const char *content, size_t size, mode_t mode,
                WriteFileFlags flags);

/* Removes a tree without following symlinks and without crossing into other mounts. Missing is fine. */
int rm_rf(const char *path);
int rm_rf_at(int dir_fd, const char *name);

bool path_is_absolute(const char *p);
/* Returns true when the path has no "..", no empty components and is not absolute-escaping. */
bool path_is_normalized_relative(const char *p);
