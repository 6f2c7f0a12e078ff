/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading an OCI config.json (or exec's process.json) so that each problem gets one error naming the
 * file and the field, like "/b/config.json: mounts[2].destination: expected an absolute path". */

#include <jansson.h>
#include <stdbool.h>

#include "macro.h"

typedef struct OciJson {
        const char *file;
        char field[256]; /* the field being read, set with oci_json_at() before reading it */
        bool *terminal;  /* exec --process: process.terminal goes here, no --console-socket is needed */
} OciJson;

/* Sets the field the next error names; returns it. */
const char *oci_json_at(OciJson *x, const char *fmt, ...) _printf_(2, 3);
/* Logs "FILE: FIELD: what"; returns -EINVAL. */
int oci_json_bad(const OciJson *x, const char *what);
/* The optional member key of o, which must be of type t (JSON_TRUE stands for a boolean) when present:
 * 1 and *ret, 0 when missing (or null), or oci_json_bad(what). */
int oci_json_member(OciJson *x, json_t *o, const char *key, json_type t, const char *what, json_t **ret);
/* Like oci_json_member(), but a missing key is an error too. */
int oci_json_required(OciJson *x, json_t *o, const char *key, json_type t, const char *what, json_t **ret);
/* An array of strings, appended to *ret. */
int oci_json_strv_member(OciJson *x, json_t *o, const char *key, const char *what, char ***ret);
