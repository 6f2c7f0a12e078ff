/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/stdio-relay.c with the ends the integration tests rarely meet: an O_APPEND file (splice
 * refuses it), a caller's pipe that is non-blocking and full, stdin from a file larger than a pipe,
 * a reader of our output that went away, and a writer that outlives the process. Our own fds 0-2
 * are replaced by the test's for each case and put back before anything is printed. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "macro.h"
#include "stdio-relay.h"
#include "tap.h"

static int saved[3] = { -1, -1, -1 };

/* Makes fd (or nothing, with -1) the process's fd `target` until caller_fds_restore(). */
static void caller_fd_set(int target, int fd) {
        fflush(stdout);
        if (saved[target] < 0)
                saved[target] = fcntl(target, F_DUPFD_CLOEXEC, 10);
        if (fd >= 0)
                (void) dup2(fd, target);
}

static void caller_fds_restore(void) {
        fflush(stdout);
        for (int i = 0; i < 3; i++)
                if (saved[i] >= 0) {
                        (void) dup2(saved[i], i);
                        saved[i] = safe_close(saved[i]);
                }
}

/* Runs the relay until channel i is done (or 2000 rounds of 10 ms). */
static bool relay_until_done(StdioRelay *r, int i) {
        for (int round = 0; round < 2000 && !r->channels[i].done; round++) {
                struct pollfd p[STDIO_RELAY_POLLFDS];
                stdio_relay_pollfds(r, p);
                if (poll(p, STDIO_RELAY_POLLFDS, 10) < 0)
                        return false;
                stdio_relay_dispatch(r, p);
        }
        return r->channels[i].done;
}

static void test_append_file(void) {
        char path[] = "/tmp/berth-test-relay-XXXXXX", got[64] = "";
        _cleanup_close_ int fd = mkstemp(path), out = -EBADF;
        StdioRelay r = {};
        bool opened, wrote, done;

        CHECK(fd >= 0 && write(fd, "original\n", 9) == 9);
        out = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        caller_fd_set(1, out);
        opened = stdio_relay_open(&r, false) == 0;
        wrote = opened && write(r.container_fds[1], "appended\n", 9) == 9;
        stdio_relay_container_fds_close(&r); /* the process ended */
        done = opened && relay_until_done(&r, 1);
        stdio_relay_done(&r);
        caller_fds_restore();
        CHECK(opened && wrote && done);
        CHECK(pread(fd, got, sizeof got - 1, 0) == 18);
        CHECK_STREQ(got, "original\nappended\n");
        (void) unlink(path);
}

/* 1 MiB through a caller's pipe that is non-blocking and read only slowly: splice says EAGAIN,
 * the relay waits for room, nothing is lost or reordered. */
static void test_full_nonblocking_pipe(void) {
        const size_t total = 1024 * 1024;
        _cleanup_free_ unsigned char *data = malloc(total), *got = malloc(total);
        _cleanup_close_ int writer = -EBADF;
        size_t written = 0, read_total = 0;
        int caller[2];
        StdioRelay r = {};

        CHECK(data && got && pipe2(caller, O_CLOEXEC | O_NONBLOCK) == 0);
        for (size_t i = 0; i < total; i++)
                data[i] = (unsigned char) (i * 7 + i / 4096);
        caller_fd_set(1, caller[1]);
        caller[1] = safe_close(caller[1]);
        if (stdio_relay_open(&r, false) < 0)
                written = total + 1; /* fails the checks below */
        writer = TAKE_FD(r.container_fds[1]);
        (void) fcntl(writer, F_SETFL, O_NONBLOCK);
        stdio_relay_container_fds_close(&r);
        for (int round = 0; round < 100000 && read_total < total; round++) {
                struct pollfd p[STDIO_RELAY_POLLFDS];
                ssize_t n;

                if (writer >= 0 && written < total && (n = write(writer, data + written, total - written)) > 0)
                        written += (size_t) n;
                if (written >= total)
                        writer = safe_close(writer);
                stdio_relay_pollfds(&r, p);
                (void) poll(p, STDIO_RELAY_POLLFDS, 10);
                stdio_relay_dispatch(&r, p);
                /* a slow reader: a little at a time */
                n = read(caller[0], got + read_total, 3000);
                if (n > 0)
                        read_total += (size_t) n;
        }
        stdio_relay_done(&r);
        caller_fds_restore();
        safe_close(caller[0]);
        CHECK(written == total);
        CHECK(read_total == total);
        CHECK(data && got && memcmp(data, got, total) == 0);
}

/* stdin from a file larger than a pipe holds: it all arrives, then end of file. */
static void test_input_from_file(void) {
        const size_t total = 300 * 1000;
        char path[] = "/tmp/berth-test-relay-XXXXXX";
        _cleanup_free_ char *data = malloc(total), *got = malloc(total + 1);
        _cleanup_close_ int fd = mkstemp(path), reader = -EBADF;
        size_t read_total = 0;
        bool eof = false;
        StdioRelay r = {};

        CHECK(fd >= 0 && data && got);
        for (size_t i = 0; i < total; i++)
                data[i] = (char) ('a' + i % 26);
        CHECK(write(fd, data, total) == (ssize_t) total && lseek(fd, 0, SEEK_SET) == 0);
        caller_fd_set(0, fd);
        if (stdio_relay_open(&r, true) < 0)
                read_total = total + 1; /* fails the checks below */
        reader = TAKE_FD(r.container_fds[0]);
        (void) fcntl(reader, F_SETFL, O_NONBLOCK);
        stdio_relay_container_fds_close(&r);
        for (int round = 0; round < 10000 && !eof && reader >= 0; round++) {
                struct pollfd p[STDIO_RELAY_POLLFDS];
                ssize_t n;

                stdio_relay_pollfds(&r, p);
                (void) poll(p, STDIO_RELAY_POLLFDS, 10);
                stdio_relay_dispatch(&r, p);
                while ((n = read(reader, got + read_total, total + 1 - read_total)) > 0)
                        read_total += (size_t) n;
                eof = n == 0;
        }
        stdio_relay_done(&r);
        caller_fds_restore();
        CHECK(eof);
        CHECK(read_total == total && memcmp(data, got, total) == 0);
        (void) unlink(path);
}

/* Without input the process reads /dev/null; a reader of our output that went away closes the
 * pipe, so the process gets EPIPE instead of blocking once the pipe is full. */
static void test_devnull_and_epipe(void) {
        _cleanup_close_ int writer = -EBADF;
        StdioRelay r = {};
        int caller[2];
        struct stat st = {};
        bool opened, devnull, wrote, done;
        ssize_t n;

        CHECK(pipe2(caller, O_CLOEXEC) == 0);
        caller_fd_set(1, caller[1]);
        caller[1] = safe_close(caller[1]);
        caller[0] = safe_close(caller[0]);
        opened = stdio_relay_open(&r, false) == 0;
        devnull = opened && fstat(r.container_fds[0], &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
        writer = TAKE_FD(r.container_fds[1]);
        stdio_relay_container_fds_close(&r);
        wrote = write(writer, "x", 1) == 1;
        done = opened && relay_until_done(&r, 1);
        n = write(writer, "y", 1);
        stdio_relay_done(&r);
        caller_fds_restore();
        CHECK(opened && devnull);
        CHECK(wrote && done);
        CHECK(n < 0 && errno == EPIPE);
}

/* drain copies what is in the pipe and returns, though another writer still holds it open. */
static void test_drain_lingering_writer(void) {
        _cleanup_close_ int lingering = -EBADF;
        char got[16] = "";
        StdioRelay r = {};
        int caller[2];

        CHECK(pipe2(caller, O_CLOEXEC) == 0);
        caller_fd_set(2, caller[1]);
        caller[1] = safe_close(caller[1]);
        (void) stdio_relay_open(&r, false);
        lingering = TAKE_FD(r.container_fds[2]);
        stdio_relay_container_fds_close(&r);
        (void) write(lingering, "last words", 10);
        stdio_relay_drain(&r);
        stdio_relay_done(&r);
        caller_fds_restore();
        CHECK(read(caller[0], got, sizeof got - 1) == 10);
        CHECK_STREQ(got, "last words");
        safe_close(caller[0]);
}

int main(void) {
        StdioRelay zero = {};

        (void) signal(SIGPIPE, SIG_IGN);
        /* a zero-initialized relay owns no fds: cleaning it up must not close our 0-2 */
        stdio_relay_container_fds_close(&zero);
        stdio_relay_done(&zero);
        CHECK(fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0);
        test_append_file();
        test_full_nonblocking_pipe();
        test_input_from_file();
        test_devnull_and_epipe();
        test_drain_lingering_writer();
        return tap_done();
}
