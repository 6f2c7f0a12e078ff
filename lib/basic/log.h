/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One logger for all berth programs. Functions that log an error return it, so a caller writes
 *     return log_error_errno(r, "Failed to open %s: %m", path);
 * and %m prints the text of r. */

#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_KMSG, /* generators: /dev/kmsg, plus stderr so `--dryrun` and verify show it */
} LogTarget;

void log_setup(const char *program, LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Logs at level and returns error (a negative errno, or 0). errno is set to -error for %m. */
int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) _printf_(5, 6);

/* The value is spelled out here rather than taken from log_internal(), so that static analysis sees that
 * e.g. "return log_error_errno(-ENOENT, ...)" returns something negative. */
#define log_full_errno(level, error, ...)                                                                              \
        ({                                                                                                             \
                int _log_error_ = (error);                                                                             \
                (void) log_internal(level, _log_error_, __FILE__, __LINE__, __VA_ARGS__);                              \
                _log_error_;                                                                                           \
        })
#define log_full(level, ...) (void) log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, e, __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")

/* For lib/ functions that hand the reason of a failure to their caller (docs/ARCHITECTURE.md,
 * "Errors"): logs it at debug level, stores it in *ret_error when ret_error is not NULL and
 * *ret_error is still NULL (so the innermost reason wins), and returns error. %m prints error's text. */
int log_detail_internal(char **ret_error, int error, const char *file, int line, const char *fmt, ...) _printf_(5, 6);
#define log_detail_errno(ret_error, error, ...)                                                                        \
        ({                                                                                                             \
                int _detail_error_ = (error);                                                                          \
                (void) log_detail_internal(ret_error, _detail_error_, __FILE__, __LINE__, __VA_ARGS__);                \
                _detail_error_;                                                                                        \
        })

/* Moves *error into *ret_error when ret_error is not NULL and *ret_error is still NULL, for a function
 * that collected a callee's reason in a local first (to try something else before giving up). */
void error_pass(char **ret_error, char **error);

/* The reason a lib/ function handed out, else the text of error: for the caller's one message. */
const char *error_reason(const char *error, int r);
