/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "oci-hooks.h"
#include "strv.h"
#include "json-util.h"

#define HOOK_DEFAULT_TIMEOUT_SEC 30

static const char *const hook_kinds[] = {
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
};

static int hook_error(const char *file, const char *field, const char *what) {
        return log_error_errno(-EINVAL, "%s: %s: %s", file, field, what);
}

static bool all_strings(json_t *a) {
        json_t *v;
        size_t i;

        if (!json_is_array(a))
                return false;
        json_array_foreach(a, i, v) if (!json_is_string(v)) return false;
        return true;
}

int oci_hooks_parse(void *hooks_, const char *file, Container *c) {
        json_t *hooks = hooks_, *list, *h;
        const char *kind;
        char field[128];
        size_t i;

        if (!hooks || json_is_null(hooks))
                return 0;
        if (!json_is_object(hooks))
                return hook_error(file, "hooks", "expected an object");
        json_object_foreach(hooks, kind, list) {
                bool known = false;
                for (size_t k = 0; k < ELEMENTSOF(hook_kinds); k++)
                        known = known || streq(kind, hook_kinds[k]);
                (void) snprintf(field, sizeof field, "hooks.%s", kind);
                if (!known)
                        return hook_error(file, field,
                                        "unknown hook: expected prestart, createRuntime, "
                                        "createContainer, startContainer, poststart or poststop");
                if (!json_is_array(list))
                        return hook_error(file, field, "expected an array of hooks");
                json_array_foreach(list, i, h) {
                        json_t *path = json_object_get(h, "path"), *timeout = json_object_get(h, "timeout");
                        (void) snprintf(field, sizeof field, "hooks.%s[%zu]", kind, i);
                        if (!json_is_object(h))
                                return hook_error(file, field, "expected an object");
                        if (!json_is_string(path) || !path_is_absolute(json_string_value(path)))
                                return hook_error(file, field, "path: expected an absolute path");
                        if (json_object_get(h, "args") && !all_strings(json_object_get(h, "args")))
                                return hook_error(file, field, "args: expected an array of strings");
                        if (json_object_get(h, "env") && !all_strings(json_object_get(h, "env")))
                                return hook_error(file, field, "env: expected an array of strings");
                        if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) <= 0))
                                return hook_error(file, field, "timeout: expected a positive number of seconds");
                }
        }
        c->hooks_json = json_dumps(hooks, JSON_COMPACT);
        return c->hooks_json ? 0 : log_oom();
}

/* Checked by oci_hooks_parse() already: an array of strings, or absent (an empty list then). */
static char **strv_from_array(json_t *a) {
        char **l = NULL;

        if (json_array_to_strv(a, &l) < 0)
                return NULL;
        return l ?: calloc(1, sizeof(char *));
}

/* Runs one hook; 0 when it exited 0 in time. */
static int run_hook(json_t *h, const char *state_json, char **ret_what) {
        const char *path = json_string_value(json_object_get(h, "path"));
        json_t *t = json_object_get(h, "timeout");
        int timeout_ms = (int) (t ? json_integer_value(t) : HOOK_DEFAULT_TIMEOUT_SEC) * 1000;
        _cleanup_strv_free_ char **args = strv_from_array(json_object_get(h, "args")),
                                 **env = strv_from_array(json_object_get(h, "env"));
        _cleanup_close_ int pidfd = -EBADF;
        int in[2], r;
        size_t len;
        siginfo_t si = {};
        struct pollfd p;
        pid_t pid;

        if (!args || !env)
                return log_oom();
        if (!args[0] && strv_extend(&args, path) < 0)
                return log_oom();
        if (pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        /* The state goes into the pipe before the hook exists: a hook that exits without reading it
         * must not kill us with SIGPIPE. A pipe holds 64 kB; a larger state gets a larger pipe. */
        len = strlen(state_json);
        if ((len > 65536 && fcntl(in[1], F_SETPIPE_SZ, (int) len) < 0) || write(in[1], state_json, len) != (ssize_t) len) {
                r = errno > 0 ? -errno : -EIO;
                safe_close(in[0]);
                safe_close(in[1]);
                return r;
        }
        safe_close(in[1]);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(in[0]);
                return r;
        }
        if (pid == 0) {
                sigset_t none;
                (void) sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(in[0], 0) < 0)
                        _exit(127);
                execve(path, args, env);
                _exit(127);
        }
        safe_close(in[0]);

        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        p = (struct pollfd) { .fd = pidfd, .events = POLLIN };
        if (pidfd >= 0 && poll(&p, 1, timeout_ms) == 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                *ret_what = strdup("did not finish within its timeout");
                return -ETIMEDOUT;
        }
        if (waitid(P_PID, (id_t) pid, &si, WEXITED) < 0)
                return -errno;
        if (si.si_code == CLD_EXITED && si.si_status == 0)
                return 0;
        if (si.si_code == CLD_EXITED)
                r = asprintf(ret_what, "exited with status %d%s", si.si_status,
                                si.si_status == 127 ? " (could it be executed?)" : "");
        else
                r = asprintf(ret_what, "was killed by signal %d", si.si_status);
        return r < 0 ? -ENOMEM : -EIO;
}

int oci_hooks_run(const char *hooks_json, const char *kind, const char *state_json, bool fatal) {
        _cleanup_(json_decrefp) json_t *hooks = NULL;
        json_t *h;
        size_t i;
        int ret = 0;

        if (!hooks_json)
                return 0;
        hooks = json_loads(hooks_json, 0, NULL);
        if (!hooks)
                return log_oom();
        json_array_foreach(json_object_get(hooks, kind), i, h) {
                _cleanup_free_ char *what = NULL;
                int r = run_hook(h, state_json, &what);
                if (r < 0) {
                        log_full_errno(fatal ? LOG_ERR : LOG_WARNING, r, "Hook %s[%zu] (%s) %s.", kind, i,
                                        json_string_value(json_object_get(h, "path")), what ?: "failed: %m");
                        /* The spec: after a failing poststart or poststop hook the rest still run. */
                        if (fatal)
                                return r;
                        ret = ret < 0 ? ret : r;
                }
        }
        return ret;
}

bool oci_hooks_has(const char *hooks_json, const char *kind) {
        _cleanup_(json_decrefp) json_t *hooks = hooks_json ? json_loads(hooks_json, 0, NULL) : NULL;

        return json_array_size(json_object_get(hooks, kind)) > 0;
}

char *oci_state_with_status(const char *state_json, const char *status) {
        _cleanup_(json_decrefp) json_t *state = state_json ? json_loads(state_json, 0, NULL) : NULL;

        if (!state || json_object_set_new(state, "status", json_string(status)) < 0)
                return NULL;
        return json_dumps(state, JSON_COMPACT);
}
