/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "strv.h"
#include "unitfile.h"

#define WHITESPACE " \t\n\r"
#define COMMENTS   "#;"

UnitFile *unit_file_new(void) {
        return calloc(1, sizeof(UnitFile));
}

static void unit_section_done(UnitSection *s) {
        for (size_t i = 0; i < s->n_entries; i++) {
                free(s->entries[i].key);
                free(s->entries[i].value);
        }
        free(s->entries);
        free(s->name);
}

UnitFile *unit_file_free(UnitFile *u) {
        if (!u)
                return NULL;
        for (size_t i = 0; i < u->n_sections; i++)
                unit_section_done(&u->sections[i]);
        free(u->sections);
        strv_free(u->files);
        free(u);
        return NULL;
}

UnitSection *unit_file_find_section(const UnitFile *u, const char *name) {
        for (size_t i = 0; i < u->n_sections; i++)
                if (streq(u->sections[i].name, name))
                        return &u->sections[i];
        return NULL;
}

UnitSection *unit_file_ensure_section(UnitFile *u, const char *name) {
        UnitSection *s = unit_file_find_section(u, name), *n;

        if (s)
                return s;
        n = reallocarray(u->sections, u->n_sections + 1, sizeof(UnitSection));
        if (!n)
                return NULL;
        u->sections = n;
        s = &u->sections[u->n_sections];
        *s = (UnitSection) { .name = strdup(name) };
        if (!s->name)
                return NULL;
        u->n_sections++;
        return s;
}

static int unit_section_insert(UnitSection *s, size_t at, const char *key, const char *value, const char *file,
                unsigned line) {
        _cleanup_free_ char *k = strdup(key), *v = strdup(value);
        UnitEntry *n;

        if (!k || !v)
                return -ENOMEM;
        n = reallocarray(s->entries, s->n_entries + 1, sizeof(UnitEntry));
        if (!n)
                return -ENOMEM;
        s->entries = n;
        memmove(&s->entries[at + 1], &s->entries[at], (s->n_entries - at) * sizeof(UnitEntry));
        s->entries[at] = (UnitEntry) { .key = TAKE_PTR(k), .value = TAKE_PTR(v), .file = file, .line = line };
        s->n_entries++;
        return 0;
}

int unit_section_append(UnitSection *s, const char *key, const char *value, const char *file, unsigned line) {
        return unit_section_insert(s, s->n_entries, key, value, file, line);
}

int unit_file_append(UnitFile *u, const char *section, const char *key, const char *value) {
        UnitSection *s = unit_file_ensure_section(u, section);
        return s ? unit_section_append(s, key, value, NULL, 0) : -ENOMEM;
}

int unit_file_prepend(UnitFile *u, const char *section, const char *key, const char *value) {
        UnitSection *s = unit_file_ensure_section(u, section);
        return s ? unit_section_insert(s, 0, key, value, NULL, 0) : -ENOMEM;
}

int unit_file_append_default(UnitFile *u, const char *section, const char *key, const char *value) {
        if (unit_file_lookup_last(u, section, key))
                return 0;
        return unit_file_append(u, section, key, value);
}

const UnitEntry *unit_file_lookup_last(const UnitFile *u, const char *section, const char *key) {
        const UnitSection *s = unit_file_find_section(u, section);

        if (!s)
                return NULL;
        for (size_t i = s->n_entries; i > 0; i--)
                if (streq(s->entries[i - 1].key, key))
                        return &s->entries[i - 1];
        return NULL;
}

int unit_file_lookup_list(const UnitFile *u, const char *section, const char *key, const UnitEntry ***ret) {
        const UnitSection *s = unit_file_find_section(u, section);
        const UnitEntry **l;
        size_t start = 0, n = 0;

        if (s)
                for (size_t i = 0; i < s->n_entries; i++)
                        if (streq(s->entries[i].key, key) && isempty(s->entries[i].value))
                                start = i + 1;
        l = calloc((s ? s->n_entries : 0) + 1, sizeof(UnitEntry *));
        if (!l)
                return -ENOMEM;
        if (s)
                for (size_t i = start; i < s->n_entries; i++)
                        if (streq(s->entries[i].key, key) && !isempty(s->entries[i].value))
                                l[n++] = &s->entries[i];
        *ret = l;
        return (int) n;
}

static char *strip(char *s) {
        char *e;

        s += strspn(s, WHITESPACE);
        e = s + strlen(s);
        while (e > s && strchr(WHITESPACE, e[-1]))
                e--;
        *e = 0;
        return s;
}

static int parse_error(char **ret_error, const char *filename, unsigned line, const char *fmt, ...) _printf_(4, 5);
static int parse_error(char **ret_error, const char *filename, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (ret_error && asprintf(ret_error, "%s:%u: %s", filename, line, msg) < 0)
                return -ENOMEM;
        return -EBADMSG;
}

/* Handles one logical line (continuations already joined). *section is the index of the current
 * section, or -1 before the first header. */
static int parse_line(UnitFile *u, const char *file, unsigned line, char *text, ssize_t *section, char **ret_error) {
        char *l = strip(text), *eq, *key, *value;

        if (!*l)
                return 0;
        if (*l == '[') {
                size_t n = strlen(l);
                if (n < 2 || l[n - 1] != ']')
                        return parse_error(ret_error, file, line, "Section header '%s' lacks its closing ']'.", l);
                l[n - 1] = 0;
                l++;
                if (!*l || strpbrk(l, "[]"))
                        return parse_error(ret_error, file, line, "Invalid section name '[%s]'.", l);
                if (!unit_file_ensure_section(u, l))
                        return -ENOMEM;
                *section = unit_file_find_section(u, l) - u->sections;
                return 0;
        }
        eq = strchr(l, '=');
        if (!eq)
                return parse_error(ret_error, file, line,
                                "'%s' is not an assignment (Key=Value), a [Section] header or a comment.", l);
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!*key)
                return parse_error(ret_error, file, line, "Assignment without a key: '=%s'.", value);
        if (*section < 0)
                return parse_error(ret_error, file, line, "Assignment '%s=' outside of any [Section].", key);
        return unit_section_append(&u->sections[*section], key, value, file, line);
}

/* True when the line ends in a backslash that is not itself escaped, systemd's continuation rule. */
static bool ends_in_continuation(const char *l) {
        bool escaped = false;

        for (; *l; l++)
                escaped = !escaped && *l == '\\';
        return escaped;
}

int unit_file_parse(UnitFile *u, const char *filename, const char *text, size_t size, char **ret_error) {
        _cleanup_free_ char *cont = NULL;
        const char *file, *p = text, *end = text + size;
        unsigned line = 0, cont_line = 0;
        ssize_t section = -1;
        int r;

        if (memchr(text, 0, size))
                return parse_error(ret_error, filename, 1, "File contains a NUL byte; this is not a text file.");

        r = strv_extend(&u->files, filename);
        if (r < 0)
                return r;
        file = u->files[strv_length(u->files) - 1];

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                _cleanup_free_ char *buf = strndup(p, n);
                const char *first;

                if (!buf)
                        return -ENOMEM;
                p += n + (nl ? 1 : 0);
                line++;

                /* Comment lines are skipped, also in the middle of a continued value (like systemd). */
                first = buf + strspn(buf, WHITESPACE);
                if (*first && strchr(COMMENTS, *first))
                        continue;

                if (cont) {
                        char *joined = strjoin(cont, buf);
                        if (!joined)
                                return -ENOMEM;
                        free(cont);
                        cont = joined;
                } else {
                        cont = TAKE_PTR(buf);
                        cont_line = line;
                }
                if (ends_in_continuation(cont)) {
                        cont[strlen(cont) - 1] = ' ';
                        continue;
                }
                r = parse_line(u, file, cont_line, cont, &section, ret_error);
                free(cont);
                cont = NULL;
                if (r < 0)
                        return r;
        }
        if (cont) /* a continuation at the end of the file ends there */
                return parse_line(u, file, cont_line, cont, &section, ret_error);
        return 0;
}

int unit_file_load(UnitFile *u, const char *path, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, &text, &size);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s: cannot read: %s", path, strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }
        return unit_file_parse(u, path, text, size, ret_error);
}

int unit_file_serialize(const UnitFile *u, FILE *f) {
        for (size_t i = 0; i < u->n_sections; i++) {
                const UnitSection *s = &u->sections[i];
                fprintf(f, "%s[%s]\n", i > 0 ? "\n" : "", s->name);
                for (size_t j = 0; j < s->n_entries; j++)
                        fprintf(f, "%s=%s\n", s->entries[j].key, s->entries[j].value);
        }
        return ferror(f) ? -EIO : 0;
}

char *unit_value_unquote(const char *v) {
        size_t n = strlen(v);

        if (n >= 2 && v[0] == '"' && v[n - 1] == '"' && !memchr(v + 1, '"', n - 2))
                return strndup(v + 1, n - 2);
        return strdup(v);
}

char *unit_entry_location(const UnitEntry *e) {
        char *s = NULL;

        if (!e->file)
                return strdup("(generated)");
        if (e->line == 0)
                return strdup(e->file);
        if (asprintf(&s, "%s:%u", e->file, e->line) < 0)
                return NULL;
        return s;
}
