/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/evp.h>
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
