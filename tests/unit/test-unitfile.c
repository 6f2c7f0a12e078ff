/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit-file parser: syntax, line numbers, continuations, list resets, drop-in merging, errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "strv.h"
#include "tap.h"
#include "unit-container-env.h"
#include "unit-convert.h"
#include "unitfile.h"

static UnitFile *parse(const char *name, const char *text, int *ret, char **error) {
        UnitFile *u = unit_file_new();
        *ret = unit_file_parse(u, name, text, strlen(text), error);
        return u;
}

static char *serialize(const UnitFile *u) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        (void) unit_file_serialize(u, f);
        fclose(f);
        return buf;
}

static void test_basic(void) {
        _cleanup_unit_file_free_ UnitFile *u = NULL;
        _cleanup_free_ char *error = NULL, *out = NULL;
        const UnitEntry *e;
        int r;

        u = parse("a.container",
                        "# comment\n"
                        "; also a comment\n"
                        "[Unit]\n"
                        "Description = spaced value  \n"
                        "\n"
                        "[Container]   \n"
                        "Image=one\n"
                        "Image=two\n"
                        "Empty=\n"
                        "Eq=a=b=c\n"
                        "[Unit]\n"
                        "After=x\r\n",
                        &r, &error);
        CHECK(r == 0);
        CHECK(error == NULL);
        CHECK(u->n_sections == 2);
        CHECK_STREQ(u->sections[0].name, "Unit");
        CHECK_STREQ(u->sections[1].name, "Container");
        e = unit_file_lookup_last(u, "Unit", "Description");
        CHECK(e && e->line == 4);
        CHECK_STREQ(e ? e->value : NULL, "spaced value");
        CHECK_STREQ(e ? e->file : NULL, "a.container");
        e = unit_file_lookup_last(u, "Container", "Image");
        CHECK_STREQ(e ? e->value : NULL, "two");
        CHECK(e && e->line == 8);
        e = unit_file_lookup_last(u, "Container", "Empty");
        CHECK(e && isempty(e->value));
        e = unit_file_lookup_last(u, "Container", "Eq");
        CHECK_STREQ(e ? e->value : NULL, "a=b=c");
        e = unit_file_lookup_last(u, "Unit", "After");
        CHECK_STREQ(e ? e->value : NULL, "x");
        CHECK(unit_file_lookup_last(u, "Unit", "Missing") == NULL);
        CHECK(unit_file_lookup_last(u, "Nothing", "Image") == NULL);

        out = serialize(u);
        CHECK_STREQ(out, "[Unit]\nDescription=spaced "
                         "value\nAfter=x\n\n[Container]\nImage=one\nImage=two\nEmpty=\nEq=a=b=c\n");
}

static void test_continuation(void) {
        _cleanup_unit_file_free_ UnitFile *u = NULL;
        _cleanup_free_ char *error = NULL;
        const UnitEntry *e;
        int r;

        u = parse("c.container",
                        "[S]\n"
                        "A=one \\\n"
                        "# skipped comment\n"
                        "  two\\\n"
                        "; another\n"
                        "three\n"
                        "B=escaped backslash\\\\\n"
                        "C=next line\n"
                        "D=at end of file \\",
                        &r, &error);
        CHECK(r == 0);
        e = unit_file_lookup_last(u, "S", "A");
        /* backslash-newline becomes one space, like systemd */
        CHECK_STREQ(e ? e->value : NULL, "one    two three");
        CHECK(e && e->line == 2);
        e = unit_file_lookup_last(u, "S", "B");
        CHECK_STREQ(e ? e->value : NULL, "escaped backslash\\\\");
        e = unit_file_lookup_last(u, "S", "C");
        CHECK(e && e->line == 8);
        e = unit_file_lookup_last(u, "S", "D");
        CHECK_STREQ(e ? e->value : NULL, "at end of file");
}

static void test_list_and_dropins(void) {
        _cleanup_unit_file_free_ UnitFile *u = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ const UnitEntry **l = NULL;
        const UnitEntry *e;
        int r, n;

        u = parse("main.container", "[Container]\nEnv=A\nEnv=B\n", &r, &error);
        CHECK(r == 0);
        const char *dropin = "[Container]\nEnv=\nEnv=C\n[Install]\nWantedBy=x\n";
        r = unit_file_parse(u, "10-reset.conf", dropin, strlen(dropin), &error);
        CHECK(r == 0);
        n = unit_file_lookup_list(u, "Container", "Env", &l);
        CHECK(n == 1);
        CHECK_STREQ(l[0]->value, "C");
        CHECK_STREQ(l[0]->file, "10-reset.conf");
        CHECK(l[0]->line == 3);
        CHECK(l[1] == NULL);
        CHECK(strv_length(u->files) == 2);
        e = unit_file_lookup_last(u, "Install", "WantedBy");
        CHECK_STREQ(e ? e->file : NULL, "10-reset.conf");
        free(l);
        l = NULL;
        n = unit_file_lookup_list(u, "Container", "Nothing", &l);
        CHECK(n == 0 && l && !l[0]);
}

static void test_errors(void) {
        static const struct {
                const char *text, *error;
        } cases[] = {
                { "[S]\nnot an assignment\n", "e.conf:2: The line is not an assignment (Key=Value), "
                                              "a [Section] header or a comment." },
                { "\n\n[S\n", "e.conf:3: A section header lacks its closing ']'." },
                { "[]\n", "e.conf:1: Invalid section name." }, { "[a]b]\n", "e.conf:1: Invalid section name." },
                { "[S]\n = v\n", "e.conf:2: Assignment without a key." },
                { "K=v\n", "e.conf:1: Assignment 'K=' outside of any [Section]." },
                /* what is not an assignment is never repeated: the file may be a symlink to a secret
                 */
                { "root:$y$j9T$secret:19000:0:99999:7:::\n",
                                "e.conf:1: The line is not an assignment (Key=Value), a [Section] "
                                "header or a comment." },
                { "[S\nsecret\n", "e.conf:1: A section header lacks its closing ']'." },
                { "[se:cret]]\n", "e.conf:1: Invalid section name." },
                { "pass word=secret\n", "e.conf:1: Assignment outside of any [Section]." },
                { "[S]\n=secret\n", "e.conf:2: Assignment without a key." },
                { "[S]\nA=1 \\\nbroken \\\n", NULL }, /* a continuation may end the file */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_unit_file_free_ UnitFile *u = NULL;
                _cleanup_free_ char *error = NULL;
                int r;

                u = parse("e.conf", cases[i].text, &r, &error);
                if (cases[i].error) {
                        CHECK(r == -EBADMSG);
                        CHECK_STREQ(error, cases[i].error);
                } else
                        CHECK(r == 0 && !error);
        }

        _cleanup_unit_file_free_ UnitFile *u = unit_file_new();
        _cleanup_free_ char *error = NULL;
        CHECK(unit_file_parse(u, "nul.conf", "[S]\nA=\0b\n", 9, &error) == -EBADMSG);
        CHECK_STREQ(error, "nul.conf:1: File contains a NUL byte; this is not a text file.");
        free(error);
        error = NULL;
        CHECK(unit_file_load(u, "/nonexistent/berth-test.conf", &error) == -ENOENT);
        CHECK_STREQ(error, "/nonexistent/berth-test.conf: cannot read: No such file or directory");
}

/* Size caps and linear parsing: 100000 continuation lines are one value; over UNIT_LINE_MAX the error
 * names the key, over UNIT_FILE_MAX the file. */
static void test_limits(void) {
        _cleanup_unit_file_free_ UnitFile *u = NULL;
        _cleanup_free_ char *error = NULL, *text = NULL;
        const size_t n = 100000;
        const UnitEntry *e;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&text, &size);
        fputs("[S]\nExec=echo \\\n", f);
        for (size_t i = 0; i < n; i++)
                fputs("w \\\n", f);
        fputs("end\nNext=1\n", f);
        fclose(f);
        u = parse("l.conf", text, &r, &error);
        CHECK(r == 0);
        e = unit_file_lookup_last(u, "S", "Exec");
        CHECK(e && e->line == 2 && strlen(e->value) == strlen("echo  ") + 3 * n + strlen("end"));
        e = unit_file_lookup_last(u, "S", "Next");
        CHECK(e && e->line == n + 4);
        u = unit_file_free(u);
        free(text);
        text = NULL;

        /* one line over the cap, made of continuation lines: the error names the key and its first line */
        f = open_memstream(&text, &size);
        fputs("[S]\n\n  Exec = x", f);
        for (size_t i = 0; i < UNIT_LINE_MAX / 1000 + 1; i++) {
                for (size_t k = 0; k < 999; k++)
                        fputc('x', f);
                fputs("\\\n", f);
        }
        fclose(f);
        u = parse("l.conf", text, &r, &error);
        CHECK(r == -EBADMSG);
        CHECK_STREQ(error, "l.conf:3: Exec=: the value is longer than 1 MiB, the limit for one line.");
        u = unit_file_free(u);
        free(error);
        error = NULL;
        /* without a sensible key, no key is repeated */
        memcpy(text + strlen("[S]\n\n  "), "E:x=", 4);
        u = parse("l.conf", text, &r, &error);
        CHECK_STREQ(error, "l.conf:3: The line is longer than 1 MiB, the limit for one line.");
        u = unit_file_free(u);
        free(error);
        error = NULL;
        free(text);

        text = malloc(UNIT_FILE_MAX + 1);
        CHECK(text != NULL);
        if (!text)
                return;
        memset(text, '\n', UNIT_FILE_MAX + 1);
        u = unit_file_new();
        CHECK(unit_file_parse(u, "big.conf", text, UNIT_FILE_MAX + 1, &error) == -EBADMSG);
        CHECK_STREQ(error, "big.conf:1: The file is larger than 8 MiB, the limit for a unit file.");
        free(error);
        error = NULL;
        CHECK(unit_file_parse(u, "big.conf", text, UNIT_FILE_MAX, &error) == 0);
}

static void test_helpers(void) {
        _cleanup_unit_file_free_ UnitFile *u = unit_file_new();
        _cleanup_free_ char *a = unit_value_unquote("\"quoted value\""), *b = unit_value_unquote("\"a\" \"b\""),
                            *c = unit_value_unquote("\""), *loc = NULL, *out = NULL;
        char *candidates[] = { (char *) "Image", (char *) "Environment", (char *) "Exec", NULL };
        UnitEntry e = { .key = (char *) "K", .value = (char *) "v", .file = "f.container", .line = 7 };

        CHECK_STREQ(a, "quoted value");
        CHECK_STREQ(b, "\"a\" \"b\"");
        CHECK_STREQ(c, "\"");
        loc = unit_entry_location(&e);
        CHECK_STREQ(loc, "f.container:7");

        CHECK(unit_file_append(u, "Service", "Type", "notify") == 0);
        CHECK(unit_file_append_default(u, "Service", "Type", "oneshot") == 0);
        CHECK(unit_file_append_default(u, "Service", "Delegate", "yes") == 0);
        CHECK(unit_file_prepend(u, "Service", "First", "1") == 0);
        out = serialize(u);
        CHECK_STREQ(out, "[Service]\nFirst=1\nType=notify\nDelegate=yes\n");

        CHECK_STREQ(closest_word("Imgae", candidates), "Image");
        CHECK_STREQ(closest_word("enviroment", candidates), "Environment");
        CHECK(closest_word("CompletelyDifferent", candidates) == NULL);
}

/* One escape for every value berth writes into a unit: '%' always doubled, '$' with the flag only. */
static void test_value_escape(void) {
        _cleanup_free_ char *both = unit_value_escape("100% of $HOME and ${X} %n", true),
                            *percent = unit_value_escape("100% of $HOME and ${X} %n", false),
                            *plain = unit_value_escape("plain", true), *empty = unit_value_escape("", false);

        CHECK_STREQ(both, "100%% of $$HOME and $${X} %%n");
        CHECK_STREQ(percent, "100%% of $HOME and ${X} %%n");
        CHECK_STREQ(plain, "plain");
        CHECK_STREQ(empty, "");
}

int main(void) {
        test_value_escape();
        test_basic();
        test_continuation();
        test_list_and_dropins();
        test_errors();
        test_limits();
        test_helpers();
        return tap_done();
}
