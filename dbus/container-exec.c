/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Exec(): a process in a running container, by `berth-runtime exec` as `berth exec` runs it, started
 * by berthd with fds whose other ends the caller gets: three pipes, or one pseudo-terminal whose
 * master the caller holds (berth-runtime then copies between its end and the container's own pty,
 * so nothing of the host's /dev/pts reaches the container). The runtime's exit status is the
 * command's (125: it could not be run); ExecWait() answers it, ExecExited announces it. */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "container-exec.h"
#include "container.h"
#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "polkit.h"
#include "strv.h"

#define EXEC_EXITED_MAX 64 /* exit statuses kept for ExecWait() that nobody asked for yet */
#define EXEC_ARGS_MAX   4096

struct ExecProcess {
        ExecProcess *next;
        Berthd *daemon;
        uint32_t id;
        pid_t pid; /* 0 once reaped */
        sd_event_source *child_source;
        char *owner;            /* the caller's unique bus name: only it may wait */
        sd_bus_message *waiter; /* an ExecWait() call to answer at the end */
        int status;
};

static ExecProcess *exec_process_free(ExecProcess *e) {
        if (!e)
                return NULL;
        sd_event_source_disable_unref(e->child_source);
        if (e->pid > 0) {
                (void) kill(e->pid, SIGKILL);
                (void) waitpid(e->pid, NULL, 0);
        }
        sd_bus_message_unref(e->waiter);
        free(e->owner);
        free(e);
        return NULL;
}

static void exec_process_unlink(ExecProcess *e) {
        Berthd *d = e->daemon;

        for (ExecProcess **p = &d->execs; *p; p = &(*p)->next)
                if (*p == e) {
                        *p = e->next;
                        d->n_execs--;
                        return;
                }
}

static void exec_process_drop(ExecProcess *e) {
        exec_process_unlink(e);
        exec_process_free(e);
}

void exec_processes_free(Berthd *d) {
        while (d->execs)
                exec_process_drop(d->execs);
}

bool exec_processes_running(const Berthd *d) {
        for (const ExecProcess *e = d->execs; e; e = e->next)
                if (e->pid > 0)
                        return true;
        return false;
}

static ExecProcess *exec_by_id(Berthd *d, uint32_t id) {
        for (ExecProcess *e = d->execs; e; e = e->next)
                if (e->id == id)
                        return e;
        return NULL;
}

/* Keeps the statuses nobody waited for bounded: the oldest ended one goes first. */
static void exec_forget_oldest_ended(Berthd *d) {
        size_t ended = 0;
        ExecProcess *oldest = NULL;

        for (ExecProcess *e = d->execs; e; e = e->next)
                if (e->pid == 0) {
                        ended++;
                        oldest = e; /* the list is newest first */
                }
        if (ended > EXEC_EXITED_MAX)
                exec_process_drop(oldest);
}

static int on_exec_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        ExecProcess *e = userdata;
        Berthd *d = e->daemon;

        e->pid = 0; /* reaped */
        e->child_source = sd_event_source_disable_unref(e->child_source);
        e->status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
        (void) sd_bus_emit_signal(d->bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "ExecExited", "ui", e->id,
                        (int32_t) e->status);
        if (e->waiter) {
                (void) sd_bus_reply_method_return(e->waiter, "i", (int32_t) e->status);
                exec_process_drop(e);
                return 0;
        }
        exec_forget_oldest_ended(d);
        return 0;
}

/* An environment entry as the runtime takes it: NAME=VALUE, NAME not empty and without '='. */
static bool env_entry_is_valid(const char *s) {
        const char *eq = strchr(s, '=');
        return eq && eq != s && strlen(s) <= 32768;
}

static int check_exec_args(char **command, char **env, const char *workdir, const char *user, sd_bus_error *error) {
        if (!command || isempty(command[0]))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Exec needs a command.");
        if (strv_length(command) + strv_length(env) > EXEC_ARGS_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many arguments.");
        STRV_FOREACH(kv, env)
                if (!env_entry_is_valid(*kv))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Invalid environment entry '%s': expected NAME=VALUE.", *kv);
        if (!isempty(workdir) && workdir[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                "Invalid working directory '%s': expected an absolute path.", workdir);
        if (strlen(workdir) > 4096 || strlen(user) > 256)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Working directory or user too long.");
        return 0;
}

/* The argument list of berth-runtime exec: every value in its --NAME=VALUE form, so none reads as an
 * option of its own, and the container's name after "--". */
static int exec_argv(const char *name, char **command, char **env, const char *workdir, const char *user, bool tty,
                char ***ret) {
        _cleanup_strv_free_ char **args = NULL;
        int r;

        r = strv_extend(&args, berth_path(BERTH_PATH_RUNTIME_BINARY));
        if (r >= 0)
                r = strv_extend(&args, "exec");
        if (r >= 0)
                r = strv_extend(&args, "--interactive");
        if (r >= 0 && tty)
                r = strv_extend(&args, "--tty");
        if (r >= 0 && !isempty(user))
                r = strv_consume(&args, strjoin("--user=", user));
        if (r >= 0 && !isempty(workdir))
                r = strv_consume(&args, strjoin("--workdir=", workdir));
        STRV_FOREACH(kv, env)
                if (r >= 0)
                        r = strv_consume(&args, strjoin("--env=", *kv));
        if (r >= 0)
                r = strv_extend(&args, "--");
        if (r >= 0)
                r = strv_extend(&args, name);
        if (r >= 0)
                r = strv_extend_strv(&args, command);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(args);
        return 0;
}

/* A pseudo-terminal pair of the host's, raw from the start so nothing the caller writes before the
 * runtime set it up is echoed or held back for a line. */
static int open_pty(int *ret_master, int *ret_slave) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        struct termios t;
        int unlock = 0;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return -errno;
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return -errno;
        if (tcgetattr(slave, &t) < 0)
                return -errno;
        cfmakeraw(&t);
        if (tcsetattr(slave, TCSANOW, &t) < 0)
                return -errno;
        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        return 0;
}

static int make_pipe(int *ret_read, int *ret_write) {
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        *ret_read = fds[0];
        *ret_write = fds[1];
        return 0;
}

int method_exec(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_close_ int in_r = -EBADF, in_w = -EBADF, out_r = -EBADF, out_w = -EBADF, err_r = -EBADF, err_w = -EBADF;
        _cleanup_strv_free_ char **command = NULL, **env = NULL, **args = NULL;
        _cleanup_(container_ref_done) ContainerRef c = {};
        Berthd *d = userdata;
        const char *name, *workdir, *user;
        ExecProcess *e;
        int tty, r;
        pid_t pid;

        r = sd_bus_message_read(m, "s", &name);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &command);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &env);
        if (r >= 0)
                r = sd_bus_message_read(m, "ssb", &workdir, &user, &tty);
        if (r < 0)
                return r;
        r = check_exec_args(command, env, workdir, user, error);
        if (r < 0)
                return r;
        {
                const char *details[] = { "verb", "exec", "container", name, "command", command[0], NULL };
                r = polkit_verify(d, m, POLKIT_ACTION_CONTAINERS, details, error);
                if (r <= 0)
                        return r < 0 ? r : 1;
        }
        r = container_resolve_or_error(d, name, false, &c, error);
        if (r < 0)
                return r;
        if (!c.running)
                return sd_bus_error_setf(error, BERTH_ERROR_NOT_RUNNING, "Container '%s' is not running.", name);
        if (d->n_execs >= BERTHD_EXECS_MAX + EXEC_EXITED_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                "Too many processes started by Exec; try again later.");
        r = exec_argv(c.name ?: name, command, env, workdir, user, tty, &args);
        if (r < 0)
                return r;

        if (tty) {
                r = open_pty(&in_w, &in_r); /* the caller's end, the runtime's end */
                if (r >= 0) {
                        out_r = fcntl(in_w, F_DUPFD_CLOEXEC, 3);
                        err_r = fcntl(in_w, F_DUPFD_CLOEXEC, 3);
                        if (out_r < 0 || err_r < 0)
                                r = -errno;
                }
        } else {
                r = make_pipe(&in_r, &in_w);
                if (r >= 0)
                        r = make_pipe(&out_r, &out_w);
                if (r >= 0)
                        r = make_pipe(&err_r, &err_w);
        }
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to make the process's %s: %m",
                                tty ? "terminal" : "pipes");

        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        *e = (ExecProcess) { .daemon = d, .owner = strdup(sd_bus_message_get_sender(m) ?: "") };
        if (!e->owner) {
                exec_process_free(e);
                return -ENOMEM;
        }
        e->id = ++d->last_exec_id;
        if (e->id == 0)
                e->id = d->last_exec_id = 1;

        pid = fork();
        if (pid < 0) {
                r = -errno;
                exec_process_free(e);
                return sd_bus_error_set_errnof(error, r, "Failed to start berth-runtime: %m");
        }
        if (pid == 0) {
                sigset_t none;

                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                if (tty) {
                        /* The runtime's terminal is its controlling one: a size the caller sets on
                         * the master reaches it as SIGWINCH, and it passes the size on. */
                        if (setsid() < 0 || ioctl(in_r, TIOCSCTTY, 0) < 0)
                                _exit(125);
                        if (dup2(in_r, 0) < 0 || dup2(in_r, 1) < 0 || dup2(in_r, 2) < 0)
                                _exit(125);
                } else if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
                        _exit(125);
                execv(args[0], args);
                _exit(125);
        }
        e->pid = pid;
        r = sd_event_add_child(d->event, &e->child_source, pid, WEXITED, on_exec_exit, e);
        if (r < 0) {
                exec_process_free(e);
                return sd_bus_error_set_errnof(error, r, "Failed to follow berth-runtime: %m");
        }
        e->next = d->execs;
        d->execs = e;
        d->n_execs++;
        exec_forget_oldest_ended(d);
        /* Only the runtime holds its ends now: the caller sees end of file when it ends. */
        in_r = safe_close(in_r);
        out_w = safe_close(out_w);
        err_w = safe_close(err_w);
        return sd_bus_reply_method_return(m, "uhhh", e->id, in_w, out_r, err_r);
}

int method_exec_wait(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Berthd *d = userdata;
        ExecProcess *e;
        uint32_t id;
        int r;

        r = sd_bus_message_read(m, "u", &id);
        if (r < 0)
                return r;
        e = exec_by_id(d, id);
        /* Another caller's process is none of this caller's business. */
        if (!e || !streq(e->owner, sd_bus_message_get_sender(m) ?: ""))
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_EXEC,
                                "No process %" PRIu32 " started by this caller's Exec().", id);
        if (e->waiter)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                "Process %" PRIu32 " is waited for already.", id);
        if (e->pid == 0) {
                r = sd_bus_reply_method_return(m, "i", (int32_t) e->status);
                exec_process_drop(e);
                return r;
        }
        e->waiter = sd_bus_message_ref(m);
        return 1;
}
