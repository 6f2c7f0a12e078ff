/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading a compose project: finding the files, the variables (process environment over .env),
 * interpolation per file, extends, include, merging several files and the project name; the checks
 * across services are compose-check.c's. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose-env.h"
#include "compose-project.h"
#include "fs-util.h"
#include "strv.h"
#include "unit-convert.h"

static const char *const default_files[] = { "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
        NULL };
static const char *const override_files[] = {
        "compose.override.yml",
        "compose.override.yaml",
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
        NULL,
};
static const char *const top_keys[] = { "version", "name", "include", "services", "networks", "volumes", "secrets",
        "configs", NULL };
static const char *const resource_sections[] = { "networks", "volumes", "secrets", "configs", NULL };

void compose_project_done(ComposeProject *p) {
        free(p->name);
        free(p->dir);
        strv_free(p->files);
        strv_free(p->env);
        strv_free(p->warnings);
        ynode_free(p->root);
        *p = (ComposeProject) {};
}

static char *dirname_of(const char *path) {
        const char *slash = strrchr(path, '/');
        if (!slash)
                return strdup(".");
        if (slash == path)
                return strdup("/");
        return strndup(path, (size_t) (slash - path));
}

static char *make_abs(const char *dir, const char *p) {
        if (path_is_absolute(p))
                return strdup(p);
        return path_join(dir, p);
}

typedef struct Loading {
        ComposeProject *p;
        char **error;
        char **stack; /* files being loaded, for include and extends cycles */
} Loading;

static int interpolate_tree(Loading *l, YNode *n, const char *path) {
        int r;

        if (n->kind == Y_SCALAR) {
                _cleanup_free_ char *v = NULL, *err = NULL;
                if (!strchr(n->value, '$'))
                        return 0;
                r = compose_interpolate(n->value, l->p->env, &l->p->warnings, &v, &err);
                if (r == -EINVAL)
                        return compose_error(l->error, n, path, "%s", err);
                if (r < 0)
                        return r;
                free(n->value);
                n->value = TAKE_PTR(v);
                n->quoted = true; /* interpolated text is text: "true" from a variable stays a string */
                return 0;
        }
        for (size_t i = 0; i < n->n_items; i++) {
                _cleanup_free_ char *sub = n->kind == Y_MAP ? (path ? strjoin(path, ".", n->items[i]->key)
                                                                    : strdup(n->items[i]->key))
                                                            : strdup(path ?: "");
                if (!sub)
                        return -ENOMEM;
                r = interpolate_tree(l, n->items[i], sub);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_file(Loading *l, const char *path, YNode **ret);
static int normalize_file(Loading *l, YNode *root, const char *file, const char *dir);

/* extends: the base service (normalised) with the local one merged over it. */
static int resolve_extends(Loading *l, YNode *services, const char *name, const char *file, const char *dir,
                char ***seen, YNode **ret) {
        YNode *raw = ynode_get(services, name), *ext;
        _cleanup_(ynode_freep) YNode *local = NULL, *base = NULL, *other = NULL;
        _cleanup_free_ char *path = strjoin("services.", name), *key = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        local = ynode_copy(raw);
        if (!local)
                return -ENOMEM;
        ext = ynode_get(local, "extends");
        if (ext) {
                const char *base_name, *base_file = NULL;
                YNode *bs, *bf;
                _cleanup_free_ char *ext_path = strjoin(path, ".extends");
                if (!ext_path)
                        return -ENOMEM;
                if (ext->kind == Y_SCALAR)
                        base_name = ext->value;
                else if (ext->kind == Y_MAP && (bs = ynode_get(ext, "service")) && bs->kind == Y_SCALAR) {
                        base_name = bs->value;
                        bf = ynode_get(ext, "file");
                        for (size_t i = 0; i < ext->n_items; i++)
                                if (!streq(ext->items[i]->key, "service") && !streq(ext->items[i]->key, "file"))
                                        return compose_error(l->error, ext->items[i], ext_path, "unknown key '%s'.",
                                                        ext->items[i]->key);
                        if (bf && bf->kind == Y_SCALAR)
                                base_file = bf->value;
                } else
                        return compose_error(l->error, ext, ext_path, "must be a service name or {service, file}.");
                key = strjoin(base_file ?: file, "#", base_name);
                if (!key)
                        return -ENOMEM;
                if (strv_contains(*seen, key))
                        return compose_error(l->error, ext, ext_path, "extends '%s' again: a cycle.", base_name);
                if ((r = strv_extend(seen, key)) < 0)
                        return r;
                if (base_file) {
                        _cleanup_free_ char *abs = make_abs(dir, base_file), *odir = NULL;
                        if (!abs)
                                return -ENOMEM;
                        r = load_file(l, abs, &other);
                        if (r < 0)
                                return r;
                        odir = dirname_of(abs);
                        if (!odir)
                                return -ENOMEM;
                        YNode *osvcs = ynode_get(other, "services");
                        if (!ynode_get(osvcs, base_name))
                                return compose_error(l->error, ext, ext_path, "%s has no service '%s'.", abs, base_name);
                        r = resolve_extends(l, osvcs, base_name, abs, odir, seen, &base);
                } else {
                        if (!ynode_get(services, base_name))
                                return compose_error(l->error, ext, ext_path, "there is no service '%s' to extend.",
                                                base_name);
                        r = resolve_extends(l, services, base_name, file, dir, seen, &base);
                }
                if (r < 0)
                        return r;
                ynode_remove(local, "extends");
        }
        r = compose_normalize_service(local, path, dir, l->p->env, l->error);
        if (r < 0)
                return r;
        if (base) {
                r = ynode_merge(base, local);
                if (r < 0)
                        return r;
                free(base->key);
                base->key = TAKE_PTR(local->key);
                base->line = local->line;
                *ret = TAKE_PTR(base);
        } else
                *ret = TAKE_PTR(local);
        return 0;
}

static int load_file(Loading *l, const char *path, YNode **ret) {
        _cleanup_(ynode_freep) YNode *root = NULL;
        _cleanup_free_ char *err = NULL;
        int r;

        r = yaml_load_file(path, &root, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                *l->error = TAKE_PTR(err);
                return r;
        }
        for (size_t i = 0; i < root->n_items; i++) {
                const char *k = root->items[i]->key;
                if (!strv_contains((char **) top_keys, k) && !startswith(k, "x-")) {
                        _cleanup_strv_free_ char **names = strv_copy((char **) top_keys);
                        const char *guess = names ? closest_word(k, names) : NULL;
                        if (guess)
                                return compose_error(l->error, root->items[i], "(top level)",
                                                "unknown key '%s'; did you mean '%s'?", k, guess);
                        return compose_error(l->error, root->items[i], "(top level)", "unknown key '%s'.", k);
                }
        }
        ynode_remove(root, "version"); /* obsolete and informative only */
        r = interpolate_tree(l, root, NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(root);
        return 0;
}

/* include: each entry a path (or {path, project_directory, env_file}) loaded as a project of its
 * own whose services and resources join this one; a name defined twice is an error. */
static int do_include(Loading *l, YNode *root, const char *dir) {
        YNode *inc = ynode_get(root, "include");
        int r;

        if (!inc)
                return 0;
        if (inc->kind != Y_SEQ)
                return compose_error(l->error, inc, "include", "must be a list.");
        for (size_t i = 0; i < inc->n_items; i++) {
                YNode *item = inc->items[i], *pathn = item;
                _cleanup_(ynode_freep) YNode *other = NULL;
                _cleanup_free_ char *abs = NULL, *odir = NULL;
                if (item->kind == Y_MAP) {
                        for (size_t k = 0; k < item->n_items; k++)
                                if (!strv_contains((char *[]) { "path", "project_directory", "env_file", NULL },
                                                    item->items[k]->key))
                                        return compose_error(l->error, item->items[k], "include", "unknown key '%s'.",
                                                        item->items[k]->key);
                        pathn = ynode_get(item, "path");
                }
                if (!pathn || pathn->kind != Y_SCALAR)
                        return compose_error(l->error, item, "include", "an entry is a path or {path: ...}.");
                abs = make_abs(dir, pathn->value);
                odir = abs ? dirname_of(abs) : NULL;
                if (!odir)
                        return -ENOMEM;
                if (strv_contains(l->stack, abs))
                        return compose_error(l->error, pathn, "include", "%s includes itself: a cycle.", abs);
                r = strv_extend(&l->stack, abs);
                if (r >= 0)
                        r = load_file(l, abs, &other);
                if (r >= 0)
                        r = normalize_file(l, other, abs, odir);
                if (r < 0)
                        return r;
                free(l->stack[strv_length(l->stack) - 1]);
                l->stack[strv_length(l->stack) - 1] = NULL;
                for (const char *const *s = (const char *const[]) { "services", "networks", "volumes", "secrets",
                                     "configs", NULL };
                                *s; s++) {
                        YNode *from = ynode_get(other, *s), *to = ynode_get(root, *s);
                        if (!from)
                                continue;
                        if (!to) {
                                to = ynode_new(Y_MAP, root->file, root->line);
                                if (!to || ynode_set(root, *s, to) < 0)
                                        return -ENOMEM;
                        }
                        for (size_t k = 0; k < from->n_items; k++) {
                                YNode *c;
                                if (ynode_get(to, from->items[k]->key))
                                        return compose_error(l->error, pathn, "include",
                                                        "%s defines %s '%s' that "
                                                        "this project has already.",
                                                        abs, *s, from->items[k]->key);
                                c = ynode_copy(from->items[k]);
                                if (!c || ynode_append(to, c) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        ynode_remove(root, "include");
        return 0;
}

static int normalize_file(Loading *l, YNode *root, const char *file, const char *dir) {
        YNode *services = ynode_get(root, "services"), *name = ynode_get(root, "name");
        _cleanup_(ynode_freep) YNode *out = NULL;
        int r;

        if (name && name->kind != Y_SCALAR)
                return compose_error(l->error, name, "name", "must be a string.");
        if (services) {
                if (services->kind == Y_NULL)
                        services->kind = Y_MAP;
                if (services->kind != Y_MAP)
                        return compose_error(l->error, services, "services", "must be a mapping.");
                out = ynode_new(Y_MAP, services->file, services->line);
                if (!out)
                        return -ENOMEM;
                for (size_t i = 0; i < services->n_items; i++) {
                        _cleanup_strv_free_ char **seen = NULL;
                        YNode *svc = NULL;
                        if (startswith(services->items[i]->key, "x-"))
                                continue;
                        r = resolve_extends(l, services, services->items[i]->key, file, dir, &seen, &svc);
                        if (r >= 0)
                                r = ynode_append(out, svc);
                        if (r < 0)
                                return r;
                }
                r = ynode_set(root, "services", TAKE_PTR(out));
                if (r < 0)
                        return r;
        }
        for (const char *const *s = resource_sections; *s; s++) {
                YNode *sec = ynode_get(root, *s);
                if (!sec)
                        continue;
                if (sec->kind == Y_NULL)
                        sec->kind = Y_MAP;
                if (sec->kind != Y_MAP)
                        return compose_error(l->error, sec, *s, "must be a mapping.");
                for (size_t i = 0; i < sec->n_items; i++) {
                        _cleanup_free_ char *path = strjoin(*s, ".", sec->items[i]->key);
                        if (!path)
                                return -ENOMEM;
                        if (startswith(sec->items[i]->key, "x-"))
                                continue;
                        r = compose_normalize_resource(sec->items[i], *s, path, dir, l->error);
                        if (r < 0)
                                return r;
                }
        }
        return do_include(l, root, dir);
}

/* lowercase, [a-z0-9_-] only, no leading - or _ (compose-go's NormalizeProjectName) */
static char *normalize_name(const char *s) {
        char *n = malloc(strlen(s) + 1), *o = n;
        if (!n)
                return NULL;
        for (; *s; s++) {
                char c = (char) tolower((unsigned char) *s);
                if (isalnum((unsigned char) c) || ((c == '-' || c == '_') && o != n))
                        *o++ = c;
        }
        *o = 0;
        return n;
}

static bool name_is_valid(const char *s) {
        if (!*s || !(islower((unsigned char) *s) || isdigit((unsigned char) *s)))
                return false;
        for (; *s; s++)
                if (!(islower((unsigned char) *s) || isdigit((unsigned char) *s) || *s == '-' || *s == '_'))
                        return false;
        return true;
}

static int find_files(const ComposeOptions *o, char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_free_ char *cwd = o->working_dir ? strdup(o->working_dir) : getcwd(NULL, 0);
        const char *compose_file = compose_env_get(o->environ, "COMPOSE_FILE");
        int r;

        if (!cwd)
                return -ENOMEM;
        if (o->files) {
                STRV_FOREACH(f, o->files)
                        if ((r = strv_consume(&files, make_abs(cwd, *f))) < 0)
                                return r;
        } else if (!isempty(compose_file)) {
                _cleanup_free_ char *copy = strdup(compose_file);
                char *save = NULL;
                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
                        if ((r = strv_consume(&files, make_abs(cwd, t))) < 0)
                                return r;
        } else {
                /* the working directory, then its parents */
                _cleanup_free_ char *dir = strdup(cwd);
                while (dir && !files) {
                        for (const char *const *d = default_files; *d && !files; d++) {
                                _cleanup_free_ char *p = path_join(dir, *d);
                                if (!p)
                                        return -ENOMEM;
                                if (access(p, F_OK) >= 0 && (r = strv_extend(&files, p)) < 0)
                                        return r;
                        }
                        for (const char *const *d = override_files; files && *d; d++) {
                                _cleanup_free_ char *p = path_join(dir, *d);
                                if (!p)
                                        return -ENOMEM;
                                if (access(p, F_OK) >= 0) {
                                        if ((r = strv_extend(&files, p)) < 0)
                                                return r;
                                        break;
                                }
                        }
                        if (streq(dir, "/"))
                                break;
                        char *parent = dirname_of(dir);
                        free(dir);
                        dir = parent;
                }
                if (!dir)
                        return -ENOMEM;
                if (!files) {
                        if (asprintf(ret_error,
                                            "%s: no compose.yaml, compose.yml, docker-compose.yml or "
                                            "docker-compose.yaml here or in a parent directory.",
                                            cwd) < 0)
                                return -ENOMEM;
                        return -ENOENT;
                }
        }
        if (!files) { /* COMPOSE_FILE of separators only */
                if (asprintf(ret_error, "COMPOSE_FILE='%s' names no file.", compose_file ?: "") < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        *ret = TAKE_PTR(files);
        return 0;
}

/* A .env file's variables into env, where those already set win. */
static int dotenv_into_environment(char ***env, const char *path, char **ret_error) {
        _cleanup_strv_free_ char **vars = NULL;
        int r;

        r = compose_dotenv_load(path, *env, false, &vars, ret_error);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        STRV_FOREACH(kv, vars) {
                _cleanup_free_ char *k = strndup(*kv, strcspn(*kv, "="));
                if (!k || compose_env_set(env, k, *kv + strlen(k) + 1, false) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int compose_project_load(const ComposeOptions *o, ComposeProject *ret, char **ret_error) {
        _cleanup_(compose_project_done) ComposeProject p = {};
        _cleanup_strv_free_ char **profiles = strv_copy(o->profiles);
        _cleanup_(ynode_freep) YNode *root = NULL;
        Loading l = { .p = &p, .error = ret_error };
        const char *v;
        int r;

        *ret_error = NULL;
        if (o->profiles && !profiles)
                return -ENOMEM;
        r = find_files(o, &p.files, ret_error);
        if (r < 0)
                return r;
        p.dir = o->project_dir ? strdup(o->project_dir) : dirname_of(p.files[0]);
        p.env = strv_copy(o->environ);
        if (!p.dir || (o->environ && !p.env))
                return -ENOMEM;

        /* .env: the process environment wins over it */
        if (o->env_files) {
                STRV_FOREACH(f, o->env_files) {
                        r = dotenv_into_environment(&p.env, *f, ret_error);
                        if (r < 0)
                                return r;
                }
        } else {
                _cleanup_free_ char *dotenv = path_join(p.dir, ".env");
                if (!dotenv)
                        return -ENOMEM;
                if (access(dotenv, F_OK) >= 0 && !compose_env_get(p.env, "COMPOSE_DISABLE_ENV_FILE")) {
                        r = dotenv_into_environment(&p.env, dotenv, ret_error);
                        if (r < 0)
                                return r;
                }
        }
        if ((v = compose_env_get(p.env, "COMPOSE_PROFILES"))) {
                _cleanup_free_ char *copy = strdup(v);
                char *save = NULL;
                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                        if ((r = strv_extend(&profiles, t)) < 0)
                                return r;
        }

        STRV_FOREACH(f, p.files) {
                _cleanup_(ynode_freep) YNode *one = NULL;
                _cleanup_free_ char *dir = o->project_dir ? strdup(o->project_dir) : dirname_of(p.files[0]);
                if (!dir)
                        return -ENOMEM;
                r = load_file(&l, *f, &one);
                if (r >= 0)
                        r = normalize_file(&l, one, *f, dir);
                if (r < 0)
                        return r;
                if (!root)
                        root = TAKE_PTR(one);
                else if ((r = ynode_merge(root, one)) < 0)
                        return r;
        }
        strv_free(l.stack);

        /* -p, then COMPOSE_PROJECT_NAME, then name:, then the project directory's name */
        if (o->project_name || (v = compose_env_get(p.env, "COMPOSE_PROJECT_NAME"))) {
                const char *n = o->project_name ?: v;
                if (!name_is_valid(n)) {
                        if (asprintf(ret_error,
                                            "'%s' is not a valid project name: lowercase letters, digits, "
                                            "dashes "
                                            "and underscores, starting with a letter or digit.",
                                            n) < 0)
                                *ret_error = NULL;
                        return *ret_error ? -EINVAL : -ENOMEM;
                }
                p.name = strdup(n);
        } else {
                YNode *name = ynode_get(root, "name");
                const char *slash = strrchr(p.dir, '/');
                p.name = normalize_name(name ? name->value : slash ? slash + 1 : p.dir);
        }
        if (!p.name)
                return -ENOMEM;
        if (isempty(p.name)) {
                if (asprintf(ret_error, "%s: no project name: give one with -p or name:.", p.files[0]) < 0)
                        *ret_error = NULL;
                return *ret_error ? -EINVAL : -ENOMEM;
        }
        {
                YNode *name = ynode_new_scalar(p.name, Y_STR, root->file, 1);
                if (!name || ynode_set(root, "name", name) < 0)
                        return -ENOMEM;
        }
        r = compose_project_finish(&p, root, profiles, ret_error);
        if (r < 0)
                return r;
        p.root = TAKE_PTR(root);
        *ret = TAKE_STRUCT(p);
        return 0;
}
