/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd: the org.berth1 D-Bus service. The bus starts it on the first call (through
 * berthd.service), and it exits once no call arrived for the idle timeout, so it costs nothing
 * while unused. It holds no state of its own that a restart could lose. */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "berthd.h"
#include "container-exec.h"
#include "container-ops.h"
#include "container.h"
#include "log.h"
#include "manager.h"
#include "polkit.h"
#include "worker.h"

#define DEFAULT_IDLE_USEC (30 * 1000000ULL)

typedef struct Daemon {
        Berthd berthd; /* what the objects see */
        sd_event_source *idle_timer;
        uint64_t idle_usec; /* 0: never exit on idle */
        bool releasing;
} Daemon;

bool berthd_busy(const Berthd *d) {
        return d->jobs || d->workers || d->polkit_queries || d->log_readers || exec_processes_running(d);
}

static void daemon_done(Daemon *d) {
        Berthd *b = &d->berthd;

        d->idle_timer = sd_event_source_disable_unref(d->idle_timer);
        container_jobs_free(b);
        workers_free(b);
        container_log_readers_free(b);
        exec_processes_free(b);
        polkit_queries_free(b);
        container_state_hints_free(b);
        b->bus = sd_bus_flush_close_unref(b->bus);
        b->event = sd_event_unref(b->event);
}

static int on_name_released(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Daemon *d = userdata;

        /* The bus now starts a new berthd for new calls. Calls sent to us before the release were
         * queued ahead of this reply and have been answered already. */
        log_debug("Released %s, exiting.", BERTH_BUS_NAME);
        return sd_event_exit(d->berthd.event, 0);
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        int r;

        if (berthd_busy(&d->berthd)) {
                /* a job, transfer or authorization in flight: its end is a reason to stay */
                r = sd_event_source_set_time_relative(s, d->idle_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return r;
        }
        log_debug("No calls for %llu s, releasing %s.", (unsigned long long) (d->idle_usec / 1000000), BERTH_BUS_NAME);
        d->releasing = true;
        r = sd_bus_release_name_async(d->berthd.bus, NULL, BERTH_BUS_NAME, on_name_released, d);
        if (r < 0) {
                log_error_errno(r, "Failed to release %s, exiting anyway: %m", BERTH_BUS_NAME);
                return sd_event_exit(d->berthd.event, 0);
        }
        return 0;
}

/* Sees every incoming message first: any traffic postpones the idle exit. */
static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Daemon *d = userdata;
        int r;

        if (!d->idle_timer || d->releasing)
                return 0;
        r = sd_event_source_set_time_relative(d->idle_timer, d->idle_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->idle_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to rearm the idle timer: %m");
        return 0; /* let the message be dispatched normally */
}

static int daemon_setup(Daemon *d) {
        sigset_t mask;
        int r;

        /* SIGTERM (systemctl stop) and SIGINT end the event loop cleanly. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD); /* the workers' ends come through sd_event_add_child() */
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");

        r = sd_event_default(&d->berthd.event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        r = sd_event_add_signal(d->berthd.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(d->berthd.event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        r = sd_bus_open_system(&d->berthd.bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_add_filter(d->berthd.bus, NULL, on_message, d);
        if (r < 0)
                return log_error_errno(r, "Failed to add the bus filter: %m");

        r = manager_add_objects(&d->berthd);
        if (r < 0)
                return r;

        /* The name comes last, once every object answers: the first call may be waiting already. */
        r = sd_bus_request_name(d->berthd.bus, BERTH_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s: %m", BERTH_BUS_NAME);

        r = sd_bus_attach_event(d->berthd.bus, d->berthd.event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_set_exit_on_disconnect(d->berthd.bus, true);
        if (r < 0)
                return log_error_errno(r, "Failed to set exit-on-disconnect: %m");

        if (d->idle_usec > 0) {
                r = sd_event_add_time_relative(d->berthd.event, &d->idle_timer, CLOCK_MONOTONIC, d->idle_usec, 0,
                                on_idle, d);
                if (r < 0)
                        return log_error_errno(r, "Failed to add the idle timer: %m");
        }
        return 0;
}

static void help(void) {
        printf("berthd [OPTIONS]\n\n"
               "The org.berth1 D-Bus service of berth. Normally started by the system bus.\n\n"
               "  -h --help                 show this help\n"
               "     --version              show the version\n"
               "     --idle-timeout=SECONDS exit after this long without calls (default 30, 0: never)\n");
}

static int parse_argv(int argc, char *argv[], uint64_t *idle_usec) {
        enum { ARG_VERSION = 0x100, ARG_IDLE_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berthd %s\n", BERTH_VERSION);
                        return 0;
                case ARG_IDLE_TIMEOUT: {
                        char *end;
                        unsigned long long s;

                        errno = 0;
                        s = strtoull(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end != 0 || optarg[0] == '-' || s > UINT64_MAX / 1000000)
                                return log_error_errno(-EINVAL, "--idle-timeout=%s: expected whole seconds.", optarg);
                        *idle_usec = s * 1000000ULL;
                        break;
                }
                case '?':
                        return -EINVAL;
                default:
                        return log_error_errno(-EINVAL, "Unhandled option %c", c);
                }

        if (optind < argc)
                return log_error_errno(-EINVAL, "Unexpected argument '%s'; berthd takes options only.", argv[optind]);
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(daemon_done) Daemon d = { .idle_usec = DEFAULT_IDLE_USEC };
        int r;

        log_setup(argv[0], LOG_TARGET_STDERR);
        r = parse_argv(argc, argv, &d.idle_usec);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = daemon_setup(&d);
        if (r < 0)
                return EXIT_FAILURE;

        r = sd_event_loop(d.berthd.event);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
