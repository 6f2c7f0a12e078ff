/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "image-writeback.h"

/* Enough to keep the thread busy, few enough fds to stay far from any limit. */
#define WRITEBACK_QUEUE 128

struct Writeback {
        pthread_mutex_t lock;
        pthread_cond_t changed;
        pthread_t thread;
        bool threaded, stop;
        int fds[WRITEBACK_QUEUE];
        size_t head, n;
};

static void *writeback_run(void *userdata) {
        Writeback *w = userdata;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                int fd;

                while (w->n == 0 && !w->stop)
                        pthread_cond_wait(&w->changed, &w->lock);
                if (w->n == 0)
                        break; /* stopped, nothing left */
                fd = w->fds[w->head];
                w->head = (w->head + 1) % WRITEBACK_QUEUE;
                w->n--;
                pthread_cond_broadcast(&w->changed);
                pthread_mutex_unlock(&w->lock);

                /* only a hint: errors do not matter, syncfs() reports what fails */
                (void) sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
                (void) close(fd);

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
        while (w->n == WRITEBACK_QUEUE)
                pthread_cond_wait(&w->changed, &w->lock);
        w->fds[(w->head + w->n) % WRITEBACK_QUEUE] = fd;
        w->n++;
        pthread_cond_broadcast(&w->changed);
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
