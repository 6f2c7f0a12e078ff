/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the --volume and --mount parsers (lib/spec/volume-spec.c), which read what users
 * write in Volume=, Mount=, -v and --mount, with the naming of anonymous volumes, --volumes-from and
 * the check of what covers a path. They may refuse anything, never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "volume-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        VolumeSpec v = {};
        char *tmpfs_options = NULL;
        bool tmpfs;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        if (volume_spec_parse(s, &v) >= 0)
                volume_spec_done(&v);
        if (mount_spec_parse(s, &v, &tmpfs, &tmpfs_options) >= 0) {
                volume_spec_done(&v);
                free(tmpfs_options);
        }
        for (int mount = 0; mount < 2; mount++) {
                char *named = NULL, **volumes = NULL, **mounts = NULL, *list[] = { s, NULL };
                if (volume_spec_name_anonymous(s, mount, "anon", &named) > 0 && mount &&
                                mount_spec_parse(named, &v, &tmpfs, &tmpfs_options) >= 0) {
                        volume_spec_done(&v);
                        free(tmpfs_options);
                }
                free(named);
                (void) volume_specs_cover(list, list, list, "/data");
                if (volume_specs_add_from(&volumes, &mounts, list, list, mount ? "ro" : NULL) >= 0) {
                        strv_free(volumes);
                        strv_free(mounts);
                }
        }
        free(s);
        return 0;
}
