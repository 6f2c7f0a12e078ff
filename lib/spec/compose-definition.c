/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compose projects declared in the definition directories (NAME.compose, compose/PROJECT/), turned into
 * units by the same conversion as `berth compose up`. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose-definition.h"
#include "fs-util.h"
#include "paths.h"
#include "strv.h"
#include "words.h"

static const char *const compose_file_names[] = {
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        NULL,
};

/* The compose file of a shorthand directory, or NULL. */
static char *directory_compose_file(const char *dir) {
        for (const char *const *n = compose_file_names; *n; n++) {
                char *p = path_join(dir, *n);
                struct stat st;
                if (!p || (stat(p, &st) >= 0 && S_ISREG(st.st_mode)))
                        return p;
                free(p);
        }
        return NULL;
}

bool compose_declaration_is(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return false;
        if (S_ISREG(st.st_mode))
                return endswith(path, ".compose") != NULL;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_free_ char *f = directory_compose_file(path);
                return f != NULL;
        }
        return false;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int sorted_entries(const char *dir, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        *ret = NULL;
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        while (r >= 0 && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        r = strv_extend(&names, de->d_name);
        closedir(d);
        if (r < 0)
                return r;
        if (names)
                qsort(names, strv_length(names), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(names);
        return 0;
}

static int add_declaration(char ***paths, char ***projects, const char *path, const char *project) {
        int r;

        if (strv_contains(*projects, project))
                return 0; /* declared in a root of higher precedence */
        r = strv_extend(projects, project);
        if (r >= 0)
                r = strv_extend(paths, path);
        return r;
}

int compose_declarations_find(char *const *roots, char ***ret) {
        _cleanup_strv_free_ char **paths = NULL, **projects = NULL;
        int r;

        STRV_FOREACH(root, roots) {
                _cleanup_strv_free_ char **names = NULL, **dirs = NULL;
                _cleanup_free_ char *compose_dir = path_join(*root, "compose");

                if (!compose_dir)
                        return -ENOMEM;
                r = sorted_entries(*root, &names);
                if (r < 0)
                        return r;
                STRV_FOREACH(n, names) {
                        _cleanup_free_ char *path = path_join(*root, *n),
                                            *project = strndup(*n, strlen(*n) - strlen(".compose"));
                        struct stat st;
                        if (!endswith(*n, ".compose") || streq(*n, ".compose"))
                                continue;
                        if (!path || !project)
                                return -ENOMEM;
                        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                                continue;
                        r = add_declaration(&paths, &projects, path, project);
                        if (r < 0)
                                return r;
                }
                r = sorted_entries(compose_dir, &dirs);
                if (r < 0)
                        return r;
                STRV_FOREACH(n, dirs) {
                        _cleanup_free_ char *path = path_join(compose_dir, *n), *file = NULL;
                        if (!path)
                                return -ENOMEM;
                        file = directory_compose_file(path);
                        if (!file)
                                continue;
                        r = add_declaration(&paths, &projects, path, *n);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

static int key_error(char **ret_error, const UnitEntry *e, const char *what) {
        _cleanup_free_ char *loc = unit_entry_location(e);

        if (!loc)
                return -ENOMEM;
        *ret_error = strjoin(loc, ": ", e->key, "=: ", what);
        return *ret_error ? -EINVAL : -ENOMEM;
}

static char *relative_to(const char *dir, const char *path) {
        return path[0] == '/' ? strdup(path) : path_join(dir, path);
}

/* The [Compose] section of a .compose file into options. */
typedef struct Declaration {
        char *project;
        char *source; /* SourcePath= of the units */
        char *dir;
        char **files, **env_files, **profiles;
        UnitFile *unit; /* [Unit] and [Install] for the target */
} Declaration;

static void declaration_done(Declaration *d) {
        free(d->project);
        free(d->source);
        free(d->dir);
        strv_free(d->files);
        strv_free(d->env_files);
        strv_free(d->profiles);
        unit_file_free(d->unit);
}

static int read_compose_file(const char *path, Declaration *d, char **ret_error) {
        const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
        const UnitSection *sec = NULL;
        int r;

        d->dir = slash ? strndup(path, (size_t) (slash - path) ?: 1) : strdup(".");
        d->project = strndup(name, strlen(name) - strlen(".compose"));
        d->source = strdup(path);
        d->unit = unit_file_new();
        if (!d->dir || !d->project || !d->source || !d->unit)
                return -ENOMEM;
        r = unit_file_load(d->unit, path, ret_error);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        for (size_t i = 0; i < d->unit->n_sections; i++) {
                const UnitSection *s = &d->unit->sections[i];
                if (streq(s->name, "Compose"))
                        sec = s;
                else if (!streq(s->name, "Unit") && !streq(s->name, "Install")) {
                        if (asprintf(ret_error, "%s: [%s]: a .compose file has [Compose], [Unit] and [Install] only.",
                                            path, s->name) < 0)
                                return -ENOMEM;
                        return -EINVAL;
                }
        }
        for (size_t i = 0; sec && i < sec->n_entries; i++) {
                const UnitEntry *e = &sec->entries[i];
                _cleanup_free_ char *v = unit_value_unquote(e->value);
                if (!v)
                        return -ENOMEM;
                if (streq(e->key, "File") || streq(e->key, "EnvironmentFile")) {
                        char ***list = streq(e->key, "File") ? &d->files : &d->env_files;
                        if (isempty(v)) { /* an empty assignment resets the list, as in units */
                                *list = strv_free(*list);
                                continue;
                        }
                        r = strv_consume(list, relative_to(d->dir, v));
                } else if (streq(e->key, "Profile")) {
                        _cleanup_strv_free_ char **words = NULL;
                        r = split_words(e->value, &words);
                        if (r >= 0)
                                r = strv_extend_strv(&d->profiles, words);
                } else if (streq(e->key, "ProjectName")) {
                        if (isempty(v))
                                return key_error(ret_error, e, "needs a project name.");
                        free(d->project);
                        d->project = TAKE_PTR(v);
                        continue;
                } else
                        return key_error(ret_error, e,
                                        "unknown key in [Compose] (File=, Profile=, EnvironmentFile=, ProjectName=).");
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return key_error(ret_error, e, "cannot be parsed.");
        }
        if (!d->files) {
                if (asprintf(ret_error, "%s: [Compose] needs File= (the compose file, relative to %s).", path, d->dir) < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        return 0;
}

static int read_directory(const char *path, Declaration *d) {
        const char *slash = strrchr(path, '/');

        d->project = strdup(slash ? slash + 1 : path);
        d->dir = strdup(path);
        d->source = directory_compose_file(path);
        d->unit = unit_file_new();
        if (!d->project || !d->dir || !d->source || !d->unit)
                return -ENOMEM;
        /* a project placed there is meant to run: it comes up at boot */
        return unit_file_append(d->unit, "Install", "WantedBy", "multi-user.target");
}

int compose_declaration_units(const char *path, const char *output_dir, bool user, ComposeUnits *ret, char **ret_error) {
        _cleanup_(declaration_done) Declaration d = {};
        _cleanup_(compose_project_done) ComposeProject p = {};
        _cleanup_free_ char *error = NULL;
        struct stat st;
        int r;

        *ret_error = NULL;
        if (stat(path, &st) < 0)
                return -errno;
        r = S_ISDIR(st.st_mode) ? read_directory(path, &d) : read_compose_file(path, &d, &error);
        if (r >= 0) {
                /* Not the generator's environment: a project means the same at boot and after it. */
                char *no_environment[] = { NULL };
                ComposeOptions o = {
                        .files = d.files,
                        .project_name = d.project,
                        .working_dir = d.dir,
                        .env_files = d.env_files,
                        .profiles = d.profiles,
                        .environ = no_environment,
                };
                r = compose_project_load(&o, &p, &error);
                if (r >= 0)
                        r = compose_generate_units(&p, d.source, d.unit, output_dir, user, ret, &error);
                if (r == -ENOENT || r == -EBADMSG)
                        r = -EINVAL;
        }
        if (r == -EINVAL) {
                int k;
                if (!error && asprintf(&error, "%s: cannot be converted.", path) < 0)
                        return -ENOMEM;
                if (!d.project || !d.source) /* read_directory/read_compose_file failed on memory */
                        return -ENOMEM;
                k = compose_error_units(d.project, d.source, d.unit, error, ret);
                if (k < 0)
                        return k;
                *ret_error = TAKE_PTR(error);
        }
        return r;
}
