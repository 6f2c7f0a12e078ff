/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The parts of a pull that image-pull.c hands off: the layers, fetched in parallel and extracted as
 * they stream in (image-pull-layers.c), and the progress shown meanwhile (image-pull-progress.c). */

#include <stdbool.h>
#include <stdint.h>

#include "image-manifest.h"
#include "image-pull.h"
#include "image-store-internal.h"
#include "registry-client.h"

/* ---- progress ---- */

typedef struct PullProgress PullProgress;

typedef enum LayerState {
        LAYER_WAITING,
        LAYER_PRESENT,
        LAYER_DOWNLOADING,
        LAYER_DONE,
        LAYER_FAILED,
} LayerState;

/* The display mode follows options->progress; with options->extend_timeout it also keeps telling
 * systemd (EXTEND_TIMEOUT_USEC=) that the start is making progress while bytes arrive. */
int pull_progress_new(const char *reference, const ImagePullOptions *options, size_t n_layers, PullProgress **ret);
PullProgress *pull_progress_free(PullProgress *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(PullProgress *, pull_progress_free);
/* Names layer slot i (its blob digest and compressed size). */
void pull_progress_layer(PullProgress *p, size_t i, const char *digest, uint64_t size);
/* A layer's state changed; bytes is what it has so far (resumed bytes included). Thread-safe. */
void pull_progress_set(PullProgress *p, size_t i, LayerState state, uint64_t bytes);
/* Bytes arrived for layer i. Thread-safe; redraws and notifies at most a few times a second. */
void pull_progress_bytes(PullProgress *p, size_t i, uint64_t bytes);

/* ---- layers ---- */

typedef struct LayerJob {
        Descriptor blob;
        const char *diff_id;
        size_t index; /* position in the image, also the progress slot */
        StagedLayer *out;
} LayerJob;

/* Pulls the jobs' layers into staging, at most PULL_PARALLEL at once, each verified against its
 * blob digest and diffID. A blob's bytes are also kept in <store>/partial/<hex> while it downloads,
 * so a pull that was killed or failed resumes there next time (with a Range request); the file goes
 * once the layer is staged. */
#define PULL_PARALLEL 4
int pull_layers(ImageStore *store, RegistryClient *rc, ImageStaging *staging, LayerJob *jobs, size_t n_jobs,
                PullProgress *progress, char **ret_error);
