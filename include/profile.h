/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The profile model shared by every source and every output: interned
 * strings, a frame table and a stack prefix tree with weights.
 *
 * Node 0 (PROFILE_ROOT) is a virtual root without a frame. Every other node
 * has a parent whose id is smaller than its own, so a forward pass over node
 * ids visits parents before children and a backward pass can sum totals.
 *
 * Weights. A profile's weights are exact 64-bit integers until a source adds
 * one with a fraction (folded "a;b 2.5", speedscope times, a diff scaled by
 * --normalize); from then on the profile is fractional: every weight is a
 * double, exact for integers up to 2^53 and for decimals as far as a double
 * holds them. A profile never turns back into an integer one. Weights are
 * never negative, and no weight and no sum of weights in a column may go
 * beyond PROFILE_WEIGHT_MAX (2^63 - 1): an addition that would is refused
 * with -EOVERFLOW and changes no weight, so every self weight, inclusive
 * total and column total of a profile fits in an int64_t.
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
/* The largest weight, and the largest sum of weights, a column holds. */
#define PROFILE_WEIGHT_MAX INT64_MAX
/* Room for profile__weight_text() of any weight, NUL included. */
#define PROFILE_WEIGHT_TEXT_MAX 400

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
/* Finds or creates the node of a stack of @n frame ids, root first (PROFILE_ROOT for none). */
uint32_t profile__stack_node(struct profile *p, const uint32_t *frames, size_t n);
/*
 * Adds @w to the self weight of @node in column @col. An integral @w below
 * 2^63 is added as an exact integer; one with a fraction makes the profile
 * fractional (see the top of this file). Returns 0; -EINVAL, with nothing
 * added, when @w is negative, NaN or infinite; -EOVERFLOW, with nothing
 * added, when @w or the column's total would go beyond PROFILE_WEIGHT_MAX.
 */
int profile__add_weight(struct profile *p, uint32_t node, enum profile_col col, double w);
/* The same for an integer weight: exact in an integer profile. */
int profile__add_weight_int(struct profile *p, uint32_t node, enum profile_col col, int64_t w);
/*
 * Adds both columns' self weights of node @snode of @src to node @dnode of
 * @dst, exactly (integers stay integers). Returns 0 or -EOVERFLOW (then
 * nothing of @snode was added).
 */
int profile__add_node_weights(struct profile *dst, uint32_t dnode, const struct profile *src,
			      uint32_t snode);
/*
 * Adds a stack of @n frame ids, root first, with weight @w in column @col,
 * as profile__add_weight() adds it. Returns the leaf node id (PROFILE_ROOT
 * when @n is 0); PROFILE_NONE with errno set (EINVAL, EOVERFLOW) when the
 * weight was refused: the stack's nodes exist then, without that weight.
 */
uint32_t profile__add_stack(struct profile *p, const uint32_t *frames, size_t n,
			    enum profile_col col, double w);
/* The same for an integer weight. */
uint32_t profile__add_stack_int(struct profile *p, const uint32_t *frames, size_t n,
				enum profile_col col, int64_t w);

uint32_t profile__nnodes(const struct profile *p);
uint32_t profile__node_parent(const struct profile *p, uint32_t node);
uint32_t profile__node_frame(const struct profile *p, uint32_t node);
/* True once the profile holds a weight with a fraction (see the top). */
bool profile__fractional(const struct profile *p);
/* Self weight of @node in @col, as a double (inexact above 2^53 in an integer profile). */
double profile__node_self(const struct profile *p, uint32_t node, enum profile_col col);
/* Self weight of @node in @col: exact in an integer profile, rounded in a fractional one. */
int64_t profile__node_self_int(const struct profile *p, uint32_t node, enum profile_col col);
/* Sum of all self weights in @col, as a double. */
double profile__total(const struct profile *p, enum profile_col col);
/* The same, exact in an integer profile, rounded in a fractional one. */
int64_t profile__total_int(const struct profile *p, enum profile_col col);
/* How many non-zero weights were added so far, in any column. */
uint64_t profile__nweights(const struct profile *p);
/*
 * Writes the weight @w (>= 0) into @buf (PROFILE_WEIGHT_TEXT_MAX bytes) as
 * plain decimal digits, never in exponent form: an integral @w as an
 * integer, else with the fewest fraction digits that read back as @w.
 * Returns the length. (An integer profile's int64_t weights print with
 * PRId64.)
 */
size_t profile__weight_text(double w, char *buf);
/* True once any weight was added to PROFILE_COL_BEFORE. */
bool profile__is_diff(const struct profile *p);

/* Count name shown in tooltips ("samples", "us", ...); default "samples". */
void profile__set_countname(struct profile *p, const char *name);
const char *profile__countname(const struct profile *p);

/*
 * Copies every stack of @src into @dst, weights exactly. With @root_name
 * non-NULL each stack is put under a root frame of that name (kind
 * FRAME_KIND_ROOT). Returns 0, or -EOVERFLOW, with @dst unchanged, when
 * the weights of @dst and @src together go beyond PROFILE_WEIGHT_MAX.
 */
int profile__merge(struct profile *dst, const struct profile *src, const char *root_name);
/*
 * Moves every stack of @src into @dst and frees @src: profile__merge(dst,
 * src, NULL), then profile__free(src), except that a @dst that holds
 * nothing yet (no frames, no weights, no count name) takes @src's tables
 * without a copy. Returns 0, or -EOVERFLOW with @dst unchanged; @src is
 * freed either way.
 */
int profile__absorb(struct profile *dst, struct profile *src);

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
	double *total;        /* inclusive weight, PROFILE_COL_MAIN, as a double (for
			       * layout and shares; the profile has the exact weights) */
	double *total_before; /* inclusive weight, PROFILE_COL_BEFORE; NULL unless diff */
	uint32_t max_depth;   /* deepest node, root = 0 */
};

/* Returns NULL and sets errno on failure (only ENOMEM aborts via xmalloc). */
struct profile_index *profile_index__new(const struct profile *p);
void profile_index__free(struct profile_index *ix);

#endif
