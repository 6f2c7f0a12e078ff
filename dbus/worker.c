/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "polkit.h"
#include "strv.h"
#include "worker.h"

#define OUTPUT_MAX   (4U * 1024 * 1024) /* what a verb may print as its result */
#define LINE_MAX_LEN 4096

struct Worker {
        Worker *next;
        Berthd *daemon;
        WorkerKind kind;
        pid_t pid;
        sd_event_source *child_source, *out_source, *err_source;
        int out_fd, err_fd;
        char *out; /* stdout so far */
        size_t out_size;
        char *err_line; /* stderr's incomplete last line */
        char *last_error;
        sd_bus_message *call;
        bool reply_output, canceled;
        /* a transfer */
        uint32_t id;
        char *path, *type, *remote, *local;
        double progress;
        unsigned layers_seen, layers_done;
};

static Worker *worker_free(Worker *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->child_source);
        sd_event_source_disable_unref(w->out_source);
        sd_event_source_disable_unref(w->err_source);
        safe_close(w->out_fd);
        safe_close(w->err_fd);
        if (w->pid > 0) {
                (void) kill(w->pid, SIGKILL);
                (void) waitpid(w->pid, NULL, 0);
        }
        sd_bus_message_unref(w->call);
        free(w->out);
        free(w->err_line);
        free(w->last_error);
        free(w->path);
        free(w->type);
        free(w->remote);
        free(w->local);
        free(w);
        return NULL;
}

static void worker_unlink(Worker *w) {
        Berthd *d = w->daemon;

        for (Worker **p = &d->workers; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        d->n_workers--;
                        return;
                }
}

void workers_free(Berthd *d) {
        while (d->workers) {
                Worker *w = d->workers;
                worker_unlink(w);
                worker_free(w);
        }
}

/* "3f2a...: downloading 1.2MB", "...: already exists", "...: pull complete": layers seen and done;
 * a build's "STEP N/M: ...". */
static void transfer_line(Worker *w, const char *line) {
        double progress = w->progress;

        (void) sd_bus_emit_signal(w->daemon->bus, w->path, BERTH_TRANSFER_IFACE, "LogMessage", "us",
                        (uint32_t) LOG_INFO, line);
        if (strstr(line, ": downloading ") || strstr(line, ": resuming at "))
                w->layers_seen++;
        else if (strstr(line, ": already exists")) {
                w->layers_seen++;
                w->layers_done++;
        } else if (strstr(line, ": pull complete"))
                w->layers_done++;
        if (w->layers_seen > 0)
                progress = 0.95 * w->layers_done / w->layers_seen; /* the rest: writing the image */
        {
                unsigned step, steps; /* a build's "STEP 2/5: RUN ...": the steps before it are done */
                if (sscanf(line, "STEP %u/%u:", &step, &steps) == 2 && step >= 1 && step <= steps)
                        progress = 0.95 * (step - 1) / steps;
        }
        if (progress > w->progress) {
                w->progress = progress;
                (void) sd_bus_emit_signal(w->daemon->bus, w->path, BERTH_TRANSFER_IFACE, "ProgressUpdate", "d", progress);
        }
}

static void stderr_line(Worker *w, const char *line) {
        if (!*line)
                return;
        free(w->last_error);
        w->last_error = strdup(line);
        if (w->kind == WORKER_TRANSFER)
                transfer_line(w, line);
}

/* Reads what is there; returns 0 at EOF (the source is then disabled), 1 otherwise. */
static int drain(Worker *w, int fd, bool is_stdout) {
        char buf[4096];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof buf);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 1 : 0;
                if (n == 0)
                        return 0;
                if (is_stdout) {
                        char *p;
                        if (w->kind == WORKER_TRANSFER)
                                continue; /* the image id; the result says it is done */
                        if (w->out_size + (size_t) n > OUTPUT_MAX)
                                continue;
                        p = realloc(w->out, w->out_size + (size_t) n + 1);
                        if (!p)
                                continue;
                        memcpy(p + w->out_size, buf, (size_t) n);
                        w->out = p;
                        w->out_size += (size_t) n;
                        w->out[w->out_size] = 0;
                        continue;
                }
                for (ssize_t i = 0; i < n; i++) {
                        size_t len = w->err_line ? strlen(w->err_line) : 0;
                        char *p;
                        if (buf[i] == '\n' || buf[i] == '\r' || len >= LINE_MAX_LEN) {
                                if (w->err_line)
                                        stderr_line(w, w->err_line);
                                free(w->err_line);
                                w->err_line = NULL;
                                if (buf[i] == '\n' || buf[i] == '\r')
                                        continue;
                                len = 0;
                        }
                        p = realloc(w->err_line, len + 2);
                        if (!p)
                                continue;
                        p[len] = buf[i];
                        p[len + 1] = 0;
                        w->err_line = p;
                }
        }
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Worker *w = userdata;

        if (drain(w, fd, s == w->out_source) == 0)
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

static const char *transfer_result(const Worker *w, const siginfo_t *si) {
        if (w->canceled)
                return "canceled";
        return si->si_code == CLD_EXITED && si->si_status == 0 ? "done" : "failed";
}

static int on_exit_of(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Worker *w = userdata;
        bool ok = si->si_code == CLD_EXITED && si->si_status == 0;

        w->pid = 0; /* reaped */
        /* Whatever the process wrote before it exited is in the pipes. */
        (void) drain(w, w->out_fd, true);
        (void) drain(w, w->err_fd, false);
        if (w->err_line)
                stderr_line(w, w->err_line);

        if (w->kind == WORKER_CALL) {
                if (ok)
                        (void) (w->reply_output ? sd_bus_reply_method_return(w->call, "s", w->out ?: "")
                                                : sd_bus_reply_method_return(w->call, NULL));
                else {
                        const char *msg = w->last_error ? (startswith(w->last_error, "berth: ") ?: w->last_error)
                                                        : "berth failed.";
                        (void) sd_bus_reply_method_errorf(w->call, BERTH_ERROR_COMMAND_FAILED, "%s", msg);
                }
        } else {
                const char *result = transfer_result(w, si);
                if (streq(result, "done") && w->progress < 1.0) {
                        w->progress = 1.0;
                        (void) sd_bus_emit_signal(w->daemon->bus, w->path, BERTH_TRANSFER_IFACE, "ProgressUpdate", "d",
                                        1.0);
                }
                (void) sd_bus_emit_signal(w->daemon->bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "TransferRemoved",
                                "uos", w->id, w->path, result);
        }
        worker_unlink(w);
        worker_free(w);
        return 0;
}

int worker_start(Berthd *d, sd_bus_message *call, WorkerKind kind, char *const *argv, int stdin_fd, bool reply_output,
                const char *type, const char *remote, const char *local, sd_bus_error *error) {
        _cleanup_close_ int out_read = -EBADF, out_write = -EBADF, err_read = -EBADF, err_write = -EBADF;
        _cleanup_strv_free_ char **args = NULL;
        int pipe_out[2], pipe_err[2];
        Worker *w;
        pid_t pid;
        int r;

        if (d->n_workers >= BERTHD_WORKERS_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                "Too many image, volume or network "
                                "operations in flight; try again later.");
        if (strv_extend(&args, "berth") < 0 || strv_extend_strv(&args, argv) < 0)
                return -ENOMEM;
        if (pipe2(pipe_out, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        out_read = pipe_out[0];
        out_write = pipe_out[1];
        if (pipe2(pipe_err, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        err_read = pipe_err[0];
        err_write = pipe_err[1];

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        *w = (Worker) { .daemon = d, .kind = kind, .out_fd = -EBADF, .err_fd = -EBADF, .reply_output = reply_output };
        if (kind == WORKER_TRANSFER) {
                char id[16];
                w->id = ++d->last_transfer_id;
                if (w->id == 0)
                        w->id = d->last_transfer_id = 1;
                (void) snprintf(id, sizeof id, "%" PRIu32, w->id);
                if (sd_bus_path_encode(BERTH_TRANSFER_PREFIX, id, &w->path) < 0 || !(w->type = strdup(type)) ||
                                !(w->remote = strdup(remote ?: "")) || !(w->local = strdup(local ?: ""))) {
                        worker_free(w);
                        return -ENOMEM;
                }
        } else
                w->call = sd_bus_message_ref(call);

        pid = fork();
        if (pid < 0) {
                r = -errno;
                worker_free(w);
                return sd_bus_error_set_errnof(error, r, "Failed to start berth: %m");
        }
        if (pid == 0) {
                sigset_t none;
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(stdin_fd >= 0 ? stdin_fd : null, 0) < 0 || dup2(out_write, 1) < 0 || dup2(err_write, 2) < 0)
                        _exit(127);
                (void) fcntl(1, F_SETFL, 0);
                (void) fcntl(2, F_SETFL, 0);
                /* the berth run here does the work itself rather than asking berthd again (berthd-client.h) */
                (void) setenv("BERTH_NO_BERTHD", "1", 1);
                execv(berth_path(BERTH_PATH_CLI_BINARY), args);
                _exit(127);
        }
        w->pid = pid;
        w->out_fd = TAKE_FD(out_read);
        w->err_fd = TAKE_FD(err_read);
        r = sd_event_add_child(d->event, &w->child_source, pid, WEXITED, on_exit_of, w);
        if (r >= 0)
                r = sd_event_add_io(d->event, &w->out_source, w->out_fd, EPOLLIN, on_output, w);
        if (r >= 0)
                r = sd_event_add_io(d->event, &w->err_source, w->err_fd, EPOLLIN, on_output, w);
        if (r < 0) {
                worker_free(w);
                return sd_bus_error_set_errnof(error, r, "Failed to follow berth: %m");
        }
        w->next = d->workers;
        d->workers = w;
        d->n_workers++;
        if (kind == WORKER_TRANSFER) {
                (void) sd_bus_emit_signal(d->bus, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, "TransferNew", "uo", w->id,
                                w->path);
                r = sd_bus_reply_method_return(call, "uo", w->id, w->path);
                return r < 0 ? r : 1;
        }
        return 1;
}

/* ---- Transfer objects --------------------------------------------------------------------------- */

static Worker *transfer_by_path(Berthd *d, const char *path) {
        for (Worker *w = d->workers; w; w = w->next)
                if (w->kind == WORKER_TRANSFER && streq(w->path, path))
                        return w;
        return NULL;
}

static Worker *transfer_by_id(Berthd *d, uint32_t id) {
        for (Worker *w = d->workers; w; w = w->next)
                if (w->kind == WORKER_TRANSFER && w->id == id)
                        return w;
        return NULL;
}

static int transfer_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                sd_bus_error *error) {
        Worker *w = transfer_by_path(userdata, path);

        if (!w)
                return 0;
        *found = w;
        return 1;
}

static int transfer_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **paths = calloc(1, sizeof(char *));
        Berthd *d = userdata;

        if (!paths)
                return -ENOMEM;
        for (Worker *w = d->workers; w; w = w->next)
                if (w->kind == WORKER_TRANSFER && strv_extend(&paths, w->path) < 0)
                        return -ENOMEM;
        *ret_nodes = TAKE_PTR(paths);
        return 0;
}

static int transfer_cancel(Worker *w, sd_bus_message *m, sd_bus_error *error) {
        w->canceled = true;
        if (w->pid > 0)
                (void) kill(w->pid, SIGTERM);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_transfer_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Worker *w = userdata;
        Berthd *d = w->daemon;
        const char *details[] = { "verb", "cancel", "image", w->remote, NULL };
        int r = polkit_verify(d, m, POLKIT_ACTION_IMAGES, details, error);

        if (r <= 0)
                return r < 0 ? r : 1;
        /* polkit may have taken a while: is the transfer still there? */
        w = transfer_by_path(d, sd_bus_message_get_path(m));
        if (!w)
                return sd_bus_error_set(error, BERTH_ERROR_NO_SUCH_TRANSFER, "The transfer has ended.");
        return transfer_cancel(w, m, error);
}

int method_cancel_transfer(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Berthd *d = userdata;
        const char *details[] = { "verb", "cancel", NULL };
        uint32_t id;
        Worker *w;
        int r;

        r = sd_bus_message_read(m, "u", &id);
        if (r < 0)
                return r;
        if (!transfer_by_id(d, id))
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_TRANSFER, "No transfer %" PRIu32 ".", id);
        r = polkit_verify(d, m, POLKIT_ACTION_IMAGES, details, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        w = transfer_by_id(d, id);
        if (!w)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_TRANSFER, "No transfer %" PRIu32 ".", id);
        return transfer_cancel(w, m, error);
}

int method_list_transfers(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Berthd *d = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(usssdo)");
        for (Worker *w = d->workers; r >= 0 && w; w = w->next)
                if (w->kind == WORKER_TRANSFER)
                        r = sd_bus_message_append(reply, "(usssdo)", w->id, w->type, w->remote, w->local, w->progress,
                                        w->path);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable transfer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "u", NULL, offsetof(Worker, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", NULL, offsetof(Worker, type), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Remote", "s", NULL, offsetof(Worker, remote), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Local", "s", NULL, offsetof(Worker, local), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Progress", "d", NULL, offsetof(Worker, progress), 0),
        SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_transfer_cancel,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("LogMessage", SD_BUS_ARGS("u", priority, "s", line), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ProgressUpdate", SD_BUS_ARGS("d", progress), 0),
        SD_BUS_VTABLE_END,
};

int transfer_objects_add(Berthd *d) {
        int r;

        r = sd_bus_add_fallback_vtable(d->bus, NULL, BERTH_TRANSFER_PREFIX, BERTH_TRANSFER_IFACE, transfer_vtable,
                        transfer_find, d);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(d->bus, NULL, BERTH_TRANSFER_PREFIX, transfer_enumerate, d);
        if (r < 0)
                return log_error_errno(r, "Failed to register the transfer objects: %m");
        return 0;
}
