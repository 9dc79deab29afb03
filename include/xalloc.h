/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation that cannot fail: on exhaustion these print a message and abort,
 * so callers keep error paths for real failures only.
 */
#ifndef RESQ_XALLOC_H
#define RESQ_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Like xrealloc() for an array of @nmemb elements of @size, checking overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

/*
 * Grow array @x, holding @nr elements of capacity @alloc, so that it can hold
 * at least @want elements (git's ALLOC_GROW).
 */
#define ALLOC_GROW(x, want, alloc)                                                                 \
	do {                                                                                       \
		if ((size_t)(want) > (alloc)) {                                                    \
			size_t grow_ = (alloc) < 16 ? 16 : (alloc) + (alloc) / 2;                  \
			if (grow_ < (size_t)(want))                                                \
				grow_ = (want);                                                    \
			(x) = xreallocarray((x), grow_, sizeof(*(x)));                             \
			(alloc) = grow_;                                                           \
		}                                                                                  \
	} while (0)

#endif
