/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the image config blob (what a registry or an archive hands berth): parsing may refuse
 * anything but must not crash, leak, read out of bounds or grow quadratically with the input.
 * fuzz-sources: lib/image-config.c lib/image-store.c lib/image-digest.c lib/image-ref.c lib/json-util.c
 * fuzz-libs: jansson libcrypto libarchive */
#include <stdint.h>
#include <stdlib.h>

#include "image-config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ImageConfigInfo info = {};

        log_set_max_level(LOG_CRIT);
        if (image_config_parse((const char *) data, size, &info) >= 0)
                image_config_info_done(&info);
        return 0;
}
