/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "notify.h"

static const char *const allowed_exact[] = {
        "READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1", "WATCHDOG=trigger",
};
static const char *const allowed_prefixes[] = {
        "STATUS=", "ERRNO=", "BUSERROR=", "EXTEND_TIMEOUT_USEC=", "MONOTONIC_USEC=",
};

static bool line_allowed(const char *line) {
        for (size_t i = 0; i < ELEMENTSOF(allowed_exact); i++)
                if (streq(line, allowed_exact[i]))
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(allowed_prefixes); i++)
                if (startswith(line, allowed_prefixes[i]))
                        return true;
        return false;
}

char *notify_filter(const char *message) {
        _cleanup_free_ char *copy = strdup(message), *out = strdup("");
        char *save = NULL;

        if (!copy || !out)
                return NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *n;
                if (!line_allowed(l)) {
                        log_debug("Not forwarding notify message '%s' from the container.", l);
                        continue;
                }
                n = strjoin(out, l, "\n");
                if (!n)
                        return NULL;
                free(out);
                out = n;
        }
        return TAKE_PTR(out);
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
