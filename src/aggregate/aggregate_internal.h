/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the profile model shared by the aggregate stage's files.
 */
#ifndef RESQ_AGGREGATE_INTERNAL_H
#define RESQ_AGGREGATE_INTERNAL_H

#include <stdint.h>

#include "profile.h"

/* Interned strings. Bytes live in chunks that never move. */
struct strtab {
	char **chunks;
	size_t nchunks, chunks_alloc;
	size_t chunk_used, chunk_size;
	const char **ptr;
	uint32_t *len;
	uint32_t *hash;
	uint32_t n, alloc;
	uint32_t *table; /* string id + 1; 0 = empty slot */
	uint32_t mask;
};

void strtab__init(struct strtab *st);
void strtab__release(struct strtab *st);
uint32_t strtab__intern(struct strtab *st, const char *s, size_t len);

/* Interned frames. */
struct frametab {
	struct frame *frames;
	uint32_t n, alloc;
	uint32_t *table; /* frame id + 1; 0 = empty slot */
	uint32_t mask;
};

void frametab__init(struct frametab *ft);
void frametab__release(struct frametab *ft);
uint32_t frametab__intern(struct frametab *ft, const struct frame *f);

/* No weight and no column total may reach this (2^63) in a fractional profile. */
#define FRAC_LIMIT 9223372036854775808.0

/* A weight: @i in an integer profile, @f in a fractional one; all-zero bits are 0 in both. */
union pweight {
	int64_t i;
	double f;
};

/* The stack prefix tree. */
struct stacktree {
	uint32_t *parent;
	uint32_t *frame;
	union pweight *self;
	union pweight *self_before; /* NULL until a PROFILE_COL_BEFORE weight is added */
	uint32_t *last_child;	    /* chart mode only */
	uint32_t n, alloc;
	uint32_t *table; /* node id + 1; 0 = empty slot; keyed by (parent, frame) */
	uint32_t mask;
	bool chart;
};

void stacktree__init(struct stacktree *t);
void stacktree__release(struct stacktree *t);
uint32_t stacktree__child(struct stacktree *t, uint32_t node, uint32_t frame);

struct profile {
	struct strtab strs;
	struct frametab frames;
	struct stacktree tree;
	union pweight total[2];
	bool frac;	   /* weights are doubles (see profile.h) */
	uint64_t nweights; /* non-zero weights added */
	char *countname;
};

#endif
