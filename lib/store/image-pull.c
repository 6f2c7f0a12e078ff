/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "image-config.h"
#include "image-pull-internal.h"
#include "image-ref.h"
#include "image-store-internal.h"
#include "log.h"
#include "registry-auth.h"
#include "registry-conf.h"

#define MANIFEST_MAX    IMAGE_MANIFEST_MAX
#define CONFIG_MAX      IMAGE_CONFIG_MAX
#define INDEX_DEPTH_MAX 4

#define MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1       "application/vnd.docker.distribution.manifest.v1"

#define MANIFEST_ACCEPT MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST ", " MT_OCI_INDEX

static const char *const layer_media_types[] = {
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.v1.tar+gzip",
                "application/vnd.oci.image.layer.v1.tar+zstd",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "application/vnd.docker.image.rootfs.diff.tar",
};

typedef struct Manifest {
        char *body;
        size_t size;
        char *media_type;
        char digest[SHA256_DIGEST_STRING_MAX];
        json_t *json;
} Manifest;

static void manifest_done(Manifest *m) {
        free(m->body);
        free(m->media_type);
        json_decref(m->json);
        *m = (Manifest){};
}

typedef struct Platform {
        char *os, *architecture, *variant;
} Platform;

static void platform_done(Platform *p) {
        free(p->os);
        free(p->architecture);
        free(p->variant);
}

static int platform_parse(const char *s, Platform *ret) {
        _cleanup_free_ char *copy = strdup(s ?: "");
        char *arch, *variant;

        if (!copy)
                return log_oom();
        if (!s) {
                *ret = (Platform){.os = strdup("linux"), .architecture = strdup(image_host_architecture())};
                return ret->os && ret->architecture ? 0 : log_oom();
        }
        arch = strchr(copy, '/');
        if (!arch || arch == copy || arch[1] == 0)
                return log_error_errno(-EINVAL,
                                "Invalid platform '%s': use OS/ARCH[/VARIANT], e.g. linux/arm64.", s);
        *arch++ = 0;
        variant = strchr(arch, '/');
        if (variant)
                *variant++ = 0;
        *ret = (Platform){.os = strdup(copy),
                        .architecture = strdup(arch),
                        .variant = variant ? strdup(variant) : NULL};
        return ret->os && ret->architecture && (!variant || ret->variant) ? 0 : log_oom();
}

/* Reads a manifest and checks its digest (expected, or the Docker-Content-Digest header). */
static int fetch_manifest(RegistryClient *rc, const char *reference, const char *expected, Manifest *ret) {
        _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
        _cleanup_(manifest_done) Manifest m = {};
        const char *content_type, *header_digest, *body_type;
        json_error_t err;
        int r;

        r = registry_get(rc, "manifests", reference, MANIFEST_ACCEPT, &t);
        if (r < 0)
                return r;
        content_type = registry_transfer_header(t, "Content-Type");
        m.media_type = content_type ? strndup(content_type, strcspn(content_type, "; ")) : NULL;
        header_digest = registry_transfer_header(t, "Docker-Content-Digest");

        r = registry_transfer_read_all(t, MANIFEST_MAX, &m.body, &m.size);
        if (r < 0)
                return r;
        r = sha256_digest(m.body, m.size, m.digest);
        if (r < 0)
                return log_error_errno(r, "Failed to hash the manifest: %m");
        if (expected && !streq(expected, m.digest))
                return log_error_errno(-EBADMSG, "Manifest %s does not match its digest: got %s.", expected,
                                m.digest);
        if (header_digest && startswith(header_digest, "sha256:") && !streq(header_digest, m.digest))
                return log_error_errno(-EBADMSG,
                                "Manifest %s: the registry says its digest is %s, its bytes say %s.",
                                reference, header_digest, m.digest);

        m.json = json_loadb(m.body, m.size, 0, &err);
        if (!json_is_object(m.json))
                return log_error_errno(-EBADMSG, "Manifest %s: invalid JSON at line %d: %s", reference,
                                err.line, err.text);
        body_type = json_string_value(json_object_get(m.json, "mediaType"));
        if (body_type && m.media_type && !streq(m.media_type, "application/json") &&
                        !streq(body_type, m.media_type))
                return log_error_errno(-EBADMSG, "Manifest %s: mediaType %s does not match Content-Type %s.",
                                reference, body_type, m.media_type);
        if (body_type && (!m.media_type || streq(m.media_type, "application/json"))) {
                free(m.media_type);
                m.media_type = strdup(body_type);
        }
        if (!m.media_type)
                return log_error_errno(-EBADMSG, "Manifest %s has no media type.", reference);
        *ret = TAKE_GENERIC(m, Manifest, (Manifest){});
        return 0;
}

static bool platform_matches(json_t *p, const Platform *want, const char *variant) {
        const char *os = json_string_value(json_object_get(p, "os")),
                   *arch = json_string_value(json_object_get(p, "architecture")),
                   *v = json_string_value(json_object_get(p, "variant"));

        return streq_ptr(os, want->os) && streq_ptr(arch, want->architecture) && streq(v ?: "", variant);
}

/* Picks the index entry for the platform: the wanted variant first, then none, then any variant
 * (the first matching entry wins, as the image spec asks). */
static int select_from_index(const Manifest *index, const Platform *want, char **ret_digest) {
        json_t *list = json_object_get(index->json, "manifests");
        const char *variants[3] = {want->variant ?: "", "", NULL};

        if (!json_is_array(list))
                return log_error_errno(-EBADMSG, "Index %s has no manifests list.", index->digest);
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
                        if (variants[k] ? !platform_matches(p, want, variants[k])
                                        : !(streq_ptr(json_string_value(json_object_get(p, "os")),
                                                            want->os) &&
                                                          streq_ptr(json_string_value(json_object_get(
                                                                                    p, "architecture")),
                                                                          want->architecture)))
                                continue;
                        *ret_digest = strdup(digest);
                        return *ret_digest ? 0 : log_oom();
                }
        }
        return log_error_errno(-ENOENT, "Index %s has no image for %s/%s%s%s.", index->digest, want->os,
                        want->architecture, want->variant ? "/" : "", want->variant ?: "");
}

static int descriptor(json_t *j, const char *what, Descriptor *ret) {
        json_t *size = json_object_get(j, "size");

        *ret = (Descriptor){
                        .media_type = json_string_value(json_object_get(j, "mediaType")),
                        .digest = json_string_value(json_object_get(j, "digest")),
                        .size = json_is_integer(size) ? json_integer_value(size) : -1,
        };
        if (!ret->digest || !image_digest_is_valid(ret->digest) || ret->size < 0)
                return log_error_errno(-EBADMSG, "Manifest: %s has no valid sha256 digest and size.", what);
        return 0;
}

static int fetch_config(RegistryClient *rc, const Descriptor *d, char **ret, size_t *ret_size) {
        _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
        _cleanup_free_ char *body = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        size_t size;
        int r;

        if ((uint64_t) d->size > CONFIG_MAX)
                return log_error_errno(-EFBIG, "Config %s is %jd bytes; refusing it.", d->digest,
                                (intmax_t) d->size);
        r = registry_get(rc, "blobs", d->digest, NULL, &t);
        if (r < 0)
                return r;
        r = registry_transfer_read_all(t, (size_t) d->size, &body, &size);
        if (r < 0)
                return r;
        if (size != (size_t) d->size)
                return log_error_errno(-EBADMSG, "Config %s: expected %jd bytes, got %zu.", d->digest,
                                (intmax_t) d->size, size);
        r = sha256_digest(body, size, digest);
        if (r < 0)
                return log_error_errno(r, "Failed to hash the config: %m");
        if (!streq(digest, d->digest))
                return log_error_errno(-EBADMSG, "Config digest did not match: expected %s, got %s.",
                                d->digest, digest);
        *ret = TAKE_PTR(body);
        *ret_size = size;
        return 0;
}

static void staged_layers_free(StagedLayer *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i].dir);
        free(l);
}

/* Pulls reference from source ("domain/path[:tag][@digest]", a mirror or the registry itself). */
static int pull_from(ImageStore *s, const char *reference, const char *source, bool insecure,
                const ImagePullOptions *o, Image **ret) {
        _cleanup_(registry_client_freep) RegistryClient *rc = NULL;
        _cleanup_(image_staging_done) ImageStaging staging = IMAGE_STAGING_NULL;
        _cleanup_(image_config_info_done) ImageConfigInfo info = {};
        _cleanup_(manifest_done) Manifest top = {}, m = {};
        _cleanup_free_ char *name = NULL, *repo = NULL, *repo_digest = NULL, *config = NULL;
        _cleanup_(platform_done) Platform want = {};
        _cleanup_free_ char *auth_user = NULL, *auth_password = NULL;
        RegistryOptions registry;
        ImageReference ref = {}, src = {};
        StagedLayer *layers = NULL;
        _cleanup_free_ LayerJob *jobs = NULL;
        _cleanup_(pull_progress_freep) PullProgress *progress = NULL;
        size_t n_jobs = 0;
        char *names[2] = {}, *digests[2] = {};
        const char *why = NULL;
        Descriptor cd;
        json_t *jlayers;
        const Manifest *cur;
        size_t config_size = 0, n_layers = 0;
        int r;

        r = image_reference_parse(reference, IMAGE_DOMAIN_DOCKER, &ref, &why);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Invalid image reference '%s': %s.", reference, why);
        r = platform_parse(o ? o->platform : NULL, &want);
        if (r < 0)
                goto finish;
        repo = image_reference_repository(&ref);
        if (!repo || (ref.tag && !(name = strjoin(repo, ":", ref.tag)))) {
                r = log_oom();
                goto finish;
        }

        r = image_reference_parse(source, IMAGE_DOMAIN_DOCKER, &src, &why);
        if (r == -ENOMEM)
                goto finish;
        if (r < 0) {
                r = log_error_errno(r, "registries.conf: %s is not a valid source for %s: %s.", source,
                                reference, why);
                goto finish;
        }
        registry = o ? o->registry : (RegistryOptions){};
        registry.insecure = registry.insecure || insecure;
        if (!registry.username) {
                r = registry_auth_find(src.domain, src.path, &auth_user, &auth_password);
                if (r < 0)
                        goto finish;
                registry.username = auth_user;
                registry.password = auth_password;
        }
        r = registry_client_new(src.domain, src.path, &registry, &rc);
        if (r < 0)
                goto finish;
        r = fetch_manifest(rc, src.digest ?: src.tag, src.digest, &top);
        if (r < 0)
                goto finish;

        /* Indexes (manifest lists) lead to the platform's manifest, perhaps through nested indexes. */
        cur = &top;
        for (unsigned depth = 0; streq_ptr(cur->media_type, MT_OCI_INDEX) ||
                                 streq_ptr(cur->media_type, MT_DOCKER_LIST);
                        depth++) {
                _cleanup_free_ char *child = NULL;
                Manifest next = {};

                if (depth >= INDEX_DEPTH_MAX) {
                        r = log_error_errno(-ELOOP, "%s: indexes nested too deep.", reference);
                        goto finish;
                }
                r = select_from_index(cur, &want, &child);
                if (r < 0)
                        goto finish;
                r = fetch_manifest(rc, child, child, &next);
                if (r < 0)
                        goto finish;
                manifest_done(&m);
                m = next;
                cur = &m;
        }
        if (!cur->media_type || startswith(cur->media_type, MT_DOCKER_V1)) {
                r = log_error_errno(-EPROTONOSUPPORT,
                                "%s uses the deprecated docker schema 1; not supported.", reference);
                goto finish;
        }
        if (!streq(cur->media_type, MT_OCI_MANIFEST) && !streq(cur->media_type, MT_DOCKER_MANIFEST)) {
                r = log_error_errno(-EPROTONOSUPPORT, "%s: unsupported manifest type %s.", reference,
                                cur->media_type);
                goto finish;
        }

        /* Counted before anything else is fetched: a manifest of thousands of layers goes no further. */
        if (json_array_size(json_object_get(cur->json, "layers")) > IMAGE_LAYERS_MAX) {
                r = log_error_errno(-EFBIG, "%s: the manifest lists %zu layers, more than the limit of %u.",
                                reference, json_array_size(json_object_get(cur->json, "layers")),
                                IMAGE_LAYERS_MAX);
                goto finish;
        }
        r = descriptor(json_object_get(cur->json, "config"), "config", &cd);
        if (r < 0)
                goto finish;
        r = fetch_config(rc, &cd, &config, &config_size);
        if (r < 0)
                goto finish;
        r = image_config_parse(config, config_size, &info);
        if (r < 0)
                goto finish;
        jlayers = json_object_get(cur->json, "layers");
        n_layers = json_array_size(jlayers);
        if (!json_is_array(jlayers) || n_layers != strv_length(info.diff_ids)) {
                r = log_error_errno(-EBADMSG, "%s: the manifest lists %zu layers, the config %zu diffIDs.",
                                reference, n_layers, strv_length(info.diff_ids));
                goto finish;
        }

        r = image_staging_new(s, &staging);
        if (r < 0)
                goto finish;
        layers = calloc(MAX(n_layers, (size_t) 1), sizeof(StagedLayer));
        jobs = calloc(MAX(n_layers, (size_t) 1), sizeof(LayerJob));
        if (!layers || !jobs) {
                r = log_oom();
                goto finish;
        }
        r = pull_progress_new(name ?: reference, o, n_layers, &progress);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n_layers; i++) {
                Descriptor ld;
                bool known = false;

                r = descriptor(json_array_get(jlayers, i), "a layer", &ld);
                if (r < 0)
                        goto finish;
                for (size_t k = 0; k < ELEMENTSOF(layer_media_types); k++)
                        known = known || streq_ptr(ld.media_type, layer_media_types[k]);
                if (!known) {
                        r = log_error_errno(-EPROTONOSUPPORT, "Layer %s: unsupported media type %s.",
                                        ld.digest, ld.media_type ?: "(none)");
                        goto finish;
                }
                if (!image_digest_is_valid(info.diff_ids[i])) {
                        r = log_error_errno(-EBADMSG, "Config: invalid diffID '%s'.", info.diff_ids[i]);
                        goto finish;
                }
                pull_progress_layer(progress, i, ld.digest, (uint64_t) ld.size);
                if (image_store_has_layer(s, info.diff_ids[i])) {
                        strcpy(layers[i].diff_id, info.diff_ids[i]);
                        pull_progress_set(progress, i, LAYER_PRESENT, 0);
                        continue;
                }
                jobs[n_jobs++] = (LayerJob){
                                .blob = ld, .diff_id = info.diff_ids[i], .index = i, .out = &layers[i]};
        }
        r = pull_layers(s, rc, &staging, jobs, n_jobs, progress);
        progress = pull_progress_free(progress);
        if (r < 0)
                goto finish;

        repo_digest = strjoin(repo, "@", top.digest);
        if (!repo_digest) {
                r = log_oom();
                goto finish;
        }
        names[0] = name;
        digests[0] = repo_digest;
        r = image_store_commit(s, &staging,
                        &(ImageCommit){
                                        .config = config,
                                        .config_size = config_size,
                                        .layers = layers,
                                        .n_layers = n_layers,
                                        .names = name ? names : NULL,
                                        .digests = digests,
                                        .manifest = top.body,
                                        .manifest_size = top.size,
                        },
                        ret);
        if (r >= 0 && (!o || !o->quiet))
                log_info("Pulled %s (%s).", name ?: repo_digest, top.digest);
finish:
        if (layers)
                staged_layers_free(layers, n_layers);
        image_reference_done(&ref);
        image_reference_done(&src);
        return r;
}

/* The sources registries.conf gives (mirrors first), each tried until one has the image. */
static int pull_one(ImageStore *s, const RegistriesConf *conf, const char *reference,
                const ImagePullOptions *o, Image **ret) {
        _cleanup_strv_free_ char **sources = NULL;
        _cleanup_free_ bool *insecure = NULL;
        _cleanup_free_ char *repo = NULL, *suffix = NULL;
        ImageReference ref = {};
        const char *why = NULL;
        size_t n;
        int r;

        r = image_reference_parse(reference, IMAGE_DOMAIN_DOCKER, &ref, &why);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Invalid image reference '%s': %s.", reference, why);
        repo = image_reference_repository(&ref);
        suffix = strjoin(ref.tag ? ":" : "", ref.tag ?: "", ref.digest ? "@" : "", ref.digest ?: "");
        r = repo && suffix ? registries_conf_sources(conf, repo, !!ref.digest, &sources, &insecure)
                           : log_oom();
        image_reference_done(&ref);
        if (r < 0)
                return r;
        n = strv_length(sources);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *source = strjoin(sources[i], suffix);
                if (!source)
                        return log_oom();
                if (i + 1 < n || !streq(sources[i], repo))
                        log_info("Pulling %s from %s%s.", reference, source, i + 1 < n ? " (mirror)" : "");
                r = pull_from(s, reference, source, insecure[i], o, ret);
                if (r >= 0 || r == -ENOMEM || i + 1 == n)
                        return r;
                log_warning("Mirror %s failed; trying the next source.", sources[i]);
        }
        return r;
}

int image_store_pull(ImageStore *s, const char *reference, const ImagePullOptions *o, Image **ret) {
        _cleanup_(registries_conf_done) RegistriesConf conf = {};
        _cleanup_strv_free_ char **candidates = NULL;
        int r;

        r = registries_conf_load(&conf);
        if (r < 0)
                return r;
        r = registries_conf_candidates(&conf, reference, &candidates);
        if (r < 0)
                return r;
        /* A short name is tried at each search registry in turn, until one has it. */
        STRV_FOREACH(c, candidates) {
                r = pull_one(s, &conf, *c, o, ret);
                if (r >= 0 || r == -ENOMEM || !c[1])
                        return r;
                log_info("Could not pull %s as %s; trying the next search registry.", reference, *c);
        }
        return r;
}
