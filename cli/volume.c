/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth volume create|ls|inspect|rm|prune: named volumes (lib/volume-store.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "commands.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"
#include "volume-store.h"

#define PARSE_FAILED(sub) log_error_errno(-EINVAL, "See 'berth volume %s --help'.", sub)

static int volume_create_verb(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "ignore", no_argument, NULL, 'i' },
                { "driver", required_argument, NULL, 'd' },
                { "opt", required_argument, NULL, 'o' },
                { "label", required_argument, NULL, 'l' },
                { "uid", required_argument, NULL, 'U' },
                { "gid", required_argument, NULL, 'G' },
                {},
        };
        _cleanup_strv_free_ char **opts = NULL, **labels = NULL;
        VolumeCreateArgs a = { .uid = (uid_t) -1, .gid = (gid_t) -1 };
        bool ignore = false;
        unsigned id = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hd:o:l:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth volume create [--ignore] [--driver local] [--opt KEY=VALUE]... "
                               "[--label KEY=VALUE]... [--uid N] [--gid N] NAME\n\n"
                               "Options of the local driver: type=tmpfs|bind|FSTYPE, device=, o=MOUNT-OPTIONS, copy=BOOL.\n"
                               "--ignore succeeds when the volume exists already (and leaves it unchanged).\n");
                        return 0;
                case 'i':
                        ignore = true;
                        break;
                case 'd':
                        a.driver = optarg;
                        break;
                case 'o':
                        if (strv_extend(&opts, optarg) < 0)
                                return log_oom();
                        break;
                case 'l':
                        /* docker takes a bare KEY as KEY="" */
                        if (strv_consume(&labels, strchr(optarg, '=') ? strdup(optarg) : strjoin(optarg, "=")) < 0)
                                return log_oom();
                        break;
                case 'U':
                case 'G':
                        r = volume_parse_id(optarg, &id);
                        if (r < 0)
                                return log_error_errno(r, "Invalid %s '%s': expected a number.",
                                                c == 'U' ? "--uid" : "--gid", optarg);
                        if (c == 'U')
                                a.uid = id;
                        else
                                a.gid = id;
                        break;
                default:
                        return PARSE_FAILED("create");
                }
        if (optind != argc - 1)
                return log_error_errno(-EINVAL, "'berth volume create' takes exactly one NAME (anonymous volumes are "
                                "not supported).");
        a.name = argv[optind];
        a.options = opts;
        a.labels = labels;
        r = volume_create(&a, NULL);
        if (r == -EEXIST && !ignore)
                return log_error_errno(r, "Volume '%s' already exists.", a.name);
        if (r < 0 && r != -EEXIST)
                return r;
        printf("%s\n", a.name);
        return 0;
}

static int load_all(char *const *names, Volume ***ret, size_t *ret_n) {
        Volume **list = calloc(strv_length(names) + 1, sizeof(Volume *));
        size_t n = 0;
        int r = 0;

        if (!list)
                return log_oom();
        STRV_FOREACH(name, names) {
                int k = volume_load(*name, &list[n]);
                if (k == -ENOENT)
                        k = log_error_errno(k, "No such volume: %s", *name);
                if (k < 0)
                        r = k;
                else
                        n++;
        }
        *ret = list;
        *ret_n = n;
        return r;
}

static void free_all(Volume **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                volume_free(list[i]);
        free(list);
}

static int print_json(Volume **list, size_t n) {
        json_t *a = json_array();
        char *text;

        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, volume_to_json(list[i])) < 0) {
                        json_decref(a);
                        a = NULL;
                }
        text = a ? json_dumps(a, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(a);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return 0;
}

static int volume_ls_verb(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                { "format", required_argument, NULL, 'f' },
                {},
        };
        _cleanup_strv_free_ char **names = NULL;
        const char *format = NULL;
        Volume **list = NULL;
        bool quiet = false;
        size_t n = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hqf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth volume ls [--quiet] [--format json]\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        format = optarg;
                        break;
                default:
                        return PARSE_FAILED("ls");
                }
        if (format && !streq(format, "json"))
                return log_error_errno(-EINVAL, "Unsupported --format '%s': only json.", format);
        if (optind != argc)
                return log_error_errno(-EINVAL, "'berth volume ls' takes no arguments.");
        r = volume_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list volumes: %m");
        if (quiet) {
                STRV_FOREACH(name, names)
                        printf("%s\n", *name);
                return 0;
        }
        r = load_all(names, &list, &n);
        if (r >= 0 && format)
                r = print_json(list, n);
        else if (r >= 0) {
                printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
                for (size_t i = 0; i < n; i++)
                        printf("%-10s %s\n", list[i]->driver, list[i]->name);
        }
        free_all(list, n);
        return r;
}

static int volume_inspect_verb(int argc, char *argv[]) {
        Volume **list = NULL;
        size_t n = 0;
        int r, k;

        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: berth volume inspect NAME...\n");
                return 0;
        }
        if (argc < 2)
                return log_error_errno(-EINVAL, "'berth volume inspect' needs at least one NAME.");
        r = load_all(argv + 1, &list, &n);
        k = print_json(list, n);
        free_all(list, n);
        return r < 0 ? r : k;
}

static int remove_one(const char *name, bool force, bool ignore) {
        _cleanup_strv_free_ char **users = NULL;
        _cleanup_free_ char *joined = NULL;
        int r = volume_remove(name, force);

        if (r == -ENOENT && ignore)
                return 0;
        if (r == -ENOENT)
                return log_error_errno(r, "No such volume: %s", name);
        if (r == -EBUSY) {
                (void) volume_users(name, &users);
                joined = users ? strv_join(users, ", ") : NULL;
                return log_error_errno(r, "Volume '%s' is in use by running container(s) %s; stop them first or use -f.",
                                name, joined ?: "?");
        }
        if (r < 0)
                return log_error_errno(r, "Failed to remove volume '%s': %m", name);
        return 0;
}

static int volume_rm_verb(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                { "ignore", no_argument, NULL, 'i' },
                {},
        };
        bool force = false, ignore = false;
        int c, r = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hf", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth volume rm [-f] [--ignore] NAME...\n\n"
                               "-f removes a volume even while running containers use it.\n"
                               "--ignore succeeds for volumes that do not exist.\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                case 'i':
                        ignore = true;
                        break;
                default:
                        return PARSE_FAILED("rm");
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "'berth volume rm' needs at least one NAME.");
        for (int i = optind; i < argc; i++) {
                int k = remove_one(argv[i], force, ignore);
                if (k < 0)
                        r = k;
                else
                        printf("%s\n", argv[i]);
        }
        return r;
}

static int volume_prune_verb(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        printf("Usage: berth volume prune [-f]\n\nRemoves every volume no running container uses.\n");
                        return 0;
                }
                /* docker asks for confirmation without -f; berth never prompts. */
                if (!streq(argv[i], "-f") && !streq(argv[i], "--force"))
                        return PARSE_FAILED("prune");
        }
        r = volume_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list volumes: %m");
        STRV_FOREACH(name, names) {
                int k = volume_remove(*name, false);
                if (k == -EBUSY || k == -ENOENT)
                        continue;
                if (k < 0)
                        r = log_error_errno(k, "Failed to remove volume '%s': %m", *name);
                else
                        printf("%s\n", *name);
        }
        return r;
}

int verb_volume(int argc, char *argv[]) {
        static const struct {
                const char *name;
                int (*run)(int argc, char *argv[]);
        } subs[] = {
                { "create", volume_create_verb }, { "ls", volume_ls_verb },       { "list", volume_ls_verb },
                { "inspect", volume_inspect_verb }, { "rm", volume_rm_verb },     { "remove", volume_rm_verb },
                { "prune", volume_prune_verb },
        };

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth volume create|ls|inspect|rm|prune ...\n\nSee berth-volume(1).\n");
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(subs); i++)
                if (streq(subs[i].name, argv[1]))
                        return subs[i].run(argc - 1, argv + 1);
        return log_error_errno(-EINVAL, "Unknown command 'berth volume %s'. See 'berth volume --help'.", argv[1]);
}
