// SPDX-License-Identifier: Apache-2.0
/*
 * The stack prefix tree: node = (parent, frame) plus self weights. Children
 * are found through one hash table keyed by (parent, frame); in flame-chart
 * mode only the most recent child of a node is a merge candidate.
 */
#include <stdlib.h>
#include <string.h>

#include "aggregate_internal.h"
#include "hashmap.h"
#include "xalloc.h"

static inline uint32_t node_hash(uint32_t parent, uint32_t frame)
{
	return (uint32_t)hash_u64(((uint64_t)parent << 32) | frame);
}

static void table_grow(struct stacktree *t)
{
	uint32_t id;

	free(t->table);
	t->mask = t->mask ? t->mask * 2 + 1 : 4095;
	t->table = xcalloc((size_t)t->mask + 1, sizeof(*t->table));
	for (id = 1; id < t->n; id++) {
		uint32_t i = node_hash(t->parent[id], t->frame[id]) & t->mask;

		while (t->table[i])
			i = (i + 1) & t->mask;
		t->table[i] = id + 1;
	}
}

static uint32_t new_node(struct stacktree *t, uint32_t parent, uint32_t frame)
{
	uint32_t id;

	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 4096;
		t->parent = xreallocarray(t->parent, t->alloc, sizeof(*t->parent));
		t->frame = xreallocarray(t->frame, t->alloc, sizeof(*t->frame));
		t->self = xreallocarray(t->self, t->alloc, sizeof(*t->self));
		if (t->self_before)
			t->self_before =
				xreallocarray(t->self_before, t->alloc, sizeof(*t->self_before));
		if (t->chart)
			t->last_child =
				xreallocarray(t->last_child, t->alloc, sizeof(*t->last_child));
	}
	id = t->n++;
	t->parent[id] = parent;
	t->frame[id] = frame;
	t->self[id].i = 0;
	if (t->self_before)
		t->self_before[id].i = 0;
	if (t->chart) {
		t->last_child[id] = PROFILE_NONE;
		if (id)
			t->last_child[parent] = id;
	}
	return id;
}

void stacktree__init(struct stacktree *t)
{
	memset(t, 0, sizeof(*t));
	table_grow(t);
	new_node(t, PROFILE_NONE, PROFILE_NONE);
}

void stacktree__release(struct stacktree *t)
{
	free(t->parent);
	free(t->frame);
	free(t->self);
	free(t->self_before);
	free(t->last_child);
	free(t->table);
	memset(t, 0, sizeof(*t));
}

uint32_t stacktree__child(struct stacktree *t, uint32_t node, uint32_t frame)
{
	uint32_t i, id;

	if (t->chart) {
		id = t->last_child[node];
		if (id != PROFILE_NONE && t->frame[id] == frame)
			return id;
		return new_node(t, node, frame);
	}
	i = node_hash(node, frame) & t->mask;
	while (t->table[i]) {
		id = t->table[i] - 1;
		if (t->parent[id] == node && t->frame[id] == frame)
			return id;
		i = (i + 1) & t->mask;
	}
	id = new_node(t, node, frame);
	if ((uint64_t)t->n * 2 > t->mask)
		table_grow(t);
	else
		t->table[i] = id + 1;
	return id;
}
