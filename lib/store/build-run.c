/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RUN: a container made by berth-runtime's OCI face (`berth-runtime run`) on the step's overlay. The
 * bundle's config.json is written here: the root is the overlay's merged/ directory, so whatever
 * the command changes lands in upper/. Mount points the runtime has to create (/proc, /dev, /sys)
 * are removed from upper/ again when the image lacked them, so they do not end up in the layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-internal.h"
#include "fs-util.h"
#include "json-util.h"
#include "log.h"
#include "paths.h"
#include "user-db.h"

/* Docker's default capabilities for a build step. Like a container's, the step also gets
 * no_new_privs and berth-runtime's default seccomp filter for these capabilities (the annotation
 * below asks the OCI face for it), as Docker's RUN gets its default profile. */
static const char *const build_caps[] = { "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE" };

static const char *const mount_points[] = { "proc", "dev", "sys" };

int build_resolve_user(const char *root, const char *spec, unsigned *ret_uid, unsigned *ret_gid, char **ret_error) {
        _cleanup_close_ int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_fclose_ FILE *passwd = NULL, *group = NULL;
        _cleanup_(user_ids_done) UserIds ids = {};
        int r;

        if (root_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", root);
        /* The image's own files, resolved inside its root; an image without them knows only numbers. */
        passwd = user_db_open_in_root(root_fd, "/etc/passwd");
        group = user_db_open_in_root(root_fd, "/etc/group");
        r = user_resolve(spec, NULL, passwd, group, &ids, ret_error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return r;
        *ret_uid = ids.uid;
        *ret_gid = ids.gid;
        return 0;
}

static json_t *build_oci_config(const char *root, char *const *argv, char *const *env, const char *cwd, unsigned uid,
                unsigned gid, bool private_network) {
        json_t *caps = json_array(), *no_caps = json_array(), *namespaces = json_array();
        const char *ns[] = { "pid", "ipc", "uts", "mount", private_network ? "network" : NULL };

        for (size_t i = 0; i < ELEMENTSOF(build_caps); i++)
                json_array_append_new(caps, json_string(build_caps[i]));
        for (size_t i = 0; i < ELEMENTSOF(ns); i++)
                if (ns[i])
                        json_array_append_new(namespaces, json_pack("{s:s}", "type", ns[i]));
        json_t *config = json_pack("{s:s, s:{s:b, s:{s:I, s:I}, s:o, s:o, s:s, s:{s:O, s:O, s:O, s:O}, s:b}, s:{s:s, "
                                   "s:b},"
                                   " s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:[s, s, s]}, {s:s, s:s, s:s},"
                                   " {s:s, s:s, s:s, s:[s, s, s]}, {s:s, s:s, s:s, s:[s, s, s, s]}],"
                                   " s:{s:o, s:[s], s:[s]}, s:{s:s}}",
                        "ociVersion", "1.0.2", "process", "terminal", 0, "user", "uid", (json_int_t) uid, "gid",
                        (json_int_t) gid, "args", strv_to_json_array(argv), "env", strv_to_json_array(env), "cwd", cwd,
                        "capabilities", "bounding", caps, "effective", caps, "permitted", caps, "ambient", no_caps,
                        "noNewPrivileges", 1, "root", "path", root, "readonly", 0, "hostname", "buildkitsandbox",
                        "mounts", "destination", "/proc", "type", "proc", "source", "proc", "destination", "/dev",
                        "type", "tmpfs", "source", "tmpfs", "options", "nosuid", "mode=755", "size=65536k",
                        "destination", "/dev/pts", "type", "devpts", "source", "devpts", "destination", "/dev/shm",
                        "type", "tmpfs", "source", "shm", "options", "nosuid", "nodev", "size=65536k", "destination",
                        "/sys", "type", "sysfs", "source", "sysfs", "options", "nosuid", "noexec", "nodev", "ro",
                        "linux", "namespaces", namespaces, "maskedPaths", "/proc/kcore", "readonlyPaths", "/proc/sys",
                        "annotations", "org.berth.seccomp", "default");
        json_decref(caps); /* the sets hold their own references */
        json_decref(no_caps);
        return config;
}

static int run_runtime(BuildContext *b, const char *bundle, const char *id) {
        const char *runtime = berth_path(BERTH_PATH_RUNTIME_BINARY);
        int out = fileno(b->out), status;
        pid_t pid;

        fflush(b->out);
        pid = fork();
        if (pid < 0)
                return log_error_errno(negative_errno(), "Failed to fork: %m");
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
                                dup2(out, STDERR_FILENO) < 0)
                        _exit(127);
                execl(runtime, runtime, "run", "--bundle", bundle, id, (char *) NULL);
                fprintf(stderr, "Failed to execute %s: %m\n", runtime);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to wait for %s: %m", runtime);
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

int build_run(BuildContext *b, BuildMount *m, json_t *config, char *const *env, char *const *argv, const char *network,
                unsigned line) {
        const char *workdir = json_string_value(json_object_get(config, "WorkingDir"));
        const char *user = json_string_value(json_object_get(config, "User"));
        _cleanup_free_ char *bundle = path_join(m->dir, "bundle"), *config_path = NULL, *text = NULL,
                            *upper = path_join(m->dir, "upper"), *id = NULL, *error = NULL;
        _cleanup_strv_free_ char **run_env = strv_copy(env);
        bool missing[ELEMENTSOF(mount_points)] = {};
        unsigned uid = 0, gid = 0;
        json_t *oci;
        int r, status;

        if (!bundle || !upper || (env && !run_env))
                return log_oom();
        if (!dockerfile_env_get(run_env, "PATH") &&
                        strv_extend(&run_env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/"
                                              "sbin:/bin") < 0)
                return log_oom();
        if (network && !streq(network, "none") && !streq(network, "host") && !streq(network, "default"))
                return log_error_errno(-EINVAL, "%s:%u: RUN --network=%s: expected none, host or default.",
                                b->options->dockerfile, line, network);
        r = build_resolve_user(m->merged, user, &uid, &gid, &error);
        if (r < 0)
                return error ? log_error_errno(r, "%s:%u: USER %s: %s in the image.", b->options->dockerfile, line,
                                               user, error)
                             : r;
        if (isempty(workdir))
                workdir = "/";
        else {
                /* WORKDIR creates its directory when a step first needs it */
                _cleanup_free_ char *dir = path_join(m->merged, workdir);
                struct stat st;
                if (!dir)
                        return log_oom();
                if (stat(dir, &st) < 0 && mkdir_p(dir, 0755) < 0)
                        return log_error_errno(negative_errno(), "Failed to create the working directory %s: %m",
                                        workdir);
        }
        for (size_t i = 0; i < ELEMENTSOF(mount_points); i++) {
                _cleanup_free_ char *p = path_join(m->merged, mount_points[i]);
                missing[i] = p && access(p, F_OK) < 0;
        }

        if (mkdir(bundle, 0700) < 0)
                return log_error_errno(negative_errno(), "Failed to create %s: %m", bundle);
        oci = build_oci_config(m->merged, argv, run_env, workdir, uid, gid, network && streq(network, "none"));
        if (!oci)
                return log_oom();
        text = json_dumps(oci, JSON_COMPACT);
        json_decref(oci);
        config_path = path_join(bundle, "config.json");
        if (!text || !config_path)
                return log_oom();
        r = write_file_atomic(config_path, text, strlen(text), 0600, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", config_path);
        if (asprintf(&id, "berth-build-%d-%u", (int) getpid(), b->counter) < 0)
                return log_oom();

        status = run_runtime(b, bundle, id);
        if (status < 0)
                return status;
        (void) rm_rf(bundle);
        for (size_t i = 0; i < ELEMENTSOF(mount_points); i++)
                if (missing[i]) {
                        _cleanup_free_ char *p = path_join(upper, mount_points[i]);
                        if (p)
                                (void) rmdir(p);
                }
        if (status != 0) {
                _cleanup_free_ char *cmd = strv_join(argv, " ");
                return log_error_errno(-ECHILD, "%s:%u: the command '%s' returned a non-zero code: %d",
                                b->options->dockerfile, line, cmd ?: "?", status);
        }
        return 0;
}
