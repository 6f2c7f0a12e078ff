/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ContainerLogs(name) -> h: the container's journal, written by a journalctl of berthd's into a pipe
 * whose other end the caller gets, which reads to EOF. ContainerLogsWithFlags(name, flags) with
 * LOGS_FOLLOW: what `berth logs -f` writes, the current run's output that goes on until the container
 * ended. Either writer is stopped once the caller closed its end: the write end watched here reports
 * EPOLLERR then. (Without that watch, a follower writing nothing new never learns the reader left:
 * it only gets SIGPIPE on its next write, and berthd stayed busy with it forever.) */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>

#include "container-ops.h"
#include "container.h"
#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "polkit.h"

#define LOG_READERS_MAX 16

struct LogReader {
        LogReader *next;
        Berthd *daemon;
        pid_t pid;
        sd_event_source *child_source;
        int pipe_fd; /* our copy of the write end, watched for the reader's going away */
        sd_event_source *pipe_source;
};

static LogReader *log_reader_free(LogReader *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->child_source);
        sd_event_source_disable_unref(l->pipe_source);
        safe_close(l->pipe_fd);
        if (l->pid > 0) {
                (void) kill(l->pid, SIGKILL);
                (void) waitpid(l->pid, NULL, 0);
        }
        free(l);
        return NULL;
}

static void log_reader_unlink(LogReader *l) {
        Berthd *d = l->daemon;

        for (LogReader **p = &d->log_readers; *p; p = &(*p)->next)
                if (*p == l) {
                        *p = l->next;
                        d->n_log_readers--;
                        return;
                }
}

void container_log_readers_free(Berthd *d) {
        while (d->log_readers) {
                LogReader *l = d->log_readers;
                log_reader_unlink(l);
                log_reader_free(l);
        }
}

static int on_reader_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        LogReader *l = userdata;

        l->pid = 0; /* reaped */
        log_reader_unlink(l);
        log_reader_free(l);
        return 0;
}

/* The caller closed its end: nobody reads what the writer writes any more. */
static int on_reader_gone(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LogReader *l = userdata;

        l->pipe_source = sd_event_source_disable_unref(l->pipe_source);
        if (l->pid > 0)
                (void) kill(l->pid, SIGTERM);
        return 0;
}

static int logs(Berthd *d, sd_bus_message *m, const char *name, uint64_t flags, sd_bus_error *error) {
        _cleanup_(container_ref_done) ContainerRef c = {};
        /* write_end is closed on return, so that the caller's end sees EOF once journalctl is done */
        _cleanup_close_ int read_end = -EBADF, write_end = -EBADF;
        const char *details[] = { "verb", "logs", "container", name, NULL };
        int pipe_fds[2], r;
        LogReader *l;
        pid_t pid;

        /* the journal may hold what only root and the adm group should read */
        r = polkit_verify(d, m, POLKIT_ACTION_CONTAINERS, details, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = container_resolve_or_error(d, name, false, &c, error);
        if (r < 0)
                return r;
        if (!c.unit)
                return sd_bus_error_setf(error, BERTH_ERROR_NOT_SUPPORTED, "Container '%s' does not log to a unit.",
                                name);
        if (flags & ~LOGS_FLAGS_ALL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown flags 0x%" PRIx64 ".",
                                flags & ~LOGS_FLAGS_ALL);
        if (d->n_log_readers >= LOG_READERS_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many logs being read.");
        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return -errno;
        read_end = pipe_fds[0];
        write_end = pipe_fds[1];
        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        *l = (LogReader) { .daemon = d, .pipe_fd = fcntl(write_end, F_DUPFD_CLOEXEC, 3) };
        if (l->pipe_fd < 0) {
                free(l);
                return -errno;
        }

        pid = fork();
        if (pid < 0) {
                r = -errno;
                log_reader_free(l);
                return r;
        }
        if (pid == 0) {
                const char *journalctl[] = { "journalctl", "--no-pager", "-q", "-o", "cat", "-u", c.unit,
                        "_TRANSPORT=stdout", NULL };
                const char *berth_logs[] = { "berth", "logs", "--follow", "--", c.name ?: name, NULL };
                sigset_t none;
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                if (dup2(null, 0) < 0 || dup2(write_end, 1) < 0 || dup2(null, 2) < 0)
                        _exit(127);
                if (flags & LOGS_FOLLOW)
                        execv(berth_path(BERTH_PATH_CLI_BINARY), (char **) berth_logs);
                else
                        execvp("journalctl", (char **) journalctl);
                _exit(127);
        }
        l->pid = pid;
        r = sd_event_add_child(d->event, &l->child_source, pid, WEXITED, on_reader_exit, l);
        if (r >= 0) /* no events asked: epoll reports EPOLLERR, no reader left, all the same */
                r = sd_event_add_io(d->event, &l->pipe_source, l->pipe_fd, 0, on_reader_gone, l);
        if (r < 0) {
                log_reader_free(l);
                return r;
        }
        l->next = d->log_readers;
        d->log_readers = l;
        d->n_log_readers++;
        return sd_bus_reply_method_return(m, "h", read_end);
}

int method_container_logs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;

        if (sd_bus_path_decode(sd_bus_message_get_path(m), BERTH_CONTAINER_PREFIX, &name) <= 0)
                return sd_bus_error_set(error, BERTH_ERROR_NO_SUCH_CONTAINER, "No such container object.");
        return logs(userdata, m, name, 0, error);
}

int method_container_logs_with_flags(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        uint64_t flags;
        int r;

        r = sd_bus_message_read(m, "t", &flags);
        if (r < 0)
                return r;
        if (sd_bus_path_decode(sd_bus_message_get_path(m), BERTH_CONTAINER_PREFIX, &name) <= 0)
                return sd_bus_error_set(error, BERTH_ERROR_NO_SUCH_CONTAINER, "No such container object.");
        return logs(userdata, m, name, flags, error);
}

int method_container_logs_by_name_with_flags(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        uint64_t flags;
        int r;

        r = sd_bus_message_read(m, "st", &name, &flags);
        if (r < 0)
                return r;
        return logs(userdata, m, name, flags, error);
}

int method_container_logs_by_name(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        return logs(userdata, m, name, 0, error);
}
