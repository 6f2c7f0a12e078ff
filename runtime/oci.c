/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "config.h"
#include "oci-config.h"
#include "oci-hooks.h"
#include "fs-util.h"
#include "log.h"
#include "mount-idmap.h"
#include "mount-propagation.h"
#include "oci.h"
#include "paths.h"
#include "resources.h"
#include "state.h"
#include "supervise.h"

#define OCI_VERSION "1.2.0"

bool oci_verb(const char *verb) {
        static const char *const verbs[] = { "create", "start", "state", "kill", "delete", "run", "features" };
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i], verb))
                        return true;
        return false;
}

/* The state of OCI containers: $BERTH_RUN_DIR/oci, or the global --root (BERTH_OCI_ROOT, set by main). */
static const char *oci_root(void) {
        return getenv("BERTH_OCI_ROOT");
}

static char *oci_dir(const char *id) {
        const char *root = oci_root();
        return root ? path_join(root, id) : strjoin(berth_path(BERTH_PATH_RUN), "/oci/", id);
}

int oci_state_write(const Container *c, const char *status, pid_t pid, int exit_status) {
        _cleanup_free_ char *path = path_join(c->run_dir, "state.json"), *text = NULL;
        _cleanup_(json_decrefp) json_t *o = NULL, *ann = json_object();

        if (!path || !ann)
                return log_oom();
        STRV_FOREACH(a, c->spec.annotations) {
                const char *eq = strchr(*a, '=');
                _cleanup_free_ char *k = eq ? strndup(*a, (size_t) (eq - *a)) : NULL;
                if (k)
                        json_object_set_new(ann, k, json_string(eq + 1));
        }
        o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:O}", "ociVersion", OCI_VERSION, "id", c->oci_id, "status", status,
                        "pid", (json_int_t) pid, "bundle", c->oci_bundle, "annotations", ann);
        if (!o)
                return log_oom();
        if (exit_status >= 0)
                json_object_set_new(o, "exitStatus", json_integer(exit_status));
        text = json_dumps(o, JSON_COMPACT);
        if (!text)
                return log_oom();
        return write_file_atomic(path, text, strlen(text), 0644, 0);
}

/* The hooks' view of the container: state.json as just written. */
static int oci_state_text(const Container *c, char **ret) {
        _cleanup_free_ char *path = path_join(c->run_dir, "state.json");
        int r;

        if (!path)
                return log_oom();
        r = read_full_file(path, ret, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        return 0;
}

int oci_run_create_hooks(const Container *c, pid_t pid, int sync_fd) {
        _cleanup_free_ char *state = NULL;
        char go = 1;
        int r;

        r = oci_state_write(c, "creating", pid, -1);
        if (r >= 0)
                r = oci_state_text(c, &state);
        if (r >= 0)
                r = oci_hooks_run(c->hooks_json, "prestart", state, true);
        if (r >= 0)
                r = oci_hooks_run(c->hooks_json, "createRuntime", state, true);
        if (r < 0)
                return r;
        if (send(sync_fd, &go, 1, MSG_NOSIGNAL) != 1)
                return log_error_errno(negative_errno(), "Failed to continue creating the container: %m");
        return 0;
}

int oci_on_started(const Container *c, pid_t pid) {
        _cleanup_free_ char *state = NULL, *fifo = path_join(c->run_dir, "started.fifo");
        _cleanup_close_ int fd = -EBADF;
        char b = 1;
        int r;

        r = oci_state_write(c, "running", pid, -1);
        if (r < 0)
                return r;
        if (c->hooks_json && oci_state_text(c, &state) >= 0)
                (void) oci_hooks_run(c->hooks_json, "poststart", state, false);
        /* `start` returns once this byte is there (it holds the fifo open for reading): the spec wants the
         * poststart hooks done by then. Without a reader (run), nobody waits. */
        fd = fifo ? open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -EBADF;
        if (fd >= 0)
                (void) write(fd, &b, 1);
        return 0;
}

static bool oci_id_is_valid(const char *id) {
        return container_name_is_valid(id);
}

/* Sets up c for id and bundle: directories, paths, config. */
static int oci_prepare(Container *c, const char *id, const char *bundle) {
        _cleanup_free_ char *abs_bundle = NULL;
        int r;

        if (!oci_id_is_valid(id))
                return log_error_errno(-EINVAL, "Invalid container id '%s'.", id);
        abs_bundle = realpath(bundle, NULL);
        if (!abs_bundle)
                return log_error_errno(negative_errno(), "Bundle %s: %m", bundle);
        c->oci = true;
        c->oci_id = strdup(id);
        c->oci_bundle = TAKE_PTR(abs_bundle);
        c->spec.name = strdup(id);
        c->run_dir = oci_dir(id);
        c->state_dir = strjoin(berth_path(BERTH_PATH_STATE), "/oci/", id);
        if (!c->oci_id || !c->spec.name || !c->run_dir || !c->state_dir)
                return log_oom();
        c->name = c->spec.name;
        c->root_mnt = path_join(c->run_dir, "rootfs");
        c->lock_path = path_join(c->run_dir, "monitor.lock");
        c->start_fifo = path_join(c->run_dir, "exec.fifo");
        if (!c->root_mnt || !c->lock_path || !c->start_fifo)
                return log_oom();
        c->stop_signal = SIGTERM;
        c->stop_timeout_usec = 10ULL * 1000000ULL;

        /* All of config.json is checked before anything is made, so a bad one leaves nothing behind. */
        r = oci_config_load(c, c->oci_bundle);
        if (r < 0)
                return r;
        if (c->spec.uidmap || c->ns.user) {
                /* A user namespace: the way --uidmap/--gidmap go (idmapped root, the userns entered at
                 * create); one joined by path the same way, with the maps it has. */
                c->userns_auto = true;
                c->userns = USERNS_NULL;
                c->userns.uid_map = c->spec.uidmap;
                c->userns.gid_map = c->spec.gidmap;
                c->userns.join_path = c->ns.user;
        }

        if (oci_root())
                r = mkdir_p(oci_root(), 0700);
        else
                r = mkdir_p(berth_path(BERTH_PATH_RUN), 0755);
        if (r >= 0 && !oci_root()) {
                _cleanup_free_ char *parent = strjoin(berth_path(BERTH_PATH_RUN), "/oci");
                r = parent ? mkdir_p(parent, 0700) : -ENOMEM;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to create the state directory: %m");
        if (mkdir(c->run_dir, 0700) < 0) {
                if (errno == EEXIST)
                        return log_error_errno(-EEXIST, "A container with id '%s' exists already.", id);
                return log_error_errno(negative_errno(), "Failed to create %s: %m", c->run_dir);
        }
        r = mkdir_p(c->root_mnt, 0755);
        if (r >= 0 && mkfifo(c->start_fifo, 0600) < 0)
                r = negative_errno();
        if (r >= 0) {
                _cleanup_free_ char *started = path_join(c->run_dir, "started.fifo");
                r = !started ? -ENOMEM : mkfifo(started, 0600) < 0 ? negative_errno() : 0;
        }
        /* Kept for delete, which runs the poststop hooks. */
        if (r >= 0 && c->hooks_json) {
                _cleanup_free_ char *hooks = path_join(c->run_dir, "hooks.json");
                r = hooks ? write_file_atomic(hooks, c->hooks_json, strlen(c->hooks_json), 0600, 0) : -ENOMEM;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to prepare %s: %m", c->run_dir);
                (void) rm_rf(c->run_dir);
                return r;
        }
        return 0;
}

/* The monitor: holds the lock, runs the container, cleans up everything but the state. */
static int oci_monitor(Container *c) {
        _cleanup_(cgroup_paths_done) CgroupPaths cg = {};
        _cleanup_close_ int lock = state_lock(c->lock_path);
        int ret;

        if (lock < 0)
                return 125;
        c->lock_fd = lock; /* the detached monitor hands it to berth-runtime-monitor */
        if (c->userns_auto && userns_setup(&c->userns) < 0)
                return 125;
        /* Bind mounts idmapped with maps of their own: their user namespaces are made here, where a
         * helper's /proc/PID is ours (the container's process has a pid namespace of its own). */
        if (mount_open_idmap_namespaces(c) < 0 || mount_open_shared_sources(c) < 0)
                return 125;
        /* linux.resources: the limits are in place before the container's first process enters its
         * cgroup (container_run() then finds the cgroup made). */
        if (c->cgroup_writes && (cgroup_setup_payload_at(&cg, c->cgroup_path) < 0 ||
                                                resources_apply(&cg, c->cgroup_writes) < 0)) {
                (void) cgroup_teardown(&cg);
                return 125;
        }
        ret = container_run(c, &cg);
        if (c->monitor_pid > 0)
                return ret; /* create: the monitor owns the cgroup and the directories now */
        (void) cgroup_teardown(&cg);
        (void) rm_rf(c->root_mnt);
        return ret;
}

typedef struct OciState {
        char *status;
        pid_t pid;
        json_t *json;
} OciState;

static void oci_state_done(OciState *s) {
        free(s->status);
        json_decref(s->json);
}

static int oci_state_read(const char *id, OciState *ret) {
        _cleanup_free_ char *dir = oci_dir(id), *path = NULL, *lock = NULL;
        json_error_t err;
        const char *status;

        if (!dir || !(path = path_join(dir, "state.json")) || !(lock = path_join(dir, "monitor.lock")))
                return log_oom();
        if (access(dir, F_OK) < 0)
                return log_error_errno(-ENOENT, "Container '%s' does not exist.", id);
        ret->json = json_load_file(path, 0, &err);
        if (!ret->json) {
                /* Being created, or its monitor died before it got that far. */
                ret->json = json_pack("{s:s, s:s, s:s}", "ociVersion", OCI_VERSION, "id", id, "status",
                                state_is_running(lock) ? "creating" : "stopped");
                if (!ret->json)
                        return log_oom();
        }
        status = json_string_value(json_object_get(ret->json, "status")) ?: "stopped";
        /* Without its monitor, a container cannot be running, whatever the file says. */
        if (!streq(status, "stopped") && !streq(status, "creating") && !state_is_running(lock))
                status = "stopped";
        /* Copied before the object is changed: status may point into it. */
        ret->status = strdup(status);
        if (!ret->status)
                return log_oom();
        json_object_set_new(ret->json, "status", json_string(ret->status));
        ret->pid = (pid_t) json_integer_value(json_object_get(ret->json, "pid"));
        return 0;
}

bool oci_container_exists(const char *id) {
        _cleanup_free_ char *dir = oci_id_is_valid(id) ? oci_dir(id) : NULL;
        return dir && access(dir, F_OK) >= 0;
}

int oci_exec_target(const char *id, pid_t *ret_pid, char **ret_dir) {
        _cleanup_(oci_state_done) OciState s = {};
        char *dir;

        if (!oci_id_is_valid(id))
                return log_error_errno(-EINVAL, "Invalid container id '%s'.", id);
        if (oci_state_read(id, &s) < 0)
                return -ESRCH;
        if (!streq(s.status, "running") || s.pid <= 0)
                return log_error_errno(-ESRCH, "Container '%s' is %s, not running.", id, s.status);
        dir = oci_dir(id);
        if (!dir)
                return log_oom();
        *ret_pid = s.pid;
        *ret_dir = dir;
        return 0;
}

int oci_write_pid_file(const char *path, pid_t pid) {
        char buf[32];
        int r;

        (void) snprintf(buf, sizeof buf, "%d", (int) pid);
        r = write_file_atomic(path, buf, strlen(buf), 0644, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

/* --console-socket: a unix socket of the caller's, where the pty master goes (SCM_RIGHTS). */
int oci_connect_console_socket(const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(path) >= sizeof sa.sun_path)
                return log_error_errno(-EINVAL, "--console-socket %s: path too long.", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return log_error_errno(negative_errno(), "--console-socket %s: %m", path);
        return TAKE_FD(fd);
}

static int verb_create(const char *id, const char *bundle, const char *pid_file, const char *console, bool run) {
        _cleanup_(container_done) Container c = { .created_fd = -EBADF,
                .console_socket = -EBADF,
                .lock_fd = -EBADF,
                .init_program_fd = -EBADF,
                .process.umask = 0022 };
        _cleanup_(oci_state_done) OciState s = {};
        int r, ret;

        if (console) {
                c.console_socket = oci_connect_console_socket(console);
                if (c.console_socket < 0)
                        return 1;
        }
        r = oci_prepare(&c, id, bundle);
        if (r < 0)
                return 1;
        if (run) {
                /* Through the "created" stage too, for the hooks; then straight on. */
                c.wait_for_start = true;
                c.oci_run = true;
                ret = oci_monitor(&c);
                if (c.hooks_json) {
                        _cleanup_free_ char *path = path_join(c.run_dir, "state.json"), *state = NULL;
                        if (path && read_full_file(path, &state, NULL) >= 0)
                                (void) oci_hooks_run(c.hooks_json, "poststop", state, false);
                }
                (void) rm_rf(c.run_dir);
                return ret;
        }

        /* create sets the container up in this process and leaves it waiting for `start`; a monitor
         * forked once it is created goes on (see detach_monitor()), and we return. */
        c.wait_for_start = true;
        c.detach = true;
        ret = oci_monitor(&c);
        if (c.is_monitor) {
                container_done(&c);
                _exit(ret);
        }
        if (c.monitor_pid <= 0) {
                (void) rm_rf(c.run_dir);
                return log_error_errno(-EIO, "Container '%s' could not be created.", id), 1;
        }
        if (pid_file && (oci_state_read(id, &s) < 0 || oci_write_pid_file(pid_file, s.pid) < 0))
                return 1;
        return 0;
}

/* After the byte on exec.fifo: waits until the monitor says the process runs and the poststart hooks
 * ran (a byte on started.fifo), or the container stopped without getting that far. */
static int wait_started(const char *id, int started_fd) {
        for (;;) {
                _cleanup_(oci_state_done) OciState s = {};
                struct pollfd p = { .fd = started_fd, .events = POLLIN };
                char b;

                if (poll(&p, 1, 100) < 0 && errno != EINTR)
                        return log_error_errno(negative_errno(), "poll() failed: %m");
                if (read(started_fd, &b, 1) == 1)
                        return 0;
                if (oci_state_read(id, &s) < 0)
                        return -ESRCH;
                /* The byte comes before "stopped" is written; look once more. */
                if (streq(s.status, "stopped"))
                        return read(started_fd, &b, 1) == 1 ? 0
                                                            : log_error_errno(-EIO,
                                                                              "The process of container "
                                                                              "'%s' did not start.",
                                                                              id);
        }
}

static int verb_start(const char *id) {
        _cleanup_(oci_state_done) OciState s = {};
        _cleanup_free_ char *dir = oci_dir(id), *fifo = NULL, *started = NULL;
        _cleanup_close_ int fd = -EBADF, started_fd = -EBADF;
        char b = 1;

        if (oci_state_read(id, &s) < 0)
                return 1;
        if (!streq(s.status, "created"))
                return log_error_errno(-EINVAL, "Container '%s' is %s, not created.", id, s.status), 1;
        fifo = dir ? path_join(dir, "exec.fifo") : NULL;
        started = dir ? path_join(dir, "started.fifo") : NULL;
        if (!fifo || !started)
                return log_oom(), 1;
        /* Open for reading first, so that the monitor can write there once the process runs. */
        started_fd = open(started, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (started_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", started), 1;
        fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 || write(fd, &b, 1) != 1)
                return log_error_errno(negative_errno(), "Failed to start container '%s': %m", id), 1;
        /* Only one start: the fifo goes away with it. */
        (void) unlink(fifo);
        return wait_started(id, started_fd) < 0 ? 1 : 0;
}

static int verb_state(const char *id) {
        _cleanup_(oci_state_done) OciState s = {};
        _cleanup_free_ char *text = NULL;

        if (oci_state_read(id, &s) < 0)
                return 1;
        text = json_dumps(s.json, JSON_INDENT(2));
        if (!text)
                return log_oom(), 1;
        printf("%s\n", text);
        return 0;
}

static int verb_kill(const char *id, const char *signame) {
        _cleanup_(oci_state_done) OciState s = {};
        _cleanup_close_ int pidfd = -EBADF;
        int sig = signal_from_string(signame ?: "SIGTERM");

        if (sig < 0)
                return log_error_errno(sig, "Unknown signal '%s'.", signame), 1;
        if (oci_state_read(id, &s) < 0)
                return 1;
        if (!streq(s.status, "created") && !streq(s.status, "running"))
                return log_error_errno(-ESRCH, "Container '%s' is %s.", id, s.status), 1;
        pidfd = (int) syscall(SYS_pidfd_open, s.pid, 0);
        if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return log_error_errno(negative_errno(), "Failed to signal container '%s': %m", id), 1;
        return 0;
}

static int verb_delete(const char *id, bool force) {
        _cleanup_(oci_state_done) OciState s = {};
        _cleanup_free_ char *dir = oci_dir(id), *lock = NULL;
        struct timespec ts = { .tv_nsec = 20 * 1000000 };

        if (oci_state_read(id, &s) < 0)
                return force ? 0 : 1;
        lock = dir ? path_join(dir, "monitor.lock") : NULL;
        if (!lock)
                return log_oom(), 1;
        if (!streq(s.status, "stopped")) {
                if (!force && !streq(s.status, "created"))
                        return log_error_errno(-EBUSY, "Container '%s' is %s; stop it or use --force.", id, s.status), 1;
                if (s.pid > 0) {
                        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, s.pid, 0);
                        if (pidfd >= 0)
                                (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                }
                /* The monitor cleans up the cgroup and lets go of the lock when the process is gone. */
                for (int i = 0; i < 500 && state_is_running(lock); i++)
                        (void) nanosleep(&ts, NULL);
                if (state_is_running(lock))
                        return log_error_errno(-EBUSY, "Container '%s' did not go away.", id), 1;
        }
        {
                _cleanup_free_ char *hooks_path = path_join(dir, "hooks.json"), *hooks = NULL,
                                    *state = json_dumps(s.json, JSON_COMPACT);
                if (hooks_path && state && read_full_file(hooks_path, &hooks, NULL) >= 0)
                        (void) oci_hooks_run(hooks, "poststop", state, false);
        }
        if (rm_rf(dir) < 0)
                return log_error_errno(-EIO, "Failed to remove %s.", dir), 1;
        return 0;
}

static int verb_features(void) {
        printf("{\n"
               "  \"ociVersionMin\": \"1.0.0\",\n"
               "  \"ociVersionMax\": \"" OCI_VERSION "\",\n"
               "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\", "
               "\"poststart\", "
               "\"poststop\"],\n"
               "  \"mountOptions\": [\"bind\", \"rbind\", \"ro\", \"rw\", \"size\", \"mode\", \"idmap\", "
               "\"ridmap\"],\n"
               "  \"linux\": {\n"
               "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"user\", "
               "\"uts\", \"time\"],\n"
               "    \"capabilities\": [");
        for (int c = 0; c <= capability_last() && capability_to_name(c); c++)
                printf("%s\"%s\"", c ? ", " : "", capability_to_name(c));
        printf("],\n"
               "    \"cgroup\": { \"v1\": false, \"v2\": true, \"systemd\": false, \"systemdUser\": false "
               "},\n"
               "    \"seccomp\": { \"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", "
               "\"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", "
               "\"SCMP_ACT_TRAP\"],\n"
               "      \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", "
               "\"SCMP_CMP_LT\", "
               "\"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"] },\n"
               "    \"apparmor\": { \"enabled\": false },\n"
               "    \"selinux\": { \"enabled\": false },\n"
               "    \"mountExtensions\": { \"idmap\": { \"enabled\": true } }\n"
               "  }\n"
               "}\n");
        return 0;
}

int oci_main(const char *verb, int argc, char *argv[]) {
        const char *bundle = ".", *pid_file = NULL, *console = NULL, *id = NULL, *extra = NULL;
        bool force = false;

        for (int i = 0; i < argc; i++) {
                const char *a = argv[i], *v;
                if ((v = startswith(a, "--bundle=")) || (v = startswith(a, "--pid-file=")) ||
                                (v = startswith(a, "--console-socket=")) ||
                                ((streq(a, "--bundle") || streq(a, "-b") || streq(a, "--pid-file") ||
                                                 streq(a, "--console-socket")) &&
                                                i + 1 < argc)) {
                        const char *value = v ?: argv[++i];
                        if (startswith(a, "--pid-file"))
                                pid_file = value;
                        else if (startswith(a, "--console-socket"))
                                console = value;
                        else
                                bundle = value;
                } else if (streq(a, "--force") || streq(a, "-f"))
                        force = true;
                else if (streq(a, "--no-new-keyring") || streq(a, "--no-pivot") || streq(a, "--detach") || streq(a, "-d"))
                        ; /* no session keyring is made anyway; pivot_root is always used; create detaches */
                else if (a[0] == '-' && a[1] != 0 && !(streq(verb, "kill") && id))
                        return log_error_errno(-EINVAL, "Unknown option '%s' for %s.", a, verb), 1;
                else if (!id)
                        id = a;
                else if (!extra)
                        extra = a;
                else
                        return log_error_errno(-EINVAL, "Too many arguments for %s.", verb), 1;
        }
        if (streq(verb, "features"))
                return verb_features();
        if (!id)
                return log_error_errno(-EINVAL, "%s needs a container id.", verb), 1;
        if (streq(verb, "create") || streq(verb, "run"))
                return verb_create(id, bundle, pid_file, console, streq(verb, "run"));
        if (streq(verb, "start"))
                return verb_start(id);
        if (streq(verb, "state"))
                return verb_state(id);
        if (streq(verb, "kill"))
                return verb_kill(id, extra);
        if (streq(verb, "delete"))
                return verb_delete(id, force);
        return log_error_errno(-EINVAL, "Unknown verb '%s'.", verb), 1;
}
