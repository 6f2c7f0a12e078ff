/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A compose project once its files are merged: profiles, the checks across services (depends_on targets
 * and cycles, declared networks, volumes, secrets), env_file, the names docker compose gives resources,
 * the order it prints them in, and the order services start in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose-env.h"
#include "compose-project.h"
#include "fs-util.h"
#include "strv.h"

static const char *const resource_sections[] = { "networks", "volumes", "secrets", "configs", NULL };

typedef struct Finishing {
        ComposeProject *p;
        char **error;
} Finishing;

static int check_cycles(Finishing *l, YNode *services, YNode *svc, char ***path) {
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
static int env_files_into_environment(Finishing *l, YNode *svc) {
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
static int finish(Finishing *l, YNode *root, char *const *profiles) {
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

int compose_project_finish(ComposeProject *p, YNode *root, char *const *profiles, char **ret_error) {
        Finishing l = { .p = p, .error = ret_error };
        int r;

        r = finish(&l, root, profiles);
        if (r < 0)
                return r;
        sort_maps(root, false);
        return order_top(root);
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
