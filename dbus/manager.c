/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.berth1.Manager: the read-only part of berth's D-Bus API.
 *
 *   property Version  s            berth's version
 *   method   Ping()          -> s  "pong"; proves the service is reachable (and activates it)
 *   method   ListImages()    -> a(ssst)
 *            one entry per image name (an image without a name gets one entry with name ""):
 *            (name, id "sha256:...", created as RFC 3339 UTC or "" when unknown, size in bytes)
 *
 * Every member is callable by anyone: the bus policy (org.berth1.conf) decides who may send
 * what, and these members change nothing. */

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "image-store.h"
#include "log.h"
#include "manager.h"
#include "paths.h"

typedef struct ImageList {
        Image **images;
        size_t n;
} ImageList;

static void image_list_done(ImageList *l) {
        for (size_t i = 0; i < l->n; i++)
                image_free(l->images[i]);
        free(l->images);
        l->images = NULL;
        l->n = 0;
}

static void format_created(uint64_t created, char buf[static 32]) {
        struct tm tm;
        time_t t = (time_t) created;

        buf[0] = 0;
        if (created == 0 || !gmtime_r(&t, &tm))
                return;
        (void) strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads the store at root. A store that does not exist yet, or a berth built without one, simply
 * has no images: listing must never create the store or fail because it is absent. */
static int read_images(const char *root, ImageList *ret, sd_bus_error *error) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        int r;

        if (access(root, F_OK) < 0) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                log_error_errno(r, "Cannot access the image store %s: %m", root);
                return sd_bus_error_set_errnof(error, r, "Cannot access the image store %s: %m", root);
        }

        r = image_store_open(root, &store);
        if (r == -EOPNOTSUPP) {
                log_debug("This berth has no image store yet; listing no images.");
                return 0;
        }
        if (r >= 0)
                r = image_store_list(store, &ret->images, &ret->n);
        if (r == -EOPNOTSUPP)
                return 0;
        if (r < 0) {
                log_error_errno(r, "Cannot read the image store %s: %m", root);
                return sd_bus_error_set_errnof(error, r, "Cannot read the image store %s: %m", root);
        }
        return 0;
}

static int append_image(sd_bus_message *reply, const Image *image) {
        char created[32];
        int r;

        format_created(image->created, created);
        if (!image->names || !image->names[0])
                return sd_bus_message_append(reply, "(ssst)", "", image->id, created, image->size);

        STRV_FOREACH(name, image->names) {
                r = sd_bus_message_append(reply, "(ssst)", *name, image->id, created, image->size);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int method_list_images(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(image_list_done) ImageList list = {};
        int r;

        r = read_images(berth_path(BERTH_PATH_STORAGE), &list, error);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssst)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < list.n; i++) {
                r = append_image(reply, list.images[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

static int method_ping(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "s", "pong");
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", BERTH_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
                SD_BUS_VTABLE_START(0),
                SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
                SD_BUS_METHOD_WITH_ARGS("Ping", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", reply), method_ping,
                                SD_BUS_VTABLE_UNPRIVILEGED),
                SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssst)", images),
                                method_list_images, SD_BUS_VTABLE_UNPRIVILEGED),
                SD_BUS_VTABLE_END,
};

int manager_add_object(sd_bus *bus) {
        int r;

        r = sd_bus_add_object_vtable(
                        bus, NULL, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, manager_vtable, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s: %m", BERTH_MANAGER_PATH);
        return 0;
}
