/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The YAML tree of compose files: loading with libyaml's document API (which resolves anchors and
 * aliases), merge keys, merging documents and files, printing the normalised project back. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "compose-yaml.h"
#include "fs-util.h"
#include "strv.h"

/* An alias may point back into the node that defines it, and aliases of aliases multiply: both are
 * bounded rather than followed forever ("billion laughs"). */
#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 1000000

YNode *ynode_new(YKind kind, const char *file, unsigned line) {
        YNode *n = calloc(1, sizeof(YNode));

        if (!n)
                return NULL;
        n->kind = kind;
        n->file = file;
        n->line = line;
        return n;
}

YNode *ynode_new_scalar(const char *value, YType type, const char *file, unsigned line) {
        YNode *n = ynode_new(Y_SCALAR, file, line);

        if (!n)
                return NULL;
        n->type = type;
        n->value = strdup(value);
        if (!n->value)
                return ynode_free(n);
        return n;
}

YNode *ynode_free(YNode *n) {
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n_items; i++)
                ynode_free(n->items[i]);
        free(n->items);
        free(n->key);
        free(n->value);
        free(n->tag);
        free(n);
        return NULL;
}

YNode *ynode_copy(const YNode *n) {
        _cleanup_(ynode_freep) YNode *c = ynode_new(n->kind, n->file, n->line);

        if (!c)
                return NULL;
        c->type = n->type;
        c->quoted = n->quoted;
        if ((n->key && !(c->key = strdup(n->key))) || (n->value && !(c->value = strdup(n->value))) ||
                        (n->tag && !(c->tag = strdup(n->tag))))
                return NULL;
        for (size_t i = 0; i < n->n_items; i++) {
                YNode *ci = ynode_copy(n->items[i]);
                if (!ci || ynode_append(c, ci) < 0)
                        return NULL;
        }
        return TAKE_PTR(c);
}

int ynode_append(YNode *parent, YNode *child) {
        YNode **n = reallocarray(parent->items, parent->n_items + 1, sizeof(YNode *));

        if (!n) {
                ynode_free(child);
                return -ENOMEM;
        }
        parent->items = n;
        parent->items[parent->n_items++] = child;
        return 0;
}

YNode *ynode_get(const YNode *map, const char *key) {
        if (!map || map->kind != Y_MAP)
                return NULL;
        for (size_t i = 0; i < map->n_items; i++)
                if (streq(map->items[i]->key, key))
                        return map->items[i];
        return NULL;
}

void ynode_remove(YNode *map, const char *key) {
        for (size_t i = 0; map && i < map->n_items; i++)
                if (streq(map->items[i]->key, key)) {
                        ynode_free(map->items[i]);
                        memmove(map->items + i, map->items + i + 1, (map->n_items - i - 1) * sizeof(YNode *));
                        map->n_items--;
                        return;
                }
}

int ynode_set(YNode *map, const char *key, YNode *child) {
        if (child->key != key) {
                free(child->key);
                child->key = strdup(key);
                if (!child->key) {
                        ynode_free(child);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < map->n_items; i++)
                if (streq(map->items[i]->key, key)) {
                        ynode_free(map->items[i]);
                        map->items[i] = child;
                        return 0;
                }
        return ynode_append(map, child);
}

const char *ynode_intern_file(const char *path) {
        /* A small program-wide table: compose reads a handful of files per run. */
        static char **files = NULL;

        STRV_FOREACH(f, files)
                if (streq(*f, path))
                        return *f;
        if (strv_extend(&files, path) < 0)
                return "?";
        return files[strv_length(files) - 1];
}

typedef struct Loader {
        yaml_document_t *doc;
        const char *file;
        size_t n_nodes;
        char *error;
} Loader;

static int loader_error_set(Loader *l, unsigned line, const char *msg) {
        if (!l->error && asprintf(&l->error, "%s:%u: %s", l->file, line, msg) < 0) {
                l->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

#define loader_error(l, line, msg) ERRNO_NEGATIVE(loader_error_set(l, line, msg))

static int convert(Loader *l, yaml_node_t *y, unsigned depth, YNode **ret);

/* "<<: *a" or "<<: [*a, *b]": the keys of the merged mappings that the mapping does not set itself. */
static int merge_key(Loader *l, YNode *map, yaml_node_t *value, unsigned line, unsigned depth) {
        yaml_node_item_t *it;
        yaml_node_t *one[1] = { value };
        yaml_node_t **srcs = one;
        size_t n = 1;

        _cleanup_free_ yaml_node_t **list = NULL;
        if (value->type == YAML_SEQUENCE_NODE) {
                n = 0;
                list = calloc((size_t) (value->data.sequence.items.top - value->data.sequence.items.start) + 1,
                                sizeof(yaml_node_t *));
                if (!list)
                        return -ENOMEM;
                for (it = value->data.sequence.items.start; it < value->data.sequence.items.top; it++)
                        list[n++] = yaml_document_get_node(l->doc, *it);
                srcs = list;
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_(ynode_freep) YNode *src = NULL;
                int r;

                if (!srcs[i] || srcs[i]->type != YAML_MAPPING_NODE)
                        return loader_error(l, line, "<<: merges mappings only.");
                r = convert(l, srcs[i], depth + 1, &src);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < src->n_items; k++) {
                        if (ynode_get(map, src->items[k]->key))
                                continue;
                        r = ynode_append(map, TAKE_PTR(src->items[k]));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int convert(Loader *l, yaml_node_t *y, unsigned depth, YNode **ret) {
        unsigned line = (unsigned) y->start_mark.line + 1;
        _cleanup_(ynode_freep) YNode *n = NULL;
        const char *tag = (const char *) y->tag;
        int r;

        if (depth > YAML_MAX_DEPTH)
                return loader_error(l, line, "Nested too deeply (an alias that contains itself?).");
        if (++l->n_nodes > YAML_MAX_NODES)
                return loader_error(l, line, "Too many nodes once aliases are expanded.");

        switch (y->type) {
        case YAML_SCALAR_NODE: {
                bool plain = y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                const char *v = (const char *) y->data.scalar.value;
                if (plain && (!*v || streq(v, "~") || streq(v, "null") || streq(v, "Null") || streq(v, "NULL")) &&
                                (!tag || !startswith(tag, "!") || streq(tag, "!reset")))
                        n = ynode_new(Y_NULL, l->file, line);
                else {
                        n = ynode_new_scalar(v, Y_STR, l->file, line);
                        if (n)
                                n->quoted = !plain;
                }
                if (!n)
                        return -ENOMEM;
                if (!plain && strlen(v) != y->data.scalar.length)
                        return loader_error(l, line, "A NUL character in a string.");
                break;
        }
        case YAML_SEQUENCE_NODE:
                n = ynode_new(Y_SEQ, l->file, line);
                if (!n)
                        return -ENOMEM;
                for (yaml_node_item_t *it = y->data.sequence.items.start; it < y->data.sequence.items.top; it++) {
                        YNode *c = NULL;
                        r = convert(l, yaml_document_get_node(l->doc, *it), depth + 1, &c);
                        if (r >= 0)
                                r = ynode_append(n, c);
                        if (r < 0)
                                return r;
                }
                break;
        case YAML_MAPPING_NODE:
                n = ynode_new(Y_MAP, l->file, line);
                if (!n)
                        return -ENOMEM;
                /* Explicit keys first, so that a merge key never overrides them wherever it stands. */
                for (yaml_node_pair_t *p = y->data.mapping.pairs.start; p < y->data.mapping.pairs.top; p++) {
                        yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
                        yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
                        unsigned kline = (unsigned) k->start_mark.line + 1;
                        YNode *c = NULL;
                        const char *key;

                        if (k->type != YAML_SCALAR_NODE)
                                return loader_error(l, kline, "A mapping key must be a string.");
                        key = (const char *) k->data.scalar.value;
                        if (streq(key, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
                                continue;
                        if (ynode_get(n, key)) {
                                _cleanup_free_ char *m = NULL;
                                if (asprintf(&m, "Key '%s' appears twice in one mapping.", key) < 0)
                                        return -ENOMEM;
                                return loader_error(l, kline, m);
                        }
                        r = convert(l, v, depth + 1, &c);
                        if (r < 0)
                                return r;
                        c->line = kline;
                        r = ynode_set(n, key, c);
                        if (r < 0)
                                return r;
                }
                for (yaml_node_pair_t *p = y->data.mapping.pairs.start; p < y->data.mapping.pairs.top; p++) {
                        yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
                        if (streq((const char *) k->data.scalar.value, "<<") &&
                                        k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                                r = merge_key(l, n, yaml_document_get_node(l->doc, p->value),
                                                (unsigned) k->start_mark.line + 1, depth);
                                if (r < 0)
                                        return r;
                        }
                }
                break;
        default:
                return loader_error(l, line, "Unexpected YAML node.");
        }
        if (tag && tag[0] == '!' && tag[1] != '!') {
                if (!streq(tag, "!reset") && !streq(tag, "!override")) {
                        _cleanup_free_ char *m = NULL;
                        if (asprintf(&m, "Unknown tag %s (compose knows !reset and !override).", tag) < 0)
                                return -ENOMEM;
                        return loader_error(l, line, m);
                }
                n->tag = strdup(tag);
                if (!n->tag)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(n);
        return 0;
}

int yaml_load(const char *filename, const char *text, size_t size, YNode **ret, char **ret_error) {
        _cleanup_(ynode_freep) YNode *root = NULL;
        yaml_parser_t parser;
        Loader l = { .file = ynode_intern_file(filename) };
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, size);
        for (;;) {
                yaml_document_t doc;
                yaml_node_t *top;
                YNode *n = NULL;

                if (!yaml_parser_load(&parser, &doc)) {
                        if (asprintf(&l.error, "%s:%zu: %s%s%s", l.file, parser.problem_mark.line + 1,
                                            parser.problem ?: "invalid YAML", parser.context ? " " : "",
                                            parser.context ?: "") < 0)
                                l.error = NULL;
                        r = l.error ? -EBADMSG : -ENOMEM;
                        break;
                }
                top = yaml_document_get_root_node(&doc);
                if (!top) { /* the end of the stream */
                        yaml_document_delete(&doc);
                        break;
                }
                l.doc = &doc;
                r = convert(&l, top, 0, &n);
                yaml_document_delete(&doc);
                if (r < 0)
                        break;
                if (n->kind == Y_NULL) {
                        ynode_free(n);
                        continue;
                }
                if (n->kind != Y_MAP) {
                        r = loader_error(&l, n->line, "The top level of a compose file must be a mapping.");
                        ynode_free(n);
                        break;
                }
                if (!root)
                        root = n;
                else {
                        r = ynode_merge(root, n);
                        ynode_free(n);
                        if (r < 0)
                                break;
                }
        }
        yaml_parser_delete(&parser);
        if (r < 0) {
                if (r == -EBADMSG && ret_error)
                        *ret_error = TAKE_PTR(l.error);
                free(l.error);
                return r;
        }
        if (!root && !(root = ynode_new(Y_MAP, l.file, 1)))
                return -ENOMEM;
        *ret = TAKE_PTR(root);
        return 0;
}

int yaml_load_file(const char *path, YNode **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, &text, &size);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s: cannot read: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r == -ENOMEM ? r : -EBADMSG;
        }
        return yaml_load(path, text, size, ret, ret_error);
}

/* Sequences whose items are merged by a key rather than appended; NULL key: equal items once. */
static const struct {
        const char *name;
        const char *key;
} keyed_lists[] = {
        { "volumes", "target" },
        { "secrets", "target" },
        { "configs", "target" },
        { "ports", NULL },
        { "expose", NULL },
        { "dns", NULL },
        { "cap_add", NULL },
        { "cap_drop", NULL },
        { "profiles", NULL },
};
/* Sequences an override replaces whole. */
static const char *const replaced_lists[] = { "command", "entrypoint", "test", NULL };

static bool ynode_equal(const YNode *a, const YNode *b) {
        if (a->kind != b->kind || !streq_ptr(a->value, b->value) || a->n_items != b->n_items)
                return false;
        for (size_t i = 0; i < a->n_items; i++)
                if (!streq_ptr(a->items[i]->key, b->items[i]->key) || !ynode_equal(a->items[i], b->items[i]))
                        return false;
        return true;
}

static int merge_seq(YNode *base, const YNode *o, const char *name) {
        const char *key = NULL;
        bool keyed = false;

        for (size_t i = 0; name && i < ELEMENTSOF(keyed_lists); i++)
                if (streq(keyed_lists[i].name, name)) {
                        keyed = true;
                        key = keyed_lists[i].key;
                }
        for (size_t i = 0; i < o->n_items; i++) {
                const YNode *item = o->items[i];
                YNode *c;
                bool replaced = false;

                for (size_t j = 0; keyed && j < base->n_items; j++) {
                        const YNode *bk = key ? ynode_get(base->items[j], key) : base->items[j];
                        const YNode *ok = key ? ynode_get(item, key) : item;
                        if (bk && ok && ynode_equal(bk, ok)) {
                                c = ynode_copy(item);
                                if (!c)
                                        return -ENOMEM;
                                ynode_free(base->items[j]);
                                base->items[j] = c;
                                replaced = true;
                                break;
                        }
                }
                if (replaced)
                        continue;
                c = ynode_copy(item);
                if (!c || ynode_append(base, c) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int merge_into(YNode *base, const YNode *o, const char *name) {
        if (base->kind == Y_MAP && o->kind == Y_MAP && !streq_ptr(o->tag, "!override") && !streq_ptr(o->tag, "!reset")) {
                for (size_t i = 0; i < o->n_items; i++) {
                        const YNode *oi = o->items[i];
                        YNode *bi = ynode_get(base, oi->key);
                        int r;

                        if (streq_ptr(oi->tag, "!reset")) {
                                ynode_remove(base, oi->key);
                                continue;
                        }
                        if (bi && !streq_ptr(oi->tag, "!override")) {
                                r = merge_into(bi, oi, oi->key);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        YNode *c = ynode_copy(oi);
                        if (!c)
                                return -ENOMEM;
                        free(c->tag);
                        c->tag = NULL;
                        r = ynode_set(base, oi->key, c);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (base->kind == Y_SEQ && o->kind == Y_SEQ && !o->tag && !(name && strv_contains((char **) replaced_lists, name)))
                return merge_seq(base, o, name);
        /* Scalars, a change of kind, !override: the override replaces the value in place. */
        {
                _cleanup_(ynode_freep) YNode *c = ynode_copy(o);
                if (!c)
                        return -ENOMEM;
                for (size_t i = 0; i < base->n_items; i++)
                        ynode_free(base->items[i]);
                free(base->items);
                free(base->value);
                free(base->tag);
                base->items = TAKE_PTR(c->items);
                base->n_items = c->n_items;
                c->n_items = 0;
                base->value = TAKE_PTR(c->value);
                base->kind = c->kind;
                base->type = c->type;
                base->quoted = c->quoted;
                base->tag = NULL;
                base->file = c->file;
                base->line = c->line;
                if (streq_ptr(o->tag, "!reset")) {
                        /* !reset [] or !reset {} in an override leaves the emptied value */
                        for (size_t i = 0; i < base->n_items; i++)
                                ynode_free(base->items[i]);
                        base->n_items = 0;
                }
        }
        return 0;
}

int ynode_merge(YNode *base, const YNode *override) {
        return merge_into(base, override, NULL);
}

/* Plain scalars YAML 1.1 (and 1.2) would read as something other than a string. */
static bool needs_quotes(const char *v) {
        static const char *const special[] = {
                "y",
                "Y",
                "yes",
                "Yes",
                "YES",
                "n",
                "N",
                "no",
                "No",
                "NO",
                "true",
                "True",
                "TRUE",
                "false",
                "False",
                "FALSE",
                "on",
                "On",
                "ON",
                "off",
                "Off",
                "OFF",
                "null",
                "Null",
                "NULL",
                "~",
                NULL,
        };
        char *end;

        if (!*v || strv_contains((char **) special, v))
                return true;
        if (strchr("-?:,[]{}#&*!|>'\"%@` \t", v[0]) || isspace((unsigned char) v[strlen(v) - 1]))
                return true;
        if (strstr(v, ": ") || strstr(v, " #") || strchr(v, '\n') || endswith(v, ":"))
                return true;
        errno = 0;
        (void) strtod(v, &end);
        if (*end == 0)
                return true;
        /* 1:30 is a base-60 number in YAML 1.1 */
        if (isdigit((unsigned char) v[0]) && strchr(v, ':') && strspn(v, "0123456789:._") == strlen(v))
                return true;
        for (const char *p = v; *p; p++)
                if ((unsigned char) *p < 0x20)
                        return true;
        return false;
}

static void print_scalar(const YNode *n, FILE *f) {
        if (n->kind == Y_NULL) {
                fputs("null", f);
                return;
        }
        if (n->type == Y_PLAIN || !needs_quotes(n->value)) {
                fputs(n->value, f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) n->value; *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\x%02x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

static void print_key(const char *k, FILE *f) {
        YNode tmp = { .kind = Y_SCALAR, .type = Y_STR, .value = (char *) k };
        print_scalar(&tmp, f);
        fputc(':', f);
}

static bool is_collection(const YNode *n) {
        return (n->kind == Y_MAP || n->kind == Y_SEQ) && n->n_items > 0;
}

/* first_inline: the first line continues a "- " already printed. */
static void print_node(const YNode *n, unsigned indent, bool first_inline, FILE *f) {
        for (size_t i = 0; i < n->n_items; i++) {
                const YNode *c = n->items[i];
                if (!(first_inline && i == 0))
                        fprintf(f, "%*s", (int) indent, "");
                if (n->kind == Y_MAP)
                        print_key(c->key, f);
                else
                        fputc('-', f);
                if (is_collection(c)) {
                        if (n->kind == Y_SEQ && c->kind == Y_MAP) {
                                fputc(' ', f);
                                print_node(c, indent + 2, true, f);
                        } else {
                                fputc('\n', f);
                                print_node(c, indent + 2, false, f);
                        }
                        continue;
                }
                fputc(' ', f);
                if (c->kind == Y_MAP)
                        fputs("{}", f);
                else if (c->kind == Y_SEQ)
                        fputs("[]", f);
                else
                        print_scalar(c, f);
                fputc('\n', f);
        }
}

int yaml_print(const YNode *n, FILE *f) {
        print_node(n, 0, false, f);
        return ferror(f) ? -EIO : 0;
}
