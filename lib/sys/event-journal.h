/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Events (berth-event.h) kept in the journal: the programs write one structured entry where something
 * happens (the runtime: start, die, health_status; the CLI: create, stop, kill, restart, destroy, and
 * the image, volume and network verbs), and `berth events` reads them, past and live, from the one
 * ordered source. An entry carries MESSAGE_ID=BERTH_EVENT_MESSAGE_ID, a MESSAGE for journalctl
 * ("container start ID (image=..., name=web)"), and BERTH_EVENT_TYPE, _ACTION, _ID, _TIME (ns since the epoch) and
 * _ATTRIBUTES (a JSON object), so `journalctl BERTH_EVENT_ACTION=die` works too. */

#include <systemd/sd-journal.h>

#include "berth-event.h"
#include "container-ref.h"
#include "macro.h"

#define BERTH_EVENT_MESSAGE_ID "8a0a73f9bb364d1dad781ad4495a02f9"

/* Writes e; a time_nsec of 0 is now. */
int event_journal_write(const BerthEvent *e);
/* A container's event: attributes as berth_event_container_attributes() makes them. */
int event_journal_write_container(const char *action, const char *id, const char *name, const char *image,
                char *const *labels, char *const *extra);
/* The same with the ID, name, image and labels a running container's state.json (running-containers.h) has. */
int event_journal_write_container_state(const char *action, json_t *state, char *const *extra);
/* A container's event without its action, for ref: its ID, name, image and labels from its state.json
 * while it runs, else from its record, else the ID derived from its name (a generator-made one's). */
int event_container_from_ref(const ContainerRef *ref, BerthEvent *ret);
/* Writes the event action of ref, with extra attributes (KEY=VALUE). */
int event_journal_write_container_ref(const char *action, const ContainerRef *ref, char *const *extra);
/* An image's, volume's or network's event, with the attribute name= when name is not NULL. */
int event_journal_write_object(const char *type, const char *action, const char *id, const char *name);

/* The local journal, matched to berth's events. */
int event_journal_open(sd_journal **ret);
/* The event of the entry j points at: -EBADMSG when it is not a complete one. */
int event_journal_read(sd_journal *j, BerthEvent *ret);
