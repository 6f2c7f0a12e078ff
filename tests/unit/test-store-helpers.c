/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helpers every store shares (lib/basic): RFC 3339 times, JSON string arrays and records, OFD locks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "json-util.h"
#include "lock-util.h"
#include "strv.h"
#include "tap.h"
#include "time-util.h"

static void test_rfc3339(void) {
        char buf[RFC3339_MAX];
        struct timespec ts = { .tv_sec = 1795882800, .tv_nsec = 5 };
        uint64_t t = 1;

        CHECK(format_rfc3339(buf, 1795882800) == 0);
        CHECK_STREQ(buf, "2026-11-28T16:20:00Z");
        CHECK(format_rfc3339(buf, 0) == 0);
        CHECK_STREQ(buf, "1970-01-01T00:00:00Z");
        CHECK(format_rfc3339_nsec(buf, &ts) == 0);
        CHECK_STREQ(buf, "2026-11-28T16:20:00.000000005Z");
        /* the longest form fits the buffer exactly */
        ts = (struct timespec) { .tv_sec = 253402300799, .tv_nsec = 999999999 };
        CHECK(format_rfc3339_nsec(buf, &ts) == 0);
        CHECK_STREQ(buf, "9999-12-31T23:59:59.999999999Z");
        CHECK(format_rfc3339(buf, INT64_MAX) == -EOVERFLOW && buf[0] == 0);

        CHECK(parse_rfc3339("2026-11-28T16:20:00Z", &t) == 0 && t == 1795882800);
        CHECK(parse_rfc3339("2026-11-28T16:20:00.123456789Z", &t) == 0 && t == 1795882800);
        CHECK(parse_rfc3339("2026-11-28T17:20:00+01:00", &t) == 0 && t == 1795882800);
        CHECK(parse_rfc3339("2026-11-28T15:20:00-01:00", &t) == 0 && t == 1795882800);
        t = 1;
        CHECK(parse_rfc3339("yesterday", &t) == -EINVAL && t == 1);
        CHECK(parse_rfc3339("", &t) == -EINVAL && parse_rfc3339(NULL, &t) == -EINVAL);
        CHECK(parse_rfc3339("1969-12-31T23:59:59Z", &t) == -EINVAL);
        /* what the formatter writes, the parser reads back */
        CHECK(format_rfc3339(buf, 1234567890) == 0 && parse_rfc3339(buf, &t) == 0 && t == 1234567890);
}

static void test_json_strv(void) {
        json_t *a = json_pack("[s, s]", "a", "b=c"), *o = json_pack("{s:s, s:s}", "K", "V", "E", "");
        json_t *empty = json_array(), *mixed = json_pack("[s, i]", "a", 1), *bad = json_pack("{s:i}", "K", 1);
        json_t *null = json_null();
        char **l = NULL;

        CHECK(json_array_to_strv(a, &l) == 0 && strv_length(l) == 2);
        CHECK_STREQ(l ? l[1] : NULL, "b=c");
        l = strv_free(l);
        /* an empty list is NULL, whether the array is empty or absent */
        l = (char **) 1;
        CHECK(json_array_to_strv(empty, &l) == 0 && !l);
        l = (char **) 1;
        CHECK(json_array_to_strv(NULL, &l) == 0 && !l);
        l = (char **) 1;
        CHECK(json_array_to_strv(null, &l) == 0 && !l);
        CHECK(json_array_to_strv(mixed, &l) == -EBADMSG);
        CHECK(json_array_to_strv(o, &l) == -EBADMSG);

        CHECK(json_object_to_strv_pairs(o, &l) == 0 && strv_length(l) == 2);
        CHECK(strv_contains(l, "K=V") && strv_contains(l, "E="));
        l = strv_free(l);
        CHECK(json_object_to_strv_pairs(NULL, &l) == 0 && !l);
        CHECK(json_object_to_strv_pairs(bad, &l) == -EBADMSG);
        CHECK(json_object_to_strv_pairs(a, &l) == -EBADMSG);
        json_decref(a);
        json_decref(o);
        json_decref(empty);
        json_decref(mixed);
        json_decref(bad);
}

static void test_locks(void) {
        char tmp[] = "/tmp/test-store-helpers.XXXXXX";
        _cleanup_free_ char *dir = NULL, *path = NULL;
        int held, other, reader;

        CHECK(mkdtemp(tmp) != NULL);
        dir = path_join(tmp, "a/b");
        path = path_join(dir, ".lock");
        /* the directory is made, the lock taken */
        held = lock_file_take(dir, 0700, ".lock");
        CHECK(held >= 0 && access(path, F_OK) == 0);
        /* OFD locks conflict between two opens of one process, unlike classic POSIX locks */
        other = open(path, O_RDWR | O_CLOEXEC);
        reader = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(lock_fd(other, F_WRLCK, false) == -EAGAIN);
        CHECK(lock_fd(reader, F_RDLCK, false) == -EAGAIN);
        /* the probe sees the holder (also from a read-only fd) and takes nothing */
        CHECK(lock_fd_is_held(reader, F_RDLCK) == 1 && lock_fd_is_held(other, F_WRLCK) == 1);
        unlock_fd(held);
        CHECK(lock_fd_is_held(reader, F_RDLCK) == 0);
        /* readers share, and keep a writer out */
        CHECK(lock_fd(reader, F_RDLCK, false) == 0 && lock_fd(held, F_RDLCK, false) == 0);
        CHECK(lock_fd_is_held(other, F_RDLCK) == 0 && lock_fd_is_held(other, F_WRLCK) == 1);
        CHECK(lock_fd(other, F_WRLCK, false) == -EAGAIN);
        /* closing drops the lock */
        close(reader);
        close(held);
        CHECK(lock_fd(other, F_WRLCK, true) == 0);
        close(other);
        CHECK(lock_file_take("/proc/no/such", 0700, ".lock") < 0);
        CHECK(rm_rf(tmp) == 0);
}

static void test_json_records(void) {
        char tmp[] = "/tmp/test-store-helpers.XXXXXX";
        _cleanup_free_ char *path = NULL, *text = NULL, *name = NULL, *none = NULL;
        json_t *o = json_pack("{s:s, s:n, s:i}", "name", "x", "gone", "n", 1);
        struct stat st;
        int fd;

        /* an absent key and JSON null leave *ret NULL; a non-string is refused */
        CHECK(json_object_get_optional_string(o, "name", &name) == 0);
        CHECK_STREQ(name, "x");
        CHECK(json_object_get_optional_string(o, "gone", &none) == 0 && !none);
        CHECK(json_object_get_optional_string(o, "missing", &none) == 0 && !none);
        CHECK(json_object_get_optional_string(o, "n", &none) == -EBADMSG && !none);

        /* a record: indented with sorted keys, with its mode, by path or relative to a directory */
        CHECK(mkdtemp(tmp) != NULL);
        path = path_join(tmp, "r.json");
        CHECK(json_write_record_at(AT_FDCWD, path, json_incref(o), 0600, WRITE_FILE_SYNC) == 0);
        CHECK(read_full_file(path, &text, NULL) >= 0);
        CHECK_STREQ(text, "{\n  \"gone\": null,\n  \"n\": 1,\n  \"name\": \"x\"\n}");
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
        fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(json_write_record_at(fd, "s.json", o, 0644, 0) == 0); /* takes the reference */
        CHECK(fstatat(fd, "s.json", &st, 0) == 0 && (st.st_mode & 07777) == 0644);
        CHECK(json_write_record_at(fd, "t.json", NULL, 0644, 0) == -ENOMEM);
        CHECK(faccessat(fd, "t.json", F_OK, 0) < 0);
        close(fd);
        CHECK(rm_rf(tmp) == 0);
}

int main(void) {
        test_rfc3339();
        test_json_strv();
        test_json_records();
        test_locks();
        return tap_done();
}
