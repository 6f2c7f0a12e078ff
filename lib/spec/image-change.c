/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "fs-util.h"
#include "image-change.h"
#include "log.h"
#include "strv.h"
#include "words.h"
#include "json-util.h"

/* ["a", "b"] (exec form) or anything else (shell form, run by /bin/sh -c). */
static json_t *command_form(const char *change, const char *args, char **ret_error) {
        json_t *a;
        size_t i;
        json_t *v;

        if (*args != '[')
                return json_pack("[s, s, s]", "/bin/sh", "-c", args);
        a = json_loads(args, 0, NULL);
        if (!json_is_array(a))
                goto invalid;
        json_array_foreach(a, i, v) if (!json_is_string(v)) goto invalid;
        return a;
invalid:
        json_decref(a);
        (void) log_detail_errno(ret_error, -EINVAL, "--change '%s': not a JSON array of strings.", change);
        return NULL;
}

/* KEY=VALUE words (systemd quoting), or docker's older "KEY VALUE" form for a single pair. */
static int key_values(const char *change, const char *args, char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **words = NULL;
        const char *space = args + strcspn(args, " \t");

        if (!memchr(args, '=', space - args)) {
                if (*space == 0)
                        return log_detail_errno(ret_error, -EINVAL, "--change '%s': expected KEY=VALUE.", change);
                if (strv_consume(&words, strndup(args, space - args)) < 0 ||
                                strv_extend(&words, space + strspn(space, " \t")) < 0)
                        return -ENOMEM;
                *ret = TAKE_PTR(words); /* key, value */
                return 1;
        }
        if (split_words(args, &words) < 0 || !words)
                return log_detail_errno(ret_error, -EINVAL, "--change '%s': bad quoting.", change);
        STRV_FOREACH(w, words)
                if (!strchr(*w, '=') || **w == '=')
                        return log_detail_errno(ret_error, -EINVAL, "--change '%s': '%s' is not KEY=VALUE.", change, *w);
        *ret = TAKE_PTR(words);
        return 0;
}

static int apply_env(json_t *c, const char *change, const char *args, char **ret_error) {
        _cleanup_strv_free_ char **kv = NULL;
        json_t *env = json_object_get(c, "Env");
        int pair = key_values(change, args, &kv, ret_error);

        if (pair < 0)
                return pair;
        if (!kv)
                return -EINVAL;
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(c, "Env", env);
        }
        for (size_t k = 0; kv[k]; k += pair ? 2 : 1) {
                _cleanup_free_ char *entry = pair ? strjoin(kv[k], "=", kv[k + 1]) : strdup(kv[k]);
                size_t keylen, i;
                json_t *v;
                bool replaced = false;

                if (!entry)
                        return -ENOMEM;
                keylen = strcspn(entry, "=") + 1;
                json_array_foreach(env, i, v) if (json_is_string(v) && strncmp(json_string_value(v), entry, keylen) == 0) {
                        json_array_set_new(env, i, json_string(entry));
                        replaced = true;
                        break;
                }
                if (!replaced)
                        json_array_append_new(env, json_string(entry));
                if (pair)
                        break;
        }
        return 0;
}

static int apply_labels(json_t *c, const char *change, const char *args, char **ret_error) {
        _cleanup_strv_free_ char **kv = NULL;
        json_t *labels = json_object_get(c, "Labels");
        int pair = key_values(change, args, &kv, ret_error);

        if (pair < 0)
                return pair;
        if (!kv)
                return -EINVAL;
        if (!json_is_object(labels)) {
                labels = json_object();
                json_object_set_new(c, "Labels", labels);
        }
        if (pair)
                return json_object_set_new(labels, kv[0], json_string(kv[1])) < 0 ? -ENOMEM : 0;
        STRV_FOREACH(w, kv) {
                char *eq = strchr(*w, '=');
                *eq = 0;
                json_object_set_new(labels, *w, json_string(eq + 1));
        }
        return 0;
}

static int apply_keys(json_t *c, const char *field, const char *change, const char *args, bool ports, char **ret_error) {
        _cleanup_strv_free_ char **words = NULL;
        json_t *set = json_object_get(c, field);

        if (*args == '[') {
                json_t *a = command_form(change, args, ret_error);
                int r;
                if (!a)
                        return -EINVAL;
                r = json_array_to_strv(a, &words); /* command_form() checked it holds only strings */
                json_decref(a);
                if (r < 0)
                        return -ENOMEM;
        } else if (split_words(args, &words) < 0 || !words)
                return log_detail_errno(ret_error, -EINVAL, "--change '%s': expected at least one value.", change);
        if (!json_is_object(set)) {
                set = json_object();
                json_object_set_new(c, field, set);
        }
        STRV_FOREACH(w, words) {
                _cleanup_free_ char *key = NULL;
                if (ports) {
                        char *end;
                        unsigned long port = strtoul(*w, &end, 10);
                        if (end == *w || port == 0 || port > 65535 ||
                                        (*end && !streq(end, "/tcp") && !streq(end, "/udp") && !streq(end, "/sctp")))
                                return log_detail_errno(ret_error, -EINVAL,
                                                "--change '%s': '%s' is not PORT[/tcp|udp|sctp].", change, *w);
                        key = *end ? strdup(*w) : strjoin(*w, "/tcp");
                } else {
                        if (**w != '/')
                                return log_detail_errno(ret_error, -EINVAL,
                                                "--change '%s': '%s' is not an absolute path.", change, *w);
                        key = strdup(*w);
                }
                if (!key)
                        return -ENOMEM;
                json_object_set_new(set, key, json_object());
        }
        return 0;
}

static int apply_one(json_t *c, const char *change, char **ret_error) {
        size_t n = strcspn(change, " \t");
        const char *args = change + n + strspn(change + n, " \t");
        char instr[16];

        if (n == 0 || n >= sizeof(instr))
                return log_detail_errno(ret_error, -EINVAL, "--change '%s': expected INSTRUCTION ARGUMENTS.", change);
        for (size_t i = 0; i < n; i++)
                instr[i] = (char) toupper((unsigned char) change[i]);
        instr[n] = 0;
        if (*args == 0)
                return log_detail_errno(ret_error, -EINVAL, "--change '%s': %s needs an argument.", change, instr);

        if (streq(instr, "CMD") || streq(instr, "ENTRYPOINT")) {
                json_t *a = command_form(change, args, ret_error);
                if (!a)
                        return -EINVAL;
                json_object_set_new(c, streq(instr, "CMD") ? "Cmd" : "Entrypoint", a);
                return 0;
        }
        if (streq(instr, "ENV"))
                return apply_env(c, change, args, ret_error);
        if (streq(instr, "LABEL"))
                return apply_labels(c, change, args, ret_error);
        if (streq(instr, "EXPOSE"))
                return apply_keys(c, "ExposedPorts", change, args, true, ret_error);
        if (streq(instr, "VOLUME"))
                return apply_keys(c, "Volumes", change, args, false, ret_error);
        if (streq(instr, "WORKDIR") || streq(instr, "USER") || streq(instr, "STOPSIGNAL")) {
                if (streq(instr, "WORKDIR") && *args != '/')
                        return log_detail_errno(ret_error, -EINVAL, "--change '%s': WORKDIR must be an absolute path.",
                                        change);
                json_object_set_new(c,
                                streq(instr, "WORKDIR") ? "WorkingDir"
                                : streq(instr, "USER")  ? "User"
                                                        : "StopSignal",
                                json_string(args));
                return 0;
        }
        return log_detail_errno(ret_error, -EINVAL,
                        "--change '%s': %s is not supported (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
                        "STOPSIGNAL, USER, VOLUME, WORKDIR are).",
                        change, instr);
}

int image_config_apply_changes(const char *config, char *const *changes, const char *message, char **ret,
                char **ret_error) {
        json_t *root = json_loads(config, 0, NULL), *c;
        char *s;
        int r = 0;

        if (!json_is_object(root)) {
                json_decref(root);
                return log_detail_errno(ret_error, -EBADMSG, "Image config: not a JSON object.");
        }
        c = json_object_get(root, "config");
        if (!json_is_object(c)) {
                c = json_object();
                json_object_set_new(root, "config", c);
        }
        STRV_FOREACH(ch, changes) {
                r = apply_one(c, *ch, ret_error);
                if (r < 0)
                        break;
        }
        if (r >= 0 && message) {
                json_t *h = json_array_get(json_object_get(root, "history"), 0);
                if (json_is_object(h))
                        json_object_set_new(h, "comment", json_string(message));
        }
        s = r >= 0 ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(root);
        if (r < 0)
                return r;
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
