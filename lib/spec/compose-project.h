/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A compose project: the files read, the variables, and the normalised model (a YNode tree shaped as
 * `docker compose config` prints it: long syntaxes, absolute paths, resource names filled in).
 *
 *   ComposeOptions o = { .files = ..., .environ = environ };
 *   ComposeProject p = {};
 *   compose_project_load(&o, &p, &error)    every problem is "FILE:LINE: services.web.key: what" */

#include <stdbool.h>

#include "compose-yaml.h"

typedef struct ComposeOptions {
        char **files;             /* -f, in order; none: compose.yaml ... in working_dir (or its parents) */
        const char *project_name; /* -p */
        const char *project_dir;  /* --project-directory; default: the first file's directory */
        const char *working_dir;  /* where files are looked for; NULL: the current directory */
        char **env_files;         /* --env-file; none: PROJECT_DIR/.env when it exists */
        char **profiles;          /* --profile (COMPOSE_PROFILES adds to them) */
        char *const *environ;     /* the process environment: beats .env */
} ComposeOptions;

typedef struct ComposeProject {
        char *name;
        char *dir;
        char **files;    /* absolute paths of the files read */
        char **env;      /* the variables interpolation used: process environment over .env */
        char **warnings; /* "The "X" variable is not set. Defaulting to a blank string." ... */
        YNode *root;     /* name, services, networks, volumes, secrets, configs */
} ComposeProject;

void compose_project_done(ComposeProject *p);

/* Loads and checks a project. Returns 0, -EINVAL (or -EBADMSG for YAML syntax, -ENOENT for no file)
 * with *ret_error set, or -ENOMEM. */
int compose_project_load(const ComposeOptions *o, ComposeProject *ret, char **ret_error);

/* The merged root of p's files, checked across services, with defaults and names filled in and in the
 * order docker compose prints (compose-check.c; p's name and env are set). */
int compose_project_finish(ComposeProject *p, YNode *root, char *const *profiles, char **ret_error);

/* Normalises one service mapping in place (the schema of compose-schema.h). dir resolves relative
 * paths; env resolves bare environment keys. path is "services.NAME" for messages. */
int compose_normalize_service(YNode *svc, const char *path, const char *dir, char *const *env, char **ret_error);
/* The same for a top-level networks/volumes/secrets/configs entry ("networks", "volumes", ...). */
int compose_normalize_resource(YNode *res, const char *section, const char *path, const char *dir, char **ret_error);
/* The error for a node: "FILE:LINE: PATH: message". Returns -EINVAL (or -ENOMEM). */
int compose_error(char **ret_error, const YNode *n, const char *path, const char *fmt, ...) _printf_(4, 5);

/* Names as docker compose gives them: "PROJECT-SERVICE-1" (or container_name), "PROJECT_KEY". */
char *compose_container_name(const ComposeProject *p, const char *service);
/* The services in an order where each comes after what it depends on. */
int compose_service_order(const ComposeProject *p, char ***ret);
/* Duration "1m30s" in microseconds; -EINVAL when it is not one. */
int compose_parse_duration(const char *s, unsigned long long *ret_usec);
