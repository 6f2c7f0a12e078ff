/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "strv.h"
#include "tap.h"

static void test_paths(void) {
        _cleanup_free_ char *a = path_join("/a/", "/b"), *b = path_join("a", "b/c");

        CHECK_STREQ(a, "/a/b");
        CHECK_STREQ(b, "a/b/c");
        CHECK(path_is_normalized_relative("a/b/c"));
        CHECK(!path_is_normalized_relative("a/../b"));
        CHECK(!path_is_normalized_relative("/a"));
        CHECK(!path_is_normalized_relative("a//b"));
        CHECK(!path_is_normalized_relative(".."));
        CHECK(path_is_normalized_relative("..a/b.."));
}

static void test_files(void) {
        char tmpl[] = "/tmp/berth-test-fs-XXXXXX";
        _cleanup_free_ char *f = NULL, *deep = NULL, *content = NULL, *link = NULL;
        size_t size = 0;
        struct stat st;

        CHECK(mkdtemp(tmpl) != NULL);
        f = path_join(tmpl, "state.json");
        deep = path_join(tmpl, "x/y/z");

        CHECK(write_file_atomic(f, "{}\n", 3, 0640, WRITE_FILE_SYNC) == 0);
        CHECK(read_full_file(f, &content, &size) == 0);
        CHECK(size == 3 && streq(content, "{}\n"));
        CHECK(stat(f, &st) == 0 && (st.st_mode & 07777) == 0640);
        /* Replacing keeps readers safe: the old or the new content, never a mix. */
        CHECK(write_file_atomic(f, "[]\n", 3, 0600, 0) == 0);
        free(content);
        content = NULL;
        CHECK(read_full_file(f, &content, NULL) == 0 && streq(content, "[]\n"));

        CHECK(mkdir_p(deep, 0755) == 0);
        CHECK(mkdir_p(deep, 0755) == 0);
        link = path_join(tmpl, "x/y/escape");
        CHECK(symlink("/etc", link) == 0);
        CHECK(rm_rf(tmpl) == 0);
        CHECK(access(tmpl, F_OK) < 0 && errno == ENOENT);
        /* The symlink was removed, not followed. */
        CHECK(access("/etc/passwd", F_OK) == 0);
        CHECK(rm_rf(tmpl) == 0);
}

static void test_strv(void) {
        _cleanup_strv_free_ char **l = NULL, **c = NULL;
        _cleanup_free_ char *j = NULL;

        CHECK(strv_extend(&l, "a") == 0);
        CHECK(strv_extend(&l, "b") == 0);
        CHECK(strv_consume(&l, strdup("c")) == 0);
        c = strv_copy(l);
        CHECK(strv_length(c) == 3);
        CHECK(strv_contains(c, "b") && !strv_contains(c, "d"));
        j = strv_join(c, ",");
        CHECK_STREQ(j, "a,b,c");
        CHECK_STREQ(endswith("x.container", ".container"), ".container");
        CHECK(endswith("x", ".container") == NULL);
}

int main(void) {
        test_paths();
        test_files();
        test_strv();
        return tap_done();
}
