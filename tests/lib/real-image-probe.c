/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What glibc programs do that a busybox-static image never does, one check per argument; built with
 * gcc -pthread by tests/lib/real-image.sh and run inside containers. Prints "NAME: ok" or
 * "NAME: failed: REASON" and exits 0 or 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int failed(const char *name, const char *what, int err) {
        printf("%s: failed: %s: %s\n", name, what, strerror(err));
        return 1;
}

static void *count_to(void *arg) {
        volatile long *n = arg;
        for (long i = 0; i < 100000; i++)
                (*n)++;
        return NULL;
}

static int threads(void) {
        pthread_t t[8];
        long n[8] = { 0 };
        int r;

        for (int i = 0; i < 8; i++)
                if ((r = pthread_create(&t[i], NULL, count_to, &n[i])) != 0)
                        return failed("threads", "pthread_create", r);
        for (int i = 0; i < 8; i++)
                if ((r = pthread_join(t[i], NULL)) != 0 || n[i] != 100000)
                        return failed("threads", "pthread_join", r ?: EIO);
        return 0;
}

static int spawn(void) {
        char *argv[] = { "sh", "-c", "exit 7", NULL };
        pid_t pid;
        int r, status;

        if ((r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ)) != 0)
                return failed("posix_spawn", "posix_spawn", r);
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
                return failed("posix_spawn", "the child's status", ECHILD);
        return 0;
}

static int popen_read(void) {
        char line[64] = "";
        FILE *f = popen("echo from-popen", "r");

        if (!f)
                return failed("popen", "popen", errno);
        if (!fgets(line, sizeof line, f) || strcmp(line, "from-popen\n") != 0) {
                (void) pclose(f);
                return failed("popen", "reading its output", EIO);
        }
        if (pclose(f) != 0)
                return failed("popen", "pclose", ECHILD);
        return 0;
}

static int run_system(void) {
        int status = system("exit 3");

        if (status < 0)
                return failed("system", "system", errno);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 3)
                return failed("system", "the shell's status", ECHILD);
        return 0;
}

static void *resolve(void *arg) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
        int *r = arg;

        *r = getaddrinfo("localhost", "80", &hints, &ai);
        if (*r == 0)
                freeaddrinfo(ai);
        return NULL;
}

/* What curl's threaded resolver does. */
static int getaddrinfo_thread(void) {
        pthread_t t;
        int r, gai = -1;

        if ((r = pthread_create(&t, NULL, resolve, &gai)) != 0)
                return failed("getaddrinfo-thread", "pthread_create", r);
        (void) pthread_join(t, NULL);
        if (gai != 0) {
                printf("getaddrinfo-thread: failed: getaddrinfo: %s\n", gai_strerror(gai));
                return 1;
        }
        return 0;
}

/* Prints the errno of a raw system call that must not reach the kernel, e.g. "io_uring_setup: ENOSYS". */
static int raw_errno(const char *name, long nr) {
        long r = syscall(nr, 0, NULL, 0, 0, 0);
        printf("%s: %s\n", name, r >= 0 ? "allowed" : strerrorname_np(errno) ?: "?");
        return 0;
}

int main(int argc, char *argv[]) {
        int r = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                int f;
                if (strcmp(a, "threads") == 0)
                        f = threads();
                else if (strcmp(a, "posix_spawn") == 0)
                        f = spawn();
                else if (strcmp(a, "popen") == 0)
                        f = popen_read();
                else if (strcmp(a, "system") == 0)
                        f = run_system();
                else if (strcmp(a, "getaddrinfo-thread") == 0)
                        f = getaddrinfo_thread();
                else if (strcmp(a, "io_uring_setup") == 0)
                        f = raw_errno(a, SYS_io_uring_setup);
                else if (strcmp(a, "clone3") == 0)
                        f = raw_errno(a, SYS_clone3);
                else {
                        fprintf(stderr, "unknown check %s\n", a);
                        return 2;
                }
                if (f == 0 && strcmp(a, "io_uring_setup") != 0 && strcmp(a, "clone3") != 0)
                        printf("%s: ok\n", a);
                r |= f;
        }
        return r;
}
