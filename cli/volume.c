/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth volume create|ls|inspect|rm|prune: named volumes (lib/volume-store.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "berthd-client.h"
#include "commands.h"
#include "fs-util.h"
#include "log.h"
#include "object-verbs.h"
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
        {
                static char *const accepted[] = { (char *) "driver", (char *) "opt", (char *) "label", (char *) "uid",
                        (char *) "gid", NULL };
                r = berthd_create_object(accepted, "ListVolumes", "CreateVolume", options, "hd:o:l:", argc, argv,
                                ignore, true);
                if (r != BERTHD_DO_IT_YOURSELF)
                        return r;
        }
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

static int volume_ls_verb(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        json_t *all = NULL;
        ListOptions o;
        int r;

        r = parse_list_options(argc, argv, "volume", &o);
        if (r != 0)
                return r < 0 ? r : 0;
        r = volume_list(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list volumes: %m");
        if (o.json && !(all = json_array()))
                return log_oom();
        if (!o.quiet && !o.json)
                printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
        STRV_FOREACH(name, names) {
                _cleanup_(volume_freep) Volume *v = NULL;
                if (o.quiet) {
                        printf("%s\n", *name);
                        continue;
                }
                if (volume_load(*name, &v) < 0)
                        continue; /* removed meanwhile */
                if (o.json)
                        json_array_append_new(all, volume_to_json(v));
                else
                        printf("%-10s %s\n", v->driver, v->name);
        }
        return o.json ? print_list_and_free(all, &o) : 0;
}

static int volume_json(const char *name, json_t **ret) {
        _cleanup_(volume_freep) Volume *v = NULL;
        int r = volume_load(name, &v);

        if (r == -ENOENT)
                return log_error_errno(r, "No such volume: %s", name);
        if (r < 0)
                return log_error_errno(r, "Failed to read volume '%s': %m", name);
        *ret = volume_to_json(v);
        return *ret ? 0 : log_oom();
}

static int volume_inspect_verb(int argc, char *argv[]) {
        return inspect_each(argc, argv, "volume", volume_json);
}

static int remove_one(const char *name, const RemoveOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **users = NULL;
        _cleanup_free_ char *joined = NULL;
        int r;

        r = o->ignore ? berthd_list_contains(&bus, "ListVolumes", name) : 1;
        if (r == 0)
                return RM_SKIPPED;
        if (r > 0)
                r = berthd_call(&bus, "RemoveVolume", UINT64_MAX, NULL, "sb", name, (int) o->force);
        if (r != BERTHD_DO_IT_YOURSELF)
                return r;
        r = volume_remove(name, o->force);

        if (r == -ENOENT && o->ignore)
                return RM_SKIPPED;
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
        RemoveOptions o;
        int r = parse_remove_options(argc, argv, "volume", "removes a volume even while running containers use it.", &o);

        if (r != 0)
                return r < 0 ? r : 0;
        return remove_each(argv + optind, &o, remove_one);
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
        static const SubVerb subs[] = {
                { "create", volume_create_verb },
                { "ls", volume_ls_verb },
                { "list", volume_ls_verb },
                { "inspect", volume_inspect_verb },
                { "rm", volume_rm_verb },
                { "remove", volume_rm_verb },
                { "prune", volume_prune_verb },
        };
        return run_sub_verb(subs, ELEMENTSOF(subs), "Usage: berth volume create|ls|inspect|rm|prune ...", argc, argv);
}
