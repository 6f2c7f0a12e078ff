/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .volume → NAME-volume.service, a oneshot running `berth volume create --ignore [OPTIONS] NAME`. */
#include "strv.h"
#include "unit-convert.h"
#include "user-name.h"

static const KeyFlag volume_flags[] = {
        { "Driver", "--driver", KEY_FLAG_STRING, NULL },
        { "Type", "--opt", KEY_FLAG_STRING, "type=" },
        { "Device", "--opt", KEY_FLAG_STRING, "device=" },
        { "Options", "--opt", KEY_FLAG_STRING, "o=" },
        { "Copy", "--opt", KEY_FLAG_BOOL, "copy=" },
        { "UID", "--uid", KEY_FLAG_STRING, NULL },
        { "GID", "--gid", KEY_FLAG_STRING, NULL },
        { "User", "--opt", KEY_FLAG_STRING, "uid=" },
        { "Group", "--opt", KEY_FLAG_STRING, "gid=" },
        { "Label", "--label", KEY_FLAG_WORDS, NULL },
};

static const struct {
        const char *key;
        bool numeric;
        const char *expected;
} owner_keys[] = {
        { "UID", true, "a numeric user id" },
        { "GID", true, "a numeric group id" },
        { "User", false, "a user name or number" },
        { "Group", false, "a group name or number" },
};

static const char *const volume_keys[] = { "VolumeName", NULL };
static const char *const volume_unsupported[] = { "Image", NULL };

int convert_volume(ConvertContext *c) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *type = NULL, *device = NULL, *driver = NULL;
        const UnitEntry *te, *de;
        int r;

        r = convert_check_keys(c, volume_flags, ELEMENTSOF(volume_flags), volume_keys, volume_unsupported);
        if (r < 0)
                return r;
        /* Names are looked up when the volume is made (Quadlet takes names too); their form is checked now.
         */
        for (size_t i = 0; i < ELEMENTSOF(owner_keys); i++) {
                const UnitEntry *e;
                _cleanup_free_ char *v = convert_lookup(c, owner_keys[i].key, &e);
                uid_t id;
                if (v && !(owner_keys[i].numeric ? user_id_parse(v, &id) >= 0 : user_name_is_valid(v)))
                        return convert_error(c, e, "'%s' is not %s.", v, owner_keys[i].expected);
        }
        driver = convert_lookup(c, "Driver", &de);
        if (driver && !streq(driver, "local"))
                return convert_error(c, de, "'%s' is not supported: berth volumes use the local driver.", driver);
        type = convert_lookup(c, "Type", &te);
        device = convert_lookup(c, "Device", NULL);
        if (type && !device)
                return convert_error(c, te, "Type= needs Device= as well.");
        /* A bind "volume" is a host directory: it must be mounted first. */
        if (type && streq(type, "bind") && device[0] == '/') {
                r = convert_add_mounts_for(c, device);
                if (r < 0)
                        return r;
        }

        r = convert_cli_argv(&argv, "volume", "create", "--ignore", NULL);
        if (r >= 0)
                r = convert_key_flags(c, volume_flags, ELEMENTSOF(volume_flags), &argv);
        if (r >= 0)
                r = strv_extend(&argv, c->def->resource_name);
        if (r >= 0)
                r = convert_oneshot_service(c);
        if (r < 0)
                return r;
        return convert_add_exec(c, "ExecStart", argv);
}
