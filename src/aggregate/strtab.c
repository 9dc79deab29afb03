// SPDX-License-Identifier: Apache-2.0
/*
 * String interning: every name in a profile is stored once and referred to by
 * a 32-bit id. Bytes are kept in large chunks so borrowed pointers stay valid.
 */
#include <stdlib.h>
#include <string.h>

#include "aggregate_internal.h"
#include "hashmap.h"
#include "xalloc.h"

#define CHUNK_MIN (1u << 20)

static void table_insert(struct strtab *st, uint32_t id)
{
	uint32_t i = st->hash[id] & st->mask;

	while (st->table[i])
		i = (i + 1) & st->mask;
	st->table[i] = id + 1;
}

static void table_grow(struct strtab *st)
{
	uint32_t id;

	free(st->table);
	st->mask = st->mask ? st->mask * 2 + 1 : 1023;
	st->table = xcalloc((size_t)st->mask + 1, sizeof(*st->table));
	for (id = 0; id < st->n; id++)
		table_insert(st, id);
}

static char *store(struct strtab *st, const char *s, size_t len)
{
	char *dst;

	if (!st->nchunks || st->chunk_used + len + 1 > st->chunk_size) {
		size_t size = len + 1 > CHUNK_MIN ? len + 1 : CHUNK_MIN;

		ALLOC_GROW(st->chunks, st->nchunks + 1, st->chunks_alloc);
		st->chunks[st->nchunks++] = xmalloc(size);
		st->chunk_size = size;
		st->chunk_used = 0;
	}
	dst = st->chunks[st->nchunks - 1] + st->chunk_used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	st->chunk_used += len + 1;
	return dst;
}

void strtab__init(struct strtab *st)
{
	memset(st, 0, sizeof(*st));
	table_grow(st);
	strtab__intern(st, "", 0);
}

void strtab__release(struct strtab *st)
{
	size_t i;

	for (i = 0; i < st->nchunks; i++)
		free(st->chunks[i]);
	free(st->chunks);
	free(st->ptr);
	free(st->len);
	free(st->hash);
	free(st->table);
	memset(st, 0, sizeof(*st));
}

uint32_t strtab__intern(struct strtab *st, const char *s, size_t len)
{
	uint32_t h = (uint32_t)hash_bytes(s, len);
	uint32_t i = h & st->mask, id;

	while (st->table[i]) {
		id = st->table[i] - 1;
		if (st->hash[id] == h && st->len[id] == len && !memcmp(st->ptr[id], s, len))
			return id;
		i = (i + 1) & st->mask;
	}
	if (len > UINT32_MAX - 1)
		len = UINT32_MAX - 1;
	if (st->n == st->alloc) {
		st->alloc = st->alloc ? st->alloc * 2 : 1024;
		st->ptr = xreallocarray(st->ptr, st->alloc, sizeof(*st->ptr));
		st->len = xreallocarray(st->len, st->alloc, sizeof(*st->len));
		st->hash = xreallocarray(st->hash, st->alloc, sizeof(*st->hash));
	}
	id = st->n++;
	st->ptr[id] = store(st, s, len);
	st->len[id] = len;
	st->hash[id] = h;
	if ((uint64_t)st->n * 2 > st->mask)
		table_grow(st);
	else
		st->table[i] = id + 1;
	return id;
}
