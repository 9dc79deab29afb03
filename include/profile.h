/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The profile model shared by every source and every output: interned
 * strings, a frame table and a stack prefix tree with weights.
 *
 * Node 0 (PROFILE_ROOT) is a virtual root without a frame. Every other node
 * has a parent whose id is smaller than its own, so a forward pass over node
 * ids visits parents before children and a backward pass can sum totals.
 * Weights are doubles: some inputs carry fractional counts.
 *
 * Sources only add stacks; outputs take a const profile and read it,
 * usually through a struct profile_index (sorted children and totals).
 */
#ifndef RESQ_PROFILE_H
#define RESQ_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h" /* enum frame_kind */

#define PROFILE_ROOT 0u
#define PROFILE_NONE UINT32_MAX

/* Weight columns: differential profiles also carry a "before" weight. */
enum profile_col {
	PROFILE_COL_MAIN = 0,
	PROFILE_COL_BEFORE = 1,
};

/* A frame: string ids into the profile's string table (0 = empty/none). */
struct frame {
	uint32_t name;
	uint32_t module;
	uint32_t file;
	uint32_t line;
	uint32_t kind; /* enum frame_kind */
};

struct profile;

struct profile *profile__new(void);
/* Frees @p and everything it interned; NULL does nothing. */
void profile__free(struct profile *p);

/*
 * Flame-chart mode: a new stack only reuses the most recently added child of
 * each node, so stacks merge only with the stack added just before them and
 * children keep insertion order. Set before adding stacks.
 */
void profile__set_chart_mode(struct profile *p, bool on);
bool profile__chart_mode(const struct profile *p);

/* Interns @len bytes of @s (need not be NUL-terminated); returns its id. */
uint32_t profile__intern(struct profile *p, const char *s, size_t len);
uint32_t profile__intern_str(struct profile *p, const char *s);
/* Borrowed from @p, NUL-terminated, valid until profile__free(). Id 0 is "". */
const char *profile__str(const struct profile *p, uint32_t id);
size_t profile__str_len(const struct profile *p, uint32_t id);
uint32_t profile__nstrs(const struct profile *p);

/* Interns a frame; returns its id. */
uint32_t profile__frame(struct profile *p, const struct frame *f);
/* Interns the frame {name, kind} with no module, file or line. */
uint32_t profile__frame_named(struct profile *p, const char *name, size_t len,
			      enum frame_kind kind);
/* Borrowed from @p; valid until the next frame is interned. */
const struct frame *profile__frame_get(const struct profile *p, uint32_t frame_id);
/* Shortcut for profile__str(p, profile__frame_get(p, id)->name). */
const char *profile__frame_name(const struct profile *p, uint32_t frame_id);
uint32_t profile__nframes(const struct profile *p);

/* Finds or creates the child of @node for @frame; returns the child node id. */
uint32_t profile__child(struct profile *p, uint32_t node, uint32_t frame);
/* Adds @w to the self weight of @node in column @col. */
void profile__add_weight(struct profile *p, uint32_t node, enum profile_col col, double w);
/*
 * Adds a stack of @n frame ids, root first, with weight @w in column @col.
 * Returns the leaf node id (PROFILE_ROOT when @n is 0).
 */
uint32_t profile__add_stack(struct profile *p, const uint32_t *frames, size_t n,
			    enum profile_col col, double w);

uint32_t profile__nnodes(const struct profile *p);
uint32_t profile__node_parent(const struct profile *p, uint32_t node);
uint32_t profile__node_frame(const struct profile *p, uint32_t node);
double profile__node_self(const struct profile *p, uint32_t node, enum profile_col col);
/* Sum of all self weights in @col. */
double profile__total(const struct profile *p, enum profile_col col);
/* True once any weight was added to PROFILE_COL_BEFORE. */
bool profile__is_diff(const struct profile *p);

/* Count name shown in tooltips ("samples", "us", ...); default "samples". */
void profile__set_countname(struct profile *p, const char *name);
const char *profile__countname(const struct profile *p);

/*
 * Copies every stack of @src into @dst. With @root_name non-NULL each stack
 * is put under a root frame of that name (kind FRAME_KIND_ROOT).
 */
void profile__merge(struct profile *dst, const struct profile *src, const char *root_name);

/* Calls @fn for each node with a non-zero self weight in any column, in node
 * order, with its frames root first. A non-zero return from @fn stops the
 * walk and is returned. */
typedef int (*profile_stack_fn)(const struct profile *p, const uint32_t *frames, size_t n,
				uint32_t node, void *ctx);
int profile__walk_stacks(const struct profile *p, profile_stack_fn fn, void *ctx);

/* Writes the frames of @node, root first, joined by @sep, into a malloc'd
 * string that the caller frees. */
char *profile__stack_string(const struct profile *p, uint32_t node, char sep);

/*
 * Transforms: each returns a new profile that the caller frees.
 * reversed: every stack reversed (leaf becomes root).
 */
struct profile *profile__reversed(const struct profile *p);

/*
 * A read-only index over a profile: children lists in a stable order
 * (by frame name bytes, or insertion order in chart mode) and inclusive
 * totals per node. The profile must not change while the index lives.
 */
struct profile_index {
	uint32_t nnodes;
	uint32_t *child_off;  /* children of n: children[child_off[n] .. child_off[n+1]) */
	uint32_t *children;
	double *total;        /* inclusive weight, PROFILE_COL_MAIN */
	double *total_before; /* inclusive weight, PROFILE_COL_BEFORE; NULL unless diff */
	uint32_t max_depth;   /* deepest node, root = 0 */
};

/* Returns NULL and sets errno on failure (only ENOMEM aborts via xmalloc). */
struct profile_index *profile_index__new(const struct profile *p);
void profile_index__free(struct profile_index *ix);

#endif
