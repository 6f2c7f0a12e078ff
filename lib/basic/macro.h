/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers every berth source file uses: scope-bound cleanup, ownership transfer and errno
 * conversion. Modelled on the habits of systemd's src/basic, written for berth. */

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))
#define _cleanup_(f)   __attribute__((cleanup(f)))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

/* Defines name##p(type **p) that calls func(*p) when *p is non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                                        \
        static inline void func##p(type *p) {                                                                          \
                if (*p)                                                                                                \
                        func(*p);                                                                                      \
        }

/* Hand over ownership: returns the value and leaves the variable empty so its cleanup does nothing. */
#define TAKE_GENERIC(var, type, empty)                                                                                 \
        ({                                                                                                             \
                type *_pvar_ = &(var);                                                                                 \
                type _val_ = *_pvar_;                                                                                  \
                *_pvar_ = (empty);                                                                                     \
                _val_;                                                                                                 \
        })
#define TAKE_PTR(p)    TAKE_GENERIC(p, typeof(p), NULL)
#define TAKE_FD(fd)    TAKE_GENERIC(fd, int, -EBADF)
#define TAKE_STRUCT(s) TAKE_GENERIC(s, typeof(s), (typeof(s)) {})

/* Turns a libc-style "-1 and errno" result into a negative errno. */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
/* The result of an error helper (one that records a message and returns a negative errno), shown to be
 * negative where the static analyzer cannot follow the helper (it inlines no variadic function, and stops
 * inlining deep in a recursion): otherwise it takes the helper's return as a success. */
#define ERRNO_NEGATIVE(expr)                                                                                           \
        ({                                                                                                             \
                int _e_ = (expr);                                                                                      \
                _e_ < 0 ? _e_ : -EINVAL;                                                                               \
        })
#define RET_NERRNO(expr)                                                                                               \
        ({                                                                                                             \
                int _r_ = (expr);                                                                                      \
                _r_ < 0 ? negative_errno() : _r_;                                                                      \
        })

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* Returns the part of s after prefix, or NULL when s does not start with prefix. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}
const char *endswith(const char *s, const char *suffix);

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
