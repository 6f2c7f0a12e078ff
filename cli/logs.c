/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth logs: a container's output, which systemd's journal has, since its unit's stdout and stderr
 * go there. Only the container's current (or last) run is shown: the unit's invocation id picks it. */
#include <getopt.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "commands.h"
#include "container-journal.h"
#include "container-lookup.h"
#include "fs-util.h"
#include "log.h"
#include "systemd-unit.h"
#include "time-util.h"

int container_journal_add_matches(sd_journal *j, const char *unit, const char *invocation) {
        _cleanup_free_ char *m = strjoin("_SYSTEMD_UNIT=", unit), *inv = NULL;
        int r;

        if (!m)
                return -ENOMEM;
        r = sd_journal_add_match(j, m, 0);
        /* what the container wrote (its unit's stdout and stderr), not berth's events about it (native
         * journal entries, berth-system(1) EVENTS) */
        if (r >= 0)
                r = sd_journal_add_match(j, "_TRANSPORT=stdout", 0);
        if (r < 0 || isempty(invocation))
                return r;
        inv = strjoin("_SYSTEMD_INVOCATION_ID=", invocation);
        if (!inv)
                return -ENOMEM;
        return sd_journal_add_match(j, inv, 0);
}

void container_journal_print_message(const void *data, size_t length) {
        fwrite((const char *) data + strlen("MESSAGE="), 1, length - strlen("MESSAGE="), stdout);
        fputc('\n', stdout);
}

/* Which entries to print and how: written in [since, until) (CLOCK_REALTIME µs, 0: no bound), each
 * line prefixed with its time (docker's -t: RFC 3339 with nanoseconds). */
typedef struct LogWindow {
        uint64_t since, until;
        bool timestamps;
} LogWindow;

static int print_entry(sd_journal *j, const LogWindow *w) {
        const void *data;
        uint64_t at = 0;
        size_t length;
        int r;

        if ((w->since > 0 || w->until > 0 || w->timestamps) && sd_journal_get_realtime_usec(j, &at) >= 0) {
                if (w->since > 0 && at < w->since)
                        return 0;
                if (w->until > 0 && at >= w->until)
                        return 0;
        }
        r = sd_journal_get_data(j, "MESSAGE", &data, &length);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (w->timestamps) {
                char buf[RFC3339_MAX];
                struct timespec ts = { .tv_sec = (time_t) (at / 1000000), .tv_nsec = (long) (at % 1000000) * 1000 };
                if (format_rfc3339_nsec(buf, &ts) >= 0)
                        printf("%s ", buf);
        }
        container_journal_print_message(data, length);
        return 0;
}

/* The invocation to show: the running one (state.json), else the unit's last one. */
static char *invocation_of(sd_bus *bus, const ContainerRef *c) {
        const char *s = c->state.invocation_id;
        sd_bus_message *reply = NULL;
        const void *id = NULL;
        size_t n = 0;
        char *hex;

        if (s)
                return strdup(s);
        if (!c->unit_path || sd_bus_get_property(bus, "org.freedesktop.systemd1", c->unit_path,
                                             "org.freedesktop.systemd1.Unit", "InvocationID", NULL, &reply, "ay") < 0)
                return NULL;
        if (sd_bus_message_read_array(reply, 'y', &id, &n) < 0 || n != 16) {
                sd_bus_message_unref(reply);
                return NULL;
        }
        hex = malloc(33);
        if (hex)
                for (size_t i = 0; i < 16; i++)
                        (void) snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *) id)[i]);
        sd_bus_message_unref(reply);
        return hex;
}

int verb_logs(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "follow", no_argument, NULL, 'f' },
                { "tail", required_argument, NULL, 'n' },
                { "timestamps", no_argument, NULL, 't' },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                {},
        };
        static const char usage[] = "Usage: berth logs [-f] [-t] [-n N] [--since WHEN] [--until WHEN] NAME";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(container_ref_done) ContainerRef ref = {};
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_free_ char *invocation = NULL;
        bool follow = false, last = false;
        LogWindow w = {};
        struct timespec now;
        uint64_t now_usec;
        long tail = -1;
        int c, r;

        (void) clock_gettime(CLOCK_REALTIME, &now);
        now_usec = (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+hfn:t", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nPrints the container's output from the journal; -f keeps following it, -n "
                               "shows only the last N lines, -t prefixes each with its time. WHEN is an RFC 3339 time, "
                               "a Unix timestamp or a duration ago (10m).\n",
                                        usage);
                        return 0;
                case 'f':
                        follow = true;
                        break;
                case 'n': {
                        char *end = NULL;
                        if (streq(optarg, "all")) {
                                tail = -1;
                                break;
                        }
                        tail = strtol(optarg, &end, 10);
                        if (end == optarg || *end || tail < 0)
                                return log_error_errno(-EINVAL, "Invalid -n '%s': expected a number of lines.", optarg);
                        break;
                }
                case 't':
                        w.timestamps = true;
                        break;
                case 'S':
                case 'U':
                        if (parse_time_point(optarg, now_usec, c == 'S' ? &w.since : &w.until) < 0)
                                return log_error_errno(-EINVAL,
                                                "Invalid --%s '%s': expected " PARSE_TIME_POINT_EXPECTED ".",
                                                c == 'S' ? "since" : "until", optarg);
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (optind != argc - 1)
                return log_error_errno(-EINVAL, "%s", usage);
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        r = container_lookup(bus, argv[optind], &ref);
        if (r < 0)
                return r;
        if (!ref.unit)
                return log_error_errno(-EOPNOTSUPP,
                                "Container '%s' does not run in a systemd unit; its output is "
                                "where its berth-runtime's is.",
                                ref.name);
        /* A recorded container's log is that of all its runs since it was made, as Docker's is. */
        if (ref.recorded)
                w.since = MAX(w.since, ref.record.created_usec);
        else
                invocation = invocation_of(bus, &ref);

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return log_error_errno(r, "Failed to open the journal: %m");
        r = container_journal_add_matches(j, ref.unit, invocation);
        if (r < 0)
                return log_error_errno(r, "Failed to filter the journal: %m");
        if (tail >= 0) {
                r = sd_journal_seek_tail(j);
                if (r >= 0 && tail > 0)
                        r = sd_journal_previous_skip(j, (uint64_t) tail);
                if (r < 0)
                        return log_error_errno(r, "Failed to seek in the journal: %m");
                /* previous_skip leaves us on the first line to show; next() below must not skip it */
                if (tail > 0 && r > 0) {
                        r = print_entry(j, &w);
                        if (r < 0)
                                return log_error_errno(r, "Failed to read the journal: %m");
                }
        } else {
                r = w.since > 0 ? sd_journal_seek_realtime_usec(j, w.since) : sd_journal_seek_head(j);
                if (r < 0)
                        return log_error_errno(r, "Failed to seek in the journal: %m");
        }
        for (;;) {
                r = sd_journal_next(j);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the journal: %m");
                if (r > 0) {
                        r = print_entry(j, &w);
                        if (r < 0)
                                return log_error_errno(r, "Failed to read the journal: %m");
                        continue;
                }
                if (!follow || last)
                        break;
                fflush(stdout);
                /* Following ends with the container, after one more pass for its last lines. */
                if (container_unit_is_ended(bus, &ref) != 0) {
                        last = true;
                        continue;
                }
                r = sd_journal_wait(j, 1000000);
                if (r < 0)
                        return log_error_errno(r, "Failed to wait for the journal: %m");
        }
        return 0;
}
