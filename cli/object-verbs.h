/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What `berth volume`, `berth network` and `berth pod` have in common: their sub-command dispatch,
 * the options of `ls` and `rm`, removing NAME... one by one, and JSON output. Each object type
 * keeps only what is its own: how to load, show and remove one. */

#include <jansson.h>
#include <stdbool.h>

typedef struct SubVerb {
        const char *name;
        int (*run)(int argc, char *argv[]);
} SubVerb;

/* Runs the sub-command argv[1] of `berth OBJECT` (argv[0]) from subs; usage is the --help line. */
int run_sub_verb(const SubVerb *subs, size_t n_subs, const char *usage, int argc, char *argv[]);

typedef struct ListOptions {
        bool quiet;         /* -q: names only */
        bool json;          /* --format json, or a template: the records are collected as JSON */
        const char *format; /* --format TEMPLATE ("{{.Name}}", "table {{.Name}}\t{{.Driver}}"), or NULL */
} ListOptions;

/* The collected records as --format asks: each through the template, or as a JSON array. Frees all. */
int print_list_and_free(json_t *all, const ListOptions *o);

/* `berth OBJECT ls [-q] [--format json|TEMPLATE]`. Returns 1 when it printed --help (the verb is done),
 * 0 to go on, or a negative errno it has logged. */
int parse_list_options(int argc, char *argv[], const char *object, ListOptions *ret);

typedef struct RemoveOptions {
        bool force;  /* -f */
        bool ignore; /* --ignore: a NAME that does not exist is no error */
} RemoveOptions;

/* `berth OBJECT rm [-f] [--ignore] NAME...`; force_help says what -f does for this object. Returns
 * 1 after --help, 0 to go on (the names are argv[optind..]), or a negative errno it has logged. */
int parse_remove_options(int argc, char *argv[], const char *object, const char *force_help, RemoveOptions *ret);

/* Calls remove_one for every name and prints the name of each one removed (remove_one returns
 * > 0 or 0 for removed, RM_SKIPPED for nothing done without an error, < 0 for a logged error).
 * Returns the last error, or 0. */
#define RM_SKIPPED (-1000)
int remove_each(char *const *names, const RemoveOptions *o, int (*remove_one)(const char *name, const RemoveOptions *o));

/* `berth OBJECT inspect NAME...`: prints a JSON array of what to_json gives for each name (to_json
 * logs its own errors); returns the last error, after printing the others. */
int inspect_each(int argc, char *argv[], const char *object, int (*to_json)(const char *name, json_t **ret));

/* Prints a JSON value as docker does (indented by 4, keys in their order) and frees it; a NULL
 * value (a failed allocation while building it) is an out-of-memory error. */
int print_json_and_free(json_t *v);
