/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs-util.h"
#include "helper-program.h"
#include "log.h"

int own_binary_path(char **ret) {
        char self[4096];
        ssize_t n;

        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0 || (size_t) n >= sizeof self - 1)
                return log_debug_errno(-ENOENT, "Cannot find our own binary.");
        self[n] = 0;
        if (self[0] != '/' || endswith(self, " (deleted)"))
                return -ENOENT;
        *ret = strdup(self);
        return *ret ? 0 : log_oom();
}

int helper_program_path(const char *name, char **ret) {
        _cleanup_free_ char *self = NULL;
        int r;

        r = own_binary_path(&self);
        if (r < 0)
                return r;
        *strrchr(self, '/') = 0;
        *ret = path_join(self, name);
        return *ret ? 0 : log_oom();
}

/* Not in glibc 2.36's headers (Linux 6.3). */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int sealed_copy_open(const char *path, const char *name) {
        _cleanup_close_ int src = -EBADF, memfd = -EBADF;

        src = open(path, O_RDONLY | O_CLOEXEC);
        if (src < 0)
                return log_error_errno(negative_errno(), "Cannot open %s (is berth fully installed?): %m", path);
        /* MFD_EXEC: allowed to be executed even where vm.memfd_noexec makes memfds non-executable. */
        memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (memfd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
                memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0)
                return log_error_errno(negative_errno(), "memfd_create() failed: %m");
        for (;;) {
                ssize_t n = sendfile(memfd, src, NULL, 1 << 20);
                if (n < 0)
                        return log_error_errno(negative_errno(), "Cannot copy %s: %m", path);
                if (n == 0)
                        break;
        }
        if (fchmod(memfd, 0555) < 0 ||
                        fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return log_error_errno(negative_errno(), "Cannot seal the copy of %s: %m", path);
        return TAKE_FD(memfd);
}

int reexec_from_sealed_copy(char *argv[]) {
        _cleanup_free_ char *self = NULL;
        extern char **environ;
        int fd, r;

        r = own_binary_path(&self);
        if (r == -ENOENT)
                return 0; /* running from a memfd already (the sealed copy itself), or deleted */
        if (r < 0)
                return r;
        fd = sealed_copy_open(self, "berth-runtime");
        if (fd < 0)
                return fd;
        (void) syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
        r = log_error_errno(negative_errno(), "Cannot execute the sealed copy of %s: %m", self);
        (void) close(fd);
        return r;
}
