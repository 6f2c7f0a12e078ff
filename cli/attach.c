/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth attach NAME: a running container's output as it comes, the signals berth attach gets passed
 * on to it (--sig-proxy, as docker's), and its exit code once it ends. A container's output goes to
 * the journal (its unit's stdout and stderr), so that is where it is read from: only what it writes
 * from now on, as docker attach shows. A container has no standard input to attach to: `berth run -d`
 * gives it /dev/null, a foreground `berth run -i` its own. On a terminal, the detach keys (ctrl-p
 * ctrl-q, or --detach-keys) leave the container running. */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "container-journal.h"
#include "container-lookup.h"
#include "log.h"
#include "parse-util.h"
#include "systemd-unit.h"

/* docker's proxied signals, less those that make no sense without a terminal to pass on */
static const int proxied_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

#define DETACH_KEYS_MAX 8

/* docker's --detach-keys: "ctrl-p,ctrl-q"; each key "ctrl-X" (a letter, @, [, \, ], ^, _) or one character */
static int parse_detach_keys(const char *s, char keys[static DETACH_KEYS_MAX], size_t *ret_n) {
        size_t n = 0;

        if (!s)
                return -EINVAL;
        for (size_t len; *s; s += len + (s[len] == ',')) {
                len = strcspn(s, ",");

                if (n >= DETACH_KEYS_MAX)
                        return -EINVAL;
                if (len == 6 && startswith(s, "ctrl-") && s[5] >= '@' && s[5] <= '_')
                        keys[n++] = (char) (s[5] - '@');
                else if (len == 6 && startswith(s, "ctrl-") && s[5] >= 'a' && s[5] <= 'z')
                        keys[n++] = (char) (s[5] - 'a' + 1);
                else if (len == 1)
                        keys[n++] = s[0];
                else
                        return -EINVAL;
        }
        if (n == 0)
                return -EINVAL;
        *ret_n = n;
        return 0;
}

static int print_new_entries(sd_journal *j) {
        for (;;) {
                const void *data;
                size_t length;
                int r = sd_journal_next(j);

                if (r <= 0)
                        return r;
                r = sd_journal_get_data(j, "MESSAGE", &data, &length);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                container_journal_print_message(data, length);
        }
}

typedef struct Attach {
        sd_bus *bus;
        ContainerRef ref;
        sd_journal *journal;
        int signal_fd;   /* with --sig-proxy */
        bool terminal;   /* stdin is a terminal, read for the detach keys */
        bool referenced; /* RefUnit() holds the unit */
        struct termios saved;
        char detach_keys[DETACH_KEYS_MAX];
        size_t n_detach_keys, matched;
} Attach;

/* 1 when the detach keys were typed */
static int read_detach_keys(Attach *a) {
        char buf[64];
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

        if (n <= 0) {
                a->terminal = false; /* the terminal went away: keep showing output */
                return 0;
        }
        for (ssize_t i = 0; i < n; i++) {
                if (buf[i] == a->detach_keys[a->matched])
                        a->matched++;
                else
                        a->matched = buf[i] == a->detach_keys[0];
                if (a->matched == a->n_detach_keys)
                        return 1;
        }
        return 0;
}

static int proxy_signal(Attach *a) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct signalfd_siginfo si;
        int r;

        if (read(a->signal_fd, &si, sizeof si) != sizeof si)
                return 0;
        /* the runtime passes signals on to the container's first process, as `berth kill -s` does */
        r = systemd_kill_unit(a->bus, a->ref.unit, "main", (int) si.ssi_signo, &error);
        if (r < 0 && r != -ENOENT)
                log_unit_error(r, &error, "signal", a->ref.name);
        sd_bus_error_free(&error);
        return 0;
}

/* Shows output until the container ends (1) or the detach keys were typed (0). */
static int attach_loop(Attach *a) {
        bool last = false;
        int r;

        for (;;) {
                struct pollfd p[3] = {
                        { .fd = sd_journal_get_fd(a->journal), .events = (short) sd_journal_get_events(a->journal) },
                        { .fd = a->signal_fd, .events = POLLIN },
                        { .fd = a->terminal ? STDIN_FILENO : -1, .events = POLLIN },
                };

                r = print_new_entries(a->journal);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the journal: %m");
                fflush(stdout);
                if (last)
                        return 1;
                /* one more pass after the end, for its last lines */
                if (container_unit_is_ended(a->bus, &a->ref) != 0) {
                        last = true;
                        (void) sd_journal_wait(a->journal, 200000);
                        continue;
                }
                if (p[0].fd < 0)
                        return log_error_errno(p[0].fd, "Failed to watch the journal: %m");
                if (poll(p, ELEMENTSOF(p), 250) < 0 && errno != EINTR)
                        return log_error_errno(negative_errno(), "Failed to wait for output: %m");
                if (p[0].revents)
                        (void) sd_journal_process(a->journal);
                if (p[1].revents)
                        proxy_signal(a);
                if (p[2].revents && read_detach_keys(a) > 0)
                        return 0;
        }
}

static int attach(Attach *a, bool sig_proxy) {
        sigset_t mask;
        int r, code;

        /* keeps its exit status loaded until we read it */
        a->referenced = systemd_ref_unit(a->bus, a->ref.unit, NULL) >= 0;
        r = sd_journal_open(&a->journal, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return log_error_errno(r, "Failed to open the journal: %m");
        r = container_journal_add_matches(a->journal, a->ref.unit, a->ref.state.invocation_id);
        /* from now on: the tail, and one step back so that next() gives what comes after it */
        if (r >= 0)
                r = sd_journal_seek_tail(a->journal);
        if (r >= 0)
                r = sd_journal_previous(a->journal);
        if (r < 0)
                return log_error_errno(r, "Failed to read the journal: %m");
        if (sig_proxy) {
                sigemptyset(&mask);
                for (size_t i = 0; i < ELEMENTSOF(proxied_signals); i++)
                        sigaddset(&mask, proxied_signals[i]);
                if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
                                (a->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
                        return log_error_errno(negative_errno(), "Failed to catch signals: %m");
        }
        if (a->terminal) {
                struct termios t = a->saved;
                /* the keys arrive one by one, unechoed; ctrl-q must not be flow control; ctrl-c still
                 * signals (and is passed on) */
                t.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
                t.c_iflag &= ~(tcflag_t) IXON;
                t.c_cc[VMIN] = 1;
                t.c_cc[VTIME] = 0;
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &t);
        }
        r = attach_loop(a);
        if (a->terminal)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &a->saved);
        if (r <= 0)
                return r;
        /* ended: its exit code is ours, as docker attach's */
        free(a->ref.unit_path);
        a->ref.unit_path = NULL;
        if (systemd_get_unit(a->bus, a->ref.unit, &a->ref.unit_path) < 0 ||
                        container_unit_exit_code(a->bus, a->ref.unit_path, &code) < 0)
                code = 0; /* collected before we held it: only a unit that ended well goes that fast */
        return code;
}

/* Whether standard input is a pipe, socket or file: input meant for the container. */
static bool stdin_carries_data(void) {
        struct stat st;

        return fstat(STDIN_FILENO, &st) >= 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode));
}

int verb_attach(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "no-stdin", no_argument, NULL, 'n' },
                { "sig-proxy", optional_argument, NULL, 's' },
                { "detach-keys", required_argument, NULL, 'd' },
                {},
        };
        static const char usage[] = "Usage: berth attach [--no-stdin] [--sig-proxy=BOOL] [--detach-keys=KEYS] CONTAINER";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Attach a = { .signal_fd = -EBADF, .detach_keys = { 0x10, 0x11 }, .n_detach_keys = 2 };
        bool sig_proxy = true, no_stdin = false;
        int c, r;

        container_spec_init(&a.ref.record.spec);
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nShows the container's output from now on and passes the signals berth attach "
                               "gets on to it (--sig-proxy=false: they end berth attach instead); exits with the "
                               "container's exit code. A container has no standard input to attach to. On a "
                               "terminal, ctrl-p ctrl-q (--detach-keys) detaches.\n",
                                        usage);
                        return 0;
                case 'n':
                        no_stdin = true;
                        break;
                case 's':
                        r = optarg ? parse_boolean(optarg) : 1;
                        if (r < 0)
                                return log_error_errno(-EINVAL, "Invalid --sig-proxy '%s': expected true or false.",
                                                optarg);
                        sig_proxy = r;
                        break;
                case 'd':
                        if (parse_detach_keys(optarg, a.detach_keys, &a.n_detach_keys) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --detach-keys '%s': expected keys such as ctrl-p,ctrl-q.",
                                                optarg);
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (argc - optind != 1)
                return log_error_errno(-EINVAL, "%s", usage);
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        a.bus = bus;
        r = container_lookup(bus, argv[optind], &a.ref);
        if (r < 0)
                return r;
        if (!a.ref.running)
                r = log_error_errno(-ESRCH, "Container '%s' is not running: start it first ('berth start %s').",
                                a.ref.name, a.ref.name);
        else if (!a.ref.unit)
                r = log_error_errno(-EOPNOTSUPP,
                                "Container '%s' does not run in a systemd unit; its output is where its "
                                "berth-runtime's is.",
                                a.ref.name);
        else if (!no_stdin && stdin_carries_data())
                r = log_error_errno(-EOPNOTSUPP,
                                "Container '%s' has no standard input to attach to (berth run -d gives it /dev/null): "
                                "what is piped into berth attach would be lost; use --no-stdin.",
                                a.ref.name);
        else {
                a.terminal = !no_stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &a.saved) >= 0;
                if (a.terminal)
                        log_warning("Container '%s' has no standard input to attach to (berth run -d gives it "
                                    "/dev/null): showing its output; ctrl-p ctrl-q detaches.",
                                        a.ref.name);
                r = attach(&a, sig_proxy);
        }
        if (a.referenced)
                (void) systemd_unref_unit(bus, a.ref.unit, NULL);
        safe_close(a.signal_fd);
        sd_journal_close(a.journal);
        container_ref_done(&a.ref);
        return r;
}
