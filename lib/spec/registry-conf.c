/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "image-ref.h"
#include "log.h"
#include "paths.h"
#include "registry-conf.h"
#include "strv.h"

#define CONTAINERS_REGISTRIES_CONF "/etc/containers/registries.conf"

typedef enum Section {
        SECTION_TOP,
        SECTION_REGISTRY,
        SECTION_MIRROR,
        SECTION_ALIASES,
        SECTION_OTHER,
} Section;

/* A TOML value of the kinds registries.conf uses: a string, a boolean or an array of strings. */
typedef struct Value {
        char *string;
        char **array;
        bool is_bool, boolean, is_array;
} Value;

static void value_done(Value *v) {
        free(v->string);
        strv_free(v->array);
        *v = (Value) {};
}

static char *mfree_str(char *p) {
        free(p);
        return NULL;
}

static const char *skip_space(const char *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                p++;
        return p;
}

/* A "basic" (escapes) or 'literal' string starting at *p. */
static int parse_string(const char **p, char **ret) {
        char quote = **p, *out, *o;
        const char *s = *p + 1;

        out = o = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        for (; *s && *s != quote; s++) {
                if (quote == '"' && *s == '\\') {
                        s++;
                        switch (*s) {
                        case '"':
                        case '\\':
                                *o++ = *s;
                                break;
                        case 'n':
                                *o++ = '\n';
                                break;
                        case 't':
                                *o++ = '\t';
                                break;
                        default:
                                free(out);
                                return -EINVAL;
                        }
                } else
                        *o++ = *s;
        }
        if (*s != quote) {
                free(out);
                return -EINVAL;
        }
        *o = 0;
        *p = s + 1;
        *ret = out;
        return 0;
}

static int parse_value(const char *p, Value *ret) {
        Value v = {};
        int r;

        p = skip_space(p);
        if (*p == '"' || *p == '\'') {
                r = parse_string(&p, &v.string);
        } else if (startswith(p, "true") || startswith(p, "false")) {
                v.is_bool = true;
                v.boolean = *p == 't';
                p += v.boolean ? 4 : 5;
                r = 0;
        } else if (*p == '[') {
                v.is_array = true;
                v.array = calloc(1, sizeof(char *));
                r = v.array ? 0 : -ENOMEM;
                for (p = skip_space(p + 1); r >= 0 && *p != ']';) {
                        char *s = NULL;
                        if (*p != '"' && *p != '\'') {
                                r = -EINVAL;
                                break;
                        }
                        r = parse_string(&p, &s);
                        if (r >= 0)
                                r = strv_consume(&v.array, s);
                        p = skip_space(p);
                        if (*p == ',')
                                p = skip_space(p + 1);
                        else if (*p != ']')
                                r = -EINVAL;
                }
                if (r >= 0)
                        p++;
        } else
                r = -EINVAL;
        if (r >= 0 && *skip_space(p) != 0)
                r = -EINVAL; /* something after the value */
        if (r < 0) {
                value_done(&v);
                return r;
        }
        *ret = v;
        return 0;
}

static RegistryEntry *last_registry(RegistriesConf *c) {
        return c->n_registries > 0 ? &c->registries[c->n_registries - 1] : NULL;
}

static int apply(RegistriesConf *c, Section section, const char *path, unsigned line, const char *key, Value *v,
                char **ret_error) {
        RegistryEntry *e = last_registry(c);

        switch (section) {
        case SECTION_TOP:
                if (streq(key, "unqualified-search-registries")) {
                        if (!v->is_array)
                                return log_detail_errno(ret_error, -EINVAL, "%s:%u: %s wants an array of strings.",
                                                path, line, key);
                        strv_free(c->search);
                        c->search = TAKE_PTR(v->array);
                        return 0;
                }
                break;
        case SECTION_REGISTRY:
                if (streq(key, "prefix") || streq(key, "location")) {
                        if (!v->string)
                                return log_detail_errno(ret_error, -EINVAL, "%s:%u: %s wants a string.", path, line, key);
                        free(streq(key, "prefix") ? e->prefix : e->location);
                        *(streq(key, "prefix") ? &e->prefix : &e->location) = TAKE_PTR(v->string);
                        return 0;
                }
                if (streq(key, "insecure") || streq(key, "blocked") || streq(key, "mirror-by-digest-only")) {
                        if (!v->is_bool)
                                return log_detail_errno(ret_error, -EINVAL, "%s:%u: %s wants true or false.", path,
                                                line, key);
                        *(streq(key, "insecure")                ? &e->insecure
                                        : streq(key, "blocked") ? &e->blocked
                                                                : &e->mirror_by_digest_only) = v->boolean;
                        return 0;
                }
                break;
        case SECTION_MIRROR: {
                RegistryMirror *m = &e->mirrors[e->n_mirrors - 1];
                if (streq(key, "location")) {
                        if (!v->string)
                                return log_detail_errno(ret_error, -EINVAL, "%s:%u: %s wants a string.", path, line, key);
                        free(m->location);
                        m->location = TAKE_PTR(v->string);
                        return 0;
                }
                if (streq(key, "insecure")) {
                        if (!v->is_bool)
                                return log_detail_errno(ret_error, -EINVAL, "%s:%u: %s wants true or false.", path,
                                                line, key);
                        m->insecure = v->boolean;
                        return 0;
                }
                if (streq(key, "pull-from-mirror")) {
                        if (streq_ptr(v->string, "all"))
                                m->pulls = MIRROR_PULLS_ALL;
                        else if (streq_ptr(v->string, "digest-only"))
                                m->pulls = MIRROR_PULLS_DIGEST_ONLY;
                        else if (streq_ptr(v->string, "tag-only"))
                                m->pulls = MIRROR_PULLS_TAG_ONLY;
                        else
                                return log_detail_errno(ret_error, -EINVAL,
                                                "%s:%u: pull-from-mirror wants \"all\", \"digest-only\" "
                                                "or \"tag-only\".",
                                                path, line);
                        return 0;
                }
                break;
        }
        case SECTION_ALIASES:
                if (!v->string)
                        return log_detail_errno(ret_error, -EINVAL, "%s:%u: alias \"%s\" wants a string.", path, line,
                                        key);
                for (size_t i = 0; c->aliases && c->aliases[i]; i += 2)
                        if (streq(c->aliases[i], key)) { /* a later file overrides */
                                free(c->aliases[i + 1]);
                                c->aliases[i + 1] = TAKE_PTR(v->string);
                                return 0;
                        }
                if (strv_extend(&c->aliases, key) < 0 || strv_consume(&c->aliases, TAKE_PTR(v->string)) < 0)
                        return -ENOMEM;
                return 0;
        case SECTION_OTHER:
                break;
        }
        log_debug("%s:%u: ignoring %s.", path, line, key);
        return 0;
}

static int strcmp_ptr(const char *const *a, const char *const *b) {
        return strcmp(*a, *b);
}

static bool brackets_balanced(const char *s) {
        int depth = 0;
        char quote = 0;

        for (; *s; s++) {
                if (quote) {
                        if (*s == '\\' && quote == '"' && s[1])
                                s++;
                        else if (*s == quote)
                                quote = 0;
                } else if (*s == '"' || *s == '\'')
                        quote = *s;
                else if (*s == '#') {
                        s += strcspn(s, "\n"); /* a comment runs to the end of its line */
                        if (!*s)
                                break;
                } else if (*s == '[')
                        depth++;
                else if (*s == ']')
                        depth--;
        }
        return depth <= 0;
}

/* Blanks out comments (outside strings) up to the end of their lines. */
static void strip_comments(char *s) {
        char quote = 0;

        for (; *s; s++) {
                if (quote) {
                        if (*s == '\\' && quote == '"' && s[1])
                                s++;
                        else if (*s == quote || *s == '\n')
                                quote = 0;
                } else if (*s == '"' || *s == '\'')
                        quote = *s;
                else if (*s == '#')
                        for (; *s && *s != '\n'; s++)
                                *s = ' ';
                if (!*s)
                        break;
        }
}

int registries_conf_load_file(RegistriesConf *c, const char *path, char **ret_error) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL, *stmt = NULL;
        Section section = SECTION_TOP;
        unsigned line = 0, stmt_line = 0;
        size_t size = 0;
        int r;

        if (!f)
                return errno == ENOENT ? 0 : log_detail_errno(ret_error, negative_errno(), "Failed to open %s: %m", path);
        while (getline(&buf, &size, f) >= 0) {
                _cleanup_free_ char *key = NULL;
                _cleanup_(value_done) Value v = {};
                char *eq, *k, *joined;

                line++;
                /* arrays may span lines: gather until the brackets close */
                if (!stmt)
                        stmt_line = line;
                joined = strjoin(stmt ?: "", buf);
                if (!joined)
                        return -ENOMEM;
                free(stmt);
                stmt = joined;
                if (!brackets_balanced(stmt))
                        continue;
                strip_comments(stmt);
                k = (char *) skip_space(stmt);
                for (char *e = k + strlen(k); e > k && strchr(" \t\r\n", e[-1]); e--)
                        e[-1] = 0;
                if (*k == 0) {
                        stmt = mfree_str(stmt);
                        continue;
                }
                if (k[0] == '[') {
                        bool array = k[1] == '[';
                        const char *name = k + (array ? 2 : 1);
                        size_t n = strcspn(name, "]");
                        if (array && strncmp(name, "registry", n) == 0 && n == 8) {
                                RegistryEntry *e =
                                                reallocarray(c->registries, c->n_registries + 1, sizeof(RegistryEntry));
                                if (!e)
                                        return -ENOMEM;
                                c->registries = e;
                                c->registries[c->n_registries++] = (RegistryEntry) {};
                                section = SECTION_REGISTRY;
                        } else if (array && n == 15 && strncmp(name, "registry.mirror", n) == 0) {
                                RegistryEntry *e = last_registry(c);
                                RegistryMirror *m;
                                if (!e)
                                        return log_detail_errno(ret_error, -EINVAL,
                                                        "%s:%u: [[registry.mirror]] outside a "
                                                        "[[registry]].",
                                                        path, stmt_line);
                                m = reallocarray(e->mirrors, e->n_mirrors + 1, sizeof(RegistryMirror));
                                if (!m)
                                        return -ENOMEM;
                                e->mirrors = m;
                                e->mirrors[e->n_mirrors++] = (RegistryMirror) {};
                                section = SECTION_MIRROR;
                        } else if (!array && n == 7 && strncmp(name, "aliases", 7) == 0)
                                section = SECTION_ALIASES;
                        else {
                                log_debug("%s:%u: ignoring section %s.", path, stmt_line, k);
                                section = SECTION_OTHER;
                        }
                        stmt = mfree_str(stmt);
                        continue;
                }
                eq = strchr(k, '=');
                if (!eq)
                        return log_detail_errno(ret_error, -EINVAL, "%s:%u: expected KEY = VALUE or [section].", path,
                                        stmt_line);
                *eq = 0;
                for (char *e = k + strlen(k); e > k && strchr(" \t", e[-1]); e--)
                        e[-1] = 0;
                if (*k == '"' || *k == '\'') {
                        const char *q = k;
                        if (parse_string(&q, &key) < 0 || *skip_space(q) != 0)
                                return log_detail_errno(ret_error, -EINVAL, "%s:%u: invalid quoted key.", path,
                                                stmt_line);
                } else if (!(key = strdup(k)))
                        return -ENOMEM;
                r = parse_value(eq + 1, &v);
                if (r == -ENOMEM)
                        return -ENOMEM;
                if (r < 0)
                        return log_detail_errno(ret_error, r,
                                        "%s:%u: %s: invalid value (a string, true/false or an array of "
                                        "strings).",
                                        path, stmt_line, key);
                r = apply(c, section, path, stmt_line, key, &v, ret_error);
                if (r < 0)
                        return r;
                stmt = mfree_str(stmt);
        }
        if (stmt && !isempty(skip_space(stmt)))
                return log_detail_errno(ret_error, -EINVAL, "%s:%u: unterminated array.", path, stmt_line);
        for (size_t i = 0; i < c->n_registries; i++) {
                if (!c->registries[i].prefix && !c->registries[i].location)
                        return log_detail_errno(ret_error, -EINVAL,
                                        "%s: a [[registry]] has neither prefix nor location.", path);
                for (size_t k = 0; k < c->registries[i].n_mirrors; k++)
                        if (!c->registries[i].mirrors[k].location)
                                return log_detail_errno(ret_error, -EINVAL,
                                                "%s: a [[registry.mirror]] of %s has no location.", path,
                                                c->registries[i].prefix ?: c->registries[i].location);
        }
        return 0;
}

void registries_conf_done(RegistriesConf *c) {
        strv_free(c->search);
        for (size_t i = 0; i < c->n_registries; i++) {
                free(c->registries[i].prefix);
                free(c->registries[i].location);
                for (size_t k = 0; k < c->registries[i].n_mirrors; k++)
                        free(c->registries[i].mirrors[k].location);
                free(c->registries[i].mirrors);
        }
        free(c->registries);
        strv_free(c->aliases);
        *c = (RegistriesConf) {};
}

static int load_dropins(RegistriesConf *c, const char *dir, char **ret_error) {
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_(closedirp) DIR *d = opendir(dir);

        if (!d)
                return 0;
        for (struct dirent *de; (de = readdir(d));)
                if (endswith(de->d_name, ".conf") && de->d_name[0] != '.' &&
                                strv_consume(&files, path_join(dir, de->d_name)) < 0)
                        return -ENOMEM;
        if (files)
                qsort(files, strv_length(files), sizeof(char *), (int (*)(const void *, const void *)) strcmp_ptr);
        STRV_FOREACH(f, files) {
                int r = registries_conf_load_file(c, *f, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

int registries_conf_load(RegistriesConf *ret, char **ret_error) {
        _cleanup_(registries_conf_done) RegistriesConf c = {};
        _cleanup_free_ char *own = path_join(berth_path(BERTH_PATH_CONFIG), "registries.conf"), *dropins = NULL;
        const char *main_file;
        int r;

        if (!own)
                return -ENOMEM;
        main_file = access(own, F_OK) >= 0 ? own : CONTAINERS_REGISTRIES_CONF;
        dropins = strjoin(main_file, ".d");
        if (!dropins)
                return -ENOMEM;
        r = registries_conf_load_file(&c, main_file, ret_error);
        if (r >= 0)
                r = load_dropins(&c, dropins, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_GENERIC(c, RegistriesConf, (RegistriesConf) {});
        return 0;
}

/* Does prefix cover repository ("host/ns" covers "host/ns/app" but not "host/nsx")? "*.example.com"
 * covers any subdomain. */
static size_t prefix_match(const char *prefix, const char *repository) {
        size_t l = strlen(prefix);

        if (startswith(prefix, "*.")) {
                const char *slash = strchr(repository, '/');
                size_t host = slash ? (size_t) (slash - repository) : strlen(repository);
                size_t suffix = l - 1; /* ".example.com" */
                return host > suffix && strncmp(repository + host - suffix, prefix + 1, suffix) == 0 ? l : 0;
        }
        if (strncmp(repository, prefix, l) != 0)
                return 0;
        return repository[l] == 0 || repository[l] == '/' || repository[l] == ':' || repository[l] == '@' ? l : 0;
}

const RegistryEntry *registries_conf_find(const RegistriesConf *c, const char *repository) {
        const RegistryEntry *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < c->n_registries; i++) {
                const RegistryEntry *e = &c->registries[i];
                size_t l = prefix_match(e->prefix ?: e->location, repository);
                if (l > best_len) {
                        best = e;
                        best_len = l;
                }
        }
        return best;
}

int registries_conf_sources(const RegistriesConf *c, const char *repository, bool by_digest, char ***ret,
                bool **ret_insecure, char **ret_error) {
        const RegistryEntry *e = registries_conf_find(c, repository);
        _cleanup_strv_free_ char **out = NULL;
        _cleanup_free_ bool *insecure = NULL;
        bool wildcard_insecure = false;
        const char *rest = repository;
        size_t n = 0;

        if (e && e->blocked)
                return log_detail_errno(ret_error, -EPERM,
                                "Pulling %s is blocked by registries.conf ([[registry]] prefix \"%s\").", repository,
                                e->prefix ?: e->location);
        /* A wildcard prefix ("*.example.com") has no location to put in its place. */
        if (e && startswith(e->prefix ?: "", "*.")) {
                wildcard_insecure = e->insecure;
                e = NULL;
        }
        if (e)
                rest = repository + strlen(e->prefix ?: e->location);
        insecure = calloc((e ? e->n_mirrors : 0) + 1, sizeof(bool));
        if (!insecure)
                return -ENOMEM;
        for (size_t i = 0; e && i < e->n_mirrors; i++) {
                const RegistryMirror *m = &e->mirrors[i];
                MirrorPulls pulls = e->mirror_by_digest_only ? MIRROR_PULLS_DIGEST_ONLY : m->pulls;

                if ((pulls == MIRROR_PULLS_DIGEST_ONLY && !by_digest) || (pulls == MIRROR_PULLS_TAG_ONLY && by_digest))
                        continue;
                if (strv_consume(&out, strjoin(m->location, rest)) < 0)
                        return -ENOMEM;
                insecure[n++] = m->insecure;
        }
        if (strv_consume(&out, e && e->location ? strjoin(e->location, rest) : strdup(repository)) < 0)
                return -ENOMEM;
        insecure[n] = e ? e->insecure : wildcard_insecure;
        *ret = TAKE_PTR(out);
        *ret_insecure = TAKE_PTR(insecure);
        return 0;
}

int registries_conf_candidates(const RegistriesConf *c, const char *reference, char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **out = NULL;
        ImageReference ref;
        const char *why = NULL;
        char *const docker[] = { (char *) IMAGE_DOMAIN_DOCKER, NULL };
        int r;

        r = image_reference_parse(reference, IMAGE_DOMAIN_DOCKER, &ref, &why);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0)
                return log_detail_errno(ret_error, r, "Invalid image reference '%s': %s.", reference, why);

        if (ref.domain_given) {
                r = strv_consume(&out, image_reference_to_string(&ref));
                goto finish;
        }
        /* Aliases name a repository; the tag or digest comes from the reference. */
        {
                _cleanup_free_ char *bare = strndup(reference, strcspn(reference, ":@"));
                for (size_t i = 0; bare && c->aliases && c->aliases[i]; i += 2)
                        if (streq(c->aliases[i], bare)) {
                                r = strv_consume(&out, strjoin(c->aliases[i + 1], reference + strlen(bare)));
                                goto finish;
                        }
        }
        STRV_FOREACH(reg, c->search ?: (char **) docker) {
                _cleanup_free_ char *full = strjoin(*reg, "/", reference), *normal = NULL;
                if (!full)
                        return -ENOMEM;
                r = image_reference_normalize(full, IMAGE_DOMAIN_DOCKER, &normal, &why);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        log_debug("Skipping search registry %s for %s: %s.", *reg, reference, why);
                        continue;
                }
                r = strv_consume(&out, TAKE_PTR(normal));
                if (r < 0)
                        goto finish;
        }
        r = 0;
finish:
        image_reference_done(&ref);
        if (r < 0)
                return -ENOMEM;
        if (!out)
                return log_detail_errno(ret_error, -ENOENT,
                                "No registry to search for '%s' (unqualified-search-registries).", reference);
        *ret = TAKE_PTR(out);
        return 0;
}
