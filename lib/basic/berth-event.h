/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* An event, Docker's model: what happened (Type and Action) to which object (the Actor: its ID and
 * Attributes such as name, image, exitCode, its labels) and when. The programs where things happen
 * write events (lib/sys/event-journal.h keeps them in the journal); `berth events` reads them back.
 * Owned here: the shapes Docker's clients parse (the JSON object, the text line) and the --filter
 * rules. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct BerthEvent {
        char *type;         /* container, image, volume, network */
        char *action;       /* create, start, die, stop, kill, restart, destroy, "health_status: healthy", ... */
        char *id;           /* the Actor's ID: a container's or image's 64-hex ID, a volume's or network's name */
        char **attributes;  /* KEY=VALUE, sorted by key: name, image, exitCode, signal, the labels */
        uint64_t time_nsec; /* CLOCK_REALTIME */
} BerthEvent;

void berth_event_done(BerthEvent *e);

/* The attributes of a container's events: name, image and its labels (KEY=VALUE), then extra (KEY=VALUE,
 * such as exitCode=3), sorted by key. name and image may be NULL. */
int berth_event_container_attributes(const char *name, const char *image, char *const *labels, char *const *extra,
                char ***ret);

/* Docker's event object: {"status", "id", "from" (containers and images), "Type", "Action",
 * "Actor": {"ID", "Attributes"}, "scope": "local", "time" (seconds), "timeNano"}. NULL on OOM. */
json_t *berth_event_to_json(const BerthEvent *e);

/* Docker's line: "2026-12-08T01:02:03.000000000Z container start ID (image=busybox, name=web)"; and
 * the same without the time, as the journal entry's MESSAGE. */
int berth_event_format(const BerthEvent *e, char **ret);
int berth_event_describe(const BerthEvent *e, char **ret);

/* --filter KEY=VALUE: container (a name or an ID or its prefix), event (an action; "health_status"
 * matches every health status), type, label (KEY or KEY=VALUE), image, volume, network. Filters of one
 * key are alternatives, of different keys all must hold, as in Docker. */
int berth_event_filter_check(const char *filter);
bool berth_event_matches(const BerthEvent *e, char *const *filters);
