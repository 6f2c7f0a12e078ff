/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Dockerfile parser (see dockerfile.h for the rules it follows). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile.h"
#include "fs-util.h"

typedef struct Parser {
        const char *path;
        char escape;
        char **lines;         /* physical lines, without '\n' and a trailing '\r' */
        size_t n_lines, next; /* next: index of the next unread line */
        char *error;
} Parser;

typedef struct InstructionRule {
        const char *keyword;
        const char *const *flags; /* the flags it takes */
} InstructionRule;

static const char *const from_flags[] = { "platform", NULL };
static const char *const run_flags[] = { "mount", "network", "security", NULL };
static const char *const copy_flags[] = { "from", "chown", "chmod", "link", "parents", "exclude", NULL };
static const char *const add_flags[] = { "chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack", NULL };
static const char *const healthcheck_flags[] = { "interval", "timeout", "start-period", "start-interval", "retries",
        NULL };
static const char *const no_flags[] = { NULL };

static const InstructionRule rules[] = {
        { "ADD", add_flags },
        { "ARG", no_flags },
        { "CMD", no_flags },
        { "COPY", copy_flags },
        { "ENTRYPOINT", no_flags },
        { "ENV", no_flags },
        { "EXPOSE", no_flags },
        { "FROM", from_flags },
        { "HEALTHCHECK", healthcheck_flags },
        { "LABEL", no_flags },
        { "MAINTAINER", no_flags },
        { "ONBUILD", no_flags },
        { "RUN", run_flags },
        { "SHELL", no_flags },
        { "STOPSIGNAL", no_flags },
        { "USER", no_flags },
        { "VOLUME", no_flags },
        { "WORKDIR", no_flags },
};

_printf_(3, 4) static int parse_error_set(Parser *p, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                return -ENOMEM;
        free(p->error);
        if (asprintf(&p->error, "%s:%u: %s", p->path, line, msg) < 0) {
                p->error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

#define parse_error(p, line, ...) ERRNO_NEGATIVE(parse_error_set(p, line, __VA_ARGS__))

static const char *skip_blanks(const char *s) {
        return s + strspn(s, " \t");
}

static bool is_blank(const char *s) {
        return *skip_blanks(s) == 0;
}

static bool is_comment(const char *s) {
        return *skip_blanks(s) == '#';
}

static char *strip_trailing_blanks(char *s) {
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                s[--n] = 0;
        return s;
}

/* "# key=value": returns 1 and the lowercased key and the value when line is a directive. */
static int parse_directive(const char *line, char **ret_key, char **ret_value) {
        const char *s = skip_blanks(line), *k, *v;
        size_t kn;

        if (*s != '#')
                return 0;
        s = skip_blanks(s + 1);
        k = s;
        while (isalpha((unsigned char) *s))
                s++;
        kn = s - k;
        s = skip_blanks(s);
        if (kn == 0 || *s != '=')
                return 0;
        v = skip_blanks(s + 1);
        *ret_key = strndup(k, kn);
        *ret_value = strdup(v);
        if (*ret_value)
                strip_trailing_blanks(*ret_value);
        for (char *c = *ret_key; c && *c; c++)
                *c = (char) tolower((unsigned char) *c);
        return 1;
}

/* Whether line (a physical line, trailing blanks ignored) ends in the escape character. */
static bool continues(const char *line, char escape) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
                n--;
        return n > 0 && line[n - 1] == escape;
}

/* Splits text into words on unquoted blanks, keeping quotes and escapes as they are. */
static int split_raw(const char *text, char escape, char ***ret) {
        _cleanup_strv_free_ char **words = NULL;
        const char *s = skip_blanks(text);

        while (*s) {
                const char *start = s;
                char quote = 0;

                while (*s && (quote || (*s != ' ' && *s != '\t'))) {
                        if (*s == escape && quote != '\'' && s[1])
                                s++;
                        else if (quote && *s == quote)
                                quote = 0;
                        else if (!quote && (*s == '"' || *s == '\''))
                                quote = *s;
                        s++;
                }
                if (quote)
                        return -EBADMSG;
                if (strv_consume(&words, strndup(start, s - start)) < 0)
                        return -ENOMEM;
                s = skip_blanks(s);
        }
        *ret = TAKE_PTR(words);
        return 0;
}

/* A JSON array of strings: 1 and its elements; 0 when text is not JSON (shell form then). */
static int parse_json_array(Parser *p, unsigned line, const char *keyword, const char *text, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_t *a, *v;
        size_t i;

        if (*text != '[')
                return 0;
        a = json_loads(text, JSON_DECODE_ANY, NULL);
        if (!json_is_array(a)) {
                json_decref(a);
                return 0;
        }
        json_array_foreach(a, i, v) {
                if (!json_is_string(v)) {
                        json_decref(a);
                        return parse_error(p, line, "%s: the JSON array may hold only strings.", keyword);
                }
                if (strv_extend(&l, json_string_value(v)) < 0) {
                        json_decref(a);
                        return -ENOMEM;
                }
        }
        json_decref(a);
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 1;
}

/* Leading --name[=value] words; a quoted value loses its quotes. */
static int split_flags(Parser *p, unsigned line, const char *keyword, const char *const *allowed, const char **text,
                char ***ret) {
        _cleanup_strv_free_ char **flags = NULL;
        const char *s = *text;

        while (startswith(s, "--")) {
                _cleanup_free_ char *flag = NULL;
                size_t n = 0, cap = strlen(s) + 1;
                char quote = 0;
                bool known = false;

                s += 2;
                if (*s == ' ' || *s == '\t' || *s == 0) { /* "--" ends the flags */
                        s = skip_blanks(s);
                        break;
                }
                flag = malloc(cap);
                if (!flag)
                        return -ENOMEM;
                for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
                        if (quote && *s == quote)
                                quote = 0;
                        else if (!quote && (*s == '"' || *s == '\''))
                                quote = *s;
                        else
                                flag[n++] = *s;
                }
                flag[n] = 0;
                if (quote)
                        return parse_error(p, line, "%s: unterminated quote in flag --%s.", keyword, flag);
                for (const char *const *a = allowed; *a; a++) {
                        size_t an = strlen(*a);
                        if (strncmp(flag, *a, an) == 0 && (flag[an] == 0 || flag[an] == '='))
                                known = true;
                }
                if (!known)
                        return parse_error(p, line, "%s: unknown flag --%.*s.", keyword, (int) strcspn(flag, "="), flag);
                if (strv_consume(&flags, TAKE_PTR(flag)) < 0)
                        return -ENOMEM;
                s = skip_blanks(s);
        }
        *text = s;
        *ret = TAKE_PTR(flags);
        return 0;
}

/* Finds the heredoc markers of a RUN, COPY or ADD in args and reads their bodies from the lines
 * that follow. */
static int read_heredocs(Parser *p, DockerfileInstruction *in) {
        const char *s = in->args;
        char quote = 0;

        while (*s) {
                const char *start = s, *d;
                DockerfileHeredoc h = {};
                bool chomp = false;
                char dq = 0;
                int fd = 0;

                if (quote) {
                        if (*s == p->escape && quote == '"' && s[1])
                                s++;
                        else if (*s == quote)
                                quote = 0;
                        s++;
                        continue;
                }
                if (*s == p->escape && s[1]) {
                        s += 2;
                        continue;
                }
                if (*s == '"' || *s == '\'') {
                        quote = *s++;
                        continue;
                }
                /* a marker starts a word: [N]<<[-]WORD */
                if (s != in->args && s[-1] != ' ' && s[-1] != '\t') {
                        s++;
                        continue;
                }
                /* A number no file descriptor can have makes it no marker (and must not overflow). */
                while (isdigit((unsigned char) *s) && fd >= 0) {
                        fd = fd > (INT_MAX - 9) / 10 ? -1 : fd * 10 + (*s - '0');
                        s++;
                }
                if (fd < 0 || !startswith(s, "<<") || s[2] == '<') {
                        s = start + 1;
                        continue;
                }
                s += 2;
                if (*s == '-') {
                        chomp = true;
                        s++;
                }
                if (*s == '"' || *s == '\'')
                        dq = *s++;
                d = s;
                while (*s && (dq ? *s != dq : (isalnum((unsigned char) *s) || *s == '_' || *s == '-' || *s == '.')))
                        s++;
                if (s == d || (dq && *s != dq)) {
                        s = start + 1;
                        continue;
                }
                h.delimiter = strndup(d, s - d);
                if (!h.delimiter)
                        return -ENOMEM;
                if (dq)
                        s++;
                h.expand = !dq;
                h.fd = fd;
                {
                        _cleanup_free_ char *body = strdup("");
                        bool done = false;

                        if (!body) {
                                free(h.delimiter);
                                return -ENOMEM;
                        }
                        while (p->next < p->n_lines) {
                                const char *l = p->lines[p->next++];
                                char *nb;
                                if (chomp)
                                        l += strspn(l, "\t");
                                if (streq(l, h.delimiter)) {
                                        done = true;
                                        break;
                                }
                                nb = strjoin(body, l, "\n");
                                if (!nb) {
                                        free(h.delimiter);
                                        return -ENOMEM;
                                }
                                free(body);
                                body = nb;
                        }
                        if (!done) {
                                int r = parse_error(p, in->line, "%s: the heredoc <<%s is not terminated.", in->keyword,
                                                h.delimiter);
                                free(h.delimiter);
                                return r;
                        }
                        h.body = TAKE_PTR(body);
                }
                {
                        DockerfileHeredoc *n = reallocarray(in->heredocs, in->n_heredocs + 1, sizeof(*n));
                        if (!n) {
                                free(h.delimiter);
                                free(h.body);
                                return -ENOMEM;
                        }
                        in->heredocs = n;
                        in->heredocs[in->n_heredocs++] = h;
                }
        }
        return 0;
}

static const InstructionRule *find_rule(const char *keyword) {
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                if (streq(rules[i].keyword, keyword))
                        return &rules[i];
        return NULL;
}

/* ENV and LABEL: KEY=VALUE words, or the legacy "KEY VALUE" (the rest of the line is the value). */
static int parse_key_values(Parser *p, DockerfileInstruction *in) {
        _cleanup_strv_free_ char **words = NULL;
        size_t first = strcspn(in->args, " \t");
        int r;

        if (!memchr(in->args, '=', first)) {
                const char *value = skip_blanks(in->args + first);
                if (*value == 0)
                        return parse_error(p, in->line, "%s must have two arguments (KEY VALUE) or KEY=VALUE pairs.",
                                        in->keyword);
                if (strv_consume(&in->argv, strndup(in->args, first)) < 0 || strv_extend(&in->argv, value) < 0)
                        return -ENOMEM;
                return 0;
        }
        r = split_raw(in->args, p->escape, &words);
        if (r == -EBADMSG)
                return parse_error(p, in->line, "%s: unterminated quote.", in->keyword);
        if (r < 0)
                return r;
        STRV_FOREACH(w, words) {
                const char *eq = strchr(*w, '=');
                if (!eq || eq == *w)
                        return parse_error(p, in->line, "%s: can't find = in \"%s\"; expected the form KEY=VALUE.",
                                        in->keyword, *w);
                if (strv_consume(&in->argv, strndup(*w, eq - *w)) < 0 || strv_extend(&in->argv, eq + 1) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_words(Parser *p, DockerfileInstruction *in) {
        int r = split_raw(in->args, p->escape, &in->argv);
        if (r == -EBADMSG)
                return parse_error(p, in->line, "%s: unterminated quote.", in->keyword);
        return r;
}

static bool valid_stage_name(const char *s) {
        if (!islower((unsigned char) *s))
                return false;
        for (; *s; s++)
                if (!islower((unsigned char) *s) && !isdigit((unsigned char) *s) && !strchr("-_.", *s))
                        return false;
        return true;
}

static int parse_instruction(Parser *p, const char *text, unsigned line, bool nested, DockerfileInstruction *in);

static int parse_arguments(Parser *p, DockerfileInstruction *in, bool nested) {
        const char *k = in->keyword;
        int r;

        if (isempty(in->args) && !streq(k, "CMD") && !streq(k, "ENTRYPOINT"))
                return parse_error(p, in->line, "%s requires at least one argument.", k);

        if (streq(k, "RUN") || streq(k, "CMD") || streq(k, "ENTRYPOINT") || streq(k, "SHELL")) {
                r = parse_json_array(p, in->line, k, in->args, &in->argv);
                if (r < 0)
                        return r;
                in->json = r > 0;
                if (streq(k, "SHELL") && (!in->json || !in->argv[0]))
                        return parse_error(p, in->line,
                                        "SHELL requires a non-empty JSON array, e.g. "
                                        "SHELL [\"/bin/sh\", \"-c\"].");
                if (streq(k, "RUN") && !in->json)
                        return read_heredocs(p, in);
                return 0;
        }
        if (streq(k, "COPY") || streq(k, "ADD") || streq(k, "VOLUME")) {
                r = parse_json_array(p, in->line, k, in->args, &in->argv);
                if (r < 0)
                        return r;
                in->json = r > 0;
                if (!in->json) {
                        r = parse_words(p, in);
                        if (r < 0)
                                return r;
                        if (!streq(k, "VOLUME")) {
                                r = read_heredocs(p, in);
                                if (r < 0)
                                        return r;
                        }
                }
                if (!streq(k, "VOLUME") && strv_length(in->argv) < 2)
                        return parse_error(p, in->line, "%s requires at least two arguments: SOURCE... DESTINATION.", k);
                if (streq(k, "VOLUME") && !in->argv[0])
                        return parse_error(p, in->line, "VOLUME requires at least one path.");
                return 0;
        }
        if (streq(k, "ENV") || streq(k, "LABEL"))
                return parse_key_values(p, in);
        if (streq(k, "EXPOSE") || streq(k, "ARG"))
                return parse_words(p, in);
        if (streq(k, "FROM")) {
                r = parse_words(p, in);
                if (r < 0)
                        return r;
                if (strv_length(in->argv) != 1 && (strv_length(in->argv) != 3 || strcasecmp(in->argv[1], "AS") != 0))
                        return parse_error(p, in->line, "FROM requires either one argument, or three: IMAGE AS NAME.");
                if (in->argv[1]) {
                        for (char *c = in->argv[2]; *c; c++)
                                *c = (char) tolower((unsigned char) *c);
                        if (!valid_stage_name(in->argv[2]))
                                return parse_error(p, in->line,
                                                "invalid stage name \"%s\": it must match "
                                                "[a-z][a-z0-9-_.]*.",
                                                in->argv[2]);
                }
                return 0;
        }
        if (streq(k, "HEALTHCHECK")) {
                size_t n = strcspn(in->args, " \t");
                const char *rest = skip_blanks(in->args + n);

                if (n == 4 && strncasecmp(in->args, "NONE", 4) == 0) {
                        if (*rest || in->flags)
                                return parse_error(p, in->line, "HEALTHCHECK NONE takes no other arguments.");
                        return strv_extend(&in->argv, "NONE");
                }
                if (n != 3 || strncasecmp(in->args, "CMD", 3) != 0)
                        return parse_error(p, in->line, "HEALTHCHECK: unknown type \"%.*s\" (expected CMD or NONE).",
                                        (int) n, in->args);
                if (!*rest)
                        return parse_error(p, in->line, "HEALTHCHECK CMD requires a command.");
                r = parse_json_array(p, in->line, k, rest, &in->argv);
                if (r < 0)
                        return r;
                if (r > 0) {
                        in->json = true; /* parse_instruction() puts "CMD" in front */
                        return 0;
                }
                if (strv_extend(&in->argv, "CMD-SHELL") < 0 || strv_extend(&in->argv, rest) < 0)
                        return -ENOMEM;
                return 0;
        }
        if (streq(k, "ONBUILD")) {
                DockerfileInstruction *sub;
                if (nested)
                        return parse_error(p, in->line, "ONBUILD ONBUILD is not allowed.");
                sub = calloc(1, sizeof(*sub));
                if (!sub)
                        return -ENOMEM;
                in->onbuild = sub;
                r = parse_instruction(p, in->args, in->line, true, sub);
                if (r < 0)
                        return r;
                if (streq(sub->keyword, "ONBUILD") || streq(sub->keyword, "FROM") || streq(sub->keyword, "MAINTAINER"))
                        return parse_error(p, in->line, "%s is not allowed as an ONBUILD trigger.", sub->keyword);
                return 0;
        }
        /* MAINTAINER, USER, WORKDIR, STOPSIGNAL: the whole text */
        return 0;
}

static int parse_instruction(Parser *p, const char *text, unsigned line, bool nested, DockerfileInstruction *in) {
        const InstructionRule *rule;
        const char *s = skip_blanks(text), *rest;
        size_t n = strcspn(s, " \t");
        int r;

        in->line = line;
        in->keyword = strndup(s, n);
        in->original = strdup(s);
        if (!in->keyword || !in->original)
                return -ENOMEM;
        strip_trailing_blanks(in->original);
        for (char *c = in->keyword; *c; c++)
                *c = (char) toupper((unsigned char) *c);
        rule = find_rule(in->keyword);
        if (!rule)
                return parse_error(p, line, "unknown instruction: %.*s", (int) n, s);
        rest = skip_blanks(s + n);
        r = split_flags(p, line, in->keyword, rule->flags, &rest, &in->flags);
        if (r < 0)
                return r;
        in->args = strdup(rest);
        if (!in->args)
                return -ENOMEM;
        strip_trailing_blanks(in->args);
        r = parse_arguments(p, in, nested);
        if (r < 0)
                return r;
        if (streq(in->keyword, "HEALTHCHECK") && in->json) {
                /* exec form: ["CMD", elements...] */
                size_t len = strv_length(in->argv);
                char **l = calloc(len + 2, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                l[0] = strdup("CMD");
                if (!l[0]) {
                        free(l);
                        return -ENOMEM;
                }
                memcpy(l + 1, in->argv, len * sizeof(char *));
                free(in->argv);
                in->argv = l;
        }
        return 0;
}

static int split_lines(Parser *p, const char *text, size_t size) {
        const char *s = text, *end = text + size;

        if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                s += 3;
        while (s < end) {
                const char *nl = memchr(s, '\n', end - s);
                size_t n = (nl ? nl : end) - s;
                char **l;

                if (n > 0 && s[n - 1] == '\r')
                        n--;
                l = reallocarray(p->lines, p->n_lines + 2, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                p->lines = l;
                p->lines[p->n_lines] = strndup(s, n);
                if (!p->lines[p->n_lines])
                        return -ENOMEM;
                p->lines[++p->n_lines] = NULL;
                s = nl ? nl + 1 : end;
        }
        return 0;
}

int dockerfile_parse(const char *path, const char *text, size_t size, Dockerfile *ret, char **ret_error) {
        _cleanup_(dockerfile_done) Dockerfile d = { .escape = '\\' };
        Parser p = { .path = path, .escape = '\\' };
        bool directives = true, seen_escape = false, seen_syntax = false, seen_check = false;
        int r;

        d.path = strdup(path);
        if (!d.path)
                return -ENOMEM;
        if (memchr(text, 0, size)) {
                p.error = strjoin(path, ": the file holds a NUL byte; is it a Dockerfile?");
                r = -EINVAL;
                goto finish;
        }
        r = split_lines(&p, text, size);
        if (r < 0)
                goto finish;

        while (p.next < p.n_lines) {
                unsigned line = (unsigned) p.next + 1;
                const char *l = p.lines[p.next++];
                _cleanup_free_ char *buf = NULL, *key = NULL, *value = NULL;
                DockerfileInstruction *in;

                if (directives) {
                        r = parse_directive(l, &key, &value);
                        if (r > 0 && (!key || !value)) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        if (r > 0 && (streq(key, "escape") || streq(key, "syntax") || streq(key, "check"))) {
                                bool *seen = streq(key, "escape")   ? &seen_escape
                                             : streq(key, "syntax") ? &seen_syntax
                                                                    : &seen_check;
                                if (*seen) {
                                        r = parse_error(&p, line, "only one %s parser directive can be used.", key);
                                        goto finish;
                                }
                                *seen = true;
                                if (streq(key, "escape")) {
                                        if (!streq(value, "\\") && !streq(value, "`")) {
                                                r = parse_error(&p, line,
                                                                "invalid escape character '%s': it must "
                                                                "be ` or \\.",
                                                                value);
                                                goto finish;
                                        }
                                        p.escape = d.escape = value[0];
                                } else if (streq(key, "syntax")) {
                                        d.syntax = TAKE_PTR(value);
                                }
                                continue;
                        }
                        directives = false;
                }
                if (is_blank(l) || is_comment(l))
                        continue;

                buf = strdup(skip_blanks(l));
                if (!buf) {
                        r = -ENOMEM;
                        goto finish;
                }
                while (continues(buf, p.escape)) {
                        char *joined;
                        strip_trailing_blanks(buf)[strlen(buf) - 1] = 0;
                        while (p.next < p.n_lines && (is_comment(p.lines[p.next]) || is_blank(p.lines[p.next])))
                                p.next++;
                        if (p.next >= p.n_lines)
                                break;
                        joined = strjoin(buf, p.lines[p.next++]);
                        if (!joined) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        free(buf);
                        buf = joined;
                }

                in = reallocarray(d.instructions, d.n_instructions + 1, sizeof(*in));
                if (!in) {
                        r = -ENOMEM;
                        goto finish;
                }
                d.instructions = in;
                in = &d.instructions[d.n_instructions++];
                *in = (DockerfileInstruction) {};
                r = parse_instruction(&p, buf, line, false, in);
                if (r < 0)
                        goto finish;
        }
        if (d.n_instructions == 0) {
                r = parse_error(&p, (unsigned) MAX(p.n_lines, (size_t) 1), "the file has no instructions.");
                goto finish;
        }
        r = 0;
finish:
        strv_free(p.lines);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(p.error);
                free(p.error);
                return r;
        }
        free(p.error);
        *ret = TAKE_STRUCT(d);
        return 0;
}

int dockerfile_parse_file(const char *path, Dockerfile *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = read_full_file(path, &text, &size);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s: cannot read the Dockerfile: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return dockerfile_parse(path, text, size, ret, ret_error);
}

void dockerfile_instruction_done(DockerfileInstruction *i) {
        free(i->keyword);
        free(i->original);
        strv_free(i->flags);
        free(i->args);
        strv_free(i->argv);
        for (size_t k = 0; k < i->n_heredocs; k++) {
                free(i->heredocs[k].delimiter);
                free(i->heredocs[k].body);
        }
        free(i->heredocs);
        if (i->onbuild) {
                dockerfile_instruction_done(i->onbuild);
                free(i->onbuild);
        }
        *i = (DockerfileInstruction) {};
}

void dockerfile_done(Dockerfile *d) {
        for (size_t i = 0; i < d->n_instructions; i++)
                dockerfile_instruction_done(&d->instructions[i]);
        free(d->instructions);
        free(d->path);
        free(d->syntax);
        *d = (Dockerfile) {};
}

const char *dockerfile_flag(const DockerfileInstruction *i, const char *name, bool *ret_set) {
        size_t n = strlen(name);
        const char *value = NULL;
        bool set = false;

        STRV_FOREACH(f, i->flags)
                if (strncmp(*f, name, n) == 0 && ((*f)[n] == 0 || (*f)[n] == '=')) {
                        set = true;
                        value = (*f)[n] == '=' ? *f + n + 1 : NULL;
                }
        if (ret_set)
                *ret_set = set;
        return value;
}
