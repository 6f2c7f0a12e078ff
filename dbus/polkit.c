/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>

#include "fs-util.h"
#include "log.h"
#include "polkit.h"
#include "strv.h"

struct PolkitQuery {
        PolkitQuery *next;
        Berthd *daemon;
        sd_bus_message *call; /* the method call waiting for the answer (a reference) */
        sd_bus_slot *slot;    /* the pending CheckAuthorization */
        char *action;
        char **details;
        bool done;
        int result; /* 1 allowed, < 0 refused or failed (with error) */
        sd_bus_error error;
};

static PolkitQuery *polkit_query_free(PolkitQuery *q) {
        if (!q)
                return NULL;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->call);
        free(q->action);
        strv_free(q->details);
        sd_bus_error_free(&q->error);
        free(q);
        return NULL;
}

static void polkit_query_unlink(Berthd *d, PolkitQuery *q) {
        for (PolkitQuery **p = &d->polkit_queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        d->n_polkit_queries--;
                        return;
                }
}

void polkit_queries_free(Berthd *d) {
        while (d->polkit_queries) {
                PolkitQuery *q = d->polkit_queries;
                polkit_query_unlink(d, q);
                polkit_query_free(q);
        }
}

static bool details_equal(char *const *a, const char *const *b) {
        size_t i = 0;

        for (; a && a[i]; i++)
                if (!b || !b[i] || !streq(a[i], b[i]))
                        return false;
        return !b || !b[i];
}

static int on_check_authorization(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->done = true;
        e = sd_bus_message_get_error(reply);
        if (e) {
                /* polkit is not installed or failed: refuse, and say why */
                log_debug("polkit failed: %s: %s", e->name, e->message);
                q->result = -EACCES;
                (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                "Not authorized: polkit could not be asked (%s).", e->message ?: e->name);
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        q->result = -EACCES;
                        (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Not authorized: polkit gave an answer berthd cannot read.");
                } else if (authorized)
                        q->result = 1;
                else if (challenge) {
                        q->result = -EACCES;
                        (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                        "Authentication is required for %s.", q->action);
                } else {
                        q->result = -EACCES;
                        (void) sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Not authorized for %s (polkit refused).", q->action);
                }
        }

        /* Dispatch the original call again: its handler finds the answer now. */
        r = sd_bus_message_rewind(q->call, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->call), q->call);
        if (r < 0) {
                log_debug_errno(r, "Failed to re-dispatch a call after polkit answered: %m");
                (void) sd_bus_reply_method_errorf(q->call, SD_BUS_ERROR_FAILED, "Authorization failed.");
                polkit_query_unlink(q->daemon, q);
                polkit_query_free(q);
        }
        return 0;
}

static int polkit_ask(Berthd *d, sd_bus_message *call, const char *action, const char *const *details,
                sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        PolkitQuery *q;
        const char *sender = sd_bus_message_get_sender(call);
        int r;

        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Not authorized: unknown sender.");
        if (d->n_polkit_queries >= BERTHD_POLKIT_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many authorizations in flight.");

        r = sd_bus_message_new_method_call(d->bus, &m, "org.freedesktop.PolicyKit1",
                        "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.PolicyKit1.Authority",
                        "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, action);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{ss}");
        for (size_t i = 0; r >= 0 && details && details[i] && details[i + 1]; i += 2)
                r = sd_bus_message_append(m, "{ss}", details[i], details[i + 1]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "us",
                                (uint32_t) !!sd_bus_message_get_allow_interactive_authorization(call), "");
        if (r < 0)
                return r;

        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->daemon = d;
        q->call = sd_bus_message_ref(call);
        q->action = strdup(action);
        for (size_t i = 0; details && details[i]; i++)
                if (strv_extend(&q->details, details[i]) < 0) {
                        polkit_query_free(q);
                        return -ENOMEM;
                }
        if (!q->action) {
                polkit_query_free(q);
                return -ENOMEM;
        }
        /* Interactive authentication may take a person minutes: no short timeout. */
        r = sd_bus_call_async(d->bus, &q->slot, m, on_check_authorization, q, UINT64_C(600) * 1000000);
        if (r < 0) {
                polkit_query_free(q);
                return r;
        }
        q->next = d->polkit_queries;
        d->polkit_queries = q;
        d->n_polkit_queries++;
        return 0;
}

int polkit_verify(Berthd *d, sd_bus_message *call, const char *action, const char *const *details, sd_bus_error *error) {
        int r;

        for (PolkitQuery *q = d->polkit_queries; q; q = q->next) {
                if (q->call != call)
                        continue;
                if (!q->done) /* cannot happen: the call is re-dispatched only once answered */
                        return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Authorization still pending.");
                polkit_query_unlink(d, q);
                if (!streq(q->action, action) || !details_equal(q->details, details))
                        r = sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Authorization does not match the call.");
                else if (q->result > 0)
                        r = 1;
                else {
                        (void) sd_bus_error_copy(error, &q->error);
                        r = q->result;
                }
                polkit_query_free(q);
                return r < 0 ? r : 1;
        }

        /* root, or CAP_SYS_ADMIN, needs no polkit */
        r = sd_bus_query_sender_privilege(call, CAP_SYS_ADMIN);
        if (r < 0)
                return r;
        if (r > 0)
                return 1;
        r = polkit_ask(d, call, action, details, error);
        if (r < 0 && !sd_bus_error_is_set(error))
                return sd_bus_error_set_errnof(error, r, "Failed to ask polkit: %m");
        return r;
}
