/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "notify.h"
#include "../monitor/supervisor-protocol.h"

char *notify_filter(const char *message) {
        size_t n = strlen(message);
        char *out = malloc(n + 2); /* the filter may add a final "\n" */

        if (!out)
                return NULL;
        memcpy(out, message, n);
        out[notify_filter_in_place(out, n)] = 0;
        return out;
}

int notify_proxy_open(const char *run_dir) {
        _cleanup_free_ char *dir = path_join(run_dir, "notify"), *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (!dir)
                return log_oom();
        path = path_join(dir, "notify.sock");
        if (!path)
                return log_oom();
        if (strlen(path) >= sizeof sa.sun_path)
                return log_error_errno(-ENAMETOOLONG, "Notify socket path %s is too long.", path);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "Failed to create %s: %m", dir);
        (void) unlink(path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create the notify socket: %m");
        if (bind(fd, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1)) < 0)
                return log_error_errno(negative_errno(), "Failed to bind %s: %m", path);
        /* Any user in the container may notify, as with systemd's own socket. */
        if (chmod(path, 0777) < 0)
                return log_error_errno(negative_errno(), "Failed to chmod %s: %m", path);
        return TAKE_FD(fd);
}

int notify_proxy_forward(int fd, bool *ready) {
        char buf[4096];
        _cleanup_free_ char *filtered = NULL;
        ssize_t n;
        int r;

        n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
        if ((size_t) n >= sizeof buf) {
                log_warning("Dropping an oversized notify message from the container.");
                return 0;
        }
        buf[n] = 0;
        filtered = notify_filter(buf);
        if (!filtered)
                return log_oom();
        if (isempty(filtered))
                return 0;
        if (strstr(filtered, "READY=1\n") == filtered || strstr(filtered, "\nREADY=1\n"))
                *ready = true;
        r = sd_notify(0, filtered);
        if (r < 0)
                log_warning_errno(r, "Failed to forward a notify message to systemd: %m");
        return 0;
}
