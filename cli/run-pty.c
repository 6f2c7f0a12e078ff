/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "run-pty.h"

static int write_all(int fd, const char *buf, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, buf, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                buf += k;
                n -= (size_t) k;
        }
        return 0;
}

static void copy_size(int master) {
        struct winsize ws;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(master, TIOCSWINSZ, &ws);
}

int run_pty_open(RunPty *p, int *ret_slave) {
        _cleanup_close_ int master = -EBADF;
        const char *name;
        int slave;

        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return log_error_errno(negative_errno(), "Failed to allocate a pseudo-terminal: %m");
        if (grantpt(master) < 0 || unlockpt(master) < 0 || !(name = ptsname(master)))
                return log_error_errno(negative_errno(), "Failed to set up the pseudo-terminal: %m");
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return log_error_errno(negative_errno(), "Failed to open %s: %m", name);
        copy_size(master);
        p->master = TAKE_FD(master);
        *ret_slave = slave;
        return 0;
}

/* The container's output; EIO (or a hangup) once the last slave fd is closed. */
static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RunPty *p = userdata;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                /* End of our input: the terminal's end-of-file character, as typing Ctrl-D would. */
                char eof = 4;
                (void) write_all(p->master, &eof, 1);
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        if (write_all(p->master, buf, (size_t) n) < 0)
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

static int on_winch(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        RunPty *p = userdata;
        copy_size(p->master);
        return 0;
}

int run_pty_attach(RunPty *p, sd_event *event, bool forward_input) {
        sigset_t mask;
        int r;

        p->forward_input = forward_input;
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_io(event, &p->output, p->master, EPOLLIN, on_output, p);
        if (r >= 0)
                r = sd_event_add_signal(event, &p->winch, SIGWINCH, on_winch, p);
        if (r >= 0 && forward_input)
                r = sd_event_add_io(event, &p->input, STDIN_FILENO, EPOLLIN, on_input, p);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the pseudo-terminal: %m");
        if (forward_input && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &p->saved) >= 0) {
                struct termios raw = p->saved;
                cfmakeraw(&raw);
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) >= 0)
                        p->raw = true;
        }
        return 0;
}

void run_pty_done(RunPty *p) {
        if (p->master >= 0) {
                /* whatever is still buffered in the pty after the container ended */
                char buf[4096];
                ssize_t n;
                (void) fcntl(p->master, F_SETFL, O_NONBLOCK);
                while ((n = read(p->master, buf, sizeof buf)) > 0)
                        if (write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
                                break;
        }
        if (p->raw)
                (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &p->saved);
        p->input = sd_event_source_disable_unref(p->input);
        p->output = sd_event_source_disable_unref(p->output);
        p->winch = sd_event_source_disable_unref(p->winch);
        p->master = safe_close(p->master);
        p->raw = false;
}
