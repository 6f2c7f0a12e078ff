/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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
        /* Grown geometrically: a file may hold many thousand assignments. */
        if (!s->entries || malloc_usable_size(s->entries) / sizeof(UnitEntry) < s->n_entries + 1) {
                n = reallocarray(s->entries, MAX(s->n_entries * 2, (size_t) 8), sizeof(UnitEntry));
                if (!n)
                        return -ENOMEM;
                s->entries = n;
        }
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

/* A key worth naming in a message: what systemd and Quadlet use. Anything else is not echoed, since the
 * "file" may be a symlink to something secret (a drop-in pointing at /etc/shadow). */
static bool key_is_printable(const char *key) {
        if (!*key || strlen(key) > 64)
                return false;
        for (const char *k = key; *k; k++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.@", *k))
                        return false;
        return true;
}

/* Handles one logical line (continuations already joined). *section is the index of the current
 * section, or -1 before the first header. Messages name the file and line but never repeat a line
 * that is not an assignment: it may come from any file a drop-in symlink points to. */
static int parse_line(UnitFile *u, const char *file, unsigned line, char *text, ssize_t *section, char **ret_error) {
        char *l = strip(text), *eq, *key, *value;

        if (!*l)
                return 0;
        if (*l == '[') {
                size_t n = strlen(l);
                if (n < 2 || l[n - 1] != ']')
                        return parse_error(ret_error, file, line, "A section header lacks its closing ']'.");
                l[n - 1] = 0;
                l++;
                if (!*l || strpbrk(l, "[]"))
                        return parse_error(ret_error, file, line, "Invalid section name.");
                if (!unit_file_ensure_section(u, l))
                        return -ENOMEM;
                *section = unit_file_find_section(u, l) - u->sections;
                return 0;
        }
        eq = strchr(l, '=');
        if (!eq)
                return parse_error(ret_error, file, line,
                                "The line is not an assignment (Key=Value), a [Section] header or a "
                                "comment.");
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!*key)
                return parse_error(ret_error, file, line, "Assignment without a key.");
        if (*section < 0)
                return key_is_printable(key)
                                       ? parse_error(ret_error, file, line,
                                                         "Assignment '%s=' outside of any [Section].", key)
                                       : parse_error(ret_error, file, line, "Assignment outside of any [Section].");
        return unit_section_append(&u->sections[*section], key, value, file, line);
}

/* The error for a logical line over UNIT_LINE_MAX, naming its key when it has a sensible one. */
static int line_too_long(char **ret_error, const char *file, unsigned line, const char *text, size_t size) {
        const char *start = text, *eq = memchr(text, '=', size), *e;
        _cleanup_free_ char *key = NULL;

        while (start < text + size && strchr(WHITESPACE, *start))
                start++;
        if (eq && eq > start) {
                for (e = eq; e > start && strchr(WHITESPACE, e[-1]); e--)
                        ;
                key = strndup(start, MIN((size_t) (e - start), (size_t) 65));
                if (!key)
                        return -ENOMEM;
        }
        if (key && key_is_printable(key))
                return parse_error(ret_error, file, line, "%s=: the value is longer than %u MiB, the limit for one line.",
                                key, UNIT_LINE_MAX >> 20);
        return parse_error(ret_error, file, line, "The line is longer than %u MiB, the limit for one line.",
                        UNIT_LINE_MAX >> 20);
}

/* A line ends in a continuation when it ends in an odd number of backslashes (the last one is not
 * escaped), systemd's rule. Only the physical line matters: the previous one's backslash became a space. */
static bool ends_in_continuation(const char *l, size_t n) {
        size_t backslashes = 0;

        while (backslashes < n && l[n - 1 - backslashes] == '\\')
                backslashes++;
        return backslashes % 2 == 1;
}

int unit_file_parse(UnitFile *u, const char *filename, const char *text, size_t size, char **ret_error) {
        /* The logical line being assembled: it grows geometrically, so joining continuation lines stays
         * linear however many there are. */
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, allocated = 0;
        const char *file, *p = text, *end = text + size;
        unsigned line = 0, first_line = 0;
        ssize_t section = -1;
        bool continued = false;
        int r;

        if (size > UNIT_FILE_MAX)
                return parse_error(ret_error, filename, 1, "The file is larger than %u MiB, the limit for a unit file.",
                                UNIT_FILE_MAX >> 20);
        if (memchr(text, 0, size))
                return parse_error(ret_error, filename, 1, "File contains a NUL byte; this is not a text file.");

        r = strv_extend(&u->files, filename);
        if (r < 0)
                return r;
        file = u->files[strv_length(u->files) - 1];

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p), ws;
                const char *l = p;

                p += n + (nl ? 1 : 0);
                line++;
                /* Comment lines are skipped, also in the middle of a continued value (like systemd). */
                for (ws = 0; ws < n && strchr(WHITESPACE, l[ws]); ws++)
                        ;
                if (ws < n && strchr(COMMENTS, l[ws]))
                        continue;
                if (!continued)
                        first_line = line;
                if (len + n > UNIT_LINE_MAX)
                        return line_too_long(ret_error, file, first_line, len > 0 ? buf : l, len > 0 ? len : n);
                if (len + n + 1 > allocated) {
                        size_t want = MAX(len + n + 1, allocated * 2);
                        char *b = realloc(buf, want);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        allocated = want;
                }
                memcpy(buf + len, l, n);
                len += n;
                continued = ends_in_continuation(l, n);
                if (continued) {
                        buf[len - 1] = ' ';
                        continue;
                }
                buf[len] = 0;
                len = 0;
                r = parse_line(u, file, first_line, buf, &section, ret_error);
                if (r < 0)
                        return r;
        }
        if (continued) { /* a continuation at the end of the file ends there */
                buf[len] = 0;
                return parse_line(u, file, first_line, buf, &section, ret_error);
        }
        return 0;
}

/* Definitions and drop-ins may be symlinks (to anything): only a regular file is read, without
 * blocking on a FIFO, and only up to UNIT_FILE_MAX. */
int unit_file_load(UnitFile *u, const char *path, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *why = NULL;
        struct stat st;
        size_t size = 0;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                r = -errno;
        else if (fstat(fd, &st) < 0)
                r = -errno;
        else if (S_ISDIR(st.st_mode))
                r = -EISDIR;
        else if (!S_ISREG(st.st_mode) && !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) {
                /* /dev/null is allowed: it reads as an empty file */
                r = -EBADMSG;
                why = "not a regular file";
        } else if (st.st_size > (off_t) UNIT_FILE_MAX) {
                r = -EFBIG;
                why = "larger than the limit for a unit file";
        } else {
                r = read_full_fd(fd, &text, &size);
                if (r >= 0)
                        return unit_file_parse(u, path, text, size, ret_error);
        }
        if (ret_error && asprintf(ret_error, "%s: cannot read: %s", path, why ?: strerror(-r)) < 0)
                return -ENOMEM;
        return r;
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
