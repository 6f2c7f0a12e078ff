/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "go-template.h"
#include "log.h"
#include "macro.h"
#include "object-verbs.h"

int run_sub_verb(const SubVerb *subs, size_t n_subs, const char *usage, int argc, char *argv[]) {
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("%s\n\nSee berth-%s(1).\n", usage, argv[0]);
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < n_subs; i++)
                if (streq(subs[i].name, argv[1]))
                        return subs[i].run(argc - 1, argv + 1);
        return log_error_errno(-EINVAL, "Unknown command 'berth %s %s'. See 'berth %s --help'.", argv[0], argv[1],
                        argv[0]);
}

int parse_list_options(int argc, char *argv[], const char *object, ListOptions *ret) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                { "format", required_argument, NULL, 'f' },
                {},
        };
        int c;

        *ret = (ListOptions) {};
        optind = 0;
        while ((c = getopt_long(argc, argv, "hqf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth %s ls [-q|--quiet] [--format json|TEMPLATE]\n", object);
                        return 1;
                case 'q':
                        ret->quiet = true;
                        break;
                case 'f':
                        if (!streq(optarg, "json") && go_template_check(optarg) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --format '%s': use json or a template such as {{.Name}}.",
                                                optarg);
                        ret->json = true;
                        ret->format = streq(optarg, "json") ? NULL : optarg;
                        break;
                default:
                        return log_error_errno(-EINVAL, "See 'berth %s ls --help'.", object);
                }
        if (optind != argc)
                return log_error_errno(-EINVAL, "'berth %s ls' takes no arguments.", object);
        return 0;
}

int parse_remove_options(int argc, char *argv[], const char *object, const char *force_help, RemoveOptions *ret) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                { "ignore", no_argument, NULL, 'i' },
                {},
        };
        int c;

        *ret = (RemoveOptions) {};
        optind = 0;
        while ((c = getopt_long(argc, argv, "hfi", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth %s rm [-f] [--ignore] NAME...\n\n-f %s\n"
                               "--ignore succeeds for a NAME that does not exist.\n",
                                        object, force_help);
                        return 1;
                case 'f':
                        ret->force = true;
                        break;
                case 'i':
                        ret->ignore = true;
                        break;
                default:
                        return log_error_errno(-EINVAL, "See 'berth %s rm --help'.", object);
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "'berth %s rm' needs at least one NAME.", object);
        return 0;
}

int remove_each(char *const *names, const RemoveOptions *o, int (*remove_one)(const char *name, const RemoveOptions *o)) {
        int r = 0;

        for (char *const *name = names; *name; name++) {
                int k = remove_one(*name, o);
                if (k == RM_SKIPPED)
                        continue;
                if (k < 0)
                        r = k;
                else
                        printf("%s\n", *name);
        }
        return r;
}

int inspect_each(int argc, char *argv[], const char *object, int (*to_json)(const char *name, json_t **ret)) {
        json_t *all;
        int r = 0, k;

        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: berth %s inspect NAME...\n", object);
                return 0;
        }
        if (argc < 2)
                return log_error_errno(-EINVAL, "'berth %s inspect' needs at least one NAME.", object);
        all = json_array();
        if (!all)
                return log_oom();
        for (int i = 1; i < argc; i++) {
                json_t *one = NULL;
                k = to_json(argv[i], &one);
                if (k >= 0 && json_array_append_new(all, one) < 0)
                        k = log_oom();
                if (k < 0)
                        r = k;
        }
        k = print_json_and_free(all);
        return r < 0 ? r : k;
}

int print_list_and_free(json_t *all, const ListOptions *o) {
        int r;

        if (!o->format)
                return print_json_and_free(all);
        r = go_template_print_rows(stdout, o->format, all, NULL);
        json_decref(all);
        return r < 0 ? log_error_errno(r, "Failed to print --format '%s': %m", o->format) : 0;
}

int print_json_and_free(json_t *v) {
        char *text = v ? json_dumps(v, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;

        json_decref(v);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return 0;
}
