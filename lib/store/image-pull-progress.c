/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "image-pull-internal.h"
#include "log.h"
#include "terminal.h"

#define REDRAW_USEC (100ULL * 1000)
#define NOTIFY_USEC (1000ULL * 1000)
#define BAR_WIDTH   40

typedef struct LayerProgress {
        char id[13]; /* the first 12 hex digits of the blob digest, as docker shows them */
        uint64_t total, bytes;
        LayerState state;
} LayerProgress;

struct PullProgress {
        pthread_mutex_t lock;
        char *reference;
        bool tty, plain, extend_timeout;
        unsigned stall_timeout_sec;
        LayerProgress *layers;
        size_t n_layers;
        size_t lines_drawn;
        uint64_t last_draw, last_notify, notified_bytes, all_bytes;
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static void format_bytes(uint64_t n, char *buf, size_t size) {
        if (n >= 1000ULL * 1000 * 1000)
                snprintf(buf, size, "%.2fGB", (double) n / 1e9);
        else if (n >= 1000ULL * 1000)
                snprintf(buf, size, "%.1fMB", (double) n / 1e6);
        else if (n >= 1000)
                snprintf(buf, size, "%.1fkB", (double) n / 1e3);
        else
                snprintf(buf, size, "%juB", (uintmax_t) n);
}

int pull_progress_new(const char *reference, const ImagePullOptions *o, size_t n_layers, PullProgress **ret) {
        _cleanup_(pull_progress_freep) PullProgress *p = NULL;
        PullProgressMode mode = o ? o->progress : PULL_PROGRESS_AUTO;
        bool quiet = o && o->quiet;

        p = calloc(1, sizeof(PullProgress));
        if (!p)
                return -ENOMEM;
        pthread_mutex_init(&p->lock, NULL);
        p->reference = strdup(reference);
        p->layers = calloc(MAX(n_layers, (size_t) 1), sizeof(LayerProgress));
        if (!p->reference || !p->layers)
                return -ENOMEM;
        p->n_layers = n_layers;
        p->tty = !quiet &&
                 (mode == PULL_PROGRESS_TTY || (mode == PULL_PROGRESS_AUTO && terminal_wants_escapes(STDERR_FILENO)));
        p->plain = !quiet && !p->tty;
        p->extend_timeout = o && o->extend_timeout;
        p->stall_timeout_sec = o && o->registry.stall_timeout_sec > 0 ? o->registry.stall_timeout_sec : 60;
        *ret = TAKE_PTR(p);
        return 0;
}

static void draw_locked(PullProgress *p) {
        /* Back to the first line of the last drawing, then every layer's line anew. */
        if (p->lines_drawn > 0)
                fprintf(stderr, "\033[%zuA", p->lines_drawn);
        for (size_t i = 0; i < p->n_layers; i++) {
                const LayerProgress *l = &p->layers[i];
                char have[32], total[32], bar[BAR_WIDTH + 1];

                fprintf(stderr, "\033[2K%s: ", l->id);
                switch (l->state) {
                case LAYER_WAITING:
                        fputs("Waiting\n", stderr);
                        break;
                case LAYER_PRESENT:
                        fputs("Already exists\n", stderr);
                        break;
                case LAYER_DONE:
                        fputs("Pull complete\n", stderr);
                        break;
                case LAYER_FAILED:
                        fputs("Failed\n", stderr);
                        break;
                case LAYER_DOWNLOADING: {
                        size_t filled = l->total > 0 ? (size_t) (l->bytes * BAR_WIDTH / l->total) : 0;
                        filled = MIN(filled, (size_t) BAR_WIDTH);
                        for (size_t k = 0; k < BAR_WIDTH; k++)
                                bar[k] = k < filled ? '=' : k == filled ? '>' : ' ';
                        bar[BAR_WIDTH] = 0;
                        format_bytes(l->bytes, have, sizeof have);
                        format_bytes(l->total, total, sizeof total);
                        fprintf(stderr, "Downloading [%s] %s/%s\n", bar, have, total);
                        break;
                }
                }
        }
        p->lines_drawn = p->n_layers;
        fflush(stderr);
}

/* Tells systemd the start is progressing: the new deadline is a stall timeout (and a margin for the
 * commit) from now, so a pull that stops getting bytes fails with our message first. */
static void notify_locked(PullProgress *p, uint64_t now) {
        uint64_t total = 0;
        char have[32], all[32];

        if (!p->extend_timeout || p->all_bytes == p->notified_bytes || now - p->last_notify < NOTIFY_USEC)
                return;
        for (size_t i = 0; i < p->n_layers; i++)
                total += p->layers[i].total;
        format_bytes(p->all_bytes, have, sizeof have);
        format_bytes(total, all, sizeof all);
        (void) sd_notifyf(false, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=Pulling %s: %s of %s",
                        (unsigned long long) (p->stall_timeout_sec + 30) * 1000000ULL, p->reference, have, all);
        p->last_notify = now;
        p->notified_bytes = p->all_bytes;
}

void pull_progress_layer(PullProgress *p, size_t i, const char *digest, uint64_t size) {
        const char *hex = startswith(digest, "sha256:") ?: digest;

        pthread_mutex_lock(&p->lock);
        snprintf(p->layers[i].id, sizeof p->layers[i].id, "%.12s", hex);
        p->layers[i].total = size;
        pthread_mutex_unlock(&p->lock);
}

void pull_progress_set(PullProgress *p, size_t i, LayerState state, uint64_t bytes) {
        LayerProgress *l = &p->layers[i];
        char size[32];

        pthread_mutex_lock(&p->lock);
        l->state = state;
        p->all_bytes += bytes > l->bytes ? bytes - l->bytes : 0;
        l->bytes = bytes;
        format_bytes(l->total, size, sizeof size);
        if (p->plain)
                switch (state) {
                case LAYER_PRESENT:
                        fprintf(stderr, "%s: already exists\n", l->id);
                        break;
                case LAYER_DOWNLOADING:
                        if (bytes > 0)
                                fprintf(stderr, "%s: resuming at %ju of %ju bytes\n", l->id, (uintmax_t) bytes,
                                                (uintmax_t) l->total);
                        else
                                fprintf(stderr, "%s: downloading %s\n", l->id, size);
                        break;
                case LAYER_DONE:
                        fprintf(stderr, "%s: pull complete (%s)\n", l->id, size);
                        break;
                default:
                        break;
                }
        if (p->tty) {
                draw_locked(p);
                p->last_draw = now_usec();
        }
        pthread_mutex_unlock(&p->lock);
}

void pull_progress_bytes(PullProgress *p, size_t i, uint64_t bytes) {
        uint64_t now;

        pthread_mutex_lock(&p->lock);
        p->all_bytes += bytes;
        p->layers[i].bytes += bytes;
        now = now_usec();
        if (p->tty && now - p->last_draw >= REDRAW_USEC) {
                draw_locked(p);
                p->last_draw = now;
        }
        notify_locked(p, now);
        pthread_mutex_unlock(&p->lock);
}

PullProgress *pull_progress_free(PullProgress *p) {
        if (!p)
                return NULL;
        if (p->tty && p->n_layers > 0) {
                pthread_mutex_lock(&p->lock);
                draw_locked(p);
                pthread_mutex_unlock(&p->lock);
        }
        if (p->extend_timeout)
                (void) sd_notify(false, "STATUS=");
        pthread_mutex_destroy(&p->lock);
        free(p->reference);
        free(p->layers);
        free(p);
        return NULL;
}
