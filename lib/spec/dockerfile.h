/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Dockerfile parser, with BuildKit's rules (berth.build(5), berth-build(1)):
 *  - parser directives (# escape=`, # syntax=..., # check=...) only before the first instruction,
 *    blank line or other comment; each at most once;
 *  - comments are lines whose first non-blank character is #, also inside continued instructions;
 *  - a line ending in the escape character (trailing blanks allowed) continues on the next one; the
 *    escape character goes and nothing is inserted;
 *  - instruction keywords are case-insensitive; leading --flag[=value] words are split off;
 *  - RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD take a JSON array of strings (exec form) or
 *    text (shell form); text that is not valid JSON is shell form;
 *  - heredocs (<<EOF, <<-EOF, <<"EOF", N<<EOF) in RUN, COPY and ADD;
 *  - ONBUILD holds one nested instruction.
 * Parsing expands no variables: the builder does that per instruction (dockerfile_expand_word()),
 * with the values of the build at that point. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"
#include "strv.h"

typedef struct DockerfileHeredoc {
        char *delimiter;
        char *body;  /* every line with its '\n' */
        bool expand; /* unquoted delimiter: variables in the body are expanded */
        int fd;      /* the N of N<<EOF; 0 when not given */
} DockerfileHeredoc;

typedef struct DockerfileInstruction {
        char *keyword;  /* upper case: "RUN", "COPY", ... */
        char *original; /* the instruction's text with continuations joined, heredoc bodies left out */
        unsigned line;  /* where it starts */
        char **flags;   /* "name=value" (or "name" alone), from --name=value, in order */
        char *args;     /* the text after the flags, trimmed */
        bool json;      /* exec form: argv holds the JSON array's strings */
        /* Words of args: the JSON array in exec form; else for ADD, COPY, VOLUME, EXPOSE, FROM, ARG
         * the whitespace-separated words (quotes kept, see dockerfile_expand_word()); for ENV and
         * LABEL KEY and VALUE alternately (legacy "ENV K V" gives one pair); for HEALTHCHECK NONE
         * or CMD followed by the command (one string in shell form). Otherwise NULL. */
        char **argv;
        DockerfileHeredoc *heredocs;
        size_t n_heredocs;
        struct DockerfileInstruction *onbuild; /* ONBUILD's instruction */
} DockerfileInstruction;

typedef struct Dockerfile {
        char *path; /* for messages */
        char escape;
        char *syntax; /* the syntax directive, accepted and otherwise ignored */
        DockerfileInstruction *instructions;
        size_t n_instructions;
} Dockerfile;

/* Parses text (size bytes; a NUL byte in it is an error) read from path. Returns -EINVAL with
 * *ret_error "PATH:LINE: what is wrong" when the text is not a valid Dockerfile, -ENOMEM. Logs nothing:
 * the caller reports the error. */
int dockerfile_parse(const char *path, const char *text, size_t size, Dockerfile *ret, char **ret_error);
/* The same for a file; -errno (and *ret_error naming the file) when it cannot be read. */
int dockerfile_parse_file(const char *path, Dockerfile *ret, char **ret_error);
void dockerfile_done(Dockerfile *d);
void dockerfile_instruction_done(DockerfileInstruction *i);

/* The value of flag name ("from", "chown", ...) or NULL; *ret_set tells whether it was given. */
const char *dockerfile_flag(const DockerfileInstruction *i, const char *name, bool *ret_set);

/* An S-expression per instruction, one per line, for golden tests and `berth build --print`:
 * (run "echo hi"), (cmd ["a" "b"]), (copy --from=x "a" "/b"), heredocs as <<EOF="body". */
int dockerfile_dump(const Dockerfile *d, char **ret);

/* ---- variable expansion (lib/dockerfile-expand.c) ---- */

/* Expands one word the way BuildKit's shell lexer does: 'single quotes' are literal, "double quotes"
 * expand variables, the escape character quotes the next character, $VAR and ${VAR} with
 * ${VAR:-word} ${VAR-word} ${VAR:+word} ${VAR+word} ${VAR:?message} ${VAR?message} ${VAR#pattern}
 * ${VAR##pattern} ${VAR%pattern} ${VAR%%pattern}. Quotes are removed. env holds KEY=VALUE, the later
 * entry of a key winning. -EINVAL (with *ret_error set to a static description or the ${VAR?message}
 * text in *ret) for a malformed word or a required variable that is unset. */
int dockerfile_expand_word(const char *word, char escape, char *const *env, char **ret, const char **ret_error);
/* The same, then split on unquoted whitespace into several words (EXPOSE, VOLUME, ...). */
int dockerfile_expand_words(const char *text, char escape, char *const *env, char ***ret, const char **ret_error);
/* The value of key in a KEY=VALUE list (the last one), or NULL. */
const char *dockerfile_env_get(char *const *env, const char *key);
