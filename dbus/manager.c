/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.berth1.Manager on /org/berth1, and the image objects. Read-only members answer anyone (the bus
 * policy, org.berth1.conf, lets every user send them); members that change something are checked
 * with polkit (polkit.h) before they do. */

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "container-exec.h"
#include "compose.h"
#include "container-ops.h"
#include "container.h"
#include "image-store.h"
#include "log.h"
#include "manager.h"
#include "network-store.h"
#include "paths.h"
#include "polkit.h"
#include "strv.h"
#include "volume-store.h"
#include "worker.h"
#include "time-util.h"

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

static void format_created(uint64_t created, char buf[static RFC3339_MAX]) {
        buf[0] = 0;
        if (created > 0)
                (void) format_rfc3339(buf, (time_t) created);
}

/* Reads the store. A store that does not exist yet simply has no images: listing must never create
 * the store or fail because it is absent. */
static int read_images(ImageList *ret, sd_bus_error *error) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        const char *root = berth_path(BERTH_PATH_STORAGE);
        int r;

        if (access(root, F_OK) < 0) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                return sd_bus_error_set_errnof(error, r, "Cannot access the image store %s: %m", root);
        }
        r = image_store_open(root, &store);
        if (r >= 0)
                r = image_store_list(store, &ret->images, &ret->n);
        if (r == -EOPNOTSUPP)
                return 0;
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot read the image store %s: %m", root);
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

        r = read_images(&list, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssst)");
        for (size_t i = 0; r >= 0 && i < list.n; i++)
                r = append_image(reply, list.images[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- image objects: /org/berth1/image/<hex of the id> ------------------------------------------------ */

static char *image_object_path(const Image *image) {
        char *path = NULL;

        if (sd_bus_path_encode(BERTH_IMAGE_PREFIX, startswith(image->id, "sha256:") ?: image->id, &path) < 0)
                return NULL;
        return path;
}

static int image_of_path(const char *path, Image **ret, sd_bus_error *error) {
        _cleanup_(image_list_done) ImageList list = {};
        int r;

        r = read_images(&list, error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < list.n; i++) {
                _cleanup_free_ char *p = image_object_path(list.images[i]);
                if (p && streq(p, path)) {
                        *ret = list.images[i];
                        list.images[i] = NULL; /* the others are freed with the list */
                        return 0;
                }
        }
        return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "No such image object: %s", path);
}

static int image_property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *image = NULL;
        int r;

        r = image_of_path(path, &image, error);
        if (r < 0)
                return r;
        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "s", image->id);
        if (streq(property, "Names"))
                return sd_bus_message_append_strv(reply, image->names);
        if (streq(property, "Created"))
                return sd_bus_message_append(reply, "t", image->created);
        if (streq(property, "Size"))
                return sd_bus_message_append(reply, "t", image->size);
        if (streq(property, "Os"))
                return sd_bus_message_append(reply, "s", image->os ?: "");
        if (streq(property, "Architecture"))
                return sd_bus_message_append(reply, "s", image->architecture ?: "");
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s.", property);
}

static int image_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                sd_bus_error *error) {
        _cleanup_(image_freep) Image *image = NULL;

        if (image_of_path(path, &image, NULL) < 0)
                return 0;
        *found = userdata;
        return 1;
}

static int image_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes, sd_bus_error *error) {
        _cleanup_(image_list_done) ImageList list = {};
        _cleanup_strv_free_ char **paths = calloc(1, sizeof(char *));

        if (!paths || read_images(&list, NULL) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < list.n; i++)
                if (strv_consume(&paths, image_object_path(list.images[i])) < 0)
                        return -ENOMEM;
        *ret_nodes = TAKE_PTR(paths);
        return 0;
}

static int method_get_image(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_freep) Image *image = NULL;
        _cleanup_free_ char *path = NULL;
        const char *ref;
        int r;

        r = sd_bus_message_read(m, "s", &ref);
        if (r < 0)
                return r;
        if (access(berth_path(BERTH_PATH_STORAGE), F_OK) < 0)
                r = -ENOENT;
        else
                r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r >= 0)
                r = image_store_lookup(store, ref, &image);
        if (r == -ENOENT || r == -EINVAL)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "No such image: '%s'.", ref);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to look up image '%s': %m", ref);
        path = image_object_path(image);
        if (!path)
                return -ENOMEM;
        return sd_bus_reply_method_return(m, "o", path);
}

static const sd_bus_vtable image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", image_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Names", "as", image_property_get, 0, 0),
        SD_BUS_PROPERTY("Created", "t", image_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Size", "t", image_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Os", "s", image_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Architecture", "s", image_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

/* ---- verbs run by a berth process (worker.h) ------------------------------------------------------- */

/* An argument handed to berth: never an option, never empty, printable, bounded. */
int check_word(const char *what, const char *s, sd_bus_error *error) {
        if (isempty(s) || s[0] == '-' || strlen(s) > 512)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid %s '%s'.", what, s ?: "");
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid %s: control characters.",
                                        what);
        return 0;
}

/* Options handed to berth: each "--NAME[=VALUE]", NAME one of allowed. */
int check_options(char *const *options, const char *const *allowed, sd_bus_error *error) {
        if (strv_length(options) > 256)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many options.");
        STRV_FOREACH(o, options) {
                size_t n = strcspn(*o, "=");
                bool ok = false;

                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = startswith(*o, "--") && n == strlen(allowed[i]) + 2 &&
                             strncmp(*o + 2, allowed[i], n - 2) == 0;
                if (!ok || strlen(*o) > 4096)
                        return sd_bus_error_setf(error, BERTH_ERROR_INVALID_OPTION, "Option '%s' is not accepted here.",
                                        *o);
        }
        return 0;
}

static int authorize(Berthd *d, sd_bus_message *m, const char *action, const char *verb, const char *key,
                const char *value, sd_bus_error *error) {
        const char *details[] = { "verb", verb, key, value, NULL };
        return polkit_verify(d, m, action, details, error);
}

static int run_berth(Berthd *d, sd_bus_message *m, bool reply_output, sd_bus_error *error, const char *const *args,
                char *const *extra) {
        _cleanup_strv_free_ char **argv = NULL;

        for (size_t i = 0; args[i]; i++)
                if (strv_extend(&argv, args[i]) < 0)
                        return -ENOMEM;
        if (strv_extend_strv(&argv, extra) < 0)
                return -ENOMEM;
        return worker_start(d, m, WORKER_CALL, argv, -EBADF, reply_output, NULL, NULL, NULL, error);
}

static int method_pull_image(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const allowed[] = { "tls-verify", "platform", "os", "arch", "variant", "retry",
                "retry-delay", "creds", NULL };
        _cleanup_strv_free_ char **options = NULL, **argv = NULL;
        Berthd *d = userdata;
        const char *ref;
        int r;

        r = sd_bus_message_read(m, "s", &ref);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &options);
        if (r < 0)
                return r;
        r = check_word("image reference", ref, error);
        if (r >= 0)
                r = check_options(options, allowed, error);
        if (r < 0)
                return r;
        r = authorize(d, m, POLKIT_ACTION_IMAGES, "pull", "image", ref, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (strv_extend(&argv, "pull") < 0 || strv_extend(&argv, "--progress=plain") < 0 ||
                        strv_extend_strv(&argv, options) < 0 || strv_extend(&argv, "--") < 0 ||
                        strv_extend(&argv, ref) < 0)
                return -ENOMEM;
        return worker_start(d, m, WORKER_TRANSFER, argv, -EBADF, false, "pull", ref, ref, error);
}

static int method_import_image(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Berthd *d = userdata;
        const char *name;
        int fd, flags, r;

        r = sd_bus_message_read(m, "hs", &fd, &name);
        if (r < 0)
                return r;
        r = check_word("image name", name, error);
        if (r < 0)
                return r;
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || (flags & O_ACCMODE) == O_WRONLY)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "The file descriptor is not open for reading.");
        r = authorize(d, m, POLKIT_ACTION_IMAGES, "import", "image", name, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        {
                char *argv[] = { (char *) "image", (char *) "import", (char *) "-", (char *) name, NULL };
                return worker_start(d, m, WORKER_TRANSFER, argv, fd, false, "import", "", name, error);
        }
}

static int method_remove_image(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Berthd *d = userdata;
        const char *ref;
        int force, r;

        r = sd_bus_message_read(m, "sb", &ref, &force);
        if (r < 0)
                return r;
        r = check_word("image reference", ref, error);
        if (r < 0)
                return r;
        r = authorize(d, m, POLKIT_ACTION_IMAGES, "remove", "image", ref, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        {
                const char *args[] = { "image", "rm", force ? "--force" : "--", force ? "--" : NULL, NULL };
                char *extra[] = { (char *) ref, NULL };
                return run_berth(d, m, false, error, args, extra);
        }
}

static int method_tag_image(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Berthd *d = userdata;
        const char *ref, *target;
        int r;

        r = sd_bus_message_read(m, "ss", &ref, &target);
        if (r < 0)
                return r;
        r = check_word("image reference", ref, error);
        if (r >= 0)
                r = check_word("image name", target, error);
        if (r < 0)
                return r;
        r = authorize(d, m, POLKIT_ACTION_IMAGES, "tag", "image", ref, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        {
                const char *args[] = { "image", "tag", NULL };
                char *extra[] = { (char *) ref, (char *) target, NULL };
                return run_berth(d, m, false, error, args, extra);
        }
}

static int reply_strv(sd_bus_message *m, char **l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(m, &reply);

        if (r >= 0)
                r = sd_bus_message_append_strv(reply, l);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_volumes(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **names = NULL;
        int r = volume_list(&names);

        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to list volumes: %m");
        return reply_strv(m, names);
}

static int method_list_networks(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **names = NULL;
        int r = network_list(&names);

        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to list networks: %m");
        return reply_strv(m, names);
}

/* InspectVolume, InspectNetwork: what `berth volume|network inspect NAME` prints. */
static int inspect(sd_bus_message *m, Berthd *d, const char *what, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(m, "s", &name);

        if (r >= 0)
                r = check_word(what, name, error);
        if (r < 0)
                return r;
        {
                const char *args[] = { what, "inspect", NULL }; /* check_word(): name is no option */
                char *extra[] = { (char *) name, NULL };
                return run_berth(d, m, true, error, args, extra);
        }
}

static int method_inspect_volume(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return inspect(m, userdata, "volume", error);
}

static int method_inspect_network(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return inspect(m, userdata, "network", error);
}

static int create_object(sd_bus_message *m, Berthd *d, const char *what, const char *action, const char *const *allowed,
                sd_bus_error *error) {
        _cleanup_strv_free_ char **options = NULL, **extra = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &options);
        if (r < 0)
                return r;
        r = check_word(what, name, error);
        if (r >= 0)
                r = check_options(options, allowed, error);
        if (r < 0)
                return r;
        r = authorize(d, m, action, "create", what, name, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (strv_extend_strv(&extra, options) < 0 || strv_extend(&extra, "--") < 0 || strv_extend(&extra, name) < 0)
                return -ENOMEM;
        {
                const char *args[] = { what, "create", NULL };
                return run_berth(d, m, false, error, args, extra);
        }
}

static int method_create_volume(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const allowed[] = { "driver", "opt", "label", "uid", "gid", NULL };
        return create_object(m, userdata, "volume", POLKIT_ACTION_VOLUMES, allowed, error);
}

static int method_create_network(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const allowed[] = { "driver", "subnet", "gateway", "ip-range", "ipv6", "internal",
                "disable-dns", "dns", "opt", "label", "interface-name", NULL };
        return create_object(m, userdata, "network", POLKIT_ACTION_NETWORKS, allowed, error);
}

static int remove_object(sd_bus_message *m, Berthd *d, const char *what, const char *action, bool with_force,
                sd_bus_error *error) {
        const char *name;
        int force = 0, r;

        r = with_force ? sd_bus_message_read(m, "sb", &name, &force) : sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        r = check_word(what, name, error);
        if (r < 0)
                return r;
        r = authorize(d, m, action, "remove", what, name, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        {
                const char *args[] = { what, "rm", force ? "--force" : "--", force ? "--" : NULL, NULL };
                char *extra[] = { (char *) name, NULL };
                return run_berth(d, m, false, error, args, extra);
        }
}

static int method_remove_volume(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return remove_object(m, userdata, "volume", POLKIT_ACTION_VOLUMES, true, error);
}

static int method_remove_network(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return remove_object(m, userdata, "network", POLKIT_ACTION_NETWORKS, false, error);
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

        SD_BUS_METHOD_WITH_ARGS("ListContainers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", containers),
                        method_list_containers, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetContainer", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", path), method_get_container,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RunContainer",
                        SD_BUS_ARGS("s", name, "s", image, "as", command, "as", options, "a{sv}", settings),
                        SD_BUS_RESULT("o", path), method_run_container, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_start_container,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopContainer", SD_BUS_ARGS("s", name, "u", timeout), SD_BUS_NO_RESULT,
                        method_stop_container, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RestartContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_restart_container,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillContainer", SD_BUS_ARGS("s", name, "i", signal), SD_BUS_NO_RESULT,
                        method_kill_container, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveContainer", SD_BUS_ARGS("s", name, "b", force), SD_BUS_NO_RESULT,
                        method_remove_container, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ContainerLogs", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", fd),
                        method_container_logs_by_name, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ContainerLogsWithFlags", SD_BUS_ARGS("s", name, "t", flags), SD_BUS_RESULT("h", fd),
                        method_container_logs_by_name_with_flags, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Exec",
                        SD_BUS_ARGS("s", name, "as", command, "as", environment, "s", workdir, "s", user, "b", tty),
                        SD_BUS_RESULT("u", exec_id, "h", stdin, "h", stdout, "h", stderr), method_exec,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ExecWait", SD_BUS_ARGS("u", exec_id), SD_BUS_RESULT("i", status), method_exec_wait,
                        SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssst)", images), method_list_images,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetImage", SD_BUS_ARGS("s", reference), SD_BUS_RESULT("o", path), method_get_image,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("PullImage", SD_BUS_ARGS("s", reference, "as", options),
                        SD_BUS_RESULT("u", transfer_id, "o", transfer_path), method_pull_image,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportImage", SD_BUS_ARGS("h", fd, "s", name),
                        SD_BUS_RESULT("u", transfer_id, "o", transfer_path), method_import_image,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveImage", SD_BUS_ARGS("s", reference, "b", force), SD_BUS_NO_RESULT,
                        method_remove_image, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TagImage", SD_BUS_ARGS("s", reference, "s", new_name), SD_BUS_NO_RESULT,
                        method_tag_image, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("BuildImage", SD_BUS_ARGS("h", context, "as", tags, "as", options),
                        SD_BUS_RESULT("u", transfer_id, "o", transfer_path), method_build_image,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListTransfers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(usssdo)", transfers),
                        method_list_transfers, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CancelTransfer", SD_BUS_ARGS("u", transfer_id), SD_BUS_NO_RESULT,
                        method_cancel_transfer, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_METHOD_WITH_ARGS("ListVolumes", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", names), method_list_volumes,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("InspectVolume", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", json),
                        method_inspect_volume, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateVolume", SD_BUS_ARGS("s", name, "as", options), SD_BUS_NO_RESULT,
                        method_create_volume, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveVolume", SD_BUS_ARGS("s", name, "b", force), SD_BUS_NO_RESULT,
                        method_remove_volume, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListNetworks", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", names), method_list_networks,
                        SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("InspectNetwork", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", json),
                        method_inspect_network, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateNetwork", SD_BUS_ARGS("s", name, "as", options), SD_BUS_NO_RESULT,
                        method_create_network, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveNetwork", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_remove_network,
                        SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_METHOD_WITH_ARGS("ComposeUp", SD_BUS_ARGS("s", project_file, "as", options), SD_BUS_NO_RESULT,
                        method_compose_up, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ComposeDown", SD_BUS_ARGS("s", project_file, "as", options), SD_BUS_NO_RESULT,
                        method_compose_down, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ComposePs", SD_BUS_ARGS("s", project_file), SD_BUS_RESULT("s", table),
                        method_compose_ps, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS("ContainerNew", SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerRemoved", SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ExecExited", SD_BUS_ARGS("u", exec_id, "i", status), 0),
        SD_BUS_SIGNAL_WITH_ARGS("TransferNew", SD_BUS_ARGS("u", transfer_id, "o", transfer_path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("TransferRemoved", SD_BUS_ARGS("u", transfer_id, "o", transfer_path, "s", result), 0),
        SD_BUS_VTABLE_END,
};

int manager_add_objects(Berthd *d) {
        int r;

        r = sd_bus_add_object_vtable(d->bus, NULL, BERTH_MANAGER_PATH, BERTH_MANAGER_IFACE, manager_vtable, d);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(d->bus, NULL, BERTH_IMAGE_PREFIX, BERTH_IMAGE_IFACE, image_vtable,
                                image_find, d);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(d->bus, NULL, BERTH_IMAGE_PREFIX, image_enumerate, d);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s: %m", BERTH_MANAGER_PATH);
        r = container_objects_add(d);
        if (r >= 0)
                r = container_jobs_watch(d);
        if (r >= 0)
                r = transfer_objects_add(d);
        return r;
}
