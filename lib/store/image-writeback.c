/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-writeback.h"

/* Enough to keep the thread busy, few enough fds to stay far from any limit. */
#define WRITEBACK_QUEUE 128
#define WRITEBACK_BATCH 32

struct Writeback {
        pthread_mutex_t lock;
        pthread_cond_t changed;
        pthread_t thread;
        bool threaded, stop;
        /* who sleeps on changed: signals go only to a sleeper, so the two threads do not wake each
         * other for every file */
        bool worker_waits, caller_waits;
        int fds[WRITEBACK_QUEUE];
        size_t n;
};

static void *writeback_run(void *userdata) {
        Writeback *w = userdata;
        int batch[WRITEBACK_QUEUE];

        pthread_mutex_lock(&w->lock);
        for (;;) {
                size_t n;

                while (w->n == 0 && !w->stop) {
                        w->worker_waits = true;
                        pthread_cond_wait(&w->changed, &w->lock);
                        w->worker_waits = false;
                }
                if (w->n == 0)
                        break; /* stopped, nothing left */
                /* everything queued at once, in order */
                n = w->n;
                memcpy(batch, w->fds, n * sizeof(int));
                w->n = 0;
                if (w->caller_waits)
                        pthread_cond_signal(&w->changed);
                pthread_mutex_unlock(&w->lock);

                for (size_t i = 0; i < n; i++) {
                        /* only a hint: errors do not matter, syncfs() reports what fails */
                        (void) sync_file_range(batch[i], 0, 0, SYNC_FILE_RANGE_WRITE);
                        (void) close(batch[i]);
                }

                pthread_mutex_lock(&w->lock);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

Writeback *writeback_new(void) {
        Writeback *w = calloc(1, sizeof(Writeback));

        if (!w)
                return NULL;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->changed, NULL);
        w->threaded = pthread_create(&w->thread, NULL, writeback_run, w) == 0;
        return w;
}

void writeback_file(Writeback *w, int fd) {
        if (fd < 0)
                return;
        if (!w || !w->threaded) {
                (void) close(fd);
                return;
        }
        pthread_mutex_lock(&w->lock);
        while (w->n == WRITEBACK_QUEUE) {
                w->caller_waits = true;
                pthread_cond_wait(&w->changed, &w->lock);
                w->caller_waits = false;
        }
        w->fds[w->n++] = fd;
        /* files come faster than one wakeup each is worth: the thread gets them in batches */
        if (w->worker_waits && w->n >= WRITEBACK_BATCH)
                pthread_cond_signal(&w->changed);
        pthread_mutex_unlock(&w->lock);
}

Writeback *writeback_free(Writeback *w) {
        if (!w)
                return NULL;
        if (w->threaded) {
                pthread_mutex_lock(&w->lock);
                w->stop = true;
                pthread_cond_broadcast(&w->changed);
                pthread_mutex_unlock(&w->lock);
                (void) pthread_join(w->thread, NULL);
        }
        pthread_cond_destroy(&w->changed);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}
