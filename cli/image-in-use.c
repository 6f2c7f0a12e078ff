/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "container-lookup.h"
#include "container-record.h"
#include "container-spec.h"
#include "image-in-use.h"
#include "log.h"
#include "run-options.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-unit.h"

void image_users_done(ImageUsers *u) {
        for (size_t i = 0; i < u->n; i++) {
                free(u->items[i].container);
                free(u->items[i].image_id);
        }
        free(u->items);
        *u = (ImageUsers) {};
}

static bool has_container(const ImageUsers *u, const char *name) {
        for (size_t i = 0; i < u->n; i++)
                if (streq(u->items[i].container, name))
                        return true;
        return false;
}

static int add_user(ImageUsers *u, const char *container, const char *image_id, bool running) {
        ImageUser *items = reallocarray(u->items, u->n + 1, sizeof(ImageUser));

        if (!items)
                return log_oom();
        u->items = items;
        items[u->n] = (ImageUser) { .container = strdup(container), .image_id = strdup(image_id), .running = running };
        if (!items[u->n].container || !items[u->n].image_id) {
                free(items[u->n].container);
                free(items[u->n].image_id);
                return log_oom();
        }
        u->n++;
        return 0;
}

static int add_running(ImageUsers *u) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = running_containers(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list running containers: %m");
        STRV_FOREACH(n, names) {
                _cleanup_(container_state_done) ContainerState state = {};

                if (container_state_read(*n, &state) < 0)
                        continue; /* ended meanwhile: its unit, if kept, is found below */
                r = state.image_id ? add_user(u, *n, state.image_id, true) : 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The image reference in a unit's "berth-runtime supervise [OPTIONS] IMAGE ..." ExecStart=. */
static char *unit_image_reference(sd_bus *bus, const UnitInfo *unit) {
        _cleanup_(container_spec_done) ContainerSpec spec;

        container_spec_init(&spec);
        if (container_spec_from_unit(bus, unit->path, &spec) < 0 || spec.rootfs || !spec.image)
                return NULL;
        return TAKE_PTR(spec.image);
}

static int add_stopped(ImageStore *store, ImageUsers *u) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char *berth_units[] = { (char *) "berth-*.service", NULL };
        char *failed[] = { (char *) "failed", NULL };
        int r;

        if (sd_booted() <= 0)
                return 0; /* no systemd, so no units: containers run only by hand, found above */
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        for (int pass = 0; pass < 2; pass++) {
                UnitInfo *units = NULL;
                size_t n = 0;

                /* every berth-*.service, then failed units of any name (generator-made ones) */
                r = pass == 0 ? systemd_list_units(bus, NULL, berth_units, &units, &n)
                              : systemd_list_units(bus, failed, NULL, &units, &n);
                if (r < 0)
                        return log_error_errno(r, "Failed to list units: %m");
                for (size_t i = 0; i < n && r >= 0; i++) {
                        _cleanup_free_ char *name = NULL, *reference = NULL;
                        _cleanup_(image_freep) Image *image = NULL;

                        if (streq(units[i].load_state, "not-found"))
                                continue;
                        name = container_name_of_unit(bus, &units[i]);
                        if (!name || has_container(u, name))
                                continue;
                        reference = unit_image_reference(bus, &units[i]);
                        /* an image that is gone already is nobody's to keep */
                        if (!reference || image_store_lookup(store, reference, &image) < 0)
                                continue;
                        r = add_user(u, name, image->id, false);
                }
                unit_info_array_free(units, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Exited containers of `berth run` (their records, kept until berth rm): their units are gone. */
static int add_recorded(ImageStore *store, ImageUsers *u) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = container_records(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list the containers' records: %m");
        STRV_FOREACH(n, names) {
                _cleanup_(container_record_done) ContainerRecord record = {};
                _cleanup_(image_freep) Image *image = NULL;

                if (has_container(u, *n) || container_record_read(*n, &record) < 0)
                        continue;
                if (!record.spec.image || record.spec.rootfs || image_store_lookup(store, record.spec.image, &image) < 0)
                        continue;
                r = add_user(u, *n, image->id, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

int image_users_load(ImageStore *store, ImageUsers *ret) {
        _cleanup_(image_users_done) ImageUsers u = {};
        int r;

        r = add_running(&u);
        if (r >= 0)
                r = add_stopped(store, &u);
        if (r >= 0)
                r = add_recorded(store, &u);
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(u);
        return 0;
}

const ImageUser *image_users_find(const ImageUsers *u, const char *image_id) {
        for (size_t i = 0; i < u->n; i++)
                if (streq(u->items[i].image_id, image_id))
                        return &u->items[i];
        return NULL;
}

int image_users_ids(const ImageUsers *u, char ***ret) {
        _cleanup_strv_free_ char **ids = NULL;

        for (size_t i = 0; i < u->n; i++)
                if (!strv_contains(ids, u->items[i].image_id) && strv_extend(&ids, u->items[i].image_id) < 0)
                        return log_oom();
        *ret = TAKE_PTR(ids);
        return 0;
}
