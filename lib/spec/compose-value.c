/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value kinds of the compose schema (compose-schema.h): each checked and brought into its normal form. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "compose-env.h"
#include "compose-schema.h"
#include "fs-util.h"
#include "strv.h"
#include "unit-convert.h"
#include "words.h"

static int check_node(SchemaCtx *c, YNode *n, const SchemaField *f, const char *path);

int compose_error(char **ret_error, const YNode *n, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (*ret_error)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (n && n->file)
                r = asprintf(ret_error, "%s:%u: %s: %s", n->file, n->line, path, msg);
        else
                r = asprintf(ret_error, "%s: %s", path, msg);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

int schema_object(SchemaCtx *c, YNode *n, const SchemaField *fields, const char *path) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (n->kind != Y_MAP)
                return compose_error(c->error, n, path, "must be a mapping.");
        for (const SchemaField *f = fields; f->name; f++)
                if ((r = strv_extend(&names, f->name)) < 0)
                        return r;
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i];
                _cleanup_free_ char *sub = strjoin(path, ".", item->key);
                const SchemaField *f = fields;
                const char *guess;

                if (!sub)
                        return -ENOMEM;
                if (startswith(item->key, "x-"))
                        continue;
                while (f->name && !streq(f->name, item->key))
                        f++;
                if (!f->name) {
                        guess = closest_word(item->key, names);
                        if (guess)
                                return compose_error(c->error, item, path, "unknown key '%s'; did you mean '%s'?",
                                                item->key, guess);
                        return compose_error(c->error, item, path, "unknown key '%s'.", item->key);
                }
                if (f->type == F_UNSUPPORTED)
                        return compose_error(c->error, item, sub, "not supported by berth yet.");
                if (item->kind == Y_NULL && f->type != F_COMMAND && f->type != F_ANY && f->type != F_CUSTOM) {
                        /* "key:" with nothing: as if it were not there */
                        ynode_remove(n, item->key);
                        i--;
                        continue;
                }
                r = check_node(c, item, f, sub);
                if (r < 0)
                        return r;
        }
        return 0;
}

int schema_parse_bool(const char *v) {
        static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
        static const char *const no[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
                NULL };
        if (strv_contains((char **) yes, v))
                return 1;
        if (strv_contains((char **) no, v))
                return 0;
        return -EINVAL;
}

int schema_set_scalar(YNode *n, const char *v, YType t) {
        char *s = strdup(v);

        if (!s)
                return -ENOMEM;
        free(n->value);
        n->value = s;
        n->kind = Y_SCALAR;
        n->type = t;
        return 0;
}

bool schema_is_int(const char *s) {
        if (*s == '-' || *s == '+')
                s++;
        return *s && strspn(s, "0123456789") == strlen(s);
}

static bool is_number(const char *s) {
        char *end;
        if (!*s)
                return false;
        (void) strtod(s, &end);
        return *end == 0;
}

int compose_parse_duration(const char *s, unsigned long long *ret_usec) {
        static const struct {
                const char *unit;
                unsigned long long usec;
        } units[] = { { "us", 1 }, { "ms", 1000 }, { "s", 1000000ULL }, { "m", 60000000ULL }, { "h", 3600000000ULL } };
        unsigned long long total = 0;
        const char *p = s;

        if (!*s)
                return -EINVAL;
        if (schema_is_int(s) && *s != '-') { /* a plain number is seconds */
                *ret_usec = strtoull(s, NULL, 10) * 1000000ULL;
                return 0;
        }
        while (*p) {
                char *end;
                double v = strtod(p, &end);
                size_t best = 0;
                unsigned long long mult = 0;
                if (end == p || v < 0)
                        return -EINVAL;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].unit);
                        if (strncmp(end, units[i].unit, l) == 0 && l > best && !isalpha((unsigned char) end[l])) {
                                best = l;
                                mult = units[i].usec;
                        }
                }
                if (!best)
                        return -EINVAL;
                total += (unsigned long long) (v * (double) mult);
                p = end + best;
        }
        *ret_usec = total;
        return 0;
}

static bool is_bytes(const char *s) {
        char *end;
        if (!isdigit((unsigned char) *s))
                return false;
        (void) strtod(s, &end);
        return !*end || strv_contains((char *[]) { "b", "k", "kb", "m", "mb", "g", "gb", "B", "K", "KB", "M", "MB", "G",
                                                      "GB", "t", "T", "tb", "TB", NULL },
                                        end);
}

static int scalar_only(SchemaCtx *c, YNode *n, const char *path, const char *what) {
        if (n->kind != Y_SCALAR)
                return compose_error(c->error, n, path, "must be %s.", what);
        return 0;
}

int schema_to_list(SchemaCtx *c, YNode *n, const char *path, bool allow_string) {
        if (n->kind == Y_SCALAR && allow_string) {
                YNode *item = ynode_new_scalar(n->value, Y_STR, n->file, n->line);
                if (!item)
                        return -ENOMEM;
                free(n->value);
                n->value = NULL;
                n->kind = Y_SEQ;
                return ynode_append(n, item);
        }
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path,
                                allow_string ? "must be a string or a list of strings." : "must be a list of strings.");
        for (size_t i = 0; i < n->n_items; i++)
                if (n->items[i]->kind != Y_SCALAR)
                        return compose_error(c->error, n->items[i], path, "must be a list of strings.");
                else
                        n->items[i]->type = Y_STR;
        return 0;
}

/* n's items become those of normalised, which is left empty. */
void schema_replace_items(YNode *n, YNode *normalised) {
        for (size_t i = 0; i < n->n_items; i++)
                ynode_free(n->items[i]);
        free(n->items);
        n->items = TAKE_PTR(normalised->items);
        n->n_items = normalised->n_items;
        normalised->n_items = 0;
}

/* environment, labels, sysctls...: a mapping of strings; "K=V" list items become entries. */
int schema_to_dict(SchemaCtx *c, YNode *n, const char *path, bool resolve_bare) {
        _cleanup_(ynode_freep) YNode *m = NULL;
        int r;

        if (n->kind == Y_MAP) {
                for (size_t i = 0; i < n->n_items; i++) {
                        YNode *v = n->items[i];
                        if (v->kind == Y_MAP || v->kind == Y_SEQ)
                                return compose_error(c->error, v, path,
                                                "the value of '%s' must be a string, a number or "
                                                "a boolean.",
                                                v->key);
                        if (v->kind == Y_NULL && resolve_bare) {
                                const char *e = compose_env_get(c->env, v->key);
                                if (!e) {
                                        ynode_remove(n, v->key);
                                        i--;
                                        continue;
                                }
                                if ((r = schema_set_scalar(v, e, Y_STR)) < 0)
                                        return r;
                        }
                        v->type = Y_STR;
                }
                return 0;
        }
        if (n->kind != Y_SEQ)
                return compose_error(c->error, n, path, "must be a mapping or a list of KEY=VALUE.");
        m = ynode_new(Y_MAP, n->file, n->line);
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *item = n->items[i], *v;
                _cleanup_free_ char *key = NULL;
                const char *eq;
                if (item->kind != Y_SCALAR)
                        return compose_error(c->error, item, path, "must be a mapping or a list of KEY=VALUE.");
                eq = strchr(item->value, '=');
                key = strndup(item->value, eq ? (size_t) (eq - item->value) : strlen(item->value));
                if (!key)
                        return -ENOMEM;
                if (!eq) {
                        const char *e = resolve_bare ? compose_env_get(c->env, key) : "";
                        if (!e)
                                continue;
                        v = ynode_new_scalar(e, Y_STR, item->file, item->line);
                } else
                        v = ynode_new_scalar(eq + 1, Y_STR, item->file, item->line);
                if (!v || ynode_set(m, key, v) < 0)
                        return -ENOMEM;
        }
        schema_replace_items(n, m);
        n->kind = Y_MAP;
        return 0;
}

static int to_command(SchemaCtx *c, YNode *n, const char *path) {
        _cleanup_strv_free_ char **words = NULL;

        if (n->kind == Y_NULL || n->kind == Y_SEQ)
                return schema_to_list(c, n, path, false) < 0 && n->kind == Y_SEQ ? -EINVAL : 0;
        if (n->kind != Y_SCALAR)
                return compose_error(c->error, n, path, "must be a string or a list of strings.");
        /* split like a shell would, without running one: quotes group, backslashes escape */
        if (split_words(n->value, &words) < 0)
                return compose_error(c->error, n, path, "unbalanced quotes in '%s'.", n->value);
        free(n->value);
        n->value = NULL;
        n->kind = Y_SEQ;
        STRV_FOREACH(w, words) {
                YNode *item = ynode_new_scalar(*w, Y_STR, n->file, n->line);
                if (!item || ynode_append(n, item) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int check_node(SchemaCtx *c, YNode *n, const SchemaField *f, const char *path) {
        unsigned long long usec;
        int r;

        switch (f->type) {
        case F_STRING:
                r = scalar_only(c, n, path, "a string");
                if (r >= 0)
                        n->type = Y_STR;
                return r;
        case F_BOOL:
                if (n->kind != Y_SCALAR || (r = schema_parse_bool(n->value)) < 0)
                        return compose_error(c->error, n, path, "must be a boolean (true or false), not '%s'.",
                                        n->value ?: "");
                return schema_set_scalar(n, r ? "true" : "false", Y_PLAIN);
        case F_INT:
                if (n->kind != Y_SCALAR || !schema_is_int(n->value))
                        return compose_error(c->error, n, path, "must be an integer, not '%s'.", n->value ?: "");
                n->type = Y_PLAIN;
                return 0;
        case F_NUMBER:
                if (n->kind != Y_SCALAR || !is_number(n->value))
                        return compose_error(c->error, n, path, "must be a number, not '%s'.", n->value ?: "");
                n->type = Y_PLAIN;
                return 0;
        case F_DURATION:
                if (n->kind != Y_SCALAR || compose_parse_duration(n->value, &usec) < 0)
                        return compose_error(c->error, n, path,
                                        "'%s' is not a duration like 1m30s (units us, ms, "
                                        "s, m, h).",
                                        n->value ?: "");
                n->type = Y_STR;
                return 0;
        case F_BYTES:
                if (n->kind != Y_SCALAR || !is_bytes(n->value))
                        return compose_error(c->error, n, path, "'%s' is not a size like 512m (units b, k, m, g).",
                                        n->value ?: "");
                n->type = schema_is_int(n->value) ? Y_PLAIN : Y_STR;
                return 0;
        case F_STRLIST:
                return schema_to_list(c, n, path, true);
        case F_LIST:
                return schema_to_list(c, n, path, false);
        case F_DICT:
                return schema_to_dict(c, n, path, false);
        case F_COMMAND:
                return to_command(c, n, path);
        case F_ANY:
                return 0;
        case F_OBJECT:
                r = schema_object(c, n, f->sub, path);
                if (r >= 0 && f->norm)
                        r = f->norm(c, n, path);
                return r;
        case F_CUSTOM:
                return f->norm(c, n, path);
        case F_UNSUPPORTED:
                break;
        }
        return compose_error(c->error, n, path, "not supported by berth yet.");
}

int schema_add_scalar(YNode *map, const char *key, const char *value, YType t) {
        YNode *v = ynode_new_scalar(value, t, map->file, map->line);
        return v ? ynode_set(map, key, v) : -ENOMEM;
}

char *schema_absolute(SchemaCtx *c, const char *p) {
        const char *home;

        if (p[0] == '~' && (p[1] == '/' || !p[1]) && (home = getenv("HOME")))
                return strjoin(home, p + 1);
        if (path_is_absolute(p))
                return strdup(p);
        while (startswith(p, "./"))
                p += 2;
        if (streq(p, "."))
                return strdup(c->dir);
        return path_join(c->dir, p);
}

int schema_make_absolute(SchemaCtx *c, YNode *n) {
        char *a = schema_absolute(c, n->value);
        if (!a)
                return -ENOMEM;
        free(n->value);
        n->value = a;
        return 0;
}

/* The short form of a long syntax: the scalar n becomes the mapping {key: n}. */
int schema_scalar_to_map(YNode *n, const char *key) {
        YNode *v = ynode_new_scalar(n->value, Y_STR, n->file, n->line);

        free(n->value);
        n->value = NULL;
        n->kind = Y_MAP;
        return v ? ynode_set(n, key, v) : -ENOMEM;
}
