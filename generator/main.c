/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-generator: a systemd generator that turns definition files (.container, .volume, .network,
 * .image, .build, .pod) and compose projects (.compose, compose/PROJECT/) into units. It reads files and writes units
 * and symlinks into its output directory, nothing else: no D-Bus, no image pulls, no other processes
 * (systemd.generator(7)). A broken file is reported and becomes a unit that fails with the message; the others are
 * written regardless. */
#include <assert.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose-definition.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"
#include "unit-container-env.h"
#include "unit-generator.h"

typedef struct Args {
        bool dryrun;
        bool user;
        bool no_kmsg;
        const char *output_dir;
} Args;

static void help(const char *program) {
        printf("Usage: %s [--user] [--dryrun] NORMAL_DIR [EARLY_DIR LATE_DIR]\n\n"
               "Generates systemd units from berth definition files.\n\n"
               "  --user      generate for a user's service manager (also when the program name contains \"user\")\n"
               "  --dryrun    print the units on stdout instead of writing them\n"
               "  --no-kmsg-log  log to stderr only (tests)\n"
               "  -v          debug output\n\n"
               "BERTH_UNIT_DIRS=DIR:DIR replaces the search path. See berth-generator(8).\n",
                        program);
}

static int parse_args(int argc, char *argv[], Args *args) {
        static const struct option options[] = {
                { "dryrun", no_argument, NULL, 'n' },
                { "user", no_argument, NULL, 'u' },
                { "no-kmsg-log", no_argument, NULL, 'k' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *slash = strrchr(argv[0], '/');
        int c;

        /* Installed as a user generator under a name containing "user". */
        args->user = strstr(slash ? slash + 1 : argv[0], "user") != NULL;
        while ((c = getopt_long(argc, argv, "vh", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        args->dryrun = true;
                        break;
                case 'u':
                        args->user = true;
                        break;
                case 'k':
                        args->no_kmsg = true;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help(argv[0]);
                        return 0;
                case 'V':
                        printf("berth-generator %s\n", BERTH_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        /* systemd passes normal, early and late directories; units go to the normal one, so that
         * files in /etc/systemd/system still override them. */
        if (optind < argc)
                args->output_dir = argv[optind];
        else if (!args->dryrun)
                return log_error_errno(-EINVAL, "Missing output directory argument (or --dryrun).");
        return 1;
}

/* What the writes of one run share: the output directory and the last directory made for links
 * (all [Install] links of a run mostly go to one or two .wants/ directories). */
typedef struct Output {
        const char *path;
        int dir_fd;
        char *made_dir;
} Output;

static void output_done(Output *o) {
        free(o->made_dir);
        o->made_dir = NULL;
}

static int make_parents(Output *o, const char *link) {
        _cleanup_free_ char *parent = NULL;
        const char *slash = strrchr(link, '/');

        if (!slash)
                return 0;
        parent = strndup(link, (size_t) (slash - link));
        if (!parent)
                return -ENOMEM;
        if (streq_ptr(parent, o->made_dir))
                return 0;
        for (char *p = parent; (p = strchr(p, '/')); p++) {
                *p = 0;
                if (mkdirat(o->dir_fd, parent, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdirat(o->dir_fd, parent, 0755) < 0 && errno != EEXIST)
                return -errno;
        free(o->made_dir);
        o->made_dir = TAKE_PTR(parent);
        return 0;
}

static int write_link(Output *o, const char *link, const char *target) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        r = make_parents(o, link);
        if (r < 0)
                return r;
        /* The output directory starts empty on each run: a plain symlink is the common case. An
         * existing one (a rerun into the same directory) is replaced atomically. */
        if (symlinkat(target, o->dir_fd, link) >= 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (asprintf(&tmp, "%s.#tmp%d", link, (int) getpid()) < 0)
                return -ENOMEM;
        (void) unlinkat(o->dir_fd, tmp, 0);
        if (symlinkat(target, o->dir_fd, tmp) < 0)
                return -errno;
        r = RET_NERRNO(renameat(o->dir_fd, tmp, o->dir_fd, link));
        if (r < 0)
                (void) unlinkat(o->dir_fd, tmp, 0);
        return r;
}

/* A unit appears whole or not at all: written to an unnamed file (O_TMPFILE) that is then given its
 * name. That is two system calls fewer per unit than a named temporary file and a rename, which
 * counts with thousands of units. Where that does not work (no O_TMPFILE, no /proc, the name taken
 * by a previous run) the temporary file and rename do it. */
static int write_unit(Output *o, const char *name, const char *text) {
        _cleanup_close_ int fd = -EBADF;
        char proc[64];
        size_t size = strlen(text);

        fd = openat(o->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0) {
                const char *p = text;
                size_t left = size;
                while (left > 0) {
                        ssize_t n = write(fd, p, left);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        p += n;
                        left -= (size_t) n;
                }
                (void) snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
                if (left == 0 && linkat(AT_FDCWD, proc, o->dir_fd, name, AT_SYMLINK_FOLLOW) >= 0)
                        return 0;
        }
        return write_file_atomic_at(o->dir_fd, name, text, size, 0644, 0);
}

static int emit(const Args *args, Output *o, const GeneratedUnit *u) {
        int r;

        if (args->dryrun) {
                printf("---%s---\n%s", u->name, u->text);
                return 0;
        }
        r = write_unit(o, u->name, u->text);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s/%s: %m", o->path, u->name);
        if (u->private_name) {
                /* The container's environment: root's only, in a directory only root can enter. */
                if (mkdirat(o->dir_fd, UNIT_PRIVATE_DIR, 0700) < 0 && errno != EEXIST)
                        return log_error_errno(-errno, "Failed to create %s/%s: %m", o->path, UNIT_PRIVATE_DIR);
                r = write_file_atomic_at(o->dir_fd, u->private_name, u->private_data, u->private_size, 0600, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to write %s/%s: %m", o->path, u->private_name);
        }
        for (char **l = u->links; l && l[0] && l[1]; l += 2) {
                r = write_link(o, l[0], l[1]);
                if (r < 0)
                        return log_error_errno(r, "Failed to link %s/%s: %m", o->path, l[0]);
        }
        return 0;
}

static int run(const Args *args) {
        _cleanup_(definition_set_done) DefinitionSet set = {};
        _cleanup_strv_free_ char **roots = NULL, **projects = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_(output_done) Output out = { .path = args->output_dir };
        bool failed = false;
        int r;

        r = unit_search_path(args->user, &roots);
        if (r >= 0)
                r = definition_set_scan(&set, roots, args->user);
        if (r >= 0)
                r = definition_set_load(&set);
        if (r < 0)
                return log_error_errno(r, "Failed to read definitions: %m");
        r = compose_declarations_find(roots, &projects);
        if (r < 0)
                return log_error_errno(r, "Failed to look for compose projects: %m");
        if (set.n_defs == 0 && !projects) {
                _cleanup_free_ char *joined = strv_join(roots, ":");
                log_debug("No definition files found in %s.", joined ?: "the search path");
                return 0;
        }
        set.output_dir = args->output_dir;
        if (!args->dryrun) {
                assert(args->output_dir); /* parse_args() insists on it */
                dir_fd = open(args->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0)
                        return log_error_errno(-errno, "Cannot open output directory %s: %m", args->output_dir);
                out.dir_fd = dir_fd;
                /* Units are 0644 whatever umask systemd runs generators with (O_TMPFILE honours it). */
                (void) umask(0022);
        }

        for (size_t i = 0; i < set.n_defs; i++) {
                GeneratedUnit u = {};
                r = definition_generate(&set, &set.defs[i], &u);
                if (r == -EINVAL) {
                        log_error("%s", set.defs[i].error);
                        failed = true;
                } else if (r < 0) {
                        generated_unit_done(&u);
                        return log_error_errno(r, "Failed to convert %s: %m", set.defs[i].path);
                } else
                        log_debug("Converted %s to %s.", set.defs[i].path, u.name);
                /* systemd could not load a unit of that name: the message above is all there is. */
                if (unit_name_is_valid(u.name) && emit(args, &out, &u) < 0)
                        failed = true;
                generated_unit_done(&u);
        }
        /* Compose projects: the units `berth compose up` would write, or ones that fail with the error. */
        STRV_FOREACH(path, projects) {
                _cleanup_(compose_units_done) ComposeUnits units = {};
                _cleanup_free_ char *error = NULL;
                r = compose_declaration_units(*path, args->output_dir, args->user, &units, &error);
                if (r == -EINVAL) {
                        log_error("%s", error);
                        failed = true;
                } else if (r < 0)
                        return log_error_errno(r, "Failed to convert %s: %m", *path);
                for (size_t i = 0; i < units.n_units; i++)
                        if (emit(args, &out, &units.units[i]) < 0)
                                failed = true;
        }
        return failed ? -EINVAL : 0;
}

int main(int argc, char *argv[]) {
        Args args = {};
        int r;

        log_setup(argv[0], LOG_TARGET_STDERR);
        r = parse_args(argc, argv, &args);
        if (r <= 0)
                return r < 0 ? 1 : 0;
        /* The generator contract: log to the kernel log (stderr is copied too, for --dryrun and verify). */
        if (!args.dryrun && !args.no_kmsg)
                log_setup(argv[0], LOG_TARGET_KMSG);
        return run(&args) < 0 ? 1 : 0;
}
