/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the image config blob (what a registry or an archive hands berth): parsing may refuse
 * anything but must not crash, leak, read out of bounds or grow quadratically with the input.
 * fuzz-sources: lib/store/image-config.c lib/store/image-store.c lib/store/image-digest.c
 * fuzz-libs: libarchive */
#include <stdint.h>
#include <stdlib.h>

#include "image-config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ImageConfigInfo info = {};
        char *error = NULL;
        int r;

        log_set_max_level(LOG_CRIT);
        r = image_config_parse((const char *) data, size, &info, &error);
        if (r < 0 && r != -ENOMEM && !error)
                abort(); /* every refusal says why */
        if (r >= 0)
                image_config_info_done(&info);
        free(error);
        return 0;
}
