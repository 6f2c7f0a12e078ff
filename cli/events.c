/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth events (and `berth system events`): Docker's event stream. The programs write each event
 * into the journal where it happens (lib/sys/event-journal.h); here they are read back, past ones
 * (--since) and live ones from the same ordered source, so replay and stream meet with no gap and no
 * duplicate. The model and its shapes are lib/basic/berth-event.h's; this file only selects and prints. */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "berth-event.h"
#include "commands.h"
#include "event-journal.h"
#include "go-template.h"
#include "log.h"
#include "strv.h"
#include "time-util.h"

static uint64_t realtime_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

typedef struct EventsOptions {
        uint64_t since, until; /* CLOCK_REALTIME µs, 0: no bound */
        char **filters;
        const char *format; /* NULL: Docker's line; "json"; a Go template */
} EventsOptions;

static int print_event(const BerthEvent *e, const EventsOptions *o) {
        _cleanup_(json_decrefp) json_t *obj = NULL;
        _cleanup_free_ char *line = NULL;
        int r;

        if (!o->format) {
                r = berth_event_format(e, &line);
                if (r < 0)
                        return r;
                puts(line);
                return 0;
        }
        obj = berth_event_to_json(e);
        if (!obj)
                return -ENOMEM;
        if (streq(o->format, "json")) {
                line = json_dumps(obj, JSON_COMPACT);
                if (!line)
                        return -ENOMEM;
                puts(line);
                return 0;
        }
        r = go_template_render(stdout, o->format, obj);
        if (r < 0)
                return r;
        putchar('\n');
        return 0;
}

/* Prints the entries from where j stands to the end of what the journal has now. */
static int print_available(sd_journal *j, const EventsOptions *o) {
        for (;;) {
                _cleanup_(berth_event_done) BerthEvent e = {};
                int r = sd_journal_next(j);
                if (r <= 0)
                        return r;
                if (event_journal_read(j, &e) < 0)
                        continue; /* not a complete event: someone else's entry with our MESSAGE_ID */
                if ((o->since > 0 && e.time_nsec < o->since * 1000) || (o->until > 0 && e.time_nsec >= o->until * 1000))
                        continue;
                if (!berth_event_matches(&e, o->filters))
                        continue;
                r = print_event(&e, o);
                if (r < 0)
                        return r;
        }
}

static int stream(EventsOptions *o) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        int r;

        r = event_journal_open(&j);
        if (r < 0)
                return log_error_errno(r, "Failed to open the journal: %m");
        if (o->since > 0)
                r = sd_journal_seek_realtime_usec(j, o->since);
        else if (o->until > 0) /* as Docker: every kept event before --until */
                r = sd_journal_seek_head(j);
        else {
                /* Docker without --since: only what happens from now on */
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous(j);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to seek in the journal: %m");
        for (;;) {
                uint64_t now;

                r = print_available(j, o);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the journal: %m");
                fflush(stdout);
                if (ferror(stdout))
                        return -EPIPE; /* nobody reads us any more */
                now = realtime_usec();
                if (o->until > 0 && now >= o->until)
                        return 0;
                r = sd_journal_wait(j, o->until > 0 ? o->until - now : UINT64_MAX);
                if (r < 0)
                        return log_error_errno(r, "Failed to wait for the journal: %m");
        }
}

int verb_events(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "filter", required_argument, NULL, 'f' },
                { "format", required_argument, NULL, 'F' },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                {},
        };
        static const char usage[] =
                        "Usage: berth events [--since WHEN] [--until WHEN] [--filter KEY=VALUE]... [--format json|TEMPLATE]";
        _cleanup_strv_free_ char **filters = NULL;
        EventsOptions o = {};
        uint64_t now = realtime_usec();
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nStreams what happens to containers (create, start, die, stop, kill, restart, "
                               "health_status, destroy), images, volumes and networks, from the journal. --since "
                               "replays past events first; --until stops at that time (at once when it is past). "
                               "WHEN is an RFC 3339 time, a Unix timestamp or a duration ago (10m). Filters: "
                               "container=, event=, type=, label=, image=, volume=, network=. See berth-events(1).\n",
                                        usage);
                        return 0;
                case 'f':
                        if (berth_event_filter_check(optarg) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --filter '%s': expected container=, event=, type=, label=, "
                                                "image=, volume= or network= with a value.",
                                                optarg);
                        if (strv_extend(&filters, optarg) < 0)
                                return log_oom();
                        break;
                case 'F':
                        if (streq(optarg, "json") || streq(optarg, "{{json .}}")) {
                                o.format = "json";
                                break;
                        }
                        if (go_template_check(optarg) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --format '%s': expected json or a Go template such as "
                                                "'{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'.",
                                                optarg);
                        o.format = optarg;
                        break;
                case 'S':
                case 'U':
                        if (parse_time_point(optarg, now, c == 'S' ? &o.since : &o.until) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --%s '%s': expected " PARSE_TIME_POINT_EXPECTED ".",
                                                c == 'S' ? "since" : "until", optarg);
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (optind != argc)
                return log_error_errno(-EINVAL, "%s", usage);
        if (o.since > 0 && o.until > 0 && o.until < o.since)
                return log_error_errno(-EINVAL, "--until must not be before --since.");
        o.filters = filters;
        return stream(&o);
}
