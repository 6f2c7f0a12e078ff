/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The tree compose files are read into and the normalised project is kept in: mappings (keys in
 * order), sequences and scalars, each remembering its file and line for error messages. Loaded with
 * libyaml: anchors and aliases are resolved by libyaml, merge keys (<<) here, and the documents of a
 * stream are merged into the first as overrides. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef enum YKind {
        Y_NULL,
        Y_SCALAR,
        Y_MAP,
        Y_SEQ,
} YKind;

/* What a scalar is once the schema read it; decides how it is printed back. */
typedef enum YType {
        Y_STR,   /* printed quoted when it would read back as something else */
        Y_PLAIN, /* as read: numbers, booleans written by the normaliser */
} YType;

typedef struct YNode YNode;
struct YNode {
        YKind kind;
        YType type;
        char *key;        /* the key when the node is a mapping value */
        char *value;      /* scalars */
        bool quoted;      /* the scalar was quoted in the file: never a number, boolean or null */
        char *tag;        /* "!reset", "!override", or NULL */
        const char *file; /* static for the program's life: interned by ynode_intern_file() */
        unsigned line;    /* of the key for mapping values, of the node otherwise */
        YNode **items;    /* mapping values (with key) or sequence items */
        size_t n_items;
};

YNode *ynode_new(YKind kind, const char *file, unsigned line);
YNode *ynode_new_scalar(const char *value, YType type, const char *file, unsigned line);
YNode *ynode_free(YNode *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(YNode *, ynode_free);
YNode *ynode_copy(const YNode *n);
/* Appends child (taking it) to a sequence, or to a mapping under key (a copy; replaces the key's
 * earlier value). Returns 0 or -ENOMEM (child is freed then). */
int ynode_append(YNode *parent, YNode *child);
int ynode_set(YNode *map, const char *key, YNode *child);
YNode *ynode_get(const YNode *map, const char *key);
/* Removes key from a mapping (no-op when absent). */
void ynode_remove(YNode *map, const char *key);
/* A string that lives as long as the program, for YNode.file. */
const char *ynode_intern_file(const char *path);

/* Parses a YAML stream (several documents merged in order). On a syntax error returns -EBADMSG with
 * *ret_error "FILE:LINE: message". An empty stream gives an empty mapping. */
int yaml_load(const char *filename, const char *text, size_t size, YNode **ret, char **ret_error);
int yaml_load_file(const char *path, YNode **ret, char **ret_error);

/* Writes n as block YAML (what `berth compose config` prints). */
int yaml_print(const YNode *n, FILE *f);

/* Deep merge of override into base per the compose rules (mappings by key, sequences appended,
 * !reset clears, !override replaces). Used for documents, -f files and extends. */
int ynode_merge(YNode *base, const YNode *override);
