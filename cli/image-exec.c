/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs that need libcurl and libarchive (registries, tarballs, builds, cp's tar streams) run in berth-image, the
 * same command line built with them (see the Makefile). berth itself links neither, and with them
 * the 36 libraries they pull in: every other command starts about 10 ms sooner. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "fs-util.h"
#include "log.h"

#ifndef BERTH_LIBEXECDIR
#define BERTH_LIBEXECDIR "/usr/local/libexec/berth"
#endif

/* Next to this berth when it runs from a build tree (the tests), else where `make install` put it. */
static char *image_helper_path(void) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

        if (n > 0) {
                char *slash;
                self[n] = 0;
                slash = strrchr(self, '/');
                if (slash) {
                        _cleanup_free_ char *sibling = NULL;
                        *slash = 0;
                        sibling = path_join(self, "berth-image");
                        if (!sibling)
                                return NULL;
                        if (access(sibling, X_OK) >= 0)
                                return TAKE_PTR(sibling);
                }
        }
        return strdup(BERTH_LIBEXECDIR "/berth-image");
}

/* Runs berth-image with the verb and waits: system prune calls verb_image() between other work.
 * argv starts at the verb; berth-image gets it after berth's own name, so its messages read "berth: ".
 * Its errors are logged there: here its failure is only returned. */
static int run_image_helper(int argc, char *argv[]) {
        _cleanup_free_ char *path = image_helper_path();
        _cleanup_free_ char **args = NULL;
        int status;
        pid_t pid;

        if (!path)
                return log_oom();
        args = calloc(argc + 2, sizeof(char *));
        if (!args)
                return log_oom();
        args[0] = program_invocation_name;
        memcpy(args + 1, argv, argc * sizeof(char *));
        /* what was printed before stays before its output */
        (void) fflush(stdout);
        (void) fflush(stderr);
        pid = fork();
        if (pid < 0)
                return log_error_errno(-errno, "Cannot run %s: %m", path);
        if (pid == 0) {
                execv(path, args);
                log_error_errno(-errno, "Cannot run %s for 'berth %s': %m", path, argv[0]);
                _exit(EXIT_FAILURE);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(-errno, "Cannot wait for %s: %m", path);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int verb_image(int argc, char *argv[]) {
        return run_image_helper(argc, argv);
}

int verb_pull(int argc, char *argv[]) {
        return run_image_helper(argc, argv);
}

int verb_load(int argc, char *argv[]) {
        return run_image_helper(argc, argv);
}

int verb_save(int argc, char *argv[]) {
        return run_image_helper(argc, argv);
}

int verb_build(int argc, char *argv[]) {
        return run_image_helper(argc, argv);
}

int verb_cp(int argc, char *argv[]) {
        return run_image_helper(argc, argv);
}
