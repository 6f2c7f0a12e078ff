/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth run: docker run as a systemd transient unit "berth-NAME.service" that runs berth-runtime. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "berthd-client.h"
#include "commands.h"
#include "container-lookup.h"
#include "container-record.h"
#include "container-network.h"
#include "event-journal.h"
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
#include "volume-spec.h"
#include "volume-store.h"

/* Exit status for failures of berth itself, as docker run uses it (the container's own statuses
 * are passed through). */
#define EXIT_BERTH_FAILED 125
/* ... and the container's when its command could not be run (berth-runtime's, as Docker's) */
#define EXIT_COMMAND_NOT_RUNNABLE 126
#define EXIT_COMMAND_NOT_FOUND    127

typedef struct RunFlags {
        bool detach, remove, interactive, tty, help;
        char **volumes_from; /* --volumes-from NAME[:ro|rw] */
        int berthd_status;   /* run -d through berthd: what to exit with (docker's 126 and 127) */
} RunFlags;

static void run_flags_done(RunFlags *f) {
        f->volumes_from = strv_free(f->volumes_from);
}

static void run_help(bool create) {
        if (create)
                printf("Usage: berth create [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
                       "Creates a container without starting it and prints its ID; 'berth start NAME' runs it\n"
                       "as the transient systemd unit berth-NAME.service.\n\n"
                       "      --rm                 remove it (and its anonymous volumes) when a run ends\n");
        else
                printf("Usage: berth run [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
                       "Runs a container as the transient systemd unit berth-NAME.service.\n\n"
                       "  -d, --detach             start it and print its name (default: wait, exit with its status)\n"
                       "      --rm                 remove it and its anonymous volumes when it ends (default: it stays\n"
                       "                           in ps -a until berth rm)\n"
                       "  -i, --interactive        connect standard input\n"
                       "  -t, --tty                give the container a terminal (standard input, output and error)\n");
        printf("      --volumes-from NAME[:ro|rw]  the volumes and bind mounts of container NAME, at the same paths\n");
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
                if (streq(a, "--volumes-from") || startswith(a, "--volumes-from=")) {
                        const char *v = a[strlen("--volumes-from")] == '=' ? a + strlen("--volumes-from=")
                                                                           : (i + 1 < argc ? argv[++i] : NULL);
                        if (!v)
                                return log_error_errno(-EINVAL, "Option '--volumes-from' needs a value.");
                        if (strv_extend(&flags->volumes_from, v) < 0)
                                return log_oom();
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
        /* no unit was made: the record written for it (names in use were refused before) and its
         * anonymous volumes go too */
        if (r < 0 && r != -EEXIST) {
                _cleanup_(container_record_done) ContainerRecord rec = { .exit_code = -1 };
                if (container_record_read(u->spec->name, &rec) >= 0)
                        (void) container_record_remove_volumes(&rec);
                (void) container_record_remove(u->spec->name);
        }
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
        _cleanup_free_ char *result = NULL, *path = NULL;
        int r;

        /* our reference (dropped when we exit) keeps a failed unit until its status is read */
        u->add_ref = true;
        r = start_unit(bus, u, unit, &result);
        if (r < 0)
                return r;
        if (!streq(result, "done")) {
                int32_t code = 0, status = 0;

                log_error("Container '%s' failed to start (%s); see 'berth logs %s' or 'journalctl -u %s'.",
                                u->spec->name, result, u->spec->name, unit);
                /* as docker run -d: 126 when the command cannot be run, 127 when it is not there */
                if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path) < 0 ||
                                systemd_unit_get_i32(bus, path, "org.freedesktop.systemd1.Service", "ExecMainCode",
                                                &code) < 0 ||
                                systemd_unit_get_i32(bus, path, "org.freedesktop.systemd1.Service", "ExecMainStatus",
                                                &status) < 0 ||
                                code != CLD_EXITED ||
                                (status != EXIT_COMMAND_NOT_RUNNABLE && status != EXIT_COMMAND_NOT_FOUND))
                        status = EXIT_BERTH_FAILED;
                (void) systemd_unref_unit(bus, unit, NULL);
                return status;
        }
        (void) systemd_unref_unit(bus, unit, NULL);
        printf("%s\n", u->spec->name);
        return 0;
}

/* run -d as berthd's RunContainer: the options as parsed, handed over as "--NAME=VALUE" for berthd
 * to parse with the same parser and check with the same code (container_unit_prepare_spec()). */
static int run_through_berthd(const ContainerSpec *spec, bool remove) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_strv_free_ char **options = NULL;
        _cleanup_free_ char *name = NULL;
        const char *path;
        int r;

        r = run_options_to_argv(spec, &options);
        if (r >= 0)
                r = run_options_unit_properties_to_argv(spec, &options);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return BERTHD_DO_IT_YOURSELF; /* not expressible as options: berth does it itself */
        /* the name is an argument of its own; --name in options would be the same */
        r = berthd_new_call(&bus, "RunContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", spec->name ?: "", spec->image ?: "");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, spec->command);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, options);
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 1, "rm", "b", (int) remove);
        if (r < 0)
                return log_error_errno(r, "Failed to make a call to berthd: %m");
        r = berthd_call_message(bus, m, UINT64_MAX, &reply);
        if (r == BERTHD_COMMAND_NOT_FOUND || r == BERTHD_COMMAND_NOT_RUNNABLE)
                return r == BERTHD_COMMAND_NOT_FOUND ? EXIT_COMMAND_NOT_FOUND : EXIT_COMMAND_NOT_RUNNABLE;
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_path_decode(path, "/org/berth1/container", &name);
        if (r <= 0)
                return log_error_errno(r < 0 ? r : -EBADMSG, "Failed to read berthd's answer: %m");
        printf("%s\n", name);
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

/* --volumes-from NAME[:ro|rw]: the volumes and binds of that container (its record, or its unit's
 * command line), resolved now, as Docker copies them when the container is created. */
static int add_volumes_from(sd_bus *bus, ContainerSpec *spec, char *const *volumes_from) {
        STRV_FOREACH(v, volumes_from) {
                _cleanup_(container_ref_done) ContainerRef ref = {};
                _cleanup_(container_spec_done) ContainerSpec unit_spec;
                _cleanup_free_ char *name = strdup(*v);
                const ContainerSpec *from = NULL;
                char *mode;
                int r;

                container_spec_init(&unit_spec);
                if (!name)
                        return log_oom();
                mode = strchr(name, ':');
                if (mode) {
                        *mode++ = 0;
                        if (!streq(mode, "ro") && !streq(mode, "rw"))
                                return log_error_errno(-EINVAL, "Invalid --volumes-from '%s': expected NAME[:ro|rw].",
                                                *v);
                }
                r = container_lookup(bus, name, &ref);
                if (r < 0)
                        return r;
                if (ref.recorded)
                        from = &ref.record.spec;
                else if (ref.unit_path && container_spec_from_unit(bus, ref.unit_path, &unit_spec) >= 0)
                        from = &unit_spec;
                else
                        return log_error_errno(-EOPNOTSUPP,
                                        "--volumes-from: the options of container '%s' are unknown.", name);
                r = volume_specs_add_from(&spec->volumes, &spec->mounts, from->volumes, from->mounts, mode);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

/* What run and create share, up to the unit's name: the options parsed and checked (one parser, the
 * option table's), the image found, the name free (or made up), a new ID, --volumes-from resolved. */
static int container_prepare(int argc, char *argv[], bool create, RunFlags *flags, ContainerSpec *spec,
                sd_bus **ret_bus, char **ret_unit) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **rest = NULL, **image_volumes = NULL;
        const char *verb = create ? "create" : "run";
        int index, r;

        r = split_cli_flags(argc - 1, argv + 1, flags, &rest);
        if (r < 0)
                return r;
        assert(rest); /* an empty list at least */
        if (flags->help) {
                run_help(create);
                return 0;
        }
        r = run_options_parse_argv(spec, (int) strv_length(rest), rest, &index);
        if (r < 0)
                return log_error_errno(r, "See 'berth %s --help'.", verb);
        if (!spec->rootfs) {
                if (!rest[index])
                        return log_error_errno(-EINVAL, "'berth %s' needs an IMAGE. See 'berth %s --help'.", verb, verb);
                spec->image = strdup(rest[index++]);
                if (!spec->image)
                        return log_oom();
        }
        r = strv_extend_strv(&spec->command, rest + index);
        if (r < 0)
                return log_oom();
        if (spec->rootfs && strv_length(spec->command) == 0)
                return log_error_errno(-EINVAL, "With --rootfs, a COMMAND is needed.");
        if (create && (flags->detach || flags->tty || flags->interactive))
                log_warning("-d, -i and -t have no effect with create: 'berth start' runs it detached.");
        if (flags->tty && flags->detach)
                log_warning("-t has no effect with -d: a detached container's output goes to the journal.");
        if (flags->detach && flags->interactive)
                log_warning("-i has no effect with -d: a detached container's input is /dev/null.");
        /* run -d through berthd; --volumes-from names another container, which berth resolves itself */
        if (flags->detach && !create && !flags->volumes_from) {
                r = run_through_berthd(spec, flags->remove);
                if (r != BERTHD_DO_IT_YOURSELF) {
                        flags->berthd_status = MAX(r, 0);
                        return MIN(r, 0);
                }
        }

        {
                _cleanup_free_ char *message = NULL;
                r = container_unit_prepare_spec(spec, flags->remove, &image_volumes, &message);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_error_errno(r, "%s", message ?: "Invalid options.");
        }
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        if (spec->name) {
                r = container_name_in_use(bus, spec->name);
                if (r < 0)
                        return log_error_errno(r, "Failed to check whether '%s' is in use: %m", spec->name);
                if (r > 0)
                        return log_error_errno(-EEXIST,
                                        "The container name '%s' is already in use. Remove it with "
                                        "'berth rm -f %s' or choose another --name.",
                                        spec->name, spec->name);
        } else {
                r = container_name_generate(bus, &spec->name);
                if (r == -EBUSY)
                        return log_error_errno(r, "Could not find a free container name; use --name.");
                if (r < 0)
                        return log_error_errno(r, "Failed to pick a container name: %m");
        }
        /* A new container gets a new ID, as in Docker (the runtime records it in state.json). */
        if (!spec->id) {
                spec->id = malloc(CONTAINER_ID_LEN + 1);
                if (!spec->id)
                        return log_oom();
                r = container_id_random(spec->id);
                if (r < 0)
                        return log_error_errno(r, "Failed to make a container ID: %m");
        }
        r = add_volumes_from(bus, spec, flags->volumes_from);
        if (r >= 0)
                r = container_spec_add_image_volumes(spec, image_volumes) < 0 ? log_oom() : 0;
        if (r < 0)
                return r;
        *ret_unit = container_unit_name(spec->name);
        if (!*ret_unit)
                return log_oom();
        *ret_bus = TAKE_PTR(bus);
        return 1;
}

/* The anonymous volumes (-v /dst) made, the environment file and the record written: what a
 * container needs before its unit can start, with run or later with start. */
static int container_write(ContainerSpec *spec, const char *unit, bool record, bool auto_remove, char ***ret_anonymous) {
        _cleanup_strv_free_ char **anonymous = NULL;
        int r;

        r = container_spec_make_anonymous_volumes(spec, &anonymous);
        if (r < 0)
                return log_error_errno(r, "Failed to create the anonymous volumes of container '%s': %m", spec->name);
        r = container_unit_write_private_env(spec, unit);
        if (r < 0)
                log_error_errno(r, "Failed to write the container's environment file: %m");
        /* a --rm container with anonymous volumes is recorded too, so that its end removes them */
        else if (record || anonymous) {
                r = container_record_write_full(spec, unit, anonymous, auto_remove);
                if (r < 0)
                        log_error_errno(r, "Failed to write the record of container '%s': %m", spec->name);
        }
        if (r < 0) {
                STRV_FOREACH(n, anonymous)
                        (void) volume_remove(*n, false);
                return r;
        }
        (void) event_journal_write_container("create", spec->id, spec->name, spec->image, spec->labels, NULL);
        *ret_anonymous = TAKE_PTR(anonymous);
        return 0;
}

int verb_create(int argc, char *argv[]) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(run_flags_done) RunFlags flags = {};
        _cleanup_strv_free_ char **anonymous = NULL;
        _cleanup_free_ char *unit = NULL;
        int r;

        container_spec_init(&spec);
        r = container_prepare(argc, argv, true, &flags, &spec, &bus, &unit);
        if (r <= 0)
                return r;
        r = container_write(&spec, unit, true, flags.remove, &anonymous);
        if (r < 0)
                return r;
        printf("%s\n", spec.id);
        return 0;
}

int verb_run(int argc, char *argv[]) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(run_flags_done) RunFlags flags = {};
        _cleanup_strv_free_ char **anonymous = NULL;
        _cleanup_free_ char *unit = NULL;
        RunUnit u = { .spec = &spec, .stdio_fds = { -1, -1, -1 } };
        _cleanup_(stdio_relay_done) StdioRelay relay = {};
        int r;

        container_spec_init(&spec);
        r = container_prepare(argc, argv, false, &flags, &spec, &bus, &unit);
        if (r <= 0)
                return r < 0 ? r : flags.berthd_status;
        /* as docker does, unless the caller set TERM */
        if (flags.tty && !flags.detach && !env_has(spec.env, "TERM") && strv_extend(&spec.env, "TERM=xterm") < 0)
                return log_oom();
        /* Without --rm, the container stays until `berth rm` (its record); its unit always goes when
         * it ends, and `berth start` makes it again from the record. */
        r = container_write(&spec, unit, !flags.remove, flags.remove, &anonymous);
        if (r < 0)
                return r;
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
