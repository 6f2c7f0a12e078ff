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

#define MANIFEST_ACCEPT MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST ", " MT_OCI_INDEX

/* Reads a manifest and checks its digest (expected, or the Docker-Content-Digest header). */
static int fetch_manifest(RegistryClient *rc, const char *reference, const char *expected, Manifest *ret,
                char **ret_error) {
        _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
        _cleanup_(manifest_done) Manifest m = {};
        const char *content_type, *header_digest;
        int r;

        r = registry_get(rc, "manifests", reference, MANIFEST_ACCEPT, &t, ret_error);
        if (r < 0)
                return r;
        content_type = registry_transfer_header(t, "Content-Type");
        header_digest = registry_transfer_header(t, "Docker-Content-Digest");

        r = registry_transfer_read_all(t, MANIFEST_MAX, &m.body, &m.size, ret_error);
        if (r < 0)
                return r;
        r = sha256_digest(m.body, m.size, m.digest);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to hash the manifest: %m");
        if (expected && !streq(expected, m.digest))
                return log_detail_errno(ret_error, -EBADMSG, "Manifest %s does not match its digest: got %s.", expected,
                                m.digest);
        if (header_digest && startswith(header_digest, "sha256:") && !streq(header_digest, m.digest))
                return log_detail_errno(ret_error, -EBADMSG,
                                "Manifest %s: the registry says its digest is %s, its bytes say %s.", reference,
                                header_digest, m.digest);

        r = manifest_parse(&m, reference, content_type, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_GENERIC(m, Manifest, (Manifest) {});
        return 0;
}

static int fetch_config(RegistryClient *rc, const Descriptor *d, char **ret, size_t *ret_size, char **ret_error) {
        _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
        _cleanup_free_ char *body = NULL;
        char digest[SHA256_DIGEST_STRING_MAX];
        size_t size;
        int r;

        if ((uint64_t) d->size > CONFIG_MAX)
                return log_detail_errno(ret_error, -EFBIG, "Config %s is %jd bytes; refusing it.", d->digest,
                                (intmax_t) d->size);
        r = registry_get(rc, "blobs", d->digest, NULL, &t, ret_error);
        if (r < 0)
                return r;
        r = registry_transfer_read_all(t, (size_t) d->size, &body, &size, ret_error);
        if (r < 0)
                return r;
        if (size != (size_t) d->size)
                return log_detail_errno(ret_error, -EBADMSG, "Config %s: expected %jd bytes, got %zu.", d->digest,
                                (intmax_t) d->size, size);
        r = sha256_digest(body, size, digest);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to hash the config: %m");
        if (!streq(digest, d->digest))
                return log_detail_errno(ret_error, -EBADMSG, "Config digest did not match: expected %s, got %s.",
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
static int pull_from(ImageStore *s, const char *reference, const char *source, bool insecure, const ImagePullOptions *o,
                Image **ret, char **ret_error) {
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
        _cleanup_free_ Descriptor *blobs = NULL;
        const Manifest *cur;
        size_t config_size = 0, n_layers = 0;
        int r;

        r = image_reference_parse(reference, IMAGE_DOMAIN_DOCKER, &ref, &why);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0)
                return log_detail_errno(ret_error, r, "Invalid image reference '%s': %s.", reference, why);
        r = platform_parse(o ? o->platform : NULL, &want, ret_error);
        if (r < 0)
                goto finish;
        repo = image_reference_repository(&ref);
        if (!repo || (ref.tag && !(name = strjoin(repo, ":", ref.tag)))) {
                r = -ENOMEM;
                goto finish;
        }

        r = image_reference_parse(source, IMAGE_DOMAIN_DOCKER, &src, &why);
        if (r == -ENOMEM)
                goto finish;
        if (r < 0) {
                r = log_detail_errno(ret_error, r, "registries.conf: %s is not a valid source for %s: %s.", source,
                                reference, why);
                goto finish;
        }
        registry = o ? o->registry : (RegistryOptions) {};
        registry.insecure = registry.insecure || insecure;
        if (!registry.username) {
                r = registry_auth_find(src.domain, src.path, &auth_user, &auth_password, ret_error);
                if (r < 0)
                        goto finish;
                registry.username = auth_user;
                registry.password = auth_password;
        }
        r = registry_client_new(src.domain, src.path, &registry, &rc, ret_error);
        if (r < 0)
                goto finish;
        r = fetch_manifest(rc, src.digest ?: src.tag, src.digest, &top, ret_error);
        if (r < 0)
                goto finish;

        /* Indexes (manifest lists) lead to the platform's manifest, perhaps through nested indexes. */
        cur = &top;
        for (unsigned depth = 0; manifest_is_index(cur); depth++) {
                _cleanup_free_ char *child = NULL;
                Manifest next = {};

                if (depth >= INDEX_DEPTH_MAX) {
                        r = log_detail_errno(ret_error, -ELOOP, "%s: indexes nested too deep.", reference);
                        goto finish;
                }
                r = manifest_select_from_index(cur, &want, &child, ret_error);
                if (r < 0)
                        goto finish;
                r = fetch_manifest(rc, child, child, &next, ret_error);
                if (r < 0)
                        goto finish;
                manifest_done(&m);
                m = next;
                cur = &m;
        }
        r = manifest_image_descriptors(cur, reference, &cd, &blobs, &n_layers, ret_error);
        if (r < 0)
                goto finish;
        r = fetch_config(rc, &cd, &config, &config_size, ret_error);
        if (r < 0)
                goto finish;
        r = image_config_parse(config, config_size, &info, ret_error);
        if (r < 0)
                goto finish;
        if (n_layers != strv_length(info.diff_ids)) {
                r = log_detail_errno(ret_error, -EBADMSG, "%s: the manifest lists %zu layers, the config %zu diffIDs.",
                                reference, n_layers, strv_length(info.diff_ids));
                goto finish;
        }

        r = image_staging_new(s, &staging, ret_error);
        if (r < 0)
                goto finish;
        layers = calloc(MAX(n_layers, (size_t) 1), sizeof(StagedLayer));
        jobs = calloc(MAX(n_layers, (size_t) 1), sizeof(LayerJob));
        if (!layers || !jobs) {
                r = -ENOMEM;
                goto finish;
        }
        r = pull_progress_new(name ?: reference, o, n_layers, &progress);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n_layers; i++) {
                if (!image_digest_is_valid(info.diff_ids[i])) {
                        r = log_detail_errno(ret_error, -EBADMSG, "Config: invalid diffID '%s'.", info.diff_ids[i]);
                        goto finish;
                }
                pull_progress_layer(progress, i, blobs[i].digest, (uint64_t) blobs[i].size);
                if (image_store_has_layer(s, info.diff_ids[i])) {
                        strcpy(layers[i].diff_id, info.diff_ids[i]);
                        pull_progress_set(progress, i, LAYER_PRESENT, 0);
                        continue;
                }
                jobs[n_jobs++] =
                                (LayerJob) { .blob = blobs[i], .diff_id = info.diff_ids[i], .index = i, .out = &layers[i] };
        }
        r = pull_layers(s, rc, &staging, jobs, n_jobs, progress, ret_error);
        progress = pull_progress_free(progress);
        if (r < 0)
                goto finish;

        repo_digest = strjoin(repo, "@", top.digest);
        if (!repo_digest) {
                r = -ENOMEM;
                goto finish;
        }
        names[0] = name;
        digests[0] = repo_digest;
        r = image_store_commit(s, &staging,
                        &(ImageCommit) {
                                        .config = config,
                                        .config_size = config_size,
                                        .layers = layers,
                                        .n_layers = n_layers,
                                        .names = name ? names : NULL,
                                        .digests = digests,
                                        .manifest = top.body,
                                        .manifest_size = top.size,
                        },
                        ret, ret_error);
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
static int pull_one(ImageStore *s, const RegistriesConf *conf, const char *reference, const ImagePullOptions *o,
                Image **ret, char **ret_error) {
        _cleanup_strv_free_ char **sources = NULL;
        _cleanup_free_ bool *insecure = NULL;
        _cleanup_free_ char *repo = NULL, *suffix = NULL;
        ImageReference ref = {};
        const char *why = NULL;
        size_t n;
        int r;

        r = image_reference_parse(reference, IMAGE_DOMAIN_DOCKER, &ref, &why);
        if (r == -ENOMEM)
                return -ENOMEM;
        if (r < 0)
                return log_detail_errno(ret_error, r, "Invalid image reference '%s': %s.", reference, why);
        repo = image_reference_repository(&ref);
        suffix = strjoin(ref.tag ? ":" : "", ref.tag ?: "", ref.digest ? "@" : "", ref.digest ?: "");
        r = repo && suffix ? registries_conf_sources(conf, repo, !!ref.digest, &sources, &insecure, ret_error) : -ENOMEM;
        image_reference_done(&ref);
        if (r < 0)
                return r;
        n = strv_length(sources);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *source = strjoin(sources[i], suffix);
                if (!source)
                        return -ENOMEM;
                if (i + 1 < n || !streq(sources[i], repo))
                        log_info("Pulling %s from %s%s.", reference, source, i + 1 < n ? " (mirror)" : "");
                _cleanup_free_ char *error = NULL;
                r = pull_from(s, reference, source, insecure[i], o, ret, &error);
                if (r >= 0 || r == -ENOMEM || i + 1 == n) {
                        error_pass(ret_error, &error);
                        return r;
                }
                /* the one report of this mirror's failure: the pull goes on */
                log_warning("Mirror %s failed (%s); trying the next source.", sources[i], error_reason(error, r));
        }
        return r;
}

int image_store_pull(ImageStore *s, const char *reference, const ImagePullOptions *o, Image **ret, char **ret_error) {
        _cleanup_(registries_conf_done) RegistriesConf conf = {};
        _cleanup_strv_free_ char **candidates = NULL;
        int r;

        r = registries_conf_load(&conf, ret_error);
        if (r < 0)
                return r;
        r = registries_conf_candidates(&conf, reference, &candidates, ret_error);
        if (r < 0)
                return r;
        /* A short name is tried at each search registry in turn, until one has it. */
        STRV_FOREACH(c, candidates) {
                _cleanup_free_ char *error = NULL;
                r = pull_one(s, &conf, *c, o, ret, &error);
                if (r >= 0 || r == -ENOMEM || !c[1]) {
                        error_pass(ret_error, &error);
                        return r;
                }
                log_info("Could not pull %s as %s (%s); trying the next search registry.", reference, *c,
                                error_reason(error, r));
        }
        return r;
}
