/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "go-template.h"
#include "macro.h"

/* .A.B.C of obj: NULL when a step is missing. "." alone is obj itself. */
static json_t *lookup(json_t *obj, const char *path, size_t n) {
        json_t *v = obj;

        if (n == 1 && path[0] == '.')
                return obj;
        while (n > 0 && v) {
                size_t len;
                char key[256];

                if (path[0] != '.')
                        return NULL;
                path++, n--;
                len = 0;
                while (len < n && path[len] != '.')
                        len++;
                if (len == 0 || len >= sizeof key)
                        return NULL;
                memcpy(key, path, len);
                key[len] = 0;
                if (!json_is_object(v))
                        return NULL;
                json_t *next = json_object_get(v, key);
                if (!next) {
                        /* podman's records spell Go's NetworkInterface as network_interface */
                        char snake[512];
                        size_t k = 0;
                        for (size_t c = 0; c < len && k + 2 < sizeof snake; c++) {
                                if (key[c] >= 'A' && key[c] <= 'Z') {
                                        if (c > 0)
                                                snake[k++] = '_';
                                        snake[k++] = (char) (key[c] - 'A' + 'a');
                                } else
                                        snake[k++] = key[c];
                        }
                        snake[k] = 0;
                        next = json_object_get(v, snake);
                }
                if (!next) {
                        /* Docker's events spell Go's ID and TimeNano as "id" and "timeNano": Go's JSON
                         * decoding matches keys regardless of case, and so does this */
                        for (void *it = json_object_iter(v); it && !next; it = json_object_iter_next(v, it))
                                if (strcasecmp(json_object_iter_key(it), key) == 0)
                                        next = json_object_iter_value(it);
                }
                v = next;
                path += len, n -= len;
        }
        return v;
}

static void print_value(FILE *out, json_t *v) {
        if (!v || json_is_null(v))
                fputs("<no value>", out);
        else if (json_is_string(v))
                fputs(json_string_value(v), out);
        else if (json_is_integer(v))
                fprintf(out, "%lld", (long long) json_integer_value(v));
        else if (json_is_real(v))
                fprintf(out, "%g", json_real_value(v));
        else if (json_is_boolean(v))
                fputs(json_is_true(v) ? "true" : "false", out);
        else {
                /* maps and lists print as Go prints them would be unhelpful; JSON is what scripts parse */
                char *s = json_dumps(v, JSON_COMPACT);
                if (s)
                        fputs(s, out);
                free(s);
        }
}

static void trim(const char **s, size_t *n) {
        while (*n > 0 && (**s == ' ' || **s == '\t'))
                (*s)++, (*n)--;
        while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
                (*n)--;
}

/* One action between {{ and }}: ".Path" or "json .Path". */
static int action(FILE *out, json_t *obj, const char *a, size_t n) {
        bool as_json = false;

        trim(&a, &n);
        if (n > 5 && strncmp(a, "json ", 5) == 0) {
                as_json = true;
                a += 5, n -= 5;
                trim(&a, &n);
        }
        if (n == 0 || a[0] != '.')
                return -EINVAL;
        json_t *v = lookup(obj, a, n);
        if (as_json) {
                char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
                if (!s)
                        return -ENOMEM;
                fputs(s, out);
                free(s);
        } else
                print_value(out, v);
        return 0;
}

int go_template_check(const char *tmpl) {
        for (const char *p = tmpl; (p = strstr(p, "{{"));) {
                const char *end = strstr(p + 2, "}}"), *a = p + 2;
                size_t n;
                if (!end)
                        return -EINVAL;
                n = (size_t) (end - a);
                trim(&a, &n);
                if (n > 5 && strncmp(a, "json ", 5) == 0) {
                        a += 5, n -= 5;
                        trim(&a, &n);
                }
                if (n == 0 || a[0] != '.')
                        return -EINVAL;
                p = end + 2;
        }
        return 0;
}

int go_template_render(FILE *out, const char *tmpl, json_t *obj) {
        const char *p = tmpl;

        while (*p) {
                if (p[0] == '{' && p[1] == '{') {
                        const char *end = strstr(p + 2, "}}");
                        int r;
                        if (!end)
                                return -EINVAL;
                        r = action(out, obj, p + 2, (size_t) (end - p - 2));
                        if (r < 0)
                                return r;
                        p = end + 2;
                } else if (p[0] == '\\' && p[1] == 't') { /* docker's "table {{.ID}}\t{{.Names}}" */
                        fputc('\t', out);
                        p += 2;
                } else if (p[0] == '\\' && p[1] == 'n') {
                        fputc('\n', out);
                        p += 2;
                } else
                        fputc(*p++, out);
        }
        return 0;
}

int go_template_header(FILE *out, const char *tmpl, const GoTemplateHeading *headings) {
        const char *p = tmpl;

        while (*p) {
                if (p[0] == '{' && p[1] == '{') {
                        const char *end = strstr(p + 2, "}}"), *a = p + 2;
                        size_t n;
                        bool found = false;
                        if (!end)
                                return -EINVAL;
                        n = (size_t) (end - a);
                        trim(&a, &n);
                        for (size_t i = 0; headings && headings[i].field && !found; i++)
                                if (strlen(headings[i].field) == n && strncmp(headings[i].field, a, n) == 0) {
                                        fputs(headings[i].heading, out);
                                        found = true;
                                }
                        /* unknown: the field's name in capitals, as docker does */
                        for (size_t i = a[0] == '.' ? 1 : 0; !found && i < n; i++)
                                fputc(a[i] >= 'a' && a[i] <= 'z' ? a[i] - 'a' + 'A' : a[i], out);
                        p = end + 2;
                } else if (p[0] == '\\' && p[1] == 't') {
                        fputc('\t', out);
                        p += 2;
                } else
                        fputc(*p++, out);
        }
        fputc('\n', out);
        return 0;
}

int go_template_print_rows(FILE *out, const char *format, json_t *rows, const GoTemplateHeading *headings) {
        const char *tmpl = format;
        json_t *row;
        size_t i;
        int r;

        if (strncmp(format, "table ", 6) == 0 || streq(format, "table"))
                tmpl = format[5] ? format + 6 : "";
        r = go_template_check(tmpl);
        if (r < 0)
                return r;
        if (tmpl != format) {
                r = go_template_header(out, tmpl, headings);
                if (r < 0)
                        return r;
        }
        json_array_foreach(rows, i, row) {
                r = go_template_render(out, tmpl, row);
                if (r < 0)
                        return r;
                fputc('\n', out);
        }
        return 0;
}
