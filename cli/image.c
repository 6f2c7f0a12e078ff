/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth image import|ls|inspect|rm|tag|prune, and `berth images`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "berthd-client.h"
#include "commands.h"
#include "fs-util.h"
#include "image-config.h"
#include "image-in-use.h"
#include "image-ref.h"
#include "image-store.h"
#include "json-util.h"
#include "go-template.h"
#include "log.h"
#include "paths.h"
#include "time-util.h"

static int open_store(ImageStore **ret) {
        int r = image_store_open(berth_path(BERTH_PATH_STORAGE), ret);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        return 0;
}

/* getopt over a subcommand's argv; returns -EINVAL (logged) on unknown options. */
#define PARSE_FAILED(sub) log_error_errno(-EINVAL, "See 'berth image %s --help'.", sub)

static const char *id_hex(const char *id) {
        return startswith(id, "sha256:") ?: id;
}

static void format_size(uint64_t bytes, char *buf, size_t size) {
        /* docker's units: decimal */
        if (bytes < 1000)
                snprintf(buf, size, "%juB", (uintmax_t) bytes);
        else if (bytes < 1000 * 1000)
                snprintf(buf, size, "%.3gkB", bytes / 1e3);
        else if (bytes < UINT64_C(1000) * 1000 * 1000)
                snprintf(buf, size, "%.3gMB", bytes / 1e6);
        else
                snprintf(buf, size, "%.3gGB", bytes / 1e9);
}

static void format_age(uint64_t created, char *buf, size_t size) {
        uint64_t now = (uint64_t) time(NULL), d = now > created ? now - created : 0;

        if (d < 60)
                snprintf(buf, size, "%s", d < 2 ? "Less than a second ago" : "Less than a minute ago");
        else if (d < 3600)
                snprintf(buf, size, "%ju minute%s ago", (uintmax_t) d / 60, d / 60 == 1 ? "" : "s");
        else if (d < 86400)
                snprintf(buf, size, "%ju hour%s ago", (uintmax_t) d / 3600, d / 3600 == 1 ? "" : "s");
        else if (d < 86400 * 60)
                snprintf(buf, size, "%ju days ago", (uintmax_t) d / 86400);
        else if (d < 86400 * 365 * 2)
                snprintf(buf, size, "%ju months ago", (uintmax_t) d / (86400 * 30));
        else
                snprintf(buf, size, "%ju years ago", (uintmax_t) d / (86400 * 365));
}

static bool image_matches_name(const Image *img, const char *reference) {
        STRV_FOREACH(name, img->names)
                if (image_reference_match(reference, *name) > 0)
                        return true;
        return false;
}

/* The REFERENCE argument of ls: any of the image's names, or its id. */
static bool image_matches(const Image *img, const char *reference) {
        if (image_matches_name(img, reference))
                return true;
        return strlen(reference) >= 4 && startswith(id_hex(img->id), id_hex(reference));
}

static void image_list_free(Image **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                image_free(list[i]);
        free(list);
}

static json_t *strv_json(char *const *l) {
        json_t *a = json_array();
        STRV_FOREACH(s, l)
                json_array_append_new(a, json_string(*s));
        return a;
}

static json_t *keys_json(char *const *l) {
        json_t *o = json_object();
        STRV_FOREACH(s, l)
                json_object_set_new(o, *s, json_object());
        return o;
}

static json_t *nullable(json_t *v, bool present) {
        if (present)
                return v;
        json_decref(v);
        return json_null();
}

static json_t *image_to_json(const Image *img) {
        char created[RFC3339_MAX] = "";
        const ImageConfig *c = &img->config;
        _cleanup_strv_free_ char **lower = NULL;
        _cleanup_free_ char *lowerdir = NULL;

        if (img->created > 0)
                (void) format_rfc3339(created, (time_t) img->created);
        /* docker's GraphDriver.Data.LowerDir lists the uppermost layer first */
        for (size_t n = strv_length(img->layer_dirs); n > 0; n--)
                (void) strv_extend(&lower, img->layer_dirs[n - 1]);
        lowerdir = strv_join(lower, ":");

        return json_pack("{s:s, s:o, s:o, s:s, s:I, s:s, s:s, s:{s:o, s:o, s:o, s:s?, s:s?, s:o, s:o, s:o, s:s?},"
                         " s:{s:s, s:o}, s:{s:s, s:{s:s?}}}",
                        "Id", img->id, "RepoTags", strv_json(img->names), "RepoDigests", strv_json(img->digests),
                        "Created", created, "Size", (json_int_t) img->size, "Os", img->os ?: "linux", "Architecture",
                        img->architecture ?: "", "Config", "Env", nullable(strv_json(c->env), c->env), "Cmd",
                        nullable(strv_json(c->cmd), c->cmd), "Entrypoint",
                        nullable(strv_json(c->entrypoint), c->entrypoint), "WorkingDir", c->working_dir, "User",
                        c->user, "ExposedPorts", nullable(keys_json(c->exposed_ports), c->exposed_ports), "Volumes",
                        nullable(keys_json(c->volumes), c->volumes), "Labels",
                        nullable(strv_pairs_to_json_object(c->labels), c->labels), "StopSignal", c->stop_signal,
                        "RootFS", "Type", "layers", "Layers", strv_json(img->diff_ids), "GraphDriver", "Name",
                        "overlay", "Data", "LowerDir", lowerdir);
}

static int print_json(json_t *j) {
        char *s;

        if (!j)
                return log_oom();
        s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (!s)
                return log_oom();
        puts(s);
        free(s);
        return 0;
}

static int image_import(int argc, char *argv[]) {
        static const struct option options[] = {
                { "change", required_argument, NULL, 'c' },
                { "message", required_argument, NULL, 'm' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_strv_free_ char **changes = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *file, *name, *message = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+c:m:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (strv_extend(&changes, optarg) < 0)
                                return log_oom();
                        break;
                case 'm':
                        message = optarg;
                        break;
                case 'h':
                        printf("Usage: berth image import [-c INSTRUCTION]... [-m MESSAGE] FILE|- NAME[:TAG]\n\n"
                               "  -c, --change 'CMD [\"/bin/sh\"]'   apply a Dockerfile instruction to the config\n"
                               "  -m, --message TEXT              the history comment\n");
                        return 0;
                default:
                        return log_error_errno(-EINVAL, "See 'berth image import --help'.");
                }
        if (argc - optind != 2)
                return log_error_errno(-EINVAL,
                                "Usage: berth image import [-c INSTRUCTION]... [-m MESSAGE] FILE|- NAME[:TAG]");
        file = argv[optind];
        name = argv[optind + 1];
        if (streq(file, "-"))
                fd = dup(STDIN_FILENO);
        else
                fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", streq(file, "-") ? "stdin" : file);

        r = open_store(&store);
        if (r < 0)
                return r;
        r = image_store_import_rootfs_with(store, fd, name,
                        &(ImageImportOptions) { .changes = changes, .message = message }, &img);
        if (r < 0)
                return r; /* logged where the problem was understood, naming the entry */
        printf("%s\n", img->id);
        return 0;
}

static int image_ls(int argc, char *argv[]) {
        static const struct option options[] = {
                { "all", no_argument, NULL, 'a' },
                { "quiet", no_argument, NULL, 'q' },
                { "no-trunc", no_argument, NULL, 'T' },
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        const char *format = "table";
        json_t *rows = NULL;
        bool quiet = false, no_trunc = false;
        Image **list = NULL;
        size_t n = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "aqf:h", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        break; /* no intermediate images exist: every image is listed anyway */
                case 'q':
                        quiet = true;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage: berth image ls [-q] [--no-trunc] [--format table|json|TEMPLATE] [REFERENCE]\n");
                        return 0;
                default:
                        return PARSE_FAILED("ls");
                }
        if (!streq(format, "table") && !streq(format, "json") && go_template_check(format) < 0)
                return log_error_errno(-EINVAL,
                                "Invalid --format '%s': use table, json or a template such as '{{.Repository}}:{{.Tag}}'.",
                                format);
        if (!streq(format, "table") && !streq(format, "json"))
                rows = json_array();

        r = open_store(&store);
        if (r < 0)
                return r;
        r = image_store_list(store, &list, &n);
        if (r < 0)
                return r;

        if (streq(format, "json")) {
                json_t *a = json_array();
                for (size_t i = 0; i < n; i++)
                        if (optind >= argc || image_matches(list[i], argv[optind]))
                                json_array_append_new(a, image_to_json(list[i]));
                image_list_free(list, n);
                return print_json(a);
        }

        if (!quiet && !rows)
                printf("%-40s %-16s %-14s %-22s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        for (size_t i = 0; i < n; i++) {
                const Image *img = list[i];
                char age[64], size[32], id[80];
                char *const none[] = { (char *) "<none>:<none>", NULL };

                snprintf(id, sizeof(id), "%.*s", no_trunc ? 71 : 12, no_trunc ? img->id : id_hex(img->id));
                if (quiet) {
                        printf("%s\n", id);
                        continue;
                }
                format_age(img->created, age, sizeof(age));
                format_size(img->size, size, sizeof(size));
                STRV_FOREACH(nm, strv_length(img->names) > 0 ? img->names : (char **) none) {
                        const char *colon = strrchr(*nm, ':'), *slash = strrchr(*nm, '/');
                        if (optind < argc && image_reference_match(argv[optind], *nm) <= 0)
                                continue;
                        if (colon && slash && colon < slash)
                                colon = NULL;
                        if (rows) {
                                /* docker images --format's fields */
                                json_t *row = json_pack("{s:s%, s:s, s:s, s:s, s:s}", "Repository", *nm,
                                                colon ? (size_t) (colon - *nm) : strlen(*nm), "Tag",
                                                colon ? colon + 1 : "<none>", "ID", id, "CreatedSince", age, "Size",
                                                size);
                                if (!row || json_array_append_new(rows, row) < 0) {
                                        image_list_free(list, n);
                                        json_decref(rows);
                                        return log_oom();
                                }
                                continue;
                        }
                        printf("%-40.*s %-16s %-14s %-22s %s\n", colon ? (int) (colon - *nm) : (int) strlen(*nm), *nm,
                                        colon ? colon + 1 : "<none>", id, age, size);
                }
        }
        image_list_free(list, n);
        if (rows) {
                static const GoTemplateHeading headings[] = {
                        { ".Repository", "REPOSITORY" },
                        { ".Tag", "TAG" },
                        { ".ID", "IMAGE ID" },
                        { ".CreatedSince", "CREATED" },
                        { ".Size", "SIZE" },
                        {},
                };
                r = go_template_print_rows(stdout, format, rows, headings);
                json_decref(rows);
                return r < 0 ? log_error_errno(r, "Failed to print --format '%s': %m", format) : 0;
        }
        return 0;
}

static int image_inspect(int argc, char *argv[]) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        json_t *a;
        int r, ret = 0;

        if (argc < 2)
                return log_error_errno(-EINVAL, "Usage: berth image inspect IMAGE...");
        r = open_store(&store);
        if (r < 0)
                return r;
        a = json_array();
        for (int i = 1; i < argc; i++) {
                _cleanup_(image_freep) Image *img = NULL;
                r = image_store_lookup(store, argv[i], &img);
                if (r == -ENOENT) {
                        ret = log_error_errno(r, "No such image: %s", argv[i]);
                        continue;
                }
                if (r < 0) {
                        ret = r;
                        continue;
                }
                json_array_append_new(a, image_to_json(img));
        }
        r = print_json(a);
        return ret < 0 ? ret : r;
}

static int image_rm(int argc, char *argv[]) {
        static const struct option options[] = {
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_users_done) ImageUsers users = {};
        bool force = false;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "fh", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        printf("Usage: berth image rm [-f] IMAGE...\n");
                        return 0;
                default:
                        return PARSE_FAILED("rm");
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "Usage: berth image rm [-f] IMAGE...");
        r = open_store(&store);
        if (r < 0)
                return r;
        r = image_users_load(store, &users);
        if (r < 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_strv_free_ char **untagged = NULL;
                _cleanup_free_ char *deleted = NULL;
                _cleanup_(image_freep) Image *img = NULL;
                const ImageUser *user = NULL;

                /* Untagging one of several names leaves the image as it is; only the last name or
                 * the id is a conflict, as with docker. */
                r = image_store_lookup(store, argv[i], &img);
                if (r >= 0 && !(strv_length(img->names) > 1 && image_matches_name(img, argv[i])))
                        user = image_users_find(&users, img->id);
                if (user && !force) {
                        ret = log_error_errno(-EBUSY,
                                        "Image %s is in use by container %s (%s); remove it first or "
                                        "use --force.",
                                        argv[i], user->container, user->running ? "running" : "stopped");
                        continue;
                }
                /* docker's rmi -f of an image a container uses: the name goes, the image stays */
                r = user ? image_store_untag(store, argv[i], &untagged)
                         : image_store_remove(store, argv[i], force, &untagged, &deleted);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                STRV_FOREACH(u, untagged)
                        printf("Untagged: %s\n", *u);
                if (deleted)
                        printf("Deleted: %s\n", deleted);
        }
        return ret;
}

static int image_tag(int argc, char *argv[]) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        int r;

        if (argc != 3)
                return log_error_errno(-EINVAL, "Usage: berth image tag SOURCE TARGET");
        {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
                r = berthd_call(&bus, "TagImage", 0, NULL, "ss", argv[1], argv[2]);
                if (r != BERTHD_DO_IT_YOURSELF)
                        return r;
        }
        r = open_store(&store);
        if (r < 0)
                return r;
        return image_store_tag(store, argv[1], argv[2]);
}

static int image_prune(int argc, char *argv[]) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_users_done) ImageUsers users = {};
        _cleanup_strv_free_ char **deleted = NULL, **used = NULL;
        int r;

        /* -f/--force is accepted for docker compatibility: berth never asks. */
        for (int i = 1; i < argc; i++)
                if (!streq(argv[i], "-f") && !streq(argv[i], "--force"))
                        return log_error_errno(-EINVAL, "Usage: berth image prune [-f]");
        r = open_store(&store);
        if (r < 0)
                return r;
        /* a nameless image a container uses stays, as with docker */
        r = image_users_load(store, &users);
        if (r >= 0)
                r = image_users_ids(&users, &used);
        if (r < 0)
                return r;
        r = image_store_prune_except(store, used, &deleted);
        if (r < 0)
                return r;
        STRV_FOREACH(d, deleted)
                printf("Deleted: %s\n", *d);
        return 0;
}

static void image_help(void) {
        printf("Usage: berth image COMMAND\n\n"
               "Commands:\n"
               "  import FILE|- NAME[:TAG]  import a rootfs tarball (plain, gzip, xz or zstd) as an image\n"
               "  ls [--format json]        list images (also: berth images)\n"
               "  inspect IMAGE...          show images as JSON\n"
               "  rm [-f] IMAGE...          remove names or images, and layers no image uses (-f: only\n"
               "                            untag images containers use)\n"
               "  tag SOURCE TARGET         give an image another name\n"
               "  prune                     remove images without a name that no container uses\n"
               "  pull REFERENCE            download an image (also: berth pull)\n"
               "  load [-i FILE]            load a docker save archive (also: berth load)\n"
               "  save [-o FILE] IMAGE...   write a docker save archive (also: berth save)\n"
               "\nSee berth-image(1).\n");
}

int verb_image(int argc, char *argv[]) {
        static const struct {
                const char *name;
                int (*run)(int argc, char *argv[]);
        } subs[] = {
                { "import", image_import },
                { "ls", image_ls },
                { "list", image_ls },
                { "inspect", image_inspect },
                { "rm", image_rm },
                { "remove", image_rm },
                { "tag", image_tag },
                { "prune", image_prune },
                { "pull", verb_pull },
                { "load", verb_load },
                { "save", verb_save },
        };

        if (streq(argv[0], "images"))
                return image_ls(argc, argv);
        if (streq(argv[0], "rmi"))
                return image_rm(argc, argv);
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                image_help();
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(subs); i++)
                if (streq(argv[1], subs[i].name))
                        return subs[i].run(argc - 1, argv + 1);
        return log_error_errno(-EINVAL, "Unknown command 'berth image %s'. See 'berth image --help'.", argv[1]);
}
