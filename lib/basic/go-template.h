/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The subset of Go's text/template that `docker ... --format` users write, over a JSON object:
 * {{.Field}}, {{.A.B}}, {{.}}, {{json .Field}}, {{json .}}, and the escapes \t and \n. A value
 * prints as text (strings bare, numbers, true/false), maps and lists as compact JSON, a missing one
 * as "<no value>", as Go does. A field missing under its Go name is looked up in snake case too
 * ({{.NetworkInterface}} finds podman-style "network_interface") and regardless of case, as Go's JSON
 * decoding matches keys ({{.ID}} finds "id"). One engine for ps, images, inspect, network ls, volume ls
 * and events. */

#include <jansson.h>
#include <stdio.h>

typedef struct GoTemplateHeading {
        const char *field;   /* ".ID" */
        const char *heading; /* "CONTAINER ID" */
} GoTemplateHeading;

/* -EINVAL when an action is not one of the forms above, or a {{ is not closed. */
int go_template_check(const char *tmpl);
/* Renders tmpl for obj onto out (no newline added). */
int go_template_render(FILE *out, const char *tmpl, json_t *obj);
/* The heading line of a "table ..." format: each action's heading from headings (NULL-terminated),
 * else its field name in capitals. Ends with a newline. */
int go_template_header(FILE *out, const char *tmpl, const GoTemplateHeading *headings);
/* Each element of the array rows rendered on a line of its own; "table TEMPLATE" first prints the
 * heading line. -EINVAL for a template go_template_check() refuses (nothing printed). */
int go_template_print_rows(FILE *out, const char *format, json_t *rows, const GoTemplateHeading *headings);
