/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines a text parser could not read (folded, perf script, bpftrace):
 * counted, the first one remembered, and reported once as a warning.
 */
#ifndef RESQ_IMPORT_BAD_LINES_H
#define RESQ_IMPORT_BAD_LINES_H

#include <stddef.h>

struct bad_lines {
	size_t count;
	size_t first; /* 1-based line number of the first bad line */
};

static inline void bad_lines__note(struct bad_lines *bl, size_t lineno)
{
	if (!bl->count++)
		bl->first = lineno;
}

/* Warns "ignored N lines with invalid format in NAME, first at line L". */
void bad_lines__report(const struct bad_lines *bl, const char *name);

#endif
