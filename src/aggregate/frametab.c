// SPDX-License-Identifier: Apache-2.0
/*
 * The frame table: a frame is (name, module, file, line, kind), all ids into
 * the string table, interned so that equal frames share one id.
 */
#include <stdlib.h>
#include <string.h>

#include "aggregate_internal.h"
#include "hashmap.h"
#include "xalloc.h"

static uint32_t frame_hash(const struct frame *f)
{
	uint64_t h = hash_u64(((uint64_t)f->name << 32) | f->kind);

	h = hash_u64(h ^ (((uint64_t)f->module << 32) | f->file));
	return (uint32_t)hash_u64(h ^ f->line);
}

static bool frame_eq(const struct frame *a, const struct frame *b)
{
	return a->name == b->name && a->kind == b->kind && a->module == b->module &&
	       a->file == b->file && a->line == b->line;
}

static void table_grow(struct frametab *ft)
{
	uint32_t id;

	free(ft->table);
	ft->mask = ft->mask ? ft->mask * 2 + 1 : 1023;
	ft->table = xcalloc((size_t)ft->mask + 1, sizeof(*ft->table));
	for (id = 0; id < ft->n; id++) {
		uint32_t i = frame_hash(&ft->frames[id]) & ft->mask;

		while (ft->table[i])
			i = (i + 1) & ft->mask;
		ft->table[i] = id + 1;
	}
}

void frametab__init(struct frametab *ft)
{
	memset(ft, 0, sizeof(*ft));
	table_grow(ft);
}

void frametab__release(struct frametab *ft)
{
	free(ft->frames);
	free(ft->table);
	memset(ft, 0, sizeof(*ft));
}

uint32_t frametab__intern(struct frametab *ft, const struct frame *f)
{
	uint32_t i = frame_hash(f) & ft->mask, id;

	while (ft->table[i]) {
		id = ft->table[i] - 1;
		if (frame_eq(&ft->frames[id], f))
			return id;
		i = (i + 1) & ft->mask;
	}
	ALLOC_GROW(ft->frames, ft->n + 1, ft->alloc);
	id = ft->n++;
	ft->frames[id] = *f;
	if ((uint64_t)ft->n * 2 > ft->mask)
		table_grow(ft);
	else
		ft->table[i] = id + 1;
	return id;
}
