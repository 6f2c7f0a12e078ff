/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The compose schema, in three parts: compose-schema.c holds the key tables (which keys a service and the
 * top-level resources have, what each holds), compose-value.c checks a value of each kind and brings it
 * into its normal form (lists for commands, mappings for environment and labels, absolute paths), and
 * compose-normalize.c turns the keys with more than one syntax into their long form. The entry points are
 * compose_normalize_service() and compose_normalize_resource() of compose-project.h. Every problem names
 * the file, the line and the key. */

#include "compose-project.h"

typedef enum FieldType {
        F_STRING,   /* a scalar, kept as a string */
        F_BOOL,     /* YAML 1.1 boolean */
        F_INT,      /* an integer */
        F_NUMBER,   /* an integer or a decimal ("cpus: 0.5") */
        F_DURATION, /* 1m30s */
        F_BYTES,    /* 512m */
        F_STRLIST,  /* a string or a list of strings: a list */
        F_LIST,     /* a list of strings */
        F_DICT,     /* a mapping or a list of K=V: a mapping of strings */
        F_COMMAND,  /* a string (split into words) or a list */
        F_ANY,      /* kept as it is */
        F_OBJECT,   /* a mapping with the keys of sub */
        F_CUSTOM,   /* norm() does it */
        F_UNSUPPORTED,
} FieldType;

typedef struct SchemaCtx {
        const char *dir;
        char *const *env;
        char **error;
} SchemaCtx;

typedef struct SchemaField SchemaField;
struct SchemaField {
        const char *name;
        FieldType type;
        const SchemaField *sub;
        int (*norm)(SchemaCtx *c, YNode *n, const char *path);
};

/* Rows of a key table: a key whose value is of a kind; a mapping with the keys of sub, then norm(); a
 * key that norm() alone checks. */
#define KEY(n, t)                                                                                                      \
        { .name = (n), .type = (t) }
#define KEY_OBJECT(n, s, f)                                                                                            \
        { .name = (n), .type = F_OBJECT, .sub = (s), .norm = (f) }
#define KEY_CUSTOM(n, f)                                                                                               \
        { .name = (n), .type = F_CUSTOM, .norm = (f) }

/* compose-value.c: the value kinds */
int schema_object(SchemaCtx *c, YNode *n, const SchemaField *fields, const char *path);
int schema_parse_bool(const char *v);
int schema_set_scalar(YNode *n, const char *v, YType t);
bool schema_is_int(const char *s);
int schema_to_list(SchemaCtx *c, YNode *n, const char *path, bool allow_string);
/* n's items become those of normalised, which is left empty. */
void schema_replace_items(YNode *n, YNode *normalised);
/* environment, labels, sysctls...: a mapping of strings; "K=V" list items become entries. */
int schema_to_dict(SchemaCtx *c, YNode *n, const char *path, bool resolve_bare);
int schema_add_scalar(YNode *map, const char *key, const char *value, YType t);
char *schema_absolute(SchemaCtx *c, const char *p);
int schema_make_absolute(SchemaCtx *c, YNode *n);
/* The short form of a long syntax: the scalar n becomes the mapping {key: n}. */
int schema_scalar_to_map(YNode *n, const char *key);

/* compose-normalize.c: the keys of more than one syntax, each checked and brought into its long form */
int compose_norm_ports(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_volumes(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_depends_on(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_healthcheck(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_restart(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_environment(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_restart_policy(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_logging(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_networks(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_build(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_env_file(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_extra_hosts(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_ulimits(SchemaCtx *c, YNode *n, const char *path);
/* secrets and configs of a service: names, or {source, target, uid, gid, mode}. */
int compose_norm_file_refs(SchemaCtx *c, YNode *n, const char *path);
int compose_norm_ipam_config(SchemaCtx *c, YNode *n, const char *path);

/* compose-schema.c: the tables of the long forms the normalisers check */
extern const SchemaField compose_port_fields[];
extern const SchemaField compose_volume_fields[];
extern const SchemaField compose_depends_fields[];
extern const SchemaField compose_service_network_fields[];
extern const SchemaField compose_build_fields[];
extern const SchemaField compose_env_file_fields[];
extern const SchemaField compose_ipam_config_fields[];
extern const SchemaField compose_ulimit_fields[];
extern const SchemaField compose_file_ref_fields[];
