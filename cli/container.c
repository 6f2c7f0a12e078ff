/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth stop|start|restart|kill|rm: what docker does to a container, done to its systemd unit. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "berthd-client.h"
#include "commands.h"
#include "container-lookup.h"
#include "container-record.h"
#include "container-unit.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"
#include "systemd-unit.h"

static uint64_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Waits until the unit has ended or the deadline (CLOCK_MONOTONIC µs) has passed: 1 ended, 0 not. */
static int wait_unit_ended(sd_bus *bus, const char *unit, uint64_t deadline) {
        for (;;) {
                int r = unit_has_ended(bus, unit);
                if (r != 0)
                        return r;
                if (now_usec() >= deadline)
                        return 0;
                /* State changes arrive as signals; a short wait also bounds the time between checks. */
                r = sd_bus_wait(bus, MIN(deadline - now_usec(), (uint64_t) 50000));
                if (r < 0 && r != -EINTR)
                        return r;
                while (sd_bus_process(bus, NULL) > 0)
                        ;
        }
}

/* SIGKILL for the container's processes. Its runtime survives to clean up after them (mounts, state,
 * network); only when there is no runtime state to aim at does every process of the unit get it. */
static int kill_container(sd_bus *bus, const ContainerRef *c) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = container_signal_init(c, SIGKILL);
        if (r >= 0 || r == -ESRCH)
                return 0;
        log_debug_errno(r, "Cannot signal the init of container '%s' (%m), killing its unit.", c->name);
        r = systemd_kill_unit(bus, c->unit, "all", SIGKILL, &error);
        if (r < 0 && r != -ENOENT)
                log_unit_error(r, &error, "kill", c->name);
        sd_bus_error_free(&error);
        return r == -ENOENT ? 0 : r;
}

/* Stops a container's unit. With a timeout (seconds, >= 0), whatever still runs after it is killed,
 * as `docker stop -t` does; a stop the user asked for does not leave the unit failed. */
static int stop_container(sd_bus *bus, const ContainerRef *c, int timeout) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *result = NULL;
        int r;

        if (!c->unit)
                return log_error_errno(-EOPNOTSUPP,
                                "Container '%s' does not run in a systemd unit; stop its "
                                "berth-runtime process instead.",
                                c->name);
        if (timeout < 0) {
                r = systemd_stop_unit(bus, c->unit, true, &result, &error);
                if (r < 0 && r != -ENOENT) {
                        log_unit_error(r, &error, "stop", c->name);
                        sd_bus_error_free(&error);
                        return r;
                }
                /* a payload that exits non-zero on SIGTERM: still a stop the user asked for */
                (void) systemd_reset_failed_unit(bus, c->unit, NULL);
                return 0;
        }
        r = systemd_stop_unit(bus, c->unit, false, NULL, &error);
        if (r < 0 && r != -ENOENT) {
                log_unit_error(r, &error, "stop", c->name);
                sd_bus_error_free(&error);
                return r;
        }
        r = wait_unit_ended(bus, c->unit, now_usec() + (uint64_t) timeout * 1000000);
        if (r < 0)
                return log_error_errno(r, "Failed to wait for container '%s' to stop: %m", c->name);
        if (r > 0)
                return 0;
        log_debug("Container '%s' still runs after %d s, killing it.", c->name, timeout);
        r = kill_container(bus, c);
        if (r < 0)
                return r;
        r = wait_unit_ended(bus, c->unit, now_usec() + 30 * UINT64_C(1000000));
        if (r < 0)
                return log_error_errno(r, "Failed to wait for container '%s' to stop: %m", c->name);
        if (r == 0)
                return log_error_errno(-ETIMEDOUT, "Container '%s' did not stop after SIGKILL.", c->name);
        /* Killed because the user asked for a stop: not a failure to keep around. */
        (void) systemd_reset_failed_unit(bus, c->unit, NULL);
        return 0;
}

static int parse_names_only(int argc, char *argv[], const char *usage) {
        static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                if (c == 'h') {
                        printf("%s\n", usage);
                        return 0;
                }
                return log_error_errno(-EINVAL, "%s", usage);
        }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        return 1;
}

/* What a verb asks berthd to do to one container (berthd-client.h). */
typedef int (*BerthdAct)(sd_bus **bus, const char *name, const void *arg);

/* Does each NAME in argv[optind..]: through berthd, or, when root is to do it itself, looks it up and
 * does act to it; prints the name of each one done, as docker does, and returns the last error after
 * trying them all. */
static int for_each_container(int argc, char *argv[], BerthdAct through_berthd,
                int (*act)(sd_bus *bus, ContainerRef *ref, const void *arg), const void *arg) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool direct = false;
        int r, ret = 0;

        for (int i = optind; i < argc; i++) {
                _cleanup_(container_ref_done) ContainerRef ref = {};
                r = direct ? BERTHD_DO_IT_YOURSELF : through_berthd(&bus, argv[i], arg);
                if (r == BERTHD_DO_IT_YOURSELF) {
                        direct = true;
                        r = bus ? 0 : systemd_bus_open(&bus);
                        if (r < 0)
                                return r;
                        r = container_lookup(bus, argv[i], &ref);
                        if (r >= 0)
                                r = act(bus, &ref, arg);
                }
                if (r < 0)
                        ret = r;
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}

static int stop_through_berthd(sd_bus **bus, const char *name, const void *timeout) {
        int t = *(const int *) timeout;
        return berthd_call(bus, "StopContainer", UINT64_MAX, NULL, "su", name, t < 0 ? UINT32_MAX : (uint32_t) t);
}

static int stop_one(sd_bus *bus, ContainerRef *ref, const void *timeout) {
        return stop_container(bus, ref, *(const int *) timeout);
}

int verb_stop(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "time", required_argument, NULL, 't' },
                { "timeout", required_argument, NULL, 't' },
                {},
        };
        static const char usage[] = "Usage: berth stop [-t SECONDS] NAME...";
        int timeout = -1, c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+ht:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nStops each container's unit; with -t, kills what still runs after SECONDS "
                               "(default: the container's --stop-timeout, 10 s).\n",
                                        usage);
                        return 0;
                case 't': {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || end == optarg || v < 0 || v > 86400)
                                return log_error_errno(-EINVAL, "Invalid -t '%s': expected seconds.", optarg);
                        timeout = (int) v;
                        break;
                }
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        return for_each_container(argc, argv, stop_through_berthd, stop_one, &timeout);
}

static int start_through_berthd(sd_bus **bus, const char *name, const void *restart) {
        return berthd_call(bus, *(const bool *) restart ? "RestartContainer" : "StartContainer", UINT64_MAX, NULL, "s",
                        name);
}

static int start_one(sd_bus *bus, ContainerRef *ref, const void *restart) {
        const char *verb = *(const bool *) restart ? "restart" : "start";
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *result = NULL;
        int r;

        if (!ref->unit)
                return log_error_errno(-EOPNOTSUPP, "Container '%s' does not run in a systemd unit.", ref->name);
        /* A recorded container whose unit systemd collected: the same unit, made again from the record. */
        if (ref->recorded && !ref->unit_path) {
                RunUnit u = { .spec = &ref->record.spec, .remove = true, .stdio_fds = { -1, -1, -1 } };
                r = systemd_start_transient_unit(bus, ref->unit, run_unit_append_properties, &u, &result, &error);
        } else
                r = *(const bool *) restart ? systemd_restart_unit(bus, ref->unit, true, &result, &error)
                                            : systemd_start_unit(bus, ref->unit, true, &result, &error);
        if (r < 0)
                log_unit_error(r, &error, verb, ref->name);
        else if (!streq(result, "done"))
                r = log_error_errno(-EIO, "Container '%s' failed to %s (%s); see 'berth logs %s'.", ref->name, verb,
                                result, ref->name);
        sd_bus_error_free(&error);
        return r;
}

static int start_or_restart(int argc, char *argv[], bool restart) {
        _cleanup_free_ char *usage = strjoin("Usage: berth ", restart ? "restart" : "start", " NAME...");
        int r;

        if (!usage)
                return log_oom();
        r = parse_names_only(argc, argv, usage);
        if (r <= 0)
                return r;
        return for_each_container(argc, argv, start_through_berthd, start_one, &restart);
}

int verb_start(int argc, char *argv[]) {
        return start_or_restart(argc, argv, false);
}

int verb_restart(int argc, char *argv[]) {
        return start_or_restart(argc, argv, true);
}

/* "KILL", "SIGKILL" or "9". */
static int parse_signal(const char *s) {
        const char *name = startswith(s, "SIG") ?: s;
        char *end;
        long v = strtol(s, &end, 10);

        if (end != s && *end == 0)
                return v > 0 && v < NSIG ? (int) v : -EINVAL;
        for (int sig = 1; sig < NSIG; sig++) {
                const char *abbrev = sigabbrev_np(sig);
                if (abbrev && strcasecmp(abbrev, name) == 0)
                        return sig;
        }
        return -EINVAL;
}

static int kill_through_berthd(sd_bus **bus, const char *name, const void *signal) {
        return berthd_call(bus, "KillContainer", 0, NULL, "si", name, (int32_t) * (const int *) signal);
}

static int kill_one(sd_bus *bus, ContainerRef *ref, const void *signal) {
        const int sig = *(const int *) signal;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (!ref->running)
                return log_error_errno(-ESRCH, "Container '%s' is not running.", ref->name);
        if (!ref->unit)
                return log_error_errno(-EOPNOTSUPP, "Container '%s' does not run in a systemd unit.", ref->name);
        /* The runtime passes signals on to the container's first process; SIGKILL cannot be passed
         * on, so it goes to that process directly. */
        if (sig == SIGKILL)
                return kill_container(bus, ref);
        r = systemd_kill_unit(bus, ref->unit, "main", sig, &error);
        if (r < 0)
                log_unit_error(r, &error, "kill", ref->name);
        sd_bus_error_free(&error);
        return r;
}

int verb_kill(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "signal", required_argument, NULL, 's' },
                {},
        };
        static const char usage[] = "Usage: berth kill [-s SIGNAL] NAME...";
        int sig = SIGKILL, c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hs:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nSends SIGNAL (default KILL) to the container: KILL to every process in it, any "
                               "other signal to its first process (through the runtime).\n",
                                        usage);
                        return 0;
                case 's':
                        sig = parse_signal(optarg);
                        if (sig < 0)
                                return log_error_errno(-EINVAL, "Unknown signal '%s'.", optarg);
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        return for_each_container(argc, argv, kill_through_berthd, kill_one, &sig);
}

int container_remove(sd_bus *bus, ContainerRef *ref, bool force) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (ref->unit && !ref->running && unit_has_ended(bus, ref->unit) == 0)
                ref->running = true; /* starting or stopping: treat as running */
        if (ref->running && !force)
                return log_error_errno(-EBUSY, "Container '%s' is running: stop it first or use 'berth rm -f'.",
                                ref->name);
        if (ref->running) {
                r = stop_container(bus, ref, 0);
                if (r < 0)
                        return r;
        }
        if (ref->unit) {
                r = systemd_reset_failed_unit(bus, ref->unit, &error);
                if (r == -ENOENT)
                        r = 0;
                if (r < 0)
                        log_unit_error(r, &error, "remove", ref->name);
                sd_bus_error_free(&error);
                if (r < 0)
                        return r;
        }
        /* its record, writable layer and environment file: nothing of it stays */
        if (ref->recorded && (r = container_record_remove(ref->name)) < 0)
                return log_error_errno(r, "Failed to remove container '%s': %m", ref->name);
        return 0;
}

typedef struct RemoveFlags {
        bool force, volumes;
} RemoveFlags;

/* -v is not among RemoveContainer's arguments: berth removes the volumes itself (as root) */
static int remove_through_berthd(sd_bus **bus, const char *name, const void *arg) {
        const RemoveFlags *f = arg;
        if (f->volumes)
                return BERTHD_DO_IT_YOURSELF;
        return berthd_call(bus, "RemoveContainer", UINT64_MAX, NULL, "sb", name, (int) f->force);
}

static int remove_one(sd_bus *bus, ContainerRef *ref, const void *arg) {
        const RemoveFlags *f = arg;
        int r = container_remove(bus, ref, f->force);

        if (r < 0)
                return r;
        /* -v: its anonymous volumes too; named ones stay, as in Docker */
        if (f->volumes && ref->recorded && (r = container_record_remove_volumes(&ref->record)) < 0)
                log_warning_errno(r, "Kept an anonymous volume of container '%s'%s: %m", ref->name,
                                r == -EBUSY ? ", another container uses it" : "");
        return 0;
}

int verb_rm(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                { "volumes", no_argument, NULL, 'v' },
                {},
        };
        static const char usage[] = "Usage: berth rm [-f] [-v] NAME...";
        RemoveFlags flags = {};
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hfv", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nRemoves stopped containers: their record, writable layer and environment "
                               "file, and a failed unit is reset. -f stops a running container first; -v removes "
                               "its anonymous volumes too.\n",
                                        usage);
                        return 0;
                case 'f':
                        flags.force = true;
                        break;
                case 'v':
                        flags.volumes = true;
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (optind >= argc)
                return log_error_errno(-EINVAL, "%s", usage);
        return for_each_container(argc, argv, remove_through_berthd, remove_one, &flags);
}
