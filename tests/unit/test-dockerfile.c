/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden cases for the Dockerfile parser and its variable expansion: each input with the dump it
 * must give (BuildKit's rules, several from its parser testfiles), and malformed input with the
 * error, file and line it must report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "tap.h"

static void check_parse(const char *name, const char *text, const char *want) {
        _cleanup_(dockerfile_done) Dockerfile d = {};
        _cleanup_free_ char *dump = NULL, *error = NULL;
        int r = dockerfile_parse("Dockerfile", text, strlen(text), &d, &error);

        printf("# %s\n", name);
        if (r < 0) {
                printf("# unexpected error: %s\n", error ?: "(none)");
                CHECK(r == 0);
                return;
        }
        CHECK(dockerfile_dump(&d, &dump) == 0);
        CHECK_STREQ(dump, want);
}

static void check_error_sized(const char *name, const char *text, size_t size, const char *want) {
        _cleanup_(dockerfile_done) Dockerfile d = {};
        _cleanup_free_ char *error = NULL;
        int r = dockerfile_parse("Dockerfile", text, size, &d, &error);

        printf("# %s: %s\n", name, error ?: "(no error)");
        CHECK(r == -EINVAL);
        CHECK(error && strstr(error, want));
}

static void check_error(const char *name, const char *text, const char *want) {
        check_error_sized(name, text, strlen(text), want);
}

static void test_forms(void) {
        check_parse("shell and exec form", "FROM busybox\nRUN echo hi\nCMD [\"echo\", \"a b\"]\n",
                        "(from \"busybox\")\n(run \"echo hi\")\n(cmd [\"echo\" \"a b\"])\n");
        /* BuildKit's jeztah-invalid-json-*: what is not JSON is shell form */
        check_parse("single quotes are not JSON", "FROM a\nCMD ['echo', 'x']\n",
                        "(from \"a\")\n(cmd \"['echo', 'x']\")\n");
        check_parse("unterminated JSON is shell form", "FROM a\nRUN [\"echo\"\n",
                        "(from \"a\")\n(run \"[\\\"echo\\\"\")\n");
        check_parse("JSON escapes", "FROM a\nENTRYPOINT [\"/bin/sh\", \"-c\", \"echo \\\"\\u0041\\\"\"]\n",
                        "(from \"a\")\n(entrypoint [\"/bin/sh\" \"-c\" \"echo \\\"A\\\"\"])\n");
        check_parse("empty CMD array", "FROM a\nCMD []\n", "(from \"a\")\n(cmd [])\n");
        check_parse("keywords are case-insensitive, blanks before them ignored", "  from a AS Build\n\trun  true  \n",
                        "(from \"a\" \"AS\" \"build\")\n(run \"true\")\n");
        check_parse("FROM flags", "FROM --platform=linux/amd64 busybox:1.36 as base\n",
                        "(from --platform=linux/amd64 \"busybox:1.36\" \"as\" \"base\")\n");
}

static void test_lines(void) {
        check_parse("continuation keeps the next line's blanks", "FROM a\nRUN echo a && \\\n    echo b\n",
                        "(from \"a\")\n(run \"echo a &&     echo b\")\n");
        check_parse("trailing blanks after the escape", "FROM a\nRUN a \\  \nb\n", "(from \"a\")\n(run \"a b\")\n");
        check_parse("comments and empty lines inside a continuation are dropped",
                        "FROM a\nRUN a \\\n# a comment\n\n  b\n", "(from \"a\")\n(run \"a   b\")\n");
        check_parse("a # later in the line is literal", "FROM a\nRUN echo # not a comment\n",
                        "(from \"a\")\n(run \"echo # not a comment\")\n");
        check_parse("CRLF and a BOM",
                        "\xef\xbb\xbf"
                        "FROM a\r\nRUN b\r\n",
                        "(from \"a\")\n(run \"b\")\n");
        check_parse("escape directive", "# escape=`\nFROM a\nRUN dir c:\\ `\n  /b\n",
                        "(from \"a\")\n(run \"dir c:\\\\   /b\")\n");
        check_parse("syntax and escape directives together", "# syntax=docker/dockerfile:1\n#escape = `\nFROM a\n",
                        "(from \"a\")\n");
        check_parse("a directive after a comment is a comment", "# hello\n# escape=`\nFROM a\nRUN a \\\nb\n",
                        "(from \"a\")\n(run \"a b\")\n");
        check_parse("a directive after an empty line is a comment", "\n# escape=`\nFROM a\nRUN x `\n",
                        "(from \"a\")\n(run \"x `\")\n");
}

static void test_arguments(void) {
        check_parse("ENV pairs and the legacy form", "FROM a\nENV A=1 B=\"two words\" C=x\\ y\nENV D is the rest\n",
                        "(from \"a\")\n(env \"A\" \"1\" \"B\" \"\\\"two words\\\"\" \"C\" \"x\\\\ y\")\n"
                        "(env \"D\" \"is the rest\")\n");
        check_parse("LABEL", "FROM a\nLABEL \"com.example.vendor\"=\"ACME\" version=1.0\n",
                        "(from \"a\")\n(label \"\\\"com.example.vendor\\\"\" \"\\\"ACME\\\"\" \"version\" "
                        "\"1.0\")\n");
        check_parse("ARG", "ARG V=1 W\nFROM a:$V\n", "(arg \"V=1\" \"W\")\n(from \"a:$V\")\n");
        check_parse("COPY flags and words", "FROM a\nCOPY --from=build --chown=1:2 --chmod=0755 a b* /dst/\n",
                        "(from \"a\")\n(copy --from=build --chown=1:2 --chmod=0755 \"a\" \"b*\" "
                        "\"/dst/\")\n");
        check_parse("COPY JSON form", "FROM a\nCOPY [\"a b\", \"/c/\"]\n", "(from \"a\")\n(copy [\"a b\" \"/c/\"])\n");
        check_parse("quoted flag values", "FROM a\nADD --chown=\"x:y\" f /\n",
                        "(from \"a\")\n(add --chown=x:y \"f\" \"/\")\n");
        check_parse("EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER",
                        "FROM a\nEXPOSE 80 53/udp\nVOLUME [\"/v\"]\nVOLUME /a /b\nUSER 1:2\nWORKDIR /w x\n"
                        "STOPSIGNAL SIGINT\nMAINTAINER Jo <jo@x>\n",
                        "(from \"a\")\n(expose \"80\" \"53/udp\")\n(volume [\"/v\"])\n(volume \"/a\" "
                        "\"/b\")\n"
                        "(user \"1:2\")\n(workdir \"/w x\")\n(stopsignal \"SIGINT\")\n(maintainer \"Jo "
                        "<jo@x>\")\n");
        check_parse("HEALTHCHECK forms",
                        "FROM a\nHEALTHCHECK --interval=5s --retries=2 CMD [\"true\"]\nHEALTHCHECK cmd exit "
                        "0\n"
                        "HEALTHCHECK NONE\n",
                        "(from \"a\")\n(healthcheck --interval=5s --retries=2 [\"CMD\" \"true\"])\n"
                        "(healthcheck \"CMD-SHELL\" \"exit 0\")\n(healthcheck \"NONE\")\n");
        check_parse("SHELL", "FROM a\nSHELL [\"/bin/sh\", \"-ec\"]\n", "(from \"a\")\n(shell [\"/bin/sh\" \"-ec\"])\n");
        check_parse("ONBUILD", "FROM a\nONBUILD RUN echo x\nonbuild copy --chown=1 a /b\n",
                        "(from \"a\")\n(onbuild (run \"echo x\"))\n(onbuild (copy --chown=1 \"a\" "
                        "\"/b\"))\n");
        check_parse("RUN flags", "FROM a\nRUN --network=none true\n", "(from \"a\")\n(run --network=none \"true\")\n");
}

static void test_heredocs(void) {
        check_parse("RUN heredoc", "FROM a\nRUN <<EOF\necho a\necho $b\nEOF\nCMD x\n",
                        "(from \"a\")\n(run \"<<EOF\" <<EOF=\"echo a\\necho $b\\n\")\n(cmd \"x\")\n");
        check_parse("quoted delimiter, <<- and a command", "FROM a\nRUN <<-'END' python3\n\tprint(1)\n\tEND\n",
                        "(from \"a\")\n(run \"<<-'END' python3\" <<'END=\"print(1)\\n\")\n");
        check_parse("two heredocs", "FROM a\nRUN 3<<A cat /dev/fd/3 && cat <<B\na\nA\nb\nB\n",
                        "(from \"a\")\n(run \"3<<A cat /dev/fd/3 && cat <<B\" fd<<A=\"a\\n\" "
                        "<<B=\"b\\n\")\n");
        check_parse("COPY heredoc", "FROM a\nCOPY <<EOF /etc/x.conf\nk=v\nEOF\n",
                        "(from \"a\")\n(copy \"<<EOF\" \"/etc/x.conf\" <<EOF=\"k=v\\n\")\n");
        /* Found by fuzz-dockerfile: the number overflowed an int (UB). */
        check_parse("a number no fd can have is no heredoc marker", "FROM a\nRUN 99999999999<<EOF cat\n",
                        "(from \"a\")\n(run \"99999999999<<EOF cat\")\n");
        check_parse("no heredoc inside quotes or in <<<", "FROM a\nRUN echo \"<<EOF\" && cat <<<x\n",
                        "(from \"a\")\n(run \"echo \\\"<<EOF\\\" && cat <<<x\")\n");
}

static void test_malformed(void) {
        check_error("unknown instruction", "FROM a\n\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO");
        check_error("empty file", "", "has no instructions");
        check_error("only comments", "# a\n# b\n", "Dockerfile:2: the file has no instructions");
        check_error("ENV without value", "FROM a\nENV X\n", "Dockerfile:2: ENV must have two arguments");
        check_error("ENV word without =", "FROM a\nENV A=1 B\n", "Dockerfile:2: ENV: can't find = in \"B\"");
        check_error("unknown flag", "FROM a\nCOPY --form=x a b\n", "Dockerfile:2: COPY: unknown flag --form");
        check_error("flag of another instruction", "FROM a\nRUN --from=x true\n", "unknown flag --from");
        check_error("COPY with one argument", "FROM a\nCOPY a\n", "Dockerfile:2: COPY requires at least two");
        check_error("FROM with two words", "FROM a b\n", "Dockerfile:1: FROM requires either one argument");
        check_error("bad stage name", "FROM a AS 1x\n", "invalid stage name \"1x\"");
        check_error("SHELL in shell form", "FROM a\nSHELL /bin/bash -c\n", "Dockerfile:2: SHELL requires");
        check_error("JSON with a number", "FROM a\nCMD [\"a\", 1]\n", "Dockerfile:2: CMD: the JSON array may hold");
        check_error("unterminated heredoc", "FROM a\nRUN <<EOF\necho\n", "Dockerfile:2: RUN: the heredoc <<EOF");
        check_error("ONBUILD ONBUILD", "FROM a\nONBUILD ONBUILD RUN x\n", "ONBUILD ONBUILD is not allowed");
        check_error("ONBUILD FROM", "FROM a\nONBUILD FROM b\n", "FROM is not allowed as an ONBUILD trigger");
        check_error("HEALTHCHECK type", "FROM a\nHEALTHCHECK RUN x\n", "HEALTHCHECK: unknown type \"RUN\"");
        check_error("RUN without command", "FROM a\nRUN\n", "Dockerfile:2: RUN requires at least one argument");
        check_error("two escape directives", "# escape=`\n# escape=\\\nFROM a\n", "Dockerfile:2: only one escape");
        check_error("bad escape", "# escape=x\nFROM a\n", "Dockerfile:1: invalid escape character");
        check_error("unterminated quote", "FROM a\nLABEL a=\"b\n", "Dockerfile:2: LABEL: unterminated quote");
        check_error_sized("NUL byte", "FROM a\0\n", 8, "NUL byte");
}

static void check_expand(const char *word, const char *want) {
        char *env[] = { (char *) "A=alpha", (char *) "EMPTY=", (char *) "P=/usr/local/lib.tar.gz", (char *) "S=x y",
                (char *) "A=apple", NULL };
        _cleanup_free_ char *out = NULL;
        const char *why = NULL;
        int r = dockerfile_expand_word(word, '\\', env, &out, &why);

        if (!want) {
                printf("# %s -> %s (%s)\n", word, why ?: "no error", out ?: "");
                CHECK(r == -EINVAL);
                return;
        }
        if (r < 0)
                printf("# %s: %s\n", word, why);
        CHECK_STREQ(r == 0 ? out : "(error)", want);
}

static void test_expand(void) {
        check_expand("$A", "apple"); /* the later entry wins */
        check_expand("${A}-x", "apple-x");
        check_expand("${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${UNSET-d}", "d|d||d");
        check_expand("${A:+set}|${EMPTY:+set}|${EMPTY+set}|${UNSET+set}", "set||set|");
        check_expand("${UNSET:-${A:-x}/y}", "apple/y");
        check_expand("'$A' \"$A\" \\$A", "$A apple $A");
        check_expand("\"a\\\"b\\\\c\\d\"", "a\"b\\c\\d");
        check_expand("$", "$");
        check_expand("a$-b", "a$-b");
        check_expand("$1x", "x");
        check_expand("${P#*/}|${P##*/}|${P%.*}|${P%%.*}",
                        "usr/local/lib.tar.gz|lib.tar.gz|/usr/local/lib.tar|/usr/local/lib");
        check_expand("${A:?}", "apple");
        check_expand("${UNSET:?need it}", NULL);
        check_expand("${EMPTY:?}", NULL);
        check_expand("${A", NULL);
        check_expand("${}", NULL);
        check_expand("'open", NULL);
        check_expand("${A:=x}", NULL);

        {
                char *env[] = { (char *) "S=x  y", NULL };
                _cleanup_strv_free_ char **words = NULL;
                CHECK(dockerfile_expand_words("80/tcp $S \"$S\" '' ${UNSET}", '\\', env, &words, NULL) == 0);
                CHECK(strv_length(words) == 5);
                if (strv_length(words) == 5) {
                        CHECK_STREQ(words[0], "80/tcp");
                        CHECK_STREQ(words[1], "x");
                        CHECK_STREQ(words[2], "y");
                        CHECK_STREQ(words[3], "x  y");
                        CHECK_STREQ(words[4], "");
                }
        }
}

static void test_flags(void) {
        _cleanup_(dockerfile_done) Dockerfile d = {};
        const char *text = "FROM a\nCOPY --from=b --link --chmod=644 x /y\n";
        bool set;

        CHECK(dockerfile_parse("Dockerfile", text, strlen(text), &d, NULL) == 0);
        CHECK(d.n_instructions == 2);
        if (d.n_instructions != 2)
                return;
        CHECK_STREQ(dockerfile_flag(&d.instructions[1], "from", &set), "b");
        CHECK(dockerfile_flag(&d.instructions[1], "link", &set) == NULL && set);
        CHECK(dockerfile_flag(&d.instructions[1], "chown", &set) == NULL && !set);
        CHECK(d.instructions[1].line == 2);
        CHECK_STREQ(d.instructions[1].original, "COPY --from=b --link --chmod=644 x /y");
}

int main(void) {
        test_forms();
        test_lines();
        test_arguments();
        test_heredocs();
        test_malformed();
        test_expand();
        test_flags();
        return tap_done();
}
