/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event model of `berth events` (lib/basic/berth-event.c): Docker's JSON shape and text line, and
 * the --filter rules; and the --format templates over it (lib/basic/go-template.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "berth-event.h"
#include "go-template.h"
#include "strv.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static BerthEvent container_event(const char *action, char *const *extra) {
        char *labels[] = { (char *) "app=web", NULL };
        BerthEvent e = { .type = strdup("container"),
                .action = strdup(action),
                .id = strdup(ID),
                .time_nsec = UINT64_C(1796691723123456789) };

        if (berth_event_container_attributes("web", "localhost/busybox:latest", labels, extra, &e.attributes) < 0)
                abort();
        return e;
}

static char *render(const char *tmpl, json_t *o) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f || go_template_render(f, tmpl, o) < 0) {
                if (f)
                        fclose(f);
                free(text);
                return NULL;
        }
        fclose(f);
        return text;
}

int main(void) {
        char *extra[] = { (char *) "exitCode=3", NULL };
        BerthEvent die = container_event("die", extra), health = container_event("health_status: healthy", NULL);
        BerthEvent volume = { .type = (char *) "volume", .action = (char *) "create", .id = (char *) "data" };
        char *line = NULL, *text;
        json_t *o;

        /* attributes sorted by key, labels among them, as Docker prints them */
        CHECK(berth_event_format(&die, &line) == 0);
        CHECK_STREQ(line, "2026-12-08T01:02:03.123456789Z container die " ID
                          " (app=web, exitCode=3, image=localhost/busybox:latest, name=web)");
        free(line);
        CHECK(berth_event_format(&volume, &line) == 0);
        CHECK_STREQ(line, "1970-01-01T00:00:00.000000000Z volume create data");
        free(line);

        o = berth_event_to_json(&die);
        CHECK(o != NULL);
        text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        CHECK_STREQ(text, "{\"Action\":\"die\",\"Actor\":{\"Attributes\":{\"app\":\"web\",\"exitCode\":\"3\",\"image\":"
                          "\"localhost/busybox:latest\",\"name\":\"web\"},\"ID\":\"" ID "\"},\"Type\":\"container\","
                          "\"from\":\"localhost/busybox:latest\",\"id\":\"" ID "\",\"scope\":\"local\",\"status\":"
                          "\"die\",\"time\":1796691723,\"timeNano\":1796691723123456789}");
        free(text);
        /* Docker's templates name the Go fields: {{.ID}} is "id", {{.TimeNano}} "timeNano" */
        text = render("{{.Type}} {{.Status}} {{.ID}} {{.Actor.Attributes.exitCode}} {{.Time}} {{.TimeNano}}", o);
        CHECK_STREQ(text, "container die " ID " 3 1796691723 1796691723123456789");
        free(text);
        json_decref(o);
        o = berth_event_to_json(&volume);
        CHECK(o && !json_object_get(o, "status") && !json_object_get(o, "from"));
        json_decref(o);

        CHECK(berth_event_filter_check("container=web") == 0);
        CHECK(berth_event_filter_check("event=die") == 0);
        CHECK(berth_event_filter_check("label=app") == 0);
        CHECK(berth_event_filter_check("name=web") == -EINVAL);
        CHECK(berth_event_filter_check("container") == -EINVAL);
        CHECK(berth_event_filter_check("container=") == -EINVAL);

        CHECK(berth_event_matches(&die, NULL));
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "container=web", NULL }));
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "container=0123456789ab", NULL }));
        CHECK(!berth_event_matches(&die, (char *[]) { (char *) "container=we", NULL }));
        CHECK(!berth_event_matches(&die, (char *[]) { (char *) "container=123", NULL }));
        /* one key's values are alternatives; different keys must all hold */
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "event=start", (char *) "event=die", NULL }));
        CHECK(!berth_event_matches(&die, (char *[]) { (char *) "event=die", (char *) "type=image", NULL }));
        CHECK(berth_event_matches(&health, (char *[]) { (char *) "event=health_status", NULL }));
        CHECK(berth_event_matches(&health, (char *[]) { (char *) "event=health_status: healthy", NULL }));
        CHECK(!berth_event_matches(&health, (char *[]) { (char *) "event=health", NULL }));
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "label=app", NULL }));
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "label=app=web", NULL }));
        CHECK(!berth_event_matches(&die, (char *[]) { (char *) "label=app=db", NULL }));
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "image=localhost/busybox", NULL }));
        CHECK(berth_event_matches(&die, (char *[]) { (char *) "image=localhost/busybox:latest", NULL }));
        CHECK(!berth_event_matches(&die, (char *[]) { (char *) "image=localhost/busy", NULL }));
        CHECK(berth_event_matches(&volume, (char *[]) { (char *) "volume=data", NULL }));
        CHECK(!berth_event_matches(&volume, (char *[]) { (char *) "container=data", NULL }));

        berth_event_done(&die);
        berth_event_done(&health);
        return tap_done();
}
