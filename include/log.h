/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for library code: every message goes to stderr, prefixed with the
 * program name. Library code never prints to stdout and never exits.
 */
#ifndef RESQ_LOG_H
#define RESQ_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_SILENT = -1, /* nothing at all (fuzzers) */
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Messages above @level are dropped. The default is LOG_INFO. */
void log__set_level(enum log_level level);
enum log_level log__level(void);

/* printf-style; a trailing newline is added. */
void log__print(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log__print(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log__print(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__print(LOG_DEBUG, __VA_ARGS__)

#endif
