/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "log.h"
#include "pod-store.h"
#include "strv.h"
#include "tap.h"
#include "volume-store.h"

#define STRV_MAKE(...) ((char *[]) { __VA_ARGS__, NULL })

static void test_names(void) {
        CHECK(volume_name_is_valid("data"));
        CHECK(volume_name_is_valid("a.b_c-d9"));
        CHECK(volume_name_is_valid("9"));
        CHECK(!volume_name_is_valid(""));
        CHECK(!volume_name_is_valid(NULL));
        CHECK(!volume_name_is_valid("_data"));
        CHECK(!volume_name_is_valid(".hidden"));
        CHECK(!volume_name_is_valid("a/b"));
        CHECK(!volume_name_is_valid("a:b"));
        CHECK(!volume_name_is_valid(".."));
        CHECK(pod_name_is_valid("web-1"));
        CHECK(!pod_name_is_valid("-web"));
        CHECK(!pod_name_is_valid("we b"));
}

static int validate(char **opts) {
        VolumeCreateArgs a = { .name = "v", .options = opts, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        return volume_args_validate(&a);
}

static void test_options(void) {
        CHECK(validate(STRV_MAKE("type=tmpfs", "o=size=1m")) == 0);
        CHECK(validate(STRV_MAKE("type=tmpfs", "device=tmpfs")) == 0);
        CHECK(validate(STRV_MAKE("type=bind", "device=/srv", "o=bind")) == 0);
        CHECK(validate(STRV_MAKE("type=ext4", "device=/dev/vdb")) == 0);
        CHECK(validate(STRV_MAKE("copy=false")) == 0);
        CHECK(validate(STRV_MAKE("uid=1000", "gid=1000")) == 0);
        CHECK(validate(STRV_MAKE("size=1")) == -EINVAL);
        CHECK(validate(STRV_MAKE("type")) == -EINVAL);
        CHECK(validate(STRV_MAKE("=x")) == -EINVAL);
        CHECK(validate(STRV_MAKE("device=/dev/vdb")) == -EINVAL);
        CHECK(validate(STRV_MAKE("type=ext4")) == -EINVAL);
        CHECK(validate(STRV_MAKE("type=bind", "device=relative")) == -EINVAL);
        CHECK(validate(STRV_MAKE("copy=maybe")) == -EINVAL);
        CHECK(validate(STRV_MAKE("uid=-1")) == -EINVAL);
        /* Names as Quadlet's User=/Group= take them; looked up when the volume is made. */
        CHECK(validate(STRV_MAKE("uid=root", "gid=root")) == 0);
        CHECK(validate(STRV_MAKE("uid=a/b")) == -EINVAL);
        CHECK(validate(STRV_MAKE("gid=")) == -EINVAL);
        CHECK(validate(STRV_MAKE("uid=a b")) == -EINVAL);
}

static void test_store(void) {
        char tmpl[] = "/tmp/berth-test-volume-XXXXXX";
        VolumeCreateArgs a = {
                .name = "v1",
                .options = STRV_MAKE("type=tmpfs", "o=size=1m"),
                .labels = STRV_MAKE("app=web"),
                .uid = (uid_t) -1,
                .gid = (gid_t) -1,
        };
        _cleanup_(volume_freep) Volume *v = NULL, *w = NULL;
        _cleanup_strv_free_ char **names = NULL, **users = NULL;
        _cleanup_free_ char *broken = NULL;
        json_t *j;

        CHECK(mkdtemp(tmpl) != NULL);
        setenv("BERTH_STATE_DIR", tmpl, 1);
        setenv("BERTH_RUN_DIR", tmpl, 1);

        CHECK(volume_load("v1", &v) == -ENOENT);
        CHECK(volume_create(&a, &v) == 0);
        CHECK(v && streq(v->name, "v1") && streq(v->driver, "local"));
        CHECK(v && endswith(v->mountpoint, "/volumes/v1/_data"));
        CHECK_STREQ(v ? volume_option(v, "type") : NULL, "tmpfs");
        CHECK_STREQ(v ? volume_option(v, "o") : NULL, "size=1m");
        CHECK(v && !volume_option(v, "device"));
        CHECK(v && strv_contains(v->labels, "app=web"));
        CHECK(volume_create(&a, NULL) == -EEXIST);

        j = v ? volume_to_json(v) : NULL;
        CHECK_STREQ(json_string_value(json_object_get(j, "Name")), "v1");
        CHECK_STREQ(json_string_value(json_object_get(json_object_get(j, "Labels"), "app")), "web");
        CHECK_STREQ(json_string_value(json_object_get(json_object_get(j, "Options"), "type")), "tmpfs");
        json_decref(j);

        /* A crash before volume.json: the next create replaces the leftover. */
        broken = strjoin(tmpl, "/volumes/v0/_data");
        CHECK(mkdir_p(broken, 0755) == 0);
        CHECK(volume_load_or_create("v2", &w) == 0);
        CHECK(w && w->uid == (uid_t) -1 && strv_length(w->options) == 0);
        CHECK(volume_list(&names) == 0);
        CHECK(names && strv_length(names) == 2 && streq(names[0], "v1") && streq(names[1], "v2"));

        {
                _cleanup_(volume_freep) Volume *owned = NULL;
                VolumeCreateArgs by_name = { .name = "v3",
                        .options = STRV_MAKE("uid=root", "gid=root"),
                        .uid = (uid_t) -1,
                        .gid = (gid_t) -1 };
                VolumeCreateArgs unknown = { .name = "v4",
                        .options = STRV_MAKE("uid=berth-no-such-user"),
                        .uid = (uid_t) -1,
                        .gid = (gid_t) -1 };
                CHECK(volume_create(&by_name, &owned) == 0);
                CHECK(owned && owned->uid == 0 && owned->gid == 0);
                CHECK(volume_create(&unknown, NULL) == -ESRCH);
                CHECK(volume_load("v4", &owned) == -ENOENT); /* nothing half-made */
        }

        CHECK(volume_users("v1", &users) == 0 && users && !users[0]);
        CHECK(volume_remove("v1", false) == 0);
        CHECK(volume_remove("v1", false) == -ENOENT);
        CHECK(volume_remove("../etc", false) == -ENOENT);
        CHECK(rm_rf(tmpl) == 0);
}

int main(void) {
        log_set_max_level(LOG_CRIT); /* the expected errors are logged; keep TAP output readable */
        test_names();
        test_options();
        test_store();
        return tap_done();
}
