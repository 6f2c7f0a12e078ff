/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sha256 for content addressing: one buffer, a file descriptor, and the threaded hash that import
 * and pull run next to extraction, which must give the same digest however the stream is cut. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image-digest.h"
#include "tap.h"

#define ABC_DIGEST "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

int main(void) {
        char d[SHA256_DIGEST_STRING_MAX], want[SHA256_DIGEST_STRING_MAX];
        size_t size = 3 * 1024 * 1024 + 17;
        char *big = malloc(size);
        uint64_t n = 0;
        int fd;

        CHECK(sha256_digest("abc", 3, d) == 0);
        CHECK_STREQ(d, ABC_DIGEST);

        for (size_t i = 0; i < size; i++)
                big[i] = (char) (i * 7 + i / 4096);
        CHECK(sha256_digest(big, size, want) == 0);

        /* blocks of every size, the last one still in flight when finishing */
        for (size_t block = 61; block <= 1024 * 1024; block *= 64) {
                _cleanup_(sha256_async_freep) Sha256Async *h = sha256_async_new();
                int r = 0;

                CHECK(h != NULL);
                for (size_t off = 0; h && off < size && r == 0; off += block)
                        r = sha256_async_submit(h, big + off, off + block > size ? size - off : block);
                CHECK(r == 0);
                CHECK(h && sha256_async_finish(h, d) == 0);
                CHECK_STREQ(d, want);
        }
        {
                /* freed with a block in flight: waits for it, leaks nothing */
                Sha256Async *h = sha256_async_new();
                CHECK(h && sha256_async_submit(h, big, size) == 0);
                sha256_async_free(h);
        }

        fd = memfd_create("blob", MFD_CLOEXEC);
        CHECK(fd >= 0 && write(fd, big, size) == (ssize_t) size && lseek(fd, 0, SEEK_SET) == 0);
        CHECK(sha256_fd(fd, d, &n) == 0);
        CHECK_STREQ(d, want);
        CHECK(n == size);
        close(fd);
        free(big);
        return tap_done();
}
