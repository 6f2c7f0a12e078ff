/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one kind of lock berth takes: OFD locks (F_OFD_SETLK) on a whole file. They belong to the open
 * file description, not the process, so they are safe with threads, survive fork and exec with the fd
 * (the monitor keeps the container's and the --userns=auto block's lock that way), conflict between
 * two opens in one process, and, unlike flock(), conflict with POSIX record locks (lockf(3)), which
 * tests use to hold one from outside. None of these log. */

#include <fcntl.h>
#include <stdbool.h>
#include <sys/types.h>

/* Takes a read (F_RDLCK) or write (F_WRLCK) lock, or drops it (F_UNLCK). With wait it blocks until the
 * lock is free; without, -EAGAIN when another holds a conflicting one. The fd must be open for reading
 * (F_RDLCK) or writing (F_WRLCK). */
int lock_fd(int fd, short type, bool wait);
static inline void unlock_fd(int fd) {
        (void) lock_fd(fd, F_UNLCK, false);
}

/* Whether another open file holds a lock on fd's file that conflicts with type (F_RDLCK: a writer;
 * F_WRLCK: anyone): 1 or 0, or a negative errno. Takes nothing, so it never turns a taker away. */
int lock_fd_is_held(int fd, short type);

/* Creates dir (with mode, when missing) and the lock file dir/name (0600), and takes a write lock on
 * it, waiting for it. Returns the fd, which holds the lock until closed. */
int lock_file_take(const char *dir, mode_t mode, const char *name);
