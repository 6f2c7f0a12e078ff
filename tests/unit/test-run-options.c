/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run-options.h"
#include "tap.h"
#include "words.h"

static void test_split_words(void) {
        _cleanup_strv_free_ char **w = NULL;
        _cleanup_free_ char *q = NULL;

        CHECK(split_words("echo  'a b' \"c\\\"d\" e\\x41\\110 ''", &w) == 0);
        CHECK(strv_length(w) == 5);
        CHECK_STREQ(w[0], "echo");
        CHECK_STREQ(w[1], "a b");
        CHECK_STREQ(w[2], "c\"d");
        CHECK_STREQ(w[3], "eAH");
        CHECK_STREQ(w[4], "");
        w = strv_free(w);
        CHECK(split_words("unterminated 'quote", &w) == -EINVAL);
        CHECK(split_words("bad \\q escape", &w) == -EINVAL);

        q = quote_word("hello from \"berth\"\n");
        CHECK_STREQ(q, "\"hello from \\\"berth\\\"\\n\"");
        CHECK(split_words(q, &w) == 0);
        CHECK(strv_length(w) == 1 && streq(w[0], "hello from \"berth\"\n"));
}

static void test_parse_and_print(void) {
        ContainerSpec spec;
        _cleanup_strv_free_ char **back = NULL;
        char *argv[] = { "--name=web", "-e", "A=1", "--env=B=2", "--read-only", "--cap-add=NET_ADMIN SYS_TIME",
                "--memory=64M", "--entrypoint=/bin/sh -c", "localhost/busybox", "echo", "hi" };
        int idx = -1;

        container_spec_init(&spec);
        CHECK(run_options_parse_argv(&spec, (int) ELEMENTSOF(argv), argv, &idx) == 0);
        CHECK(idx == 8);
        CHECK_STREQ(spec.name, "web");
        CHECK(strv_length(spec.env) == 2);
        CHECK(spec.read_only);
        CHECK(spec.no_new_privileges);
        CHECK(strv_length(spec.cap_add) == 2);
        CHECK_STREQ(spec.unit_properties[0], "MemoryMax=64M");
        CHECK(spec.entrypoint_set && strv_length(spec.entrypoint) == 2);

        CHECK(run_options_to_argv(&spec, &back) == 0);
        _cleanup_free_ char *joined = strv_join(back, " ");
        CHECK_STREQ(joined, "--name=web --entrypoint=/bin/sh -c --env=A=1 --env=B=2 --read-only "
                            "--cap-add=NET_ADMIN --cap-add=SYS_TIME");

        /* An empty value resets a list, as in unit files. */
        CHECK(run_option_apply(run_option_by_key("Environment"), &spec, "") == 0);
        CHECK(spec.env == NULL);
        CHECK(run_option_apply(run_option_by_key("ReadOnly"), &spec, "maybe") == -EINVAL);
        container_spec_done(&spec);

        char *bad[] = { "--no-such-option", "img" };
        container_spec_init(&spec);
        CHECK(run_options_parse_argv(&spec, 2, bad, &idx) == -EINVAL);
        container_spec_done(&spec);
}

/* What berth run -d hands berthd: run_options_to_argv() and the unit properties as their options give
 * the same spec again when parsed (berthd parses them with the same parser). */
static void test_unit_properties_round_trip(void) {
        ContainerSpec spec, again;
        _cleanup_strv_free_ char **back = NULL;
        char *argv[] = { "--memory", "64M", "--pids-limit=100", "--restart=on-failure:3", "--cpus=1.5", "-e", "A=1",
                "img" };
        int idx = -1;

        container_spec_init(&spec);
        container_spec_init(&again);
        CHECK(run_options_parse_argv(&spec, (int) ELEMENTSOF(argv), argv, &idx) == 0);
        CHECK(strv_length(spec.unit_properties) == 4);
        CHECK(run_options_to_argv(&spec, &back) == 0);
        CHECK(run_options_unit_properties_to_argv(&spec, &back) == 0);
        _cleanup_free_ char *joined = strv_join(back, " ");
        CHECK_STREQ(joined, "--env=A=1 --memory=64M --pids-limit=100 --restart=on-failure:3 --cpus=1.5");
        CHECK(run_options_parse_argv(&again, (int) strv_length(back), back, &idx) == 0);
        CHECK(idx == (int) strv_length(back));
        {
                _cleanup_free_ char *a = strv_join(again.unit_properties, " "), *b = strv_join(spec.unit_properties, " ");
                CHECK_STREQ(a, b);
                CHECK(strv_length(again.env) == 1 && streq(again.env[0], "A=1"));
        }
        container_spec_done(&again);

        /* a property no option sets cannot be handed over as an option */
        CHECK(strv_extend(&spec.unit_properties, "CPUAffinity=1") == 0);
        back = strv_free(back);
        CHECK(run_options_unit_properties_to_argv(&spec, &back) == -EINVAL);
        container_spec_done(&spec);
}

int main(void) {
        test_split_words();
        test_parse_and_print();
        test_unit_properties_round_trip();
        return tap_done();
}
