/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image-digest.h"

struct Sha256 {
        EVP_MD_CTX *ctx;
};

Sha256 *sha256_new(void) {
        Sha256 *h = calloc(1, sizeof(Sha256));
        if (!h)
                return NULL;
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
                return sha256_free(h);
        return h;
}

Sha256 *sha256_free(Sha256 *h) {
        if (h) {
                EVP_MD_CTX_free(h->ctx);
                free(h);
        }
        return NULL;
}

int sha256_update(Sha256 *h, const void *data, size_t size) {
        return EVP_DigestUpdate(h->ctx, data, size) == 1 ? 0 : -EIO;
}

int sha256_finish(Sha256 *h, char ret[static 72]) {
        unsigned char md[32];
        unsigned n = 0;
        char *p = ret;

        if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != sizeof(md))
                return -EIO;
        p = stpcpy(p, "sha256:");
        for (size_t i = 0; i < sizeof(md); i++)
                p += sprintf(p, "%02x", md[i]);
        return 0;
}

int sha256_digest(const void *data, size_t size, char ret[static 72]) {
        _cleanup_(sha256_freep) Sha256 *h = sha256_new();
        int r;

        if (!h)
                return -ENOMEM;
        r = sha256_update(h, data, size);
        if (r < 0)
                return r;
        return sha256_finish(h, ret);
}

#define SHA256_FD_BUFFER_SIZE (1024 * 1024)

int sha256_fd(int fd, char ret[static 72], uint64_t *ret_size) {
        _cleanup_(sha256_freep) Sha256 *h = sha256_new();
        _cleanup_free_ char *buf = malloc(SHA256_FD_BUFFER_SIZE);
        uint64_t total = 0;
        int r;

        if (!h || !buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf, SHA256_FD_BUFFER_SIZE);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                r = sha256_update(h, buf, (size_t) n);
                if (r < 0)
                        return r;
                total += (uint64_t) n;
        }
        r = sha256_finish(h, ret);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = total;
        return 0;
}

struct Sha256Async {
        Sha256 *hash;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        pthread_t thread;
        bool threaded, stop;
        const void *data; /* the block in flight, NULL when none */
        size_t size;
        int error;
};

static void *sha256_async_run(void *userdata) {
        Sha256Async *h = userdata;

        pthread_mutex_lock(&h->lock);
        for (;;) {
                const void *data;
                int r;

                while (!h->data && !h->stop)
                        pthread_cond_wait(&h->changed, &h->lock);
                if (!h->data)
                        break; /* stopped, nothing left */
                data = h->data;
                pthread_mutex_unlock(&h->lock);
                r = sha256_update(h->hash, data, h->size);
                pthread_mutex_lock(&h->lock);
                if (r < 0 && h->error == 0)
                        h->error = r;
                h->data = NULL;
                pthread_cond_broadcast(&h->changed);
        }
        pthread_mutex_unlock(&h->lock);
        return NULL;
}

Sha256Async *sha256_async_new(void) {
        Sha256Async *h = calloc(1, sizeof(Sha256Async));

        if (!h)
                return NULL;
        h->hash = sha256_new();
        if (!h->hash) {
                free(h);
                return NULL;
        }
        pthread_mutex_init(&h->lock, NULL);
        pthread_cond_init(&h->changed, NULL);
        h->threaded = pthread_create(&h->thread, NULL, sha256_async_run, h) == 0;
        return h;
}

Sha256Async *sha256_async_free(Sha256Async *h) {
        if (!h)
                return NULL;
        if (h->threaded) {
                pthread_mutex_lock(&h->lock);
                h->stop = true;
                pthread_cond_broadcast(&h->changed);
                pthread_mutex_unlock(&h->lock);
                (void) pthread_join(h->thread, NULL);
        }
        pthread_cond_destroy(&h->changed);
        pthread_mutex_destroy(&h->lock);
        sha256_free(h->hash);
        free(h);
        return NULL;
}

int sha256_async_wait(Sha256Async *h) {
        int r;

        if (!h->threaded)
                return h->error;
        pthread_mutex_lock(&h->lock);
        while (h->data)
                pthread_cond_wait(&h->changed, &h->lock);
        r = h->error;
        pthread_mutex_unlock(&h->lock);
        return r;
}

int sha256_async_submit(Sha256Async *h, const void *data, size_t size) {
        int r;

        if (size == 0)
                return sha256_async_wait(h);
        if (!h->threaded) {
                r = sha256_update(h->hash, data, size);
                if (r < 0 && h->error == 0)
                        h->error = r;
                return h->error;
        }
        pthread_mutex_lock(&h->lock);
        while (h->data)
                pthread_cond_wait(&h->changed, &h->lock);
        r = h->error;
        if (r == 0) {
                h->data = data;
                h->size = size;
                pthread_cond_broadcast(&h->changed);
        }
        pthread_mutex_unlock(&h->lock);
        return r;
}

int sha256_async_finish(Sha256Async *h, char ret[static 72]) {
        int r = sha256_async_wait(h);

        return r < 0 ? r : sha256_finish(h->hash, ret);
}
