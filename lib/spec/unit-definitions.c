/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding definition files and their drop-ins, loading them, and naming the units and resources they
 * become. The conversion itself is in unit-convert.c and the per-type files. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "strv.h"
#include "unit-convert.h"

#define MAX_DEPTH 32

typedef struct Visited {
        dev_t *dev;
        ino_t *ino;
        size_t n;
} Visited;

static void visited_done(Visited *v) {
        free(v->dev);
        free(v->ino);
}

/* Returns 1 when the directory was seen before (a symlink loop or a second way to it), 0 after adding. */
static int visited_check_add(Visited *v, const struct stat *st) {
        dev_t *d;
        ino_t *i;

        for (size_t k = 0; k < v->n; k++)
                if (v->dev[k] == st->st_dev && v->ino[k] == st->st_ino)
                        return 1;
        d = reallocarray(v->dev, v->n + 1, sizeof(dev_t));
        if (!d)
                return -ENOMEM;
        v->dev = d;
        i = reallocarray(v->ino, v->n + 1, sizeof(ino_t));
        if (!i)
                return -ENOMEM;
        v->ino = i;
        v->dev[v->n] = st->st_dev;
        v->ino[v->n] = st->st_ino;
        v->n++;
        return 0;
}

static void definition_done(Definition *d) {
        free(d->name);
        free(d->path);
        free(d->dir);
        unit_file_free(d->file);
        free(d->service_name);
        free(d->resource_name);
        free(d->error);
}

void definition_set_done(DefinitionSet *set) {
        for (size_t i = 0; i < set->n_defs; i++)
                definition_done(&set->defs[i]);
        free(set->defs);
        free(set->by_name);
        strv_free(set->dirs);
        strv_free(set->dropin_dirs);
        *set = (DefinitionSet) {};
}

int unit_search_path(bool user, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *e = getenv("BERTH_UNIT_DIRS"), *config = berth_path(BERTH_PATH_CONFIG);
        int r = 0;

        if (!isempty(e)) {
                _cleanup_free_ char *copy = strdup(e);
                char *saveptr = NULL;
                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ":", &saveptr); t; t = strtok_r(NULL, ":", &saveptr)) {
                        r = strv_extend(&l, t);
                        if (r < 0)
                                return r;
                }
        } else if (!user) {
                r = strv_extend(&l, berth_path(BERTH_PATH_RUN));
                if (r >= 0)
                        r = strv_extend(&l, config);
                if (r >= 0)
                        r = strv_extend(&l, "/usr/share/berth");
                if (r < 0)
                        return r;
        } else {
                const char *runtime = getenv("XDG_RUNTIME_DIR"), *xdg = getenv("XDG_CONFIG_HOME");
                const char *home = getenv("HOME");
                char uid[32];

                if (!isempty(runtime) && (r = strv_consume(&l, path_join(runtime, "berth"))) < 0)
                        return r;
                if (!isempty(xdg))
                        r = strv_consume(&l, path_join(xdg, "berth"));
                else if (!isempty(home))
                        r = strv_consume(&l, path_join(home, ".config/berth"));
                if (r < 0)
                        return r;
                (void) snprintf(uid, sizeof uid, "users/%u", (unsigned) getuid());
                r = strv_consume(&l, path_join(config, "users"));
                if (r >= 0)
                        r = strv_consume(&l, path_join(config, uid));
                if (r < 0)
                        return r;
        }
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static bool is_number(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

static bool definition_set_has(const DefinitionSet *set, const char *name) {
        for (size_t i = 0; i < set->n_defs; i++)
                if (streq(set->defs[i].name, name))
                        return true;
        return false;
}

/* Orders indices of set->defs by name, then by index (qsort_r context: the set). */
static int compare_by_name(const void *a, const void *b, void *userdata) {
        const DefinitionSet *set = userdata;
        size_t i = *(const size_t *) a, j = *(const size_t *) b;
        int c = strcmp(set->defs[i].name, set->defs[j].name);

        return c != 0 ? c : (i > j) - (i < j);
}

static int compare_by_service(const void *a, const void *b, void *userdata) {
        const DefinitionSet *set = userdata;
        size_t i = *(const size_t *) a, j = *(const size_t *) b;
        int c = strcmp(set->defs[i].service_name ?: "", set->defs[j].service_name ?: "");

        return c != 0 ? c : (i > j) - (i < j);
}

static size_t *sorted_indices(const DefinitionSet *set, int (*compare)(const void *, const void *, void *)) {
        size_t *idx = calloc(MAX(set->n_defs, (size_t) 1), sizeof(size_t));

        if (!idx)
                return NULL;
        for (size_t i = 0; i < set->n_defs; i++)
                idx[i] = i;
        qsort_r(idx, set->n_defs, sizeof(size_t), compare, (void *) set);
        return idx;
}

/* The first file of a name wins: later ones (lower precedence) are removed, the order kept. */
static int drop_shadowed(DefinitionSet *set) {
        _cleanup_free_ size_t *idx = sorted_indices(set, compare_by_name);
        _cleanup_free_ bool *drop = calloc(MAX(set->n_defs, (size_t) 1), sizeof(bool));
        size_t n = 0;

        if (!idx || !drop)
                return -ENOMEM;
        for (size_t k = 1; k < set->n_defs; k++)
                if (streq(set->defs[idx[k]].name, set->defs[idx[k - 1]].name))
                        drop[idx[k]] = true;
        for (size_t i = 0; i < set->n_defs; i++) {
                if (drop[i])
                        definition_done(&set->defs[i]);
                else
                        set->defs[n++] = set->defs[i];
        }
        set->n_defs = n;
        return 0;
}

/* The lookup index, and which definitions become the same service as another one. */
static int index_definitions(DefinitionSet *set) {
        _cleanup_free_ size_t *by_service = sorted_indices(set, compare_by_service);

        free(set->by_name);
        set->by_name = sorted_indices(set, compare_by_name);
        if (!set->by_name || !by_service)
                return -ENOMEM;
        for (size_t k = 0; k < set->n_defs; k++) {
                Definition *d = &set->defs[by_service[k]];
                size_t first = k;

                if (!d->service_name)
                        continue;
                while (first > 0 && streq_ptr(set->defs[by_service[first - 1]].service_name, d->service_name))
                        first--;
                /* As a scan in file order would report it: the first other one of the group. */
                if (first != k)
                        d->clash = &set->defs[by_service[first]];
                else if (k + 1 < set->n_defs && streq_ptr(set->defs[by_service[k + 1]].service_name, d->service_name))
                        d->clash = &set->defs[by_service[k + 1]];
        }
        return 0;
}

static int definition_set_append(DefinitionSet *set, const char *name, const char *path, const char *dir) {
        Definition *n = reallocarray(set->defs, set->n_defs + 1, sizeof(Definition));
        Definition *d;

        if (!n)
                return -ENOMEM;
        set->defs = n;
        d = &set->defs[set->n_defs];
        *d = (Definition) {
                .name = strdup(name),
                .path = strdup(path),
                .dir = strdup(dir),
                .type = unit_type_from_filename(name),
        };
        set->n_defs++;
        if (!d->name || !d->path || !d->dir)
                return -ENOMEM;
        return 0;
}

static int add_dir(DefinitionSet *set, const char *dir) {
        if (strv_contains(set->dirs, dir))
                return 0;
        return strv_extend(&set->dirs, dir);
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted names of a directory's entries, so that the walk and "first name wins" do not depend on
 * readdir order. */
static int list_dir(const char *dir, char ***ret) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;
        int r;

        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue; /* ".", "..", and hidden files such as editors' temporaries */
                r = strv_extend(&l, de->d_name);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return -errno;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(l);
        return 0;
}

typedef enum WalkFlags {
        WALK_RECURSIVE = 1 << 0,
        WALK_SKIP_USERS = 1 << 1,   /* the system instance ignores the users/ subtree */
        WALK_SKIP_NUMERIC = 1 << 2, /* in users/, numeric subdirectories belong to one user each */
} WalkFlags;

static int walk(DefinitionSet *set, const char *dir, WalkFlags flags, Visited *visited, unsigned depth) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = list_dir(dir, &names);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return (void) log_warning_errno(r, "Cannot read directory %s, ignoring: %m", dir), 0;
        r = add_dir(set, dir);
        if (r < 0)
                return r;

        STRV_FOREACH(n, names) {
                _cleanup_free_ char *path = path_join(dir, *n);
                struct stat st;

                if (!path)
                        return -ENOMEM;
                if (stat(path, &st) < 0) {
                        log_debug("Ignoring %s: %m", path); /* a dangling symlink */
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        if (endswith(*n, ".d")) {
                                r = strv_extend(&set->dropin_dirs, path);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (!(flags & WALK_RECURSIVE) || endswith(*n, ".d") || depth >= MAX_DEPTH)
                                continue;
                        if (depth == 0 && (flags & WALK_SKIP_USERS) && streq(*n, "users"))
                                continue;
                        if (depth == 0 && (flags & WALK_SKIP_NUMERIC) && is_number(*n))
                                continue;
                        r = visited_check_add(visited, &st);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                continue;
                        r = walk(set, path, flags & ~(WALK_SKIP_USERS | WALK_SKIP_NUMERIC), visited, depth + 1);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Names seen before are dropped once the walk is done (drop_shadowed()): checking each
                 * one here would make scanning quadratic in the number of files. */
                if (!S_ISREG(st.st_mode) || !unit_type_from_filename(*n))
                        continue;
                r = definition_set_append(set, *n, path, dir);
                if (r < 0)
                        return r;
        }
        return 0;
}

int definition_set_scan(DefinitionSet *set, char *const *roots, bool user) {
        _cleanup_(visited_done) Visited visited = {};
        const char *rundir = berth_path(BERTH_PATH_RUN);
        int r;

        set->user = user;
        STRV_FOREACH(root, roots) {
                WalkFlags flags = set->flat ? 0 : WALK_RECURSIVE;
                struct stat st;

                if (!path_is_absolute(*root)) {
                        log_warning("Ignoring search directory '%s': not an absolute path.", *root);
                        continue;
                }
                if (stat(*root, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                r = visited_check_add(&visited, &st);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                /* The runtime keeps container state and mount points below the run directory: only its
                 * top level holds definitions. */
                if (!user && streq(*root, rundir))
                        flags &= ~WALK_RECURSIVE;
                if (!user)
                        flags |= WALK_SKIP_USERS;
                else if (endswith(*root, "/users"))
                        flags |= WALK_SKIP_NUMERIC;
                r = walk(set, *root, flags, &visited, 0);
                if (r < 0)
                        return r;
        }
        if (set->dropin_dirs)
                qsort(set->dropin_dirs, strv_length(set->dropin_dirs), sizeof(char *), compare_strings);
        return drop_shadowed(set);
}

int definition_set_add_file(DefinitionSet *set, const char *path) {
        _cleanup_free_ char *abs = NULL, *dir = NULL;
        const char *name, *slash;
        int r;

        if (path_is_absolute(path))
                abs = strdup(path);
        else {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd)
                        return -errno;
                abs = path_join(cwd, path);
        }
        if (!abs)
                return -ENOMEM;
        slash = strrchr(abs, '/');
        name = slash + 1;
        dir = slash == abs ? strdup("/") : strndup(abs, (size_t) (slash - abs));
        if (!dir)
                return -ENOMEM;
        if (!unit_type_from_filename(name))
                return log_error_errno(-EINVAL,
                                "%s: not a definition file (expected .container, .volume, .network, .image, .build or .pod).",
                                path);
        if (definition_set_has(set, name))
                return log_error_errno(-EEXIST, "%s: a definition named %s was given already.", path, name);
        r = add_dir(set, dir);
        if (r < 0)
                return r;
        return definition_set_append(set, name, abs, dir);
}

/* "db@blue.container" → prefix "db", instance "blue", templated. Returns the stem "db@blue". */
typedef struct NameParts {
        char *stem;
        char *prefix;
        char *instance; /* NULL when not a template; "" for the template itself */
} NameParts;

static void name_parts_done(NameParts *p) {
        free(p->stem);
        free(p->prefix);
        free(p->instance);
}

static int name_parts(const char *name, NameParts *ret) {
        const char *dot = strrchr(name, '.'), *at;
        NameParts p = {};

        p.stem = dot ? strndup(name, (size_t) (dot - name)) : strdup(name);
        if (!p.stem)
                return -ENOMEM;
        at = strchr(p.stem, '@');
        p.prefix = at ? strndup(p.stem, (size_t) (at - p.stem)) : strdup(p.stem);
        if (at)
                p.instance = strdup(at + 1);
        if (!p.prefix || (at && !p.instance)) {
                name_parts_done(&p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

/* Unit and resource names of a definition, for instance (NULL: the definition's own). */
static int definition_names(const Definition *d, const char *instance, char **ret_service, char **ret_resource) {
        _cleanup_(name_parts_done) NameParts p = {};
        _cleanup_free_ char *service_base = NULL, *svc = NULL, *res = NULL;
        const UnitEntry *e;
        int r;

        r = name_parts(d->name, &p);
        if (r < 0)
                return r;
        if (!instance)
                instance = p.instance;

        e = d->file ? unit_file_lookup_last(d->file, d->type->section, "ServiceName") : NULL;
        if (e && !isempty(e->value) && !strpbrk(e->value, "/@ \t\""))
                service_base = unit_value_unquote(e->value); /* a bad one is reported by the conversion */
        else
                service_base = strjoin(p.prefix, d->type->service_suffix);
        if (!service_base)
                return -ENOMEM;
        svc = instance ? strjoin(service_base, "@", instance, ".service") : strjoin(service_base, ".service");

        e = d->type->name_key && d->file ? unit_file_lookup_last(d->file, d->type->section, d->type->name_key) : NULL;
        if (e && !isempty(e->value))
                res = unit_value_unquote(e->value);
        else if (streq(d->type->extension, "image")) {
                e = d->file ? unit_file_lookup_last(d->file, "Image", "ImageTag") : NULL;
                if (!e || isempty(e->value))
                        e = d->file ? unit_file_lookup_last(d->file, "Image", "Image") : NULL;
                res = e ? unit_value_unquote(e->value) : strdup("");
        } else if (streq(d->type->extension, "build")) {
                /* the first ImageTag= names the built image for the containers that use it */
                _cleanup_free_ const UnitEntry **tags = NULL;
                if (d->file && unit_file_lookup_list(d->file, "Build", "ImageTag", &tags) < 0)
                        return -ENOMEM;
                res = tags && tags[0] ? unit_value_unquote(tags[0]->value) : strdup("");
        } else if (streq(d->type->extension, "container")) {
                /* The same name --name=%N (or %p_%i for templates) gives when systemd expands it. */
                res = instance ? strjoin(service_base, "_", isempty(instance) ? "%i" : instance) : strdup(service_base);
        } else
                res = instance ? strjoin(p.prefix, "-", isempty(instance) ? "%i" : instance) : strdup(p.stem);
        if (!svc || !res)
                return -ENOMEM;

        /* A template's own resource name may use %i; an instance of it gets the instance's name. */
        if (!isempty(instance) && strstr(res, "%i")) {
                _cleanup_free_ char *expanded = NULL;
                const char *at = strstr(res, "%i");
                if (asprintf(&expanded, "%.*s%s%s", (int) (at - res), res, instance, at + 2) < 0)
                        return -ENOMEM;
                free(res);
                res = TAKE_PTR(expanded);
        }
        *ret_service = TAKE_PTR(svc);
        *ret_resource = TAKE_PTR(res);
        return 0;
}

static int collect_dropins(const DefinitionSet *set, const Definition *d, char ***ret) {
        _cleanup_(name_parts_done) NameParts p = {};
        _cleanup_strv_free_ char **dnames = NULL, **seen = NULL, **paths = NULL;
        const char *ext = d->type->extension;
        size_t n;
        int r;

        r = name_parts(d->name, &p);
        if (r < 0)
                return r;
        /* From the least to the most specific: type-wide, dashed prefixes, template, the file itself. */
        r = strv_consume(&dnames, strjoin(ext, ".d"));
        for (const char *dash = strchr(p.prefix, '-'); r >= 0 && dash; dash = strchr(dash + 1, '-')) {
                _cleanup_free_ char *pre = strndup(p.prefix, (size_t) (dash - p.prefix) + 1);
                r = pre ? strv_consume(&dnames, strjoin(pre, ".", ext, ".d")) : -ENOMEM;
                /* templates also look in the truncated template's directory: "foo-@.container.d" */
                if (r >= 0 && p.instance)
                        r = strv_consume(&dnames, strjoin(pre, "@.", ext, ".d"));
        }
        if (r >= 0 && p.instance && !isempty(p.instance))
                r = strv_consume(&dnames, strjoin(p.prefix, "@.", ext, ".d"));
        if (r >= 0)
                r = strv_consume(&dnames, strjoin(d->name, ".d"));
        if (r < 0)
                return r;

        /* For each file name the earlier search directory wins, and within it the most specific one. */
        STRV_FOREACH(dir, set->dirs)
                for (n = strv_length(dnames); n > 0; n--) {
                        _cleanup_free_ char *dpath = path_join(*dir, dnames[n - 1]);
                        _cleanup_strv_free_ char **confs = NULL;

                        if (!dpath)
                                return -ENOMEM;
                        /* Most definitions have no drop-ins: look for them only where the walk saw one. */
                        if (!set->dropin_dirs || !bsearch(&dpath, set->dropin_dirs, strv_length(set->dropin_dirs),
                                                                 sizeof(char *), compare_strings))
                                continue;
                        if (list_dir(dpath, &confs) < 0)
                                continue;
                        STRV_FOREACH(c, confs) {
                                if (!endswith(*c, ".conf") || strv_contains(seen, *c))
                                        continue;
                                r = strv_extend(&seen, *c);
                                if (r >= 0)
                                        r = strv_consume(&paths, path_join(dpath, *c));
                                if (r < 0)
                                        return r;
                        }
                }
        /* Applied in the order of their file names, so that a later one overrides an earlier one. */
        if (paths) {
                size_t k = strv_length(paths);
                for (size_t i = 1; i < k; i++)
                        for (size_t j = i; j > 0; j--) {
                                const char *a = strrchr(paths[j - 1], '/') + 1, *b = strrchr(paths[j], '/') + 1;
                                char *t;
                                if (strcmp(a, b) <= 0)
                                        break;
                                t = paths[j - 1];
                                paths[j - 1] = paths[j];
                                paths[j] = t;
                        }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

int definition_set_add_memory(DefinitionSet *set, const char *name, const char *path, const char *dir, UnitFile *file) {
        int r = definition_set_append(set, name, path, dir);

        if (r < 0) {
                unit_file_free(file);
                return r;
        }
        set->defs[set->n_defs - 1].file = file;
        return 0;
}

static int definition_load(const DefinitionSet *set, Definition *d) {
        _cleanup_strv_free_ char **dropins = NULL;
        int r;

        if (d->file) /* made in memory (compose): nothing to read, no drop-ins */
                return definition_names(d, NULL, &d->service_name, &d->resource_name);

        d->file = unit_file_new();
        if (!d->file)
                return -ENOMEM;
        r = unit_file_load(d->file, d->path, &d->error);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                r = collect_dropins(set, d, &dropins);
                if (r < 0)
                        return r;
                STRV_FOREACH(p, dropins) {
                        r = unit_file_load(d->file, *p, &d->error);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                break;
                }
        }
        return definition_names(d, NULL, &d->service_name, &d->resource_name);
}

int definition_set_load(DefinitionSet *set) {
        for (size_t i = 0; i < set->n_defs; i++) {
                int r = definition_load(set, &set->defs[i]);
                if (r < 0)
                        return r;
        }
        return index_definitions(set);
}

typedef struct NameKey {
        const DefinitionSet *set;
        const char *name;
} NameKey;

static int compare_key_name(const void *key, const void *elem) {
        const NameKey *k = key;
        return strcmp(k->name, k->set->defs[*(const size_t *) elem].name);
}

static const Definition *definition_set_find(const DefinitionSet *set, const char *name) {
        const NameKey key = { set, name };
        const size_t *i;

        if (!set->by_name)
                return NULL;
        i = bsearch(&key, set->by_name, set->n_defs, sizeof(size_t), compare_key_name);
        return i ? &set->defs[*i] : NULL;
}

int convert_resolve(ConvertContext *c, const UnitEntry *e, const char *value, const char *expected_ext,
                const Definition **ret_def, char **ret_service, char **ret_resource) {
        _cleanup_(name_parts_done) NameParts p = {};
        _cleanup_free_ char *template = NULL;
        const char *instance = NULL;
        const Definition *d;
        const UnitType *t = unit_type_from_filename(value);
        int r;

        if (!t || (expected_ext && !streq(t->extension, expected_ext)))
                return convert_error(c, e, "'%s' does not name a .%s file.", value, expected_ext ?: "container");
        d = definition_set_find(c->set, value);
        if (!d) {
                r = name_parts(value, &p);
                if (r < 0)
                        return r;
                if (!isempty(p.instance)) {
                        template = strjoin(p.prefix, "@.", t->extension);
                        if (!template)
                                return -ENOMEM;
                        d = definition_set_find(c->set, template);
                        instance = p.instance;
                }
        } else if (d->name[strcspn(d->name, "@")] == '@' && strstr(d->name, "@.")) {
                /* a bare template referenced by name: its instance is this unit's instance */
                instance = "%i";
        }
        if (!d) {
                _cleanup_strv_free_ char **names = NULL;
                const char *guess;
                for (size_t i = 0; c->set->defs && i < c->set->n_defs; i++)
                        if (c->set->defs[i].type == t && (r = strv_extend(&names, c->set->defs[i].name)) < 0)
                                return r;
                guess = closest_word(value, names);
                if (guess)
                        return convert_error(c, e, "No definition file %s was found; did you mean %s?", value, guess);
                return convert_error(c, e, "No definition file %s was found in the search path.", value);
        }
        if (ret_def)
                *ret_def = d;
        return definition_names(d, instance, ret_service, ret_resource);
}
