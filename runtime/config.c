/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <systemd/sd-login.h>

#include "config.h"
#include "fs-util.h"
#include "log.h"
#include "secret-store.h"
#include "unit-container-env.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void process_config_done(ProcessConfig *p) {
        p->argv = strv_free(p->argv);
        p->env = strv_free(p->env);
        free(p->workdir);
        free(p->user);
        free(p->hostname);
        p->workdir = p->user = p->hostname = NULL;
}

static size_t env_key_length(const char *assignment) {
        const char *eq = strchr(assignment, '=');
        return eq ? (size_t) (eq - assignment) : strlen(assignment);
}

const char *env_get(char *const *env, const char *key) {
        size_t l = strlen(key);
        STRV_FOREACH(e, env)
                if (strncmp(*e, key, l) == 0 && (*e)[l] == '=')
                        return *e + l + 1;
        return NULL;
}

int env_set(char ***env, const char *assignment) {
        size_t l = env_key_length(assignment);
        char *copy;

        if (l == 0 || !strchr(assignment, '='))
                return -EINVAL;
        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, assignment, l) == 0 && (*e)[l] == '=') {
                        copy = strdup(assignment);
                        if (!copy)
                                return -ENOMEM;
                        free(*e);
                        *e = copy;
                        return 0;
                }
        return strv_extend(env, assignment);
}

/* docker's "-e KEY" (no '='): pass the host's value through, or nothing when the host has none. */
static int env_set_or_inherit(char ***env, const char *item, char *const *host_env) {
        const char *v;
        _cleanup_free_ char *a = NULL;

        if (strchr(item, '='))
                return env_set(env, item);
        v = env_get(host_env, item);
        if (!v)
                return 0;
        a = strjoin(item, "=", v);
        if (!a)
                return -ENOMEM;
        return env_set(env, a);
}

int env_file_load(const char *path, char *const *host_env, char ***env) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        unsigned n = 0;
        int r;

        if (!f)
                return log_error_errno(negative_errno(), "Failed to open environment file %s: %m", path);
        for (;;) {
                ssize_t l = getline(&line, &size, f);
                char *s;

                if (l < 0)
                        break;
                n++;
                while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
                        line[--l] = 0;
                s = line + strspn(line, " \t");
                if (*s == 0 || *s == '#')
                        continue;
                if (*s == '=')
                        return log_error_errno(-EINVAL, "%s:%u: variable name missing before '='.", path, n);
                r = env_set_or_inherit(env, s, host_env);
                if (r < 0)
                        return log_error_errno(r, "%s:%u: cannot set '%s': %m", path, n, s);
        }
        return 0;
}

int private_env_load(const char *path, char *const *host_env, char ***env) {
        _cleanup_strv_free_ char **entries = NULL;
        _cleanup_free_ char *unit = NULL;
        int r;

        r = private_env_read(path, &entries);
        if (r < 0)
                return log_error_errno(r, "Failed to read the environment file %s: %m", path);
        /* The values mean what they would on ExecStart=: the unit's specifiers, ${VAR} of its environment. */
        if (sd_pid_get_unit(0, &unit) < 0)
                unit = NULL;
        STRV_FOREACH(e, entries) {
                _cleanup_free_ char *v = NULL;
                const char *bad = NULL;

                r = unit_value_expand(*e, unit, host_env, &v, &bad);
                if (r == -EINVAL)
                        return log_error_errno(r, "%s: '%.2s' in the value of %.*s cannot be expanded%s.", path, bad,
                                        (int) strcspn(*e, "="), *e, unit ? "" : " outside a unit");
                if (r < 0)
                        return log_oom();
                r = env_set_or_inherit(env, v, host_env);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

int secrets_to_env(char *const *secrets, char ***env) {
        STRV_FOREACH(s, secrets) {
                _cleanup_(secret_spec_done) SecretSpec spec = {};
                _cleanup_free_ char *value = NULL, *a = NULL;
                size_t size = 0;
                int r;

                r = secret_spec_parse(*s, &spec);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r,
                                        "Invalid --secret '%s': expected NAME[,type=mount|env][,target=...][,uid=UID][,gid=GID][,mode=MODE] (uid, gid and mode for type=mount only).",
                                        *s);
                if (!spec.env)
                        continue;
                r = secret_store_read(spec.name, &value, &size);
                if (r < 0)
                        return log_error_errno(r, "Failed to read secret '%s'%s: %m", spec.name,
                                        r == -ENOENT ? " (create it with 'berth secret create')" : "");
                if (memchr(value, 0, size))
                        return log_error_errno(-EINVAL,
                                        "Secret '%s' contains a NUL byte and cannot be an environment "
                                        "variable; use type=mount.",
                                        spec.name);
                a = strjoin(spec.target, "=", value);
                if (!a || env_set(env, a) < 0)
                        return log_oom();
        }
        return 0;
}

char *hostname_from_name(const char *name) {
        size_t l = MIN(strlen(name), (size_t) 63);
        char *h = strndup(name, l);

        if (!h)
                return NULL;
        for (size_t i = 0; i < l; i++)
                if (!isalnum((unsigned char) h[i]) && h[i] != '-')
                        h[i] = '-';
        /* A label may not begin or end with '-'. */
        if (l > 0 && h[0] == '-')
                h[0] = 'x';
        if (l > 0 && h[l - 1] == '-')
                h[l - 1] = 'x';
        return h;
}

int process_config_resolve(const ContainerSpec *spec, const ImageConfig *image, char *const *host_env,
                ProcessConfig *ret) {
        _cleanup_strv_free_ char **argv = NULL, **env = NULL;
        char *const *entrypoint, *const *cmd;
        _cleanup_free_ char *workdir = NULL, *hostname = NULL, *user = NULL, *h = NULL;
        mode_t mask = 0022;
        const char *wd;
        int r;

        /* Docker's rules: COMMAND replaces Cmd; --entrypoint replaces Entrypoint and drops the image's
         * Cmd too (a Cmd written for the old entrypoint means nothing to the new one). */
        if (spec->entrypoint_set) {
                entrypoint = spec->entrypoint;
                cmd = spec->command;
        } else {
                entrypoint = image ? image->entrypoint : NULL;
                cmd = spec->command ? spec->command : image ? image->cmd : NULL;
        }
        r = strv_extend_strv(&argv, entrypoint);
        if (r >= 0)
                r = strv_extend_strv(&argv, cmd);
        if (r < 0)
                return log_oom();
        if (strv_length(argv) == 0 || isempty(argv[0]))
                return log_error_errno(-EINVAL,
                                "No command to run: the image has no Entrypoint or Cmd and none was given.");

        hostname = spec->hostname ? strdup(spec->hostname) : hostname_from_name(spec->name ?: "berth");
        if (!hostname)
                return log_oom();

        /* Later assignments win: defaults, then the image, then --env-file, then --env. */
        h = strjoin("HOSTNAME=", hostname);
        if (!h || env_set(&env, "PATH=" DEFAULT_PATH) < 0 || env_set(&env, h) < 0 || env_set(&env, "container=berth") < 0)
                return log_oom();
        STRV_FOREACH(e, image ? image->env : NULL) {
                r = env_set(&env, *e);
                if (r == -EINVAL) {
                        log_warning("Ignoring malformed Env entry '%s' in the image config.", *e);
                        continue;
                }
                if (r < 0)
                        return log_oom();
        }
        STRV_FOREACH(f, spec->env_files) {
                r = env_file_load(*f, host_env, &env);
                if (r < 0)
                        return r;
        }
        if (spec->env_private_file) {
                r = private_env_load(spec->env_private_file, host_env, &env);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(e, spec->env) {
                r = env_set_or_inherit(&env, *e, host_env);
                if (r == -EINVAL)
                        return log_error_errno(r, "Invalid --env '%s': expected KEY=VALUE or KEY.", *e);
                if (r < 0)
                        return log_oom();
        }
        r = secrets_to_env(spec->secrets, &env);
        if (r < 0)
                return r;

        wd = spec->workdir ? spec->workdir : image && !isempty(image->working_dir) ? image->working_dir : "/";
        if (spec->workdir && !path_is_absolute(wd))
                return log_error_errno(-EINVAL, "--workdir '%s' is not an absolute path.", wd);
        /* Docker treats a relative WorkingDir in an image config as relative to /. */
        workdir = path_is_absolute(wd) ? strdup(wd) : strjoin("/", wd);
        if (!workdir)
                return log_oom();

        if (spec->user)
                user = strdup(spec->user);
        else if (image && !isempty(image->user))
                user = strdup(image->user);
        if ((spec->user || (image && !isempty(image->user))) && !user)
                return log_oom();

        if (spec->umask && parse_umask(spec->umask, &mask) < 0)
                return log_error_errno(-EINVAL, "Invalid --umask '%s': expected an octal mask like 0027.", spec->umask);

        *ret = (ProcessConfig) {
                .umask = mask,
                .argv = TAKE_PTR(argv),
                .env = TAKE_PTR(env),
                .workdir = TAKE_PTR(workdir),
                .user = TAKE_PTR(user),
                .hostname = TAKE_PTR(hostname),
        };
        return 0;
}
