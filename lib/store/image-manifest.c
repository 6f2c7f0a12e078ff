/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image-config.h"
#include "image-manifest.h"
#include "image-ref.h"
#include "log.h"

static const char *const layer_media_types[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar",
};

void manifest_done(Manifest *m) {
        free(m->body);
        free(m->media_type);
        json_decref(m->json);
        *m = (Manifest) {};
}

int manifest_parse(Manifest *m, const char *reference, const char *content_type, char **ret_error) {
        const char *body_type;
        json_error_t err;

        free(m->media_type);
        m->media_type = NULL;
        json_decref(m->json);
        m->json = json_loadb(m->body, m->size, 0, &err);
        if (!json_is_object(m->json))
                return log_detail_errno(ret_error, -EBADMSG, "Manifest %s: invalid JSON at line %d: %s", reference,
                                err.line, m->json ? "expected an object" : err.text);
        if (content_type && !(m->media_type = strndup(content_type, strcspn(content_type, "; "))))
                return -ENOMEM;
        body_type = json_string_value(json_object_get(m->json, "mediaType"));
        if (body_type && m->media_type && !streq(m->media_type, "application/json") && !streq(body_type, m->media_type))
                return log_detail_errno(ret_error, -EBADMSG, "Manifest %s: mediaType %s does not match Content-Type %s.",
                                reference, body_type, m->media_type);
        if (body_type && (!m->media_type || streq(m->media_type, "application/json"))) {
                free(m->media_type);
                if (!(m->media_type = strdup(body_type)))
                        return -ENOMEM;
        }
        if (!m->media_type)
                return log_detail_errno(ret_error, -EBADMSG, "Manifest %s has no media type.", reference);
        return 0;
}

bool manifest_is_index(const Manifest *m) {
        return streq_ptr(m->media_type, MT_OCI_INDEX) || streq_ptr(m->media_type, MT_DOCKER_LIST);
}

void platform_done(Platform *p) {
        free(p->os);
        free(p->architecture);
        free(p->variant);
        *p = (Platform) {};
}

int platform_parse(const char *s, Platform *ret, char **ret_error) {
        _cleanup_free_ char *copy = strdup(s ?: "");
        char *arch, *variant;

        if (!copy)
                return -ENOMEM;
        if (!s) {
                *ret = (Platform) { .os = strdup("linux"), .architecture = strdup(image_host_architecture()) };
                return ret->os && ret->architecture ? 0 : -ENOMEM;
        }
        arch = strchr(copy, '/');
        if (!arch || arch == copy || arch[1] == 0)
                return log_detail_errno(ret_error, -EINVAL,
                                "Invalid platform '%s': use OS/ARCH[/VARIANT], e.g. linux/arm64.", s);
        *arch++ = 0;
        variant = strchr(arch, '/');
        if (variant)
                *variant++ = 0;
        *ret = (Platform) { .os = strdup(copy), .architecture = strdup(arch), .variant = variant ? strdup(variant) : NULL };
        return ret->os && ret->architecture && (!variant || ret->variant) ? 0 : -ENOMEM;
}

static bool platform_matches(json_t *p, const Platform *want, const char *variant) {
        const char *os = json_string_value(json_object_get(p, "os")),
                   *arch = json_string_value(json_object_get(p, "architecture")),
                   *v = json_string_value(json_object_get(p, "variant"));

        return streq_ptr(os, want->os) && streq_ptr(arch, want->architecture) && (!variant || streq(v ?: "", variant));
}

int manifest_select_from_index(const Manifest *index, const Platform *want, char **ret_digest, char **ret_error) {
        json_t *list = json_object_get(index->json, "manifests");
        /* NULL: any variant */
        const char *variants[3] = { want->variant ?: "", "", NULL };

        if (!json_is_array(list))
                return log_detail_errno(ret_error, -EBADMSG, "Index %s has no manifests list.", index->digest);
        for (size_t k = 0; k < ELEMENTSOF(variants); k++) {
                size_t i;
                json_t *d;

                json_array_foreach(list, i, d) {
                        json_t *p = json_object_get(d, "platform");
                        const char *mt = json_string_value(json_object_get(d, "mediaType")),
                                   *digest = json_string_value(json_object_get(d, "digest"));

                        if (!digest || !image_digest_is_valid(digest) || !json_is_object(p))
                                continue;
                        if (mt && !streq(mt, MT_OCI_MANIFEST) && !streq(mt, MT_DOCKER_MANIFEST) &&
                                        !streq(mt, MT_OCI_INDEX) && !streq(mt, MT_DOCKER_LIST))
                                continue; /* unknown entries are skipped, not errors */
                        if (!platform_matches(p, want, variants[k]))
                                continue;
                        *ret_digest = strdup(digest);
                        return *ret_digest ? 0 : -ENOMEM;
                }
        }
        return log_detail_errno(ret_error, -ENOENT, "Index %s has no image for %s/%s%s%s.", index->digest, want->os,
                        want->architecture, want->variant ? "/" : "", want->variant ?: "");
}

static int descriptor(json_t *j, const char *what, Descriptor *ret, char **ret_error) {
        json_t *size = json_object_get(j, "size");

        *ret = (Descriptor) {
                .media_type = json_string_value(json_object_get(j, "mediaType")),
                .digest = json_string_value(json_object_get(j, "digest")),
                .size = json_is_integer(size) ? json_integer_value(size) : -1,
        };
        if (!ret->digest || !image_digest_is_valid(ret->digest) || ret->size < 0)
                return log_detail_errno(ret_error, -EBADMSG, "Manifest: %s has no valid sha256 digest and size.", what);
        return 0;
}

int manifest_image_descriptors(const Manifest *m, const char *reference, Descriptor *ret_config,
                Descriptor **ret_layers, size_t *ret_n_layers, char **ret_error) {
        _cleanup_free_ Descriptor *layers = NULL;
        json_t *jlayers = json_object_get(m->json, "layers");
        size_t n = json_array_size(jlayers);
        int r;

        if (!m->media_type || startswith(m->media_type, MT_DOCKER_V1))
                return log_detail_errno(ret_error, -EPROTONOSUPPORT,
                                "%s uses the deprecated docker schema 1; not supported.", reference);
        if (!streq(m->media_type, MT_OCI_MANIFEST) && !streq(m->media_type, MT_DOCKER_MANIFEST))
                return log_detail_errno(ret_error, -EPROTONOSUPPORT, "%s: unsupported manifest type %s.", reference,
                                m->media_type);
        /* Counted before anything else is looked at: a manifest of thousands of layers goes no further. */
        if (n > IMAGE_LAYERS_MAX)
                return log_detail_errno(ret_error, -EFBIG,
                                "%s: the manifest lists %zu layers, more than the limit of %u.", reference, n,
                                IMAGE_LAYERS_MAX);
        if (!json_is_array(jlayers))
                return log_detail_errno(ret_error, -EBADMSG, "%s: the manifest has no layers list.", reference);
        r = descriptor(json_object_get(m->json, "config"), "config", ret_config, ret_error);
        if (r < 0)
                return r;
        layers = calloc(MAX(n, (size_t) 1), sizeof(Descriptor));
        if (!layers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                bool known = false;

                r = descriptor(json_array_get(jlayers, i), "a layer", &layers[i], ret_error);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < ELEMENTSOF(layer_media_types); k++)
                        known = known || streq_ptr(layers[i].media_type, layer_media_types[k]);
                if (!known)
                        return log_detail_errno(ret_error, -EPROTONOSUPPORT, "Layer %s: unsupported media type %s.",
                                        layers[i].digest, layers[i].media_type ?: "(none)");
        }
        *ret_layers = TAKE_PTR(layers);
        *ret_n_layers = n;
        return 0;
}
