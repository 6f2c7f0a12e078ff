/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The builder's driver: stages, ARG scoping, the cache, and the instructions that only change the
 * image config. RUN, COPY and ADD are executed by build-run.c and build-copy.c on overlays made by
 * build-layer.c (see build.h). */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "build-internal.h"
#include "fs-util.h"
#include "image-config.h"
#include "image-pull.h"
#include "image-ref.h"
#include "json-util.h"
#include "log.h"
#include "time-util.h"

typedef struct Stage {
        size_t first, end; /* its instructions: [first] is the FROM */
        char *name;        /* AS name, or NULL */
        char *base;        /* FROM's image, expanded */
        bool needed, built;
        BuildState state;
} Stage;

typedef struct Build {
        BuildContext ctx;
        Dockerfile file;
        Stage *stages;
        size_t n_stages;
        char **global_args; /* ARGs before the first FROM, KEY=VALUE */
        char **used_args;   /* --build-arg names some ARG declared */
        unsigned step, n_steps;
} Build;

static const char *dockerfile_name(Build *bd) {
        return bd->ctx.options->dockerfile;
}

static void build_state_done(BuildState *st) {
        json_decref(st->image);
        strv_free(st->args);
        free(st->name);
        *st = (BuildState) {};
}

int build_state_env(const BuildState *st, char ***ret) {
        _cleanup_strv_free_ char **env = strv_copy(st->args), **image_env = NULL;
        int r;

        if (st->args && !env)
                return -ENOMEM;
        r = json_array_to_strv(json_object_get(json_object_get(st->image, "config"), "Env"), &image_env);
        if (r < 0)
                return r;
        if (strv_extend_strv(&env, image_env) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

int build_layer_dirs(BuildContext *b, json_t *image, char ***ret) {
        _cleanup_strv_free_ char **dirs = NULL;
        json_t *v;
        size_t i;

        json_array_foreach(json_object_get(json_object_get(image, "rootfs"), "diff_ids"), i, v) {
                char *p;
                if (layer_path(b->store, json_string_value(v), &p) < 0 || strv_consume(&dirs, p) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(dirs);
        return 0;
}

static json_t *config_of(BuildState *st) {
        json_t *c = json_object_get(st->image, "config");
        if (!json_is_object(c)) {
                c = json_object();
                json_object_set_new(st->image, "config", c);
        }
        return c;
}

static int add_history(BuildState *st, const DockerfileInstruction *in, bool empty_layer) {
        json_t *h = json_object_get(st->image, "history");
        _cleanup_free_ char *by = strjoin(in->original, " # berth build");
        char created[RFC3339_MAX];

        if (!by)
                return log_oom();
        if (!json_is_array(h)) {
                h = json_array();
                json_object_set_new(st->image, "history", h);
        }
        (void) format_rfc3339(created, time(NULL));
        json_array_append_new(h, empty_layer ? json_pack("{s:s, s:s, s:b}", "created", created, "created_by", by,
                                                               "empty_layer", 1)
                                             : json_pack("{s:s, s:s}", "created", created, "created_by", by));
        json_object_set_new(st->image, "created", json_string(created));
        return 0;
}

static int expand(Build *bd, const DockerfileInstruction *in, const char *word, char *const *env, char **ret) {
        const char *why = NULL;
        int r = dockerfile_expand_word(word, bd->file.escape, env, ret, &why);

        if (r == -EINVAL) {
                log_error("%s:%u: %s: %s%s%s", dockerfile_name(bd), in->line, word, why, *ret ? ": " : "", *ret ?: "");
                free(*ret);
                *ret = NULL;
        }
        return r == -ENOMEM ? log_oom() : r;
}

static int set_env(json_t *config, const char *key, const char *value) {
        json_t *env = json_object_get(config, "Env"), *v;
        _cleanup_free_ char *entry = strjoin(key, "=", value);
        size_t i, n = strlen(key);

        if (!entry)
                return log_oom();
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(config, "Env", env);
        }
        json_array_foreach(env, i, v) if (strncmp(json_string_value(v) ?: "", key, n) == 0 &&
                                          json_string_value(v)[n] == '=') return json_array_set_new(env, i,
                        json_string(entry));
        return json_array_append_new(env, json_string(entry));
}

static void set_arg(char ***args, const char *key, const char *value) {
        size_t n = strlen(key);
        char **dst = *args;

        STRV_FOREACH(a, *args) {
                if (strncmp(*a, key, n) == 0 && (*a)[n] == '=')
                        free(*a);
                else
                        *dst++ = *a;
        }
        if (dst)
                *dst = NULL;
        if (value)
                (void) strv_consume(args, strjoin(key, "=", value));
}

/* The value --build-arg gives name, if any ("KEY" alone: from our environment). */
static const char *build_arg(Build *bd, const char *name, bool *ret_given) {
        size_t n = strlen(name);

        *ret_given = false;
        STRV_FOREACH(a, bd->ctx.options->build_args) {
                if (strncmp(*a, name, n) != 0 || ((*a)[n] != '=' && (*a)[n] != 0))
                        continue;
                *ret_given = true;
                if (!strv_contains(bd->used_args, name))
                        (void) strv_extend(&bd->used_args, name);
                return (*a)[n] == '=' ? *a + n + 1 : getenv(name);
        }
        return NULL;
}

/* ARG name[=default]...: into args (the stage's, or the global ones). */
static int do_arg(Build *bd, const DockerfileInstruction *in, char ***args, char *const *env, bool global) {
        STRV_FOREACH(w, in->argv) {
                _cleanup_free_ char *word = NULL, *value = NULL;
                const char *eq, *given;
                bool is_given;
                int r;

                r = expand(bd, in, *w, env, &word);
                if (r < 0)
                        return r;
                eq = strchr(word, '=');
                if (eq == word)
                        return log_error_errno(-EINVAL, "%s:%u: ARG: a name is missing in \"%s\".", dockerfile_name(bd),
                                        in->line, *w);
                if (eq)
                        word[eq - word] = 0;
                given = build_arg(bd, word, &is_given);
                if (is_given)
                        value = given ? strdup(given) : NULL;
                else if (eq)
                        value = strdup(eq + 1);
                else if (!global)
                        /* "ARG NAME" in a stage imports the global value */
                        value = dockerfile_env_get(bd->global_args, word)
                                                ? strdup(dockerfile_env_get(bd->global_args, word))
                                                : NULL;
                set_arg(args, word, value);
        }
        return 0;
}

static json_t *command_json(BuildState *st, const DockerfileInstruction *in) {
        json_t *shell;

        if (in->json)
                return strv_to_json_array(in->argv);
        shell = json_object_get(config_of(st), "Shell");
        shell = json_is_array(shell) && json_array_size(shell) > 0 ? json_deep_copy(shell)
                                                                   : json_pack("[s, s]", "/bin/sh", "-c");
        json_array_append_new(shell, json_string(in->args));
        return shell;
}

static int64_t parse_duration_ns(const char *s) {
        int64_t total = 0;

        if (!s || !*s)
                return -1;
        while (*s) {
                char *end;
                double v = strtod(s, &end);
                int64_t unit;
                if (end == s)
                        return -1;
                if (startswith(end, "ns"))
                        unit = 1, end += 2;
                else if (startswith(end, "us"))
                        unit = 1000, end += 2;
                else if (startswith(end, "ms"))
                        unit = 1000000, end += 2;
                else if (*end == 's')
                        unit = 1000000000, end++;
                else if (*end == 'm')
                        unit = INT64_C(60000000000), end++;
                else if (*end == 'h')
                        unit = INT64_C(3600000000000), end++;
                else
                        return -1;
                total += (int64_t) (v * (double) unit);
                s = end;
        }
        return total;
}

static int do_healthcheck(Build *bd, BuildState *st, const DockerfileInstruction *in) {
        static const struct {
                const char *flag, *field;
        } durations[] = {
                { "interval", "Interval" },
                { "timeout", "Timeout" },
                { "start-period", "StartPeriod" },
                { "start-interval", "StartInterval" },
        };
        json_t *h = json_pack("{s:o}", "Test", strv_to_json_array(in->argv));

        if (!h)
                return log_oom();
        for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
                const char *v = dockerfile_flag(in, durations[i].flag, NULL);
                int64_t ns;
                if (!v)
                        continue;
                ns = parse_duration_ns(v);
                if (ns < 0 || (ns > 0 && ns < 1000000)) {
                        json_decref(h);
                        return log_error_errno(-EINVAL,
                                        "%s:%u: HEALTHCHECK --%s=%s: expected a duration of at least "
                                        "1ms, like 30s.",
                                        dockerfile_name(bd), in->line, durations[i].flag, v);
                }
                json_object_set_new(h, durations[i].field, json_integer(ns));
        }
        if (dockerfile_flag(in, "retries", NULL)) {
                const char *v = dockerfile_flag(in, "retries", NULL);
                char *end;
                long n = strtol(v, &end, 10);
                if (*end || end == v || n < 0) {
                        json_decref(h);
                        return log_error_errno(-EINVAL, "%s:%u: HEALTHCHECK --retries=%s: expected a number.",
                                        dockerfile_name(bd), in->line, v);
                }
                json_object_set_new(h, "Retries", json_integer(n));
        }
        json_object_set_new(config_of(st), "Healthcheck", h);
        return 0;
}

static bool valid_signal(const char *s) {
        const char *name = startswith(s, "SIG") ?: s;
        char *end;

        if (isdigit((unsigned char) *s)) {
                long n = strtol(s, &end, 10);
                return !*end && n > 0 && n < 65;
        }
        if (startswith(name, "RTMIN") || startswith(name, "RTMAX"))
                return true;
        for (int i = 1; i < 32; i++)
                if (sigabbrev_np(i) && strcasecmp(sigabbrev_np(i), name) == 0)
                        return true;
        return false;
}

/* --label and --env: set on the result, after every instruction (so they win, as with podman build). */
static int apply_final_options(BuildState *st, const BuildOptions *o) {
        json_t *config = config_of(st);

        if (!config)
                return log_oom();
        STRV_FOREACH(e, o->env) {
                size_t n = strcspn(*e, "=");
                _cleanup_free_ char *key = strndup(*e, n);
                if (!key || set_env(config, key, (*e)[n] ? *e + n + 1 : "") < 0)
                        return log_oom();
        }
        STRV_FOREACH(l, o->labels) {
                size_t n = strcspn(*l, "=");
                _cleanup_free_ char *key = strndup(*l, n);
                json_t *labels = json_object_get(config, "Labels");
                if (!key)
                        return log_oom();
                if (!json_is_object(labels)) {
                        labels = json_object();
                        json_object_set_new(config, "Labels", labels);
                }
                json_object_set_new(labels, key, json_string((*l)[n] ? *l + n + 1 : ""));
        }
        return 0;
}

/* The instructions that change only the config. */
static int do_metadata(Build *bd, BuildState *st, const DockerfileInstruction *in, char *const *env) {
        json_t *config = config_of(st);
        const char *k = in->keyword;
        int r;

        if (streq(k, "ENV") || streq(k, "LABEL")) {
                json_t *labels = json_object_get(config, "Labels");
                /* every pair sees the values from before the instruction */
                for (size_t i = 0; in->argv[i] && in->argv[i + 1]; i += 2) {
                        _cleanup_free_ char *key = NULL, *value = NULL;
                        r = expand(bd, in, in->argv[i], env, &key);
                        if (r >= 0)
                                r = expand(bd, in, in->argv[i + 1], env, &value);
                        if (r < 0)
                                return r;
                        if (streq(k, "ENV")) {
                                r = set_env(config, key, value);
                                if (r < 0)
                                        return log_oom();
                                set_arg(&st->args, key, NULL); /* ENV wins over ARG */
                                continue;
                        }
                        if (!json_is_object(labels)) {
                                labels = json_object();
                                json_object_set_new(config, "Labels", labels);
                        }
                        json_object_set_new(labels, key, json_string(value));
                }
                return 0;
        }
        if (streq(k, "MAINTAINER")) {
                json_object_set_new(st->image, "author", json_string(in->args));
                return 0;
        }
        if (streq(k, "CMD") || streq(k, "ENTRYPOINT")) {
                json_t *cmd = command_json(st, in);
                if (!cmd)
                        return log_oom();
                if (streq(k, "CMD")) {
                        json_object_set_new(config, "Cmd", cmd);
                        st->cmd_set = true;
                } else {
                        json_object_set_new(config, "Entrypoint", cmd);
                        if (!st->cmd_set)
                                json_object_set_new(config, "Cmd", json_null());
                }
                return 0;
        }
        if (streq(k, "SHELL")) {
                json_object_set_new(config, "Shell", strv_to_json_array(in->argv));
                return 0;
        }
        if (streq(k, "EXPOSE") || streq(k, "VOLUME")) {
                bool expose = streq(k, "EXPOSE");
                json_t *set = json_object_get(config, expose ? "ExposedPorts" : "Volumes");
                if (!json_is_object(set)) {
                        set = json_object();
                        json_object_set_new(config, expose ? "ExposedPorts" : "Volumes", set);
                }
                STRV_FOREACH(w, in->argv) {
                        _cleanup_strv_free_ char **words = NULL;
                        const char *why = NULL;
                        if (in->json) {
                                _cleanup_free_ char *one = NULL;
                                r = expand(bd, in, *w, env, &one);
                                if (r < 0 || strv_consume(&words, TAKE_PTR(one)) < 0)
                                        return r < 0 ? r : log_oom();
                        } else if (dockerfile_expand_words(*w, bd->file.escape, env, &words, &why) < 0)
                                return log_error_errno(-EINVAL, "%s:%u: %s: %s", dockerfile_name(bd), in->line, *w,
                                                why ?: "out of memory");
                        STRV_FOREACH(v, words) {
                                _cleanup_free_ char *key = NULL;
                                if (!expose) {
                                        if (!path_is_absolute(*v))
                                                return log_error_errno(-EINVAL,
                                                                "%s:%u: VOLUME %s: not an absolute "
                                                                "path.",
                                                                dockerfile_name(bd), in->line, *v);
                                        json_object_set_new(set, *v, json_object());
                                        continue;
                                }
                                char *end, *slash = strchr(*v, '/');
                                const char *proto = slash ? slash + 1 : "tcp";
                                unsigned long lo = strtoul(*v, &end, 10), hi = lo;
                                if (*end == '-')
                                        hi = strtoul(end + 1, &end, 10);
                                if (end == *v || (*end && *end != '/') || lo == 0 || hi < lo || hi > 65535 ||
                                                (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp")))
                                        return log_error_errno(-EINVAL,
                                                        "%s:%u: EXPOSE %s: expected PORT[-PORT][/tcp|"
                                                        "udp|sctp].",
                                                        dockerfile_name(bd), in->line, *v);
                                for (unsigned long p = lo; p <= hi; p++) {
                                        char port[32];
                                        snprintf(port, sizeof(port), "%lu/%s", p, proto);
                                        json_object_set_new(set, port, json_object());
                                }
                        }
                }
                return 0;
        }
        if (streq(k, "USER") || streq(k, "WORKDIR") || streq(k, "STOPSIGNAL")) {
                _cleanup_free_ char *value = NULL;
                r = expand(bd, in, in->args, env, &value);
                if (r < 0)
                        return r;
                if (streq(k, "WORKDIR") && !path_is_absolute(value)) {
                        const char *cur = json_string_value(json_object_get(config, "WorkingDir"));
                        char *joined = path_join(isempty(cur) ? "/" : cur, value);
                        if (!joined)
                                return log_oom();
                        free(value);
                        value = joined;
                }
                if (streq(k, "STOPSIGNAL") && !valid_signal(value))
                        return log_error_errno(-EINVAL, "%s:%u: STOPSIGNAL %s: not a signal.", dockerfile_name(bd),
                                        in->line, value);
                json_object_set_new(config,
                                streq(k, "USER")      ? "User"
                                : streq(k, "WORKDIR") ? "WorkingDir"
                                                      : "StopSignal",
                                json_string(value));
                return 0;
        }
        if (streq(k, "HEALTHCHECK"))
                return do_healthcheck(bd, st, in);
        if (streq(k, "ONBUILD")) {
                json_t *onbuild = json_object_get(config, "OnBuild");
                const char *text = in->original + strcspn(in->original, " \t");
                if (!json_is_array(onbuild)) {
                        onbuild = json_array();
                        json_object_set_new(config, "OnBuild", onbuild);
                }
                json_array_append_new(onbuild, json_string(text + strspn(text, " \t")));
                return 0;
        }
        return log_error_errno(-EINVAL, "%s:%u: %s is not supported here.", dockerfile_name(bd), in->line, k);
}

static Stage *find_stage(Build *bd, const char *name, size_t before) {
        char *end;
        unsigned long index = strtoul(name, &end, 10);

        if (*name && !*end && index < before)
                return &bd->stages[index];
        for (size_t i = 0; i < before; i++)
                if (bd->stages[i].name && streq(bd->stages[i].name, name))
                        return &bd->stages[i];
        return NULL;
}

/* RUN, COPY and ADD: a new layer from an overlay of the current one. */
static int do_layer_step(Build *bd, BuildState *st, const DockerfileInstruction *in, char *const *env, StagedLayer *ret) {
        BuildContext *b = &bd->ctx;
        _cleanup_(build_mount_done) BuildMount m = {}, from = {};
        _cleanup_strv_free_ char **layers = NULL;
        int r;

        r = build_layer_dirs(b, st->image, &layers);
        if (r < 0)
                return r;
        r = build_mount(b, layers, true, &m);
        if (r < 0)
                return r;

        if (streq(in->keyword, "RUN")) {
                _cleanup_strv_free_ char **argv = NULL;
                json_t *cmd;

                if (in->json)
                        argv = strv_copy(in->argv);
                else {
                        _cleanup_free_ char *script = NULL;
                        /* heredocs: the shell reads them itself, from the script */
                        if (in->n_heredocs == 1 && startswith(in->args, "<<") && !strpbrk(in->args, " \t"))
                                script = strdup(in->heredocs[0].body); /* RUN <<EOF alone: the body is the
                                                                          script */
                        else {
                                script = strdup(in->args);
                                for (size_t k = 0; script && k < in->n_heredocs; k++) {
                                        char *s = strjoin(script, "\n", in->heredocs[k].body, in->heredocs[k].delimiter);
                                        free(script);
                                        script = s;
                                }
                        }
                        if (!script)
                                return log_oom();
                        DockerfileInstruction shell_form = { .args = script };
                        cmd = command_json(st, &shell_form);
                        r = json_array_to_strv(cmd, &argv);
                        json_decref(cmd);
                        if (r < 0)
                                return log_oom();
                }
                if (!argv)
                        return log_oom();
                r = build_run(b, &m, config_of(st), env, argv, dockerfile_flag(in, "network", NULL), in->line);
                if (r < 0)
                        return r;
        } else {
                _cleanup_strv_free_ char **sources = NULL, **bodies = NULL;
                _cleanup_free_ char *dest = NULL, *chown = NULL, *from_name = NULL;
                const char *from_flag = dockerfile_flag(in, "from", NULL);
                size_t n = strv_length(in->argv);
                BuildCopy c = {
                        .source_root = b->options->context,
                        .from_context = true,
                        .add = streq(in->keyword, "ADD"),
                        .workdir = json_string_value(json_object_get(config_of(st), "WorkingDir")),
                        .chmod = dockerfile_flag(in, "chmod", NULL),
                        .heredocs = in->heredocs,
                        .n_heredocs = in->n_heredocs,
                        .line = in->line,
                };

                for (size_t i = 0; i + 1 < n; i++) {
                        char *s;
                        r = startswith(in->argv[i], "<<") ? ((s = strdup(in->argv[i])) ? 0 : -ENOMEM)
                                                          : expand(bd, in, in->argv[i], env, &s);
                        if (r < 0 || strv_consume(&sources, s) < 0)
                                return r < 0 ? r : log_oom();
                }
                for (size_t k = 0; k < in->n_heredocs; k++) {
                        char *body = NULL;
                        if (in->heredocs[k].expand)
                                r = expand(bd, in, in->heredocs[k].body, env, &body);
                        else
                                r = (body = strdup(in->heredocs[k].body)) ? 0 : -ENOMEM;
                        if (r < 0 || strv_consume(&bodies, body) < 0)
                                return r < 0 ? r : log_oom();
                }
                r = expand(bd, in, in->argv[n - 1], env, &dest);
                if (r >= 0 && dockerfile_flag(in, "chown", NULL))
                        r = expand(bd, in, dockerfile_flag(in, "chown", NULL), env, &chown);
                if (r >= 0 && from_flag)
                        r = expand(bd, in, from_flag, env, &from_name);
                if (r < 0)
                        return r;
                c.sources = sources;
                c.dest = dest;
                c.chown = chown;
                c.heredoc_bodies = bodies;
                if (from_name) {
                        Stage *s = find_stage(bd, from_name, bd->n_stages);
                        _cleanup_strv_free_ char **from_layers = NULL;
                        _cleanup_(image_freep) Image *image = NULL;
                        if (s && s->built)
                                r = build_layer_dirs(b, s->state.image, &from_layers);
                        else {
                                r = image_store_lookup(b->store, from_name, &image);
                                if (r < 0)
                                        return log_error_errno(r, "%s:%u: COPY --from=%s: no such stage or image.",
                                                        dockerfile_name(bd), in->line, from_name);
                                from_layers = strv_copy(image->layer_dirs);
                                r = image->layer_dirs && !from_layers ? log_oom() : 0;
                        }
                        if (r >= 0)
                                r = build_mount(b, from_layers, false, &from);
                        if (r < 0)
                                return r;
                        c.source_root = from.merged;
                        c.from_context = false;
                }
                r = build_copy(b, &c, m.merged);
                if (r < 0)
                        return r;
        }
        return build_mount_commit(b, &m, ret);
}

/* The parts of a step's cache key besides its parent: the instruction, heredoc bodies, the ARGs in
 * scope, and for COPY/ADD the checksum of the sources (or the stage or image they come from). */
static int step_key_parts(Build *bd, BuildState *st, const DockerfileInstruction *in, char *const *env, char ***ret) {
        _cleanup_strv_free_ char **parts = NULL;
        int r;

        if (strv_extend(&parts, in->original) < 0 || strv_extend_strv(&parts, st->args) < 0)
                return log_oom();
        for (size_t k = 0; k < in->n_heredocs; k++)
                if (strv_extend(&parts, in->heredocs[k].body) < 0)
                        return log_oom();
        if ((streq(in->keyword, "COPY") || streq(in->keyword, "ADD")) && !dockerfile_flag(in, "from", NULL)) {
                _cleanup_strv_free_ char **sources = NULL;
                char sum[SHA256_DIGEST_STRING_MAX];
                size_t n = strv_length(in->argv);
                BuildCopy c = { .source_root = bd->ctx.options->context,
                        .from_context = true,
                        .add = streq(in->keyword, "ADD"),
                        .heredocs = in->heredocs,
                        .n_heredocs = in->n_heredocs,
                        .line = in->line };

                for (size_t i = 0; i + 1 < n; i++) {
                        char *s;
                        r = startswith(in->argv[i], "<<") ? ((s = strdup(in->argv[i])) ? 0 : -ENOMEM)
                                                          : expand(bd, in, in->argv[i], env, &s);
                        if (r < 0 || strv_consume(&sources, s) < 0)
                                return r < 0 ? r : log_oom();
                }
                c.sources = sources;
                r = build_copy_checksum(&bd->ctx, &c, sum);
                if (r < 0)
                        return r;
                if (strv_extend(&parts, sum) < 0)
                        return log_oom();
        } else if (dockerfile_flag(in, "from", NULL)) {
                _cleanup_free_ char *name = NULL;
                Stage *s;
                r = expand(bd, in, dockerfile_flag(in, "from", NULL), env, &name);
                if (r < 0)
                        return r;
                s = find_stage(bd, name, bd->n_stages);
                if (s && s->built) {
                        if (strv_extend(&parts, s->state.cache_key) < 0)
                                return log_oom();
                } else {
                        _cleanup_(image_freep) Image *image = NULL;
                        if (image_store_lookup(bd->ctx.store, name, &image) >= 0 && strv_extend(&parts, image->id) < 0)
                                return log_oom();
                }
        }
        *ret = TAKE_PTR(parts);
        return 0;
}

static int run_instruction(Build *bd, BuildState *st, const DockerfileInstruction *in, bool trigger) {
        BuildContext *b = &bd->ctx;
        _cleanup_strv_free_ char **env = NULL, **parts = NULL;
        _cleanup_(json_decrefp) json_t *cached = NULL;
        StagedLayer layer = {};
        char key[SHA256_DIGEST_STRING_MAX];
        bool layer_step = streq(in->keyword, "RUN") || streq(in->keyword, "COPY") || streq(in->keyword, "ADD");
        int r;

        if (!trigger)
                fprintf(b->out, "STEP %u/%u: %s\n", ++bd->step, bd->n_steps, in->original);
        else
                fprintf(b->out, "  ONBUILD trigger: %s\n", in->original);
        r = build_state_env(st, &env);
        if (r < 0)
                return log_oom();
        if (streq(in->keyword, "ARG"))
                return do_arg(bd, in, &st->args, env, false);

        r = step_key_parts(bd, st, in, env, &parts);
        if (r < 0)
                return r;
        r = build_cache_key(st->cache_key, parts, key);
        if (r < 0)
                return r;
        if (!st->cache_broken && !b->options->no_cache) {
                r = build_cache_lookup(b, key, &cached);
                if (r < 0)
                        return r;
                if (cached) {
                        fprintf(b->out, "--> Using cache %.12s\n", digest_hex(key));
                        json_decref(st->image);
                        st->image = TAKE_PTR(cached);
                        memcpy(st->cache_key, key, sizeof(key));
                        if (streq(in->keyword, "CMD"))
                                st->cmd_set = true;
                        return 0;
                }
        }
        st->cache_broken = true;

        if (layer_step) {
                r = do_layer_step(bd, st, in, env, &layer);
                if (r < 0)
                        return r;
                if (layer.dir) {
                        json_t *rootfs = json_object_get(st->image, "rootfs");
                        if (!json_is_object(rootfs)) {
                                rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids");
                                json_object_set_new(st->image, "rootfs", rootfs);
                        }
                        if (!json_is_array(json_object_get(rootfs, "diff_ids")))
                                json_object_set_new(rootfs, "diff_ids", json_array());
                        json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(layer.diff_id));
                }
        } else {
                r = do_metadata(bd, st, in, env);
                if (r < 0)
                        return r;
        }
        r = add_history(st, in, !layer.dir);
        if (r >= 0)
                r = build_cache_store(b, key, st->image, &layer);
        free(layer.dir);
        if (r < 0)
                return r;
        memcpy(st->cache_key, key, sizeof(key));
        return 0;
}

static json_t *scratch_image(void) {
        return json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture", image_host_architecture(), "os",
                        "linux", "config", "rootfs", "type", "layers", "diff_ids", "history");
}

static int run_triggers(Build *bd, BuildState *st, json_t *triggers) {
        json_t *v;
        size_t i;
        int r;

        json_array_foreach(triggers, i, v) {
                _cleanup_(dockerfile_done) Dockerfile d = {};
                _cleanup_free_ char *error = NULL;
                const char *text = json_string_value(v) ?: "";

                r = dockerfile_parse("ONBUILD trigger", text, strlen(text), &d, &error);
                if (r < 0)
                        return log_error_errno(r, "The base image's ONBUILD trigger \"%s\" is invalid: %s", text,
                                        error ?: "out of memory");
                for (size_t k = 0; k < d.n_instructions; k++) {
                        r = run_instruction(bd, st, &d.instructions[k], true);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int build_stage(Build *bd, Stage *stage) {
        BuildContext *b = &bd->ctx;
        const DockerfileInstruction *from = &bd->file.instructions[stage->first];
        BuildState *st = &stage->state;
        _cleanup_(json_decrefp) json_t *triggers = NULL;
        const char *platform = dockerfile_flag(from, "platform", NULL);
        Stage *parent;
        int r;

        fprintf(b->out, "STEP %u/%u: %s\n", ++bd->step, bd->n_steps, from->original);
        if (platform) {
                _cleanup_free_ char *p = NULL, *host = strjoin("linux/", image_host_architecture());
                r = expand(bd, from, platform, bd->global_args, &p);
                if (r < 0)
                        return r;
                if (!host)
                        return log_oom();
                if (!streq(p, host))
                        return log_error_errno(-EINVAL,
                                        "%s:%u: FROM --platform=%s: only this machine's platform %s "
                                        "can be built.",
                                        dockerfile_name(bd), from->line, p, host);
        }
        parent = find_stage(bd, stage->base, stage - bd->stages);
        if (parent && (!parent->name || !streq(parent->name, stage->base)))
                parent = NULL; /* FROM takes stage names, not indexes */
        if (streq(stage->base, "scratch")) {
                st->image = scratch_image();
                r = sha256_digest("scratch", 7, st->cache_key);
        } else if (parent) {
                st->image = json_deep_copy(parent->state.image);
                st->args = strv_copy(parent->state.args);
                memcpy(st->cache_key, parent->state.cache_key, sizeof(st->cache_key));
                r = 0;
        } else {
                _cleanup_(image_freep) Image *image = NULL;
                _cleanup_free_ char *blob = NULL, *text = NULL;
                size_t size;
                if (b->options->pull) {
                        _cleanup_free_ char *error = NULL;
                        r = image_store_ensure(b->store, stage->base, b->options->pull, &image, &error);
                        if (r < 0)
                                return log_error_errno(r, "%s:%u: FROM %s: the image could not be had: %s",
                                                dockerfile_name(bd), from->line, stage->base, error_reason(error, r));
                } else
                        r = image_store_lookup(b->store, stage->base, &image);
                if (r == -ENOENT)
                        return log_error_errno(r, "%s:%u: FROM %s: no such image in the store (berth pull it first).",
                                        dockerfile_name(bd), from->line, stage->base);
                if (r < 0)
                        return r;
                r = image_store_read_blob(b->store, image->id, &blob, &size);
                if (r < 0)
                        return r;
                st->image = json_loadb(blob, size, 0, NULL);
                text = strjoin("image ", image->id);
                if (!text)
                        return log_oom();
                r = sha256_digest(text, strlen(text), st->cache_key);
        }
        if (r < 0 || !json_is_object(st->image))
                return log_error_errno(r < 0 ? r : -EBADMSG, "%s:%u: cannot use the base image %s.",
                                dockerfile_name(bd), from->line, stage->base);
        /* the base's ONBUILD triggers run now and are not inherited */
        triggers = json_incref(json_object_get(config_of(st), "OnBuild"));
        json_object_del(config_of(st), "OnBuild");
        if (json_array_size(triggers) > 0) {
                r = run_triggers(bd, st, triggers);
                if (r < 0)
                        return r;
        }
        for (size_t i = stage->first + 1; i < stage->end; i++) {
                r = run_instruction(bd, st, &bd->file.instructions[i], false);
                if (r < 0)
                        return r;
        }
        stage->built = true;
        return 0;
}

/* The stages, the global ARGs, and which stages the target needs. */
static int plan(Build *bd) {
        const BuildOptions *o = bd->ctx.options;
        Stage *target = NULL;
        int r;

        for (size_t i = 0; i < bd->file.n_instructions; i++) {
                const DockerfileInstruction *in = &bd->file.instructions[i];
                if (streq(in->keyword, "FROM")) {
                        Stage *s = reallocarray(bd->stages, bd->n_stages + 1, sizeof(Stage));
                        _cleanup_free_ char *base = NULL;
                        if (!s)
                                return log_oom();
                        bd->stages = s;
                        r = expand(bd, in, in->argv[0], bd->global_args, &base);
                        if (r < 0)
                                return r;
                        s = &bd->stages[bd->n_stages++];
                        *s = (Stage) { .first = i, .end = bd->file.n_instructions, .base = TAKE_PTR(base) };
                        if (in->argv[1] && !(s->name = strdup(in->argv[2])))
                                return log_oom();
                        for (size_t k = 0; k + 1 < bd->n_stages; k++)
                                if (s->name && bd->stages[k].name && streq(bd->stages[k].name, s->name))
                                        return log_error_errno(-EINVAL, "%s:%u: the stage name \"%s\" is used twice.",
                                                        dockerfile_name(bd), in->line, s->name);
                        if (bd->n_stages > 1)
                                bd->stages[bd->n_stages - 2].end = i;
                        if (asprintf(&s->state.name, "%zu", bd->n_stages - 1) < 0)
                                return log_oom();
                } else if (bd->n_stages == 0) {
                        if (!streq(in->keyword, "ARG"))
                                return log_error_errno(-EINVAL, "%s:%u: only ARG may come before the first FROM.",
                                                dockerfile_name(bd), in->line);
                        r = do_arg(bd, in, &bd->global_args, bd->global_args, true);
                        if (r < 0)
                                return r;
                }
        }
        if (bd->n_stages == 0)
                return log_error_errno(-EINVAL, "%s: no FROM instruction.", dockerfile_name(bd));
        if (o->target) {
                for (size_t i = 0; i < bd->n_stages; i++)
                        if (bd->stages[i].name && streq(bd->stages[i].name, o->target))
                                target = &bd->stages[i];
                if (!target)
                        return log_error_errno(-EINVAL, "%s: no stage named \"%s\" (--target).", dockerfile_name(bd),
                                        o->target);
        } else
                target = &bd->stages[bd->n_stages - 1];

        /* only the stages the target needs: FROM <stage> and COPY --from=<stage> */
        target->needed = true;
        for (size_t i = target - bd->stages + 1; i-- > 0;) {
                Stage *s = &bd->stages[i], *dep;
                if (!s->needed)
                        continue;
                dep = find_stage(bd, s->base, i);
                if (dep && dep->name && streq(dep->name, s->base))
                        dep->needed = true;
                for (size_t k = s->first; k < s->end; k++) {
                        const char *from = dockerfile_flag(&bd->file.instructions[k], "from", NULL);
                        if (from && (dep = find_stage(bd, from, i)))
                                dep->needed = true;
                }
        }
        for (size_t i = 0; i <= (size_t) (target - bd->stages); i++)
                if (bd->stages[i].needed)
                        bd->n_steps += (unsigned) (bd->stages[i].end - bd->stages[i].first);
        return (int) (target - bd->stages);
}

static void build_done(Build *bd) {
        for (size_t i = 0; i < bd->n_stages; i++) {
                build_state_done(&bd->stages[i].state);
                free(bd->stages[i].name);
                free(bd->stages[i].base);
        }
        free(bd->stages);
        dockerfile_done(&bd->file);
        strv_free(bd->global_args);
        strv_free(bd->used_args);
        strv_free(bd->ctx.ignore);
        image_staging_done(&bd->ctx.staging);
        free(bd->ctx.staging_path);
        if (bd->ctx.out && bd->ctx.out != stderr && bd->ctx.out != bd->ctx.options->progress)
                fclose(bd->ctx.out);
}

int build_image(ImageStore *store, const BuildOptions *options, char **ret_id) {
        _cleanup_free_ char *dockerfile = NULL, *error = NULL, *config = NULL, *store_error = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(image_freep) Image *image = NULL;
        BuildOptions o = *options;
        Build bd = { .ctx = { .store = store, .staging = IMAGE_STAGING_NULL } };
        int r, target;

        dockerfile = o.dockerfile ? strdup(o.dockerfile) : path_join(o.context, "Dockerfile");
        if (!dockerfile)
                return log_oom();
        o.dockerfile = dockerfile;
        bd.ctx.options = &o;
        STRV_FOREACH(t, o.tags) {
                char *full = NULL;
                const char *why = NULL;
                r = image_reference_normalize(*t, IMAGE_DOMAIN_LOCAL, &full, &why);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0 || strchr(full, '@')) {
                        free(full);
                        return log_error_errno(-EINVAL, "Invalid tag '%s': %s.", *t, why ?: "a tag cannot hold a digest");
                }
                if (strv_consume(&names, full) < 0)
                        return log_oom();
        }

        r = dockerfile_parse_file(dockerfile, &bd.file, &error);
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Out of memory.");

        /* overlays and the steps' mounts stay out of everyone else's sight and go with us */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return log_error_errno(negative_errno(), "Failed to make a mount namespace for the build: %m");

        bd.ctx.out = o.quiet ? fopen("/dev/null", "we") : o.progress ?: stderr;
        if (!bd.ctx.out) {
                r = log_oom();
                goto finish;
        }
        setvbuf(bd.ctx.out, NULL, _IOLBF, 0);
        r = build_ignore_load(o.context, dockerfile, &bd.ctx.ignore);
        if (r < 0)
                goto finish;
        r = image_staging_new(store, &bd.ctx.staging, &store_error);
        if (r < 0) {
                log_error_errno(r, "%s", error_reason(store_error, r));
                goto finish;
        }
        bd.ctx.staging_path = strjoin(image_store_root(store), "/tmp/", bd.ctx.staging.name);
        if (!bd.ctx.staging_path) {
                r = log_oom();
                goto finish;
        }

        target = plan(&bd);
        if (target < 0) {
                r = target;
                goto finish;
        }
        for (int i = 0; i <= target; i++) {
                if (!bd.stages[i].needed)
                        continue;
                r = build_stage(&bd, &bd.stages[i]);
                if (r < 0)
                        goto finish;
        }
        STRV_FOREACH(a, o.build_args) {
                size_t n = strcspn(*a, "=");
                _cleanup_free_ char *name = strndup(*a, n);
                if (name && !strv_contains(bd.used_args, name))
                        fprintf(bd.ctx.out, "[Warning] one or more build args were not consumed: %s\n", name);
        }

        r = apply_final_options(&bd.stages[target].state, &o);
        if (r < 0)
                goto finish;
        config = json_dumps(bd.stages[target].state.image, JSON_COMPACT | JSON_SORT_KEYS);
        if (!config) {
                r = log_oom();
                goto finish;
        }
        r = image_store_commit(store, &bd.ctx.staging,
                        &(ImageCommit) {
                                        .config = config,
                                        .config_size = strlen(config),
                                        .names = names,
                        },
                        &image, &store_error);
        if (r < 0) {
                log_error_errno(r, "%s", error_reason(store_error, r));
                goto finish;
        }
        STRV_FOREACH(n, names)
                fprintf(bd.ctx.out, "COMMIT %s\n", *n);
        fprintf(bd.ctx.out, "--> %.12s\n", digest_hex(image->id));
        *ret_id = strdup(image->id);
        r = *ret_id ? 0 : log_oom();
finish:
        build_done(&bd);
        return r;
}
