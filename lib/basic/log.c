/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

/* Process-wide logging configuration: set once in main() and read-only afterwards. */
static const char *log_program = "berth";
static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

static int parse_level(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        return -1;
}

void log_setup(const char *program, LogTarget target) {
        const char *e = getenv("BERTH_LOG_LEVEL");
        const char *slash = strrchr(program, '/');

        log_program = slash ? slash + 1 : program;
        log_target = target;
        if (e && parse_level(e) >= 0)
                log_max_level = parse_level(e);
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
        char msg[2048];
        va_list ap;

        if (level > log_max_level)
                return error;

        errno = error < 0 ? -error : error;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_KMSG) {
                int fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) dprintf(fd, "<%d>%s[%d]: %s\n", level, log_program, (int) getpid(), msg);
                        (void) close(fd);
                }
        }
        if (log_max_level >= LOG_DEBUG)
                (void) fprintf(stderr, "%s: %s (%s:%d)\n", log_program, msg, file, line);
        else
                (void) fprintf(stderr, "%s: %s\n", log_program, msg);

        errno = error < 0 ? -error : error;
        return error;
}

int log_detail_internal(char **ret_error, int error, const char *file, int line, const char *fmt, ...) {
        char msg[2048];
        va_list ap;

        errno = error < 0 ? -error : error;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        (void) log_internal(LOG_DEBUG, error, file, line, "%s", msg);
        if (ret_error && !*ret_error)
                *ret_error = strdup(msg); /* out of memory: the caller falls back to error's text */
        errno = error < 0 ? -error : error;
        return error;
}

void error_pass(char **ret_error, char **error) {
        if (ret_error && !*ret_error) {
                *ret_error = *error;
                *error = NULL;
        }
}

const char *error_reason(const char *error, int r) {
        return error ?: strerror(r < 0 ? -r : r);
}
