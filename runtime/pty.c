/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "pty.h"

int pty_setup_child(int sock) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        char zero[8] = {};
        struct iovec iov = { .iov_base = zero, .iov_len = sizeof zero };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        struct cmsghdr *cm;
        struct stat st;
        int unlock = 0;

        /* The container's devpts instance; the file must really be its ptmx (5:2), not something the
         * container put in its place. */
        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
        if (master < 0 || fstat(master, &st) < 0)
                return log_error_errno(negative_errno(), "Failed to open /dev/pts/ptmx in the container: %m");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))
                return log_error_errno(-EPERM, "/dev/pts/ptmx in the container is not a pty multiplexer.");
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return log_error_errno(negative_errno(), "Failed to unlock the pty: %m");
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
                return log_error_errno(negative_errno(), "Failed to open the pty's slave: %m");
        if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
                return log_error_errno(negative_errno(), "Failed to attach the pty: %m");

        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return log_error_errno(negative_errno(), "Failed to pass the pty on: %m");
        return 0;
}

int pty_receive_master(int sock, bool *ret_error, void *error_buf, size_t error_size) {
        char buf[64];
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        struct cmsghdr *cm;
        ssize_t n;
        int fd;

        *ret_error = false;
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return negative_errno();
        cm = CMSG_FIRSTHDR(&mh);
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
                return fd;
        }
        if ((size_t) n == error_size) {
                memcpy(error_buf, buf, error_size);
                *ret_error = true;
        }
        return -EIO;
}

void pty_terminal_raw(PtyTerminal *t) {
        struct termios raw;

        if (!isatty(0) || tcgetattr(0, &t->saved) < 0)
                return;
        raw = t->saved;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSANOW, &raw) >= 0)
                t->raw = true;
}

void pty_terminal_restore(PtyTerminal *t) {
        if (t->raw)
                (void) tcsetattr(0, TCSANOW, &t->saved);
        t->raw = false;
}

void pty_copy_size(int master) {
        struct winsize ws;

        if (ioctl(0, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(master, TIOCSWINSZ, &ws);
}

int pty_shovel(int from, int to) {
        char buf[4096];
        ssize_t n = read(from, buf, sizeof buf);

        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
        if (n == 0)
                return -EPIPE;
        for (ssize_t done = 0; done < n;) {
                ssize_t w = write(to, buf + done, (size_t) (n - done));
                if (w < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return negative_errno();
                }
                done += w;
        }
        return 1;
}
