// SPDX-License-Identifier: Apache-2.0
/*
 * Logging to stderr with the program name as prefix. Errors and warnings
 * are labelled so that scripts reading stderr can tell them apart.
 */
#include "log.h"

#include <stdio.h>

static enum log_level cur_level = LOG_INFO;

void log__set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log__level(void)
{
	return cur_level;
}

void log__print(enum log_level level, const char *fmt, ...)
{
	static const char *const label[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if (level > cur_level)
		return;
	fprintf(stderr, "resq-flame: %s", label[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
