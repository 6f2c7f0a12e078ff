/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth run: docker run as a systemd transient unit "berth-NAME.service" that runs berth-runtime. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "commands.h"
#include "container-lookup.h"
#include "container-record.h"
#include "container-network.h"
#include "fs-util.h"
#include "image-store.h"
#include "log.h"
#include "object-name.h"
#include "paths.h"
#include "run-options.h"
#include "run-pty.h"
#include "run-stdio.h"
#include "container-unit.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-properties.h"
#include "systemd-unit.h"
#include "unit-container-env.h"

/* Exit status for failures of berth itself, as docker run uses it (the container's own statuses
 * are passed through). */
#define EXIT_BERTH_FAILED 125

typedef struct RunFlags {
        bool detach, remove, interactive, tty, help;
} RunFlags;

static void run_help(void) {
        printf("Usage: berth run [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
               "Runs a container as the transient systemd unit berth-NAME.service.\n\n"
               "  -d, --detach             start it and print its name (default: wait, exit with its status)\n"
               "      --rm                 also forget it when it fails (default: a failed one stays in ps -a)\n"
               "  -i, --interactive        connect standard input\n"
               "  -t, --tty                give the container a terminal (standard input, output and error)\n");
        for (size_t i = 0; i < run_options_count; i++) {
                const RunOption *o = &run_options[i];
                char s[8] = "";
                if (o->short_name)
                        (void) snprintf(s, sizeof s, "-%c,", o->short_name);
                printf("  %-4s--%-18s %s\n", s, o->name, o->help);
        }
        printf("\nSee berth-run(1).\n");
}

/* Takes out the flags only the CLI knows (-d, --rm, -i, -t, also bundled as -dit or with -P) and keeps the
 * shared table's options as they are, so that run_options_parse_argv() sees only those. Stops at
 * the first positional argument, like docker. */
static int split_cli_flags(int argc, char *argv[], RunFlags *flags, char ***ret_rest) {
        _cleanup_strv_free_ char **rest = NULL;
        int i;

        for (i = 0; i < argc; i++) {
                const char *a = argv[i];
                const RunOption *o = NULL;

                if (a[0] != '-' || a[1] == 0 || streq(a, "--"))
                        break;
                if (streq(a, "--detach") || streq(a, "--rm") || streq(a, "--interactive") || streq(a, "--tty") ||
                                streq(a, "--help")) {
                        flags->detach |= streq(a, "--detach");
                        flags->remove |= streq(a, "--rm");
                        flags->interactive |= streq(a, "--interactive");
                        flags->tty |= streq(a, "--tty");
                        flags->help |= streq(a, "--help");
                        continue;
                }
                if (a[1] != '-' && strspn(a + 1, "ditP") == strlen(a + 1) && strcspn(a + 1, "dit") < strlen(a + 1)) {
                        flags->detach |= !!strchr(a, 'd');
                        flags->interactive |= !!strchr(a, 'i');
                        flags->tty |= !!strchr(a, 't');
                        /* -dP, as docker users type it: -P is the table's --publish-all */
                        if (strchr(a, 'P') && strv_extend(&rest, "--publish-all") < 0)
                                return log_oom();
                        continue;
                }
                if (strv_extend(&rest, a) < 0)
                        return log_oom();
                /* An option of the table that takes its value from the next argument: copy that too. */
                if (a[1] == '-' && !strchr(a, '=')) {
                        _cleanup_free_ char *name = strdup(a + 2);
                        if (!name)
                                return log_oom();
                        o = run_option_by_name(name);
                } else if (a[1] != '-' && a[2] == 0)
                        o = run_option_by_short(a[1]);
                if (o && o->kind != RUN_OPTION_BOOL && i + 1 < argc) {
                        if (strv_extend(&rest, argv[++i]) < 0)
                                return log_oom();
                }
        }
        for (; i < argc; i++)
                if (strv_extend(&rest, argv[i]) < 0)
                        return log_oom();
        if (!rest && !(rest = calloc(1, sizeof(char *))))
                return log_oom();
        *ret_rest = TAKE_PTR(rest);
        return 0;
}

/* A docker-like name, adjective_scientist, not in use yet. */
static int generate_name(sd_bus *bus, char **ret) {
        static const char *const adjectives[] = {
                "agile",
                "bold",
                "brave",
                "calm",
                "clever",
                "eager",
                "fair",
                "gentle",
                "happy",
                "keen",
                "lively",
                "merry",
                "nimble",
                "proud",
                "quiet",
                "steady",
                "swift",
                "tidy",
                "vivid",
                "witty",
        };
        static const char *const names[] = {
                "babbage",
                "curie",
                "darwin",
                "euler",
                "faraday",
                "gauss",
                "hopper",
                "kepler",
                "lovelace",
                "maxwell",
                "newton",
                "noether",
                "pascal",
                "ritchie",
                "shannon",
                "tesla",
                "thompson",
                "turing",
        };

        for (unsigned attempt = 0; attempt < 32; attempt++) {
                uint32_t rnd;
                char *name;
                int r;

                if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
                        return log_error_errno(negative_errno(), "Failed to get random bytes: %m");
                name = strjoin(adjectives[rnd % ELEMENTSOF(adjectives)], "_", names[(rnd >> 8) % ELEMENTSOF(names)]);
                if (!name)
                        return log_oom();
                r = container_name_in_use(bus, name);
                if (r == 0) {
                        *ret = name;
                        return 0;
                }
                free(name);
                if (r < 0)
                        return log_error_errno(r, "Failed to check whether a container name is in use: %m");
        }
        return log_error_errno(-EBUSY, "Could not find a free container name; use --name.");
}

/* The image must be in the store, unless --pull asks the runtime to fetch it at start. */
static int check_image(const ContainerSpec *spec) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *image = NULL;
        int r;

        if (spec->rootfs || (spec->pull && !streq(spec->pull, "never")))
                return 0;
        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        r = image_store_lookup(store, spec->image, &image);
        if (r == -ENOENT)
                return log_error_errno(r,
                                "Image '%s' is not in the image store. Get it with 'berth pull %s' or "
                                "'berth image import', or use --pull=missing.",
                                spec->image, spec->image);
        if (r < 0)
                return log_error_errno(r, "Failed to look up image '%s': %m", spec->image);
        return 0;
}

/* --- foreground: wait for the unit to end ------------------------------------------------------ */

typedef struct Foreground {
        sd_bus *bus;
        const char *unit, *unit_path, *name;
        unsigned interrupts;
        bool ended;
        int status;
} Foreground;

static int exit_status_of(Foreground *f) {
        int32_t code = 0, status = 0;
        int r;

        r = systemd_unit_get_i32(f->bus, f->unit_path, "org.freedesktop.systemd1.Service", "ExecMainCode", &code);
        if (r >= 0)
                r = systemd_unit_get_i32(f->bus, f->unit_path, "org.freedesktop.systemd1.Service", "ExecMainStatus",
                                &status);
        if (r < 0) {
                log_error_errno(r, "Failed to read the exit status of %s: %m", f->unit);
                return EXIT_BERTH_FAILED;
        }
        switch (code) {
        case CLD_EXITED:
                return status;
        case CLD_KILLED:
        case CLD_DUMPED:
                return 128 + status;
        default:
                log_error("Container '%s' did not start; see 'journalctl -u %s'.", f->name, f->unit);
                return EXIT_BERTH_FAILED;
        }
}

static void check_ended(Foreground *f) {
        _cleanup_free_ char *state = NULL;
        int r;

        if (f->ended)
                return;
        r = systemd_unit_get_string(f->bus, f->unit_path, "org.freedesktop.systemd1.Unit", "ActiveState", &state);
        if (r < 0) {
                log_error_errno(r, "Failed to read the state of %s: %m", f->unit);
                f->status = EXIT_BERTH_FAILED;
        } else if (unit_active_state_is_ended(state))
                f->status = exit_status_of(f);
        else
                return;
        f->ended = true;
}

/* Asks for the state only when the signal's payload says the unit ended (or does not say): not for
 * each of the signals of a run. Asks then, because the signals queued while the unit was made
 * include its first "inactive". */
static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *state = NULL;
        int r;

        r = properties_changed_read_string(m, "org.freedesktop.systemd1.Unit", "ActiveState", &state);
        if (r < 0 || (r > 0 && unit_active_state_is_ended(state)))
                check_ended(userdata);
        return 0;
}

/* Ctrl-C stops the container like `berth stop`; a second one kills it. */
static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Foreground *f = userdata;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (f->interrupts++ == 0)
                r = systemd_stop_unit(f->bus, f->unit, false, NULL, &error);
        else
                r = systemd_kill_unit(f->bus, f->unit, "all", SIGKILL, &error);
        if (r < 0 && r != -ENOENT)
                log_unit_error(r, &error, f->interrupts == 1 ? "stop" : "kill", f->name);
        sd_bus_error_free(&error);
        return 0;
}

/* Starts the transient unit and waits for its start job; says why when it could not. */
static int start_unit(sd_bus *bus, RunUnit *u, const char *unit, char **ret_result) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = systemd_start_transient_unit(bus, unit, run_unit_append_properties, u, ret_result, &error);
        if (r == -EEXIST)
                log_error_errno(r, "The name '%s' is already in use by another container.", u->spec->name);
        else if (r < 0)
                log_unit_error(r, &error, "start", u->spec->name);
        sd_bus_error_free(&error);
        /* no unit was made: the record written for it (names in use were refused before) goes too */
        if (r < 0 && r != -EEXIST)
                (void) container_record_remove(u->spec->name);
        return r;
}

static int run_foreground(sd_bus *bus, RunUnit *u, const char *unit, RunPty *pty, StdioRelay *relay, bool interactive) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ char *path = NULL, *result = NULL;
        Foreground f = { .bus = bus, .unit = unit, .name = u->spec->name };
        sigset_t mask;
        int r;

        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r < 0)
                return log_oom();
        f.unit_path = path;
        /* Installed before the start, so the unit's end cannot slip past. */
        r = sd_bus_match_signal(bus, &slot, "org.freedesktop.systemd1", path, "org.freedesktop.DBus.Properties",
                        "PropertiesChanged", on_properties_changed, &f);
        if (r < 0)
                return log_error_errno(r, "Failed to watch %s: %m", unit);
        /* Ctrl-C while the unit starts is handled once the event loop runs. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) signal(SIGPIPE, SIG_IGN); /* a reader of our output that went away: EPIPE, not death */

        r = start_unit(bus, u, unit, &result);
        if (r < 0)
                return r;
        log_debug("Start job of %s finished: %s", unit, result);
        if (pty) {
                /* systemd holds the container's copies now; ours would keep the pty from hanging up */
                (void) safe_close(u->stdio_fds[0]); /* the slave, in all three */
                for (int i = 0; i < 3; i++)
                        u->stdio_fds[i] = -EBADF;
        }
        if (relay) /* the unit holds the container's ends now; ours would keep the pipes open */
                stdio_relay_container_fds_close(relay);

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, on_signal, &f);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, on_signal, &f);
        if (r >= 0 && pty)
                r = run_pty_attach(pty, event, interactive);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the event loop: %m");
        check_ended(&f);
        r = run_stdio_wait(event, relay, &f.ended);
        if (r < 0)
                return log_error_errno(r, "Failed to wait for %s: %m", unit);
        if (pty)
                run_pty_done(pty);
        if (relay)
                stdio_relay_drain(relay);
        (void) sd_bus_detach_event(bus);
        /* Our reference kept the unit until its status was read; now it may go. */
        (void) systemd_unref_unit(bus, unit, NULL);
        return f.status;
}

static int run_detached(sd_bus *bus, RunUnit *u, const char *unit) {
        _cleanup_free_ char *result = NULL;
        int r;

        r = start_unit(bus, u, unit, &result);
        if (r < 0)
                return r;
        if (!streq(result, "done"))
                return log_error_errno(-EIO,
                                "Container '%s' failed to start (%s); see 'berth logs %s' or "
                                "'journalctl -u %s'.",
                                u->spec->name, result, u->spec->name, unit);
        printf("%s\n", u->spec->name);
        return 0;
}

static bool env_has(char *const *env, const char *key) {
        STRV_FOREACH(e, env) {
                const char *v = startswith(*e, key);
                if (v && (*v == '=' || *v == 0))
                        return true;
        }
        return false;
}

int verb_run(int argc, char *argv[]) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **rest = NULL;
        _cleanup_free_ char *unit = NULL;
        RunFlags flags = {};
        RunUnit u = { .spec = &spec, .stdio_fds = { -1, -1, -1 } };
        _cleanup_(stdio_relay_done) StdioRelay relay = {};
        int index, r;

        container_spec_init(&spec);
        r = split_cli_flags(argc - 1, argv + 1, &flags, &rest);
        if (r < 0)
                return r;
        assert(rest); /* an empty list at least */
        if (flags.help) {
                run_help();
                return 0;
        }
        r = run_options_parse_argv(&spec, (int) strv_length(rest), rest, &index);
        if (r < 0)
                return log_error_errno(r, "See 'berth run --help'.");
        if (!spec.rootfs) {
                if (!rest[index])
                        return log_error_errno(-EINVAL, "'berth run' needs an IMAGE. See 'berth run --help'.");
                spec.image = strdup(rest[index++]);
                if (!spec.image)
                        return log_oom();
        }
        r = strv_extend_strv(&spec.command, rest + index);
        if (r < 0)
                return log_oom();
        if (spec.rootfs && strv_length(spec.command) == 0)
                return log_error_errno(-EINVAL, "With --rootfs, a COMMAND is needed.");
        if (flags.tty && flags.detach)
                log_warning("-t has no effect with -d: a detached container's output goes to the journal.");
        if (flags.detach && flags.interactive)
                log_warning("-i has no effect with -d: a detached container's input is /dev/null.");

        if (spec.name && !container_name_is_valid(spec.name))
                return log_error_errno(-EINVAL, "Invalid container name '%s': " CONTAINER_NAME_RULE ".", spec.name);
        if (flags.remove)
                STRV_FOREACH(p, spec.unit_properties)
                        if (startswith(*p, "Restart=") && !streq(*p, "Restart=no"))
                                return log_error_errno(-EINVAL, "--restart and --rm cannot be combined: a removed "
                                                                "container cannot be restarted.");
        {
                _cleanup_free_ char *message = NULL;
                const char *option;
                r = container_network_default(&spec, false, &message);
                if (r == -ENOMEM)
                        return log_oom();
                if (r >= 0)
                        r = container_network_check(&spec, &option, &message);
                if (r < 0)
                        return log_error_errno(r, "%s", message);
        }
        r = run_unit_check_properties(&spec);
        if (r < 0)
                return r;
        r = check_image(&spec);
        if (r < 0)
                return r;
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        if (spec.name) {
                r = container_name_in_use(bus, spec.name);
                if (r < 0)
                        return log_error_errno(r, "Failed to check whether '%s' is in use: %m", spec.name);
                if (r > 0)
                        return log_error_errno(-EEXIST,
                                        "The container name '%s' is already in use. Remove it with "
                                        "'berth rm -f %s' or choose another --name.",
                                        spec.name, spec.name);
        } else {
                r = generate_name(bus, &spec.name);
                if (r < 0)
                        return r;
        }
        /* A new container gets a new ID, as in Docker (the runtime records it in state.json). */
        if (!spec.id) {
                spec.id = malloc(CONTAINER_ID_LEN + 1);
                if (!spec.id)
                        return log_oom();
                r = container_id_random(spec.id);
                if (r < 0)
                        return log_error_errno(r, "Failed to make a container ID: %m");
        }
        unit = container_unit_name(spec.name);
        if (!unit)
                return log_oom();

        /* as docker does, unless the caller set TERM */
        if (flags.tty && !flags.detach && !env_has(spec.env, "TERM") && strv_extend(&spec.env, "TERM=xterm") < 0)
                return log_oom();
        r = container_unit_write_private_env(&spec, unit);
        if (r < 0)
                return log_error_errno(r, "Failed to write the container's environment file: %m");

        /* Without --rm, the container stays until `berth rm` (its record); its unit always goes when
         * it ends, and `berth start` makes it again from the record. */
        if (!flags.remove) {
                r = container_record_write(&spec, unit);
                if (r < 0)
                        return log_error_errno(r, "Failed to write the record of container '%s': %m", spec.name);
        }
        u.remove = true;
        if (flags.detach)
                return run_detached(bus, &u, unit);

        u.add_ref = true;
        if (flags.tty) {
                _cleanup_(run_pty_done) RunPty pty = RUN_PTY_NULL;
                int slave = -EBADF;

                r = run_pty_open(&pty, &slave);
                if (r < 0)
                        return r;
                for (int i = 0; i < 3; i++)
                        u.stdio_fds[i] = slave;
                r = run_foreground(bus, &u, unit, &pty, NULL, flags.interactive);
                if (u.stdio_fds[0] >= 0) /* the start failed before the slave was handed over */
                        (void) safe_close(u.stdio_fds[0]);
                return r;
        }
        /* Pipes of ours, not our own fds: the container could reopen those through /proc/PID/fd. */
        r = stdio_relay_open(&relay, flags.interactive);
        if (r < 0)
                return log_error_errno(r, "Failed to make pipes for the container: %m");
        for (int i = 0; i < 3; i++)
                u.stdio_fds[i] = relay.container_fds[i];
        /* A positive value is the container's exit status, which main() passes on. */
        return run_foreground(bus, &u, unit, NULL, &relay, false);
}
