/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "berthd-client.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"

#define BERTHD_NAME         "org.berth1"
#define BERTHD_PATH         "/org/berth1"
#define BERTHD_MANAGER      "org.berth1.Manager"
#define BERTHD_TRANSFER     "org.berth1.Transfer"
#define BERTHD_IMAGE        "org.berth1.Image"
#define BERTHD_ERROR_PREFIX "org.berth1.Error."

/* Whether berthd is to be asked at all: not by its own workers (BERTH_NO_BERTHD), not when the caller
 * moved berth's directories, which berthd (started by the bus, in its own environment) would not see,
 * and not by root inside a systemd service (the generator's oneshot units, the runtime's pulls at a
 * unit's start), which must not wait for the bus or berthd. */
static bool berthd_wanted(void) {
        static const char *const moved[] = { "BERTH_CONFIG_DIR", "BERTH_STATE_DIR", "BERTH_STORAGE_DIR", "BERTH_RUN_DIR" };

        if (getenv(BERTH_NO_BERTHD_ENV) || (getenv("INVOCATION_ID") && geteuid() == 0))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(moved); i++)
                if (getenv(moved[i]))
                        return false;
        return true;
}

/* The bus could not reach berthd: no activation file, activation failed (systemd's errors, such as a
 * masked berthd.service, are passed on by the bus: berthd itself answers with its own or errno
 * errors), nobody owns the name. */
static bool error_is_no_berthd(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
               (e->name && (startswith(e->name, "org.freedesktop.DBus.Error.Spawn.") ||
                                           startswith(e->name, "org.freedesktop.systemd1.")));
}

/* berthd is not there: root does the work itself, anyone else needs berthd. */
static int no_berthd(int r, const char *why) {
        if (geteuid() == 0) {
                log_debug("berthd is not available (%s), doing the work directly.", why);
                return BERTHD_DO_IT_YOURSELF;
        }
        return log_error_errno(r,
                        "berthd (org.berth1) is not available (%s); as a user other than root, berth needs it.", why);
}

/* Opens *bus unless open: BERTHD_DO_IT_YOURSELF when berthd is not to be asked or there is no bus. */
static int bus_open(sd_bus **bus) {
        int r;

        if (!berthd_wanted())
                return BERTHD_DO_IT_YOURSELF;
        if (*bus)
                return 0;
        r = sd_bus_open_system(bus);
        if (r < 0)
                return no_berthd(r, "no system bus");
        return 0;
}

/* Logs berthd's error once: its message is the one line the CLI would print itself. */
static int log_berthd_error(int r, const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
                        sd_bus_error_has_name(e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                return log_error_errno(-EACCES, "%s (org.berth1(5) says which polkit action allows it).",
                                e->message ?: "Access denied");
        return log_error_errno(r, "%s", e->message ?: e->name);
}

int berthd_new_call(sd_bus **bus, const char *member, sd_bus_message **ret) {
        int r;

        r = bus_open(bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(*bus, ret, BERTHD_NAME, BERTHD_PATH, BERTHD_MANAGER, member);
        if (r < 0)
                return log_error_errno(r, "Failed to make a call to berthd: %m");
        /* polkit may ask the user for a password */
        (void) sd_bus_message_set_allow_interactive_authorization(*ret, isatty(STDIN_FILENO) > 0);
        return 0;
}

int berthd_call_message(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(bus, m, timeout_usec, &error, &reply);
        if (r < 0) {
                if (error_is_no_berthd(&error)) {
                        _cleanup_free_ char *why = strdup(error.message ?: error.name);
                        sd_bus_error_free(&error);
                        return no_berthd(r, why ?: "unreachable");
                }
                r = log_berthd_error(r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return 0;
}

int berthd_call(sd_bus **bus, const char *member, uint64_t timeout_usec, sd_bus_message **ret_reply, const char *types,
                ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = berthd_new_call(bus, member, &m);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return log_error_errno(r, "Failed to make a call to berthd: %m");
        return berthd_call_message(*bus, m, timeout_usec, ret_reply);
}

/* ---- berthd_pull ------------------------------------------------------------------------------- */

typedef struct PullFollow {
        const char *path; /* the transfer's object, once PullImage answered */
        bool quiet, done, lines;
        char *result;
} PullFollow;

static int on_log_message(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PullFollow *f = userdata;
        const char *line;
        uint32_t priority;

        if (!f->path || !streq_ptr(sd_bus_message_get_path(m), f->path) ||
                        sd_bus_message_read(m, "us", &priority, &line) < 0)
                return 0;
        f->lines = true;
        if (!f->quiet || priority <= LOG_ERR || startswith(line, "berth: "))
                fprintf(stderr, "%s\n", line);
        return 0;
}

static int on_transfer_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PullFollow *f = userdata;
        const char *path, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uos", &id, &path, &result) < 0 || !f->path || !streq(path, f->path))
                return 0;
        f->result = strdup(result);
        f->done = true;
        return 0;
}

/* berthd went away while the transfer ran. */
static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PullFollow *f = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 && streq(name, BERTHD_NAME) &&
                        isempty(new_owner) && f->path)
                f->done = true;
        return 0;
}

static int print_image_id(sd_bus *bus, const char *reference) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *id = NULL;
        const char *path;
        int r;

        r = berthd_call(&bus, "GetImage", 0, &reply, "s", reference);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, BERTHD_NAME, path, BERTHD_IMAGE, "Id", &error, &id);
        if (r < 0) {
                r = log_berthd_error(r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        printf("%s\n", id);
        return 0;
}

int berthd_pull(sd_bus **bus, const char *reference, char *const *options, bool quiet) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *log_slot = NULL, *removed_slot = NULL, *owner_slot = NULL;
        PullFollow f = { .quiet = quiet };
        uint32_t id;
        int r;

        r = bus_open(bus);
        if (r < 0)
                return r;
        /* Installed before the call: berthd answers it before it emits the transfer's first signal. */
        r = sd_bus_match_signal(*bus, &log_slot, BERTHD_NAME, NULL, BERTHD_TRANSFER, "LogMessage", on_log_message, &f);
        if (r >= 0)
                r = sd_bus_match_signal(*bus, &removed_slot, BERTHD_NAME, BERTHD_PATH, BERTHD_MANAGER,
                                "TransferRemoved", on_transfer_removed, &f);
        if (r >= 0)
                r = sd_bus_add_match(*bus, &owner_slot,
                                "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" BERTHD_NAME
                                "'",
                                on_owner_changed, &f);
        if (r < 0)
                return log_error_errno(r, "Failed to follow berthd's transfers: %m");
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                r = berthd_new_call(bus, "PullImage", &m);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(m, "s", reference);
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, (char **) options);
                if (r < 0)
                        return log_error_errno(r, "Failed to make a call to berthd: %m");
                r = berthd_call_message(*bus, m, 0, &reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_read(reply, "uo", &id, &f.path);
        if (r < 0)
                return log_error_errno(r, "Failed to read berthd's answer: %m");
        while (!f.done) {
                r = sd_bus_process(*bus, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to follow the pull: %m");
                if (r > 0)
                        continue;
                r = sd_bus_wait(*bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return log_error_errno(r, "Failed to follow the pull: %m");
        }
        if (!streq_ptr(f.result, "done")) {
                r = f.lines ? -EIO
                            : log_error_errno(-EIO, "Failed to pull '%s' (%s).", reference, f.result ?: "berthd exited");
                free(f.result);
                return r;
        }
        free(f.result);
        return print_image_id(*bus, reference);
}

int berthd_options_from_argv(const struct option *options, const char *shortopts, int argc, char *argv[],
                char *const *skip, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int saved_optind = optind, saved_opterr = opterr, c, r = 0;

        optind = 0;
        opterr = 0;
        for (;;) {
                const struct option *o = NULL;
                int index = -1;

                c = getopt_long(argc, argv, shortopts, options, &index);
                if (c < 0)
                        break;
                if (index >= 0)
                        o = &options[index];
                else
                        for (size_t i = 0; options[i].name && !o; i++)
                                if (options[i].val == c)
                                        o = &options[i];
                if (!o) {
                        r = -EOPNOTSUPP;
                        break;
                }
                if (strv_contains(skip, o->name))
                        continue;
                r = strv_consume(&l, optarg ? strjoin("--", o->name, "=", optarg) : strjoin("--", o->name));
                if (r < 0)
                        break;
        }
        optind = saved_optind;
        opterr = saved_opterr;
        if (r < 0)
                return r;
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int berthd_list_contains(sd_bus **bus, const char *member, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = berthd_call(bus, member, 0, &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(reply, &names);
        if (r < 0)
                return log_error_errno(r, "Failed to read berthd's answer: %m");
        return strv_contains(names, name);
}

int berthd_create_object(char *const *accepted, const char *list_member, const char *create_member,
                const struct option *options, const char *shortopts, int argc, char *argv[], bool ignore,
                bool print_ignored) {
        static char *const skip[] = { (char *) "ignore", NULL };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **l = NULL;
        const char *name = argv[argc - 1];
        int r;

        r = berthd_options_from_argv(options, shortopts, argc, argv, skip, &l);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return BERTHD_DO_IT_YOURSELF; /* an option berthd does not take */
        STRV_FOREACH(o, l) {
                _cleanup_free_ char *n = strndup(*o + 2, strcspn(*o + 2, "="));
                if (!n)
                        return log_oom();
                if (!strv_contains(accepted, n))
                        return BERTHD_DO_IT_YOURSELF;
        }
        if (ignore) {
                r = berthd_list_contains(&bus, list_member, name);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (print_ignored)
                                printf("%s\n", name);
                        return 0;
                }
        }
        r = berthd_new_call(&bus, create_member, &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, l);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return r;
        r = berthd_call_message(bus, m, UINT64_MAX, NULL);
        if (r < 0)
                return r;
        printf("%s\n", name);
        return 0;
}
