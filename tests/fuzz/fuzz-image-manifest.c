/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: what a registry answers for a manifest (OCI image manifest and index, docker
 * schema 2 manifest and manifest list), through the pull's own checks: parse with a Content-Type,
 * then pick a platform from an index or read the config and layer descriptors of an image manifest.
 * The first byte picks the Content-Type. Errors are fine; crashes, leaks and UB are not.
 * fuzz-sources: lib/store/image-manifest.c lib/store/image-config.c lib/store/image-store.c lib/store/image-digest.c
 * fuzz-libs: libarchive */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image-manifest.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
        NULL,
        "application/json",
        MT_OCI_MANIFEST,
        MT_OCI_INDEX,
        MT_DOCKER_MANIFEST "; charset=utf-8",
        MT_DOCKER_LIST,
        MT_DOCKER_V1 "+prettyjws",
        "text/html",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(manifest_done) Manifest m = {};
        _cleanup_free_ char *error = NULL;
        const char *content_type;
        int r;

        log_set_max_level(LOG_CRIT);
        if (size < 1)
                return 0;
        content_type = content_types[data[0] % ELEMENTSOF(content_types)];
        m.body = malloc(size - 1);
        if (!m.body)
                return 0;
        memcpy(m.body, data + 1, size - 1);
        m.size = size - 1;
        strcpy(m.digest, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
        r = manifest_parse(&m, "fuzz", content_type, &error);
        if (r < 0 && r != -ENOMEM && !error)
                abort(); /* every refusal says why */
        if (r < 0)
                return 0;
        if (manifest_is_index(&m)) {
                static const char *const platforms[] = { NULL, "linux/arm64/v8", "linux/arm", "windows/amd64" };

                for (size_t i = 0; i < ELEMENTSOF(platforms); i++) {
                        _cleanup_(platform_done) Platform want = {};
                        _cleanup_free_ char *digest = NULL, *why = NULL;

                        if (platform_parse(platforms[i], &want, NULL) < 0)
                                abort();
                        r = manifest_select_from_index(&m, &want, &digest, &why);
                        if (r < 0 && r != -ENOMEM && !why)
                                abort();
                }
        } else {
                _cleanup_free_ Descriptor *layers = NULL;
                Descriptor config;
                size_t n;

                _cleanup_free_ char *why = NULL;

                r = manifest_image_descriptors(&m, "fuzz", &config, &layers, &n, &why);
                if (r < 0 && r != -ENOMEM && !why)
                        abort();
        }
        return 0;
}
