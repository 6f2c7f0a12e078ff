/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI process (config.json's "process", or exec --process FILE) from hostile input: 100k-entry env
 * and args are read in linear time, and an out-of-range user id is refused naming process.user.uid,
 * not the gid. (Named test-runtime-* so that it links the runtime's objects.) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../runtime/container.h"
#include "../../runtime/oci-config.h"
#include "fs-util.h"
#include "strv.h"
#include "tap.h"

static char dir[] = "/tmp/berth-test-oci-process.XXXXXX";

/* Loads the process JSON text; returns the result and what was logged (the error) in *ret_log. */
static int load(const char *json, Container *c, char **ret_log) {
        _cleanup_free_ char *path = path_join(dir, "process.json"), *log_path = path_join(dir, "log");
        bool terminal = false, has_caps = false;
        int saved, fd, r;

        *c = (Container) { .created_fd = -1, .console_socket = -1, .lock_fd = -1 };
        if (!path || !log_path || write_file_atomic(path, json, strlen(json), 0600, 0) < 0)
                return -999;
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        dup2(fd, STDERR_FILENO);
        r = oci_process_load(path, c, &terminal, &has_caps);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(fd);
        if (ret_log)
                (void) read_full_file(log_path, ret_log, NULL);
        return r;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void test_large_lists(void) {
        _cleanup_(container_done) Container c = {};
        _cleanup_free_ char *json = NULL;
        const size_t n = 100000;
        size_t size = 0;
        double start;
        FILE *f = open_memstream(&json, &size);

        fputs("{\"args\": [\"sh\"", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, ", \"arg%zu\"", i);
        fputs("], \"env\": [\"PATH=/bin\"", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, ", \"VAR%zu=%zu\"", i, i);
        fputs("], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", f);
        fclose(f);

        start = now();
        CHECK(load(json, &c, NULL) == 0);
        /* linear: well under a second even with ASan (a count per append took seconds) */
        CHECK(now() - start < 1.0);
        CHECK(strv_length(c.process.argv) == n + 1 && strv_length(c.process.env) == n + 1);
        CHECK_STREQ(c.process.env[n], "VAR99999=99999");
}

static void test_user_ids(void) {
        static const struct {
                const char *user, *field;
        } cases[] = {
                { "{\"uid\": -1, \"gid\": 0}", "process.user.uid: out of range" },
                { "{\"uid\": 4294967295, \"gid\": 0}", "process.user.uid: out of range" },
                { "{\"uid\": 0, \"gid\": -1}", "process.user.gid: out of range" },
                { "{\"uid\": -1}", "process.user.uid: out of range" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(container_done) Container c = {};
                _cleanup_free_ char *json =
                                strjoin("{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": ", cases[i].user, "}");
                _cleanup_free_ char *log = NULL;

                CHECK(load(json, &c, &log) == -EINVAL);
                CHECK(log && strstr(log, cases[i].field));
                if (!log || !strstr(log, cases[i].field))
                        printf("# logged: %s\n", log ?: "(nothing)");
        }
}

int main(void) {
        if (!mkdtemp(dir))
                return 1;
        test_large_lists();
        test_user_ids();
        (void) rm_rf(dir);
        return tap_done();
}
