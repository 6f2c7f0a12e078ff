/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading a compose project: finding the files, the variables (process environment over .env),
 * interpolation per file, extends, include, merging several files, profiles, the project name, the
 * checks across services (depends_on targets and cycles, declared networks, volumes, secrets) and
 * the names docker compose gives resources. */
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

static int check_cycles(Loading *l, YNode *services, YNode *svc, char ***path) {
        YNode *deps = ynode_get(svc, "depends_on");
        int r;

        if (strv_contains(*path, svc->key)) {
                _cleanup_free_ char *chain = strv_join(*path, " -> "),
                                    *where = strjoin("services.", svc->key, ".depends_on");
                if (!chain || !where)
                        return -ENOMEM;
                return compose_error(l->error, deps ?: svc, where, "depends_on forms a cycle: %s -> %s.", chain,
                                svc->key);
        }
        r = strv_extend(path, svc->key);
        if (r < 0)
                return r;
        for (size_t i = 0; deps && i < deps->n_items; i++) {
                YNode *dep = ynode_get(services, deps->items[i]->key);
                if (dep && (r = check_cycles(l, services, dep, path)) < 0)
                        return r;
        }
        free((*path)[strv_length(*path) - 1]);
        (*path)[strv_length(*path) - 1] = NULL;
        return 0;
}

static int add_name(YNode *res, const char *project, const char *key) {
        YNode *name = ynode_get(res, "name"), *ext = ynode_get(res, "external");
        _cleanup_free_ char *n = NULL;

        if (name)
                return 0;
        n = ext && streq(ext->value, "true") ? strdup(key) : strjoin(project, "_", key);
        if (!n)
                return -ENOMEM;
        name = ynode_new_scalar(n, Y_STR, res->file, res->line);
        return name ? ynode_set(res, "name", name) : -ENOMEM;
}

static int ensure_section(YNode *root, const char *key, YNode **ret) {
        YNode *s = ynode_get(root, key);

        if (!s) {
                s = ynode_new(Y_MAP, root->file, root->line);
                if (!s || ynode_set(root, key, s) < 0)
                        return -ENOMEM;
        }
        *ret = s;
        return 0;
}

/* env_file: read into environment, whose own entries win; a later file wins over an earlier one. */
static int env_files_into_environment(Loading *l, YNode *svc) {
        YNode *files = ynode_get(svc, "env_file"), *env;
        _cleanup_strv_free_ char **vars = NULL;
        int r;

        if (!files)
                return 0;
        for (size_t i = 0; i < files->n_items; i++) {
                YNode *path = ynode_get(files->items[i], "path"), *req = ynode_get(files->items[i], "required");
                YNode *fmt = ynode_get(files->items[i], "format");
                _cleanup_free_ char *err = NULL;
                if (access(path->value, F_OK) < 0 && req && streq(req->value, "false"))
                        continue;
                r = compose_dotenv_load(path->value, l->p->env, fmt && streq(fmt->value, "raw"), &vars, &err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return compose_error(l->error, files->items[i], svc->key, "env_file %s", err);
        }
        env = ynode_get(svc, "environment");
        if (!env) {
                env = ynode_new(Y_MAP, svc->file, svc->line);
                if (!env || ynode_set(svc, "environment", env) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(kv, vars) {
                _cleanup_free_ char *k = strndup(*kv, strcspn(*kv, "="));
                YNode *v;
                if (!k)
                        return -ENOMEM;
                if (ynode_get(env, k))
                        continue;
                v = ynode_new_scalar(*kv + strlen(k) + 1, Y_STR, env->file, env->line);
                if (!v || ynode_set(env, k, v) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Cross-service checks and defaults, once every file is merged and profiles chose the services. */
static int finish(Loading *l, YNode *root, char *const *profiles) {
        YNode *services, *networks, *volumes;
        bool uses_default = false;
        int r;

        r = ensure_section(root, "services", &services);
        if (r < 0)
                return r;
        /* profiles: a service with profiles only when one is active */
        for (size_t i = 0; i < services->n_items; i++) {
                YNode *p = ynode_get(services->items[i], "profiles");
                bool on = !p || p->n_items == 0;
                for (size_t k = 0; p && k < p->n_items && !on; k++)
                        on = strv_contains(profiles, p->items[k]->value) || strv_contains(profiles, "*");
                if (!on) {
                        /* a dependency on it is checked below, where the service is gone */
                        ynode_remove(services, services->items[i]->key);
                        i--;
                }
        }
        for (size_t i = 0; i < services->n_items; i++) {
                r = env_files_into_environment(l, services->items[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < services->n_items; i++) {
                YNode *svc = services->items[i], *deps = ynode_get(svc, "depends_on");
                _cleanup_free_ char *path = strjoin("services.", svc->key);
                if (!path)
                        return -ENOMEM;
                if (!ynode_get(svc, "image") && !ynode_get(svc, "build"))
                        return compose_error(l->error, svc, path, "needs image or build.");
                for (size_t k = 0; deps && k < deps->n_items; k++) {
                        YNode *d = deps->items[k], *req = ynode_get(d, "required");
                        if (streq(d->key, svc->key))
                                return compose_error(l->error, d, path, "depends_on itself.");
                        if (ynode_get(services, d->key))
                                continue;
                        if (req && streq(req->value, "false")) {
                                ynode_remove(deps, d->key);
                                k--;
                                continue;
                        }
                        return compose_error(l->error, d, path,
                                        "depends_on '%s', which is not a service here "
                                        "(or is in a profile that is not active).",
                                        d->key);
                }
        }
        for (size_t i = 0; i < services->n_items; i++) {
                _cleanup_strv_free_ char **stack = NULL;
                r = check_cycles(l, services, services->items[i], &stack);
                if (r < 0)
                        return r;
        }

        r = ensure_section(root, "networks", &networks);
        if (r < 0)
                return r;
        r = ensure_section(root, "volumes", &volumes);
        if (r < 0)
                return r;
        for (size_t i = 0; i < services->n_items; i++) {
                YNode *svc = services->items[i], *nets = ynode_get(svc, "networks"), *vols = ynode_get(svc, "volumes");
                YNode *mode = ynode_get(svc, "network_mode");
                _cleanup_free_ char *path = strjoin("services.", svc->key);
                if (!path)
                        return -ENOMEM;
                if (mode && nets)
                        return compose_error(l->error, mode, path, "network_mode and networks exclude each other.");
                if (!mode && !nets) {
                        nets = ynode_new(Y_MAP, svc->file, svc->line);
                        YNode *d = ynode_new(Y_NULL, svc->file, svc->line);
                        if (!nets || !d || ynode_set(svc, "networks", nets) < 0 || ynode_set(nets, "default", d) < 0)
                                return -ENOMEM;
                }
                for (size_t k = 0; nets && k < nets->n_items; k++) {
                        if (streq(nets->items[k]->key, "default"))
                                uses_default = true;
                        else if (!ynode_get(networks, nets->items[k]->key))
                                return compose_error(l->error, nets->items[k], path,
                                                "network '%s' is not declared "
                                                "under the top-level networks.",
                                                nets->items[k]->key);
                }
                for (size_t k = 0; vols && k < vols->n_items; k++) {
                        YNode *type = ynode_get(vols->items[k], "type"), *src = ynode_get(vols->items[k], "source");
                        if (streq(type->value, "volume") && src && !ynode_get(volumes, src->value))
                                return compose_error(l->error, vols->items[k], path,
                                                "volume '%s' is not declared "
                                                "under the top-level volumes.",
                                                src->value);
                }
                for (const char *const *s = (const char *const[]) { "secrets", "configs", NULL }; *s; s++) {
                        YNode *refs = ynode_get(svc, *s), *top = ynode_get(root, *s);
                        for (size_t k = 0; refs && k < refs->n_items; k++) {
                                YNode *src = ynode_get(refs->items[k], "source");
                                if (!ynode_get(top, src->value))
                                        return compose_error(l->error, refs->items[k], path,
                                                        "%.*s '%s' is not declared "
                                                        "under the top-level %s.",
                                                        (int) strlen(*s) - 1, *s, src->value, *s);
                        }
                }
        }
        if (uses_default && !ynode_get(networks, "default")) {
                YNode *d = ynode_new(Y_MAP, networks->file, networks->line);
                if (!d || ynode_set(networks, "default", d) < 0)
                        return -ENOMEM;
        }
        for (const char *const *s = resource_sections; *s; s++) {
                YNode *sec = ynode_get(root, *s);
                for (size_t i = 0; sec && i < sec->n_items; i++)
                        if (!startswith(sec->items[i]->key, "x-") &&
                                        (r = add_name(sec->items[i], l->p->name, sec->items[i]->key)) < 0)
                                return r;
                if (sec && sec->n_items == 0)
                        ynode_remove(root, *s);
        }
        return 0;
}

static int compare_nodes(const void *a, const void *b) {
        return strcmp((*(YNode *const *) a)->key, (*(YNode *const *) b)->key);
}

/* Mappings in key order, as docker compose prints them; items of lists keep their own order. */
static void sort_maps(YNode *n, bool sort_self) {
        if (n->kind == Y_MAP && sort_self && n->n_items > 1)
                qsort(n->items, n->n_items, sizeof(YNode *), compare_nodes);
        for (size_t i = 0; i < n->n_items; i++)
                sort_maps(n->items[i], n->kind == Y_MAP);
}

static int order_top(YNode *root) {
        static const char *const order[] = { "name", "services", "networks", "volumes", "secrets", "configs", NULL };
        YNode **items = calloc(root->n_items + 1, sizeof(YNode *));
        size_t k = 0;

        if (!items)
                return -ENOMEM;
        for (const char *const *o = order; *o; o++)
                for (size_t i = 0; i < root->n_items; i++)
                        if (streq(root->items[i]->key, *o))
                                items[k++] = root->items[i];
        for (size_t i = 0; i < root->n_items; i++)
                if (!strv_contains((char **) order, root->items[i]->key))
                        ynode_free(root->items[i]); /* x- extensions and the like: not part of the model */
        free(root->items);
        root->items = items;
        root->n_items = k;
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
        r = finish(&l, root, profiles);
        if (r < 0)
                return r;
        sort_maps(root, false);
        r = order_top(root);
        if (r < 0)
                return r;
        p.root = TAKE_PTR(root);
        *ret = TAKE_STRUCT(p);
        return 0;
}

char *compose_container_name(const ComposeProject *p, const char *service) {
        YNode *svc = ynode_get(ynode_get(p->root, "services"), service), *cn = ynode_get(svc, "container_name");

        if (cn)
                return strdup(cn->value);
        return strjoin(p->name, "-", service, "-1");
}

static int visit(const YNode *services, const YNode *svc, char ***out) {
        const YNode *deps = ynode_get(svc, "depends_on");
        int r;

        if (strv_contains(*out, svc->key))
                return 0;
        for (size_t i = 0; deps && i < deps->n_items; i++) {
                const YNode *d = ynode_get(services, deps->items[i]->key);
                if (d && (r = visit(services, d, out)) < 0)
                        return r;
        }
        return strv_extend(out, svc->key);
}

int compose_service_order(const ComposeProject *p, char ***ret) {
        const YNode *services = ynode_get(p->root, "services");
        _cleanup_strv_free_ char **out = NULL;
        int r;

        for (size_t i = 0; services && i < services->n_items; i++)
                if ((r = visit(services, services->items[i], &out)) < 0)
                        return r;
        *ret = TAKE_PTR(out);
        return 0;
}
