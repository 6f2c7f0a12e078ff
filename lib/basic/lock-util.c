/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fs-util.h"
#include "lock-util.h"
#include "macro.h"

int lock_fd(int fd, short type, bool wait) {
        struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

        while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) < 0) {
                if (errno == EINTR)
                        continue;
                /* POSIX allows EACCES for a lock held elsewhere */
                return errno == EACCES ? -EAGAIN : negative_errno();
        }
        return 0;
}

int lock_fd_is_held(int fd, short type) {
        struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

        if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
                return negative_errno();
        return fl.l_type != F_UNLCK;
}

int lock_file_take(const char *dir, mode_t mode, const char *name) {
        _cleanup_free_ char *path = path_join(dir, name);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!path)
                return -ENOMEM;
        r = mkdir_p(dir, mode);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        r = lock_fd(fd, F_WRLCK, true);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}
