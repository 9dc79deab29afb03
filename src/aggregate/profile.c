// SPDX-License-Identifier: Apache-2.0
/*
 * The profile: public API over the string table, the frame table and the
 * stack prefix tree, plus the read-only index that outputs use.
 */
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate_internal.h"
#include "strbuf.h"
#include "xalloc.h"

struct profile *profile__new(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));

	strtab__init(&p->strs);
	frametab__init(&p->frames);
	stacktree__init(&p->tree);
	return p;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	strtab__release(&p->strs);
	frametab__release(&p->frames);
	stacktree__release(&p->tree);
	free(p->countname);
	free(p);
}

void profile__set_chart_mode(struct profile *p, bool on)
{
	struct stacktree *t = &p->tree;
	uint32_t i;

	if (t->chart == on)
		return;
	t->chart = on;
	free(t->last_child);
	t->last_child = NULL;
	if (on) {
		t->last_child = xreallocarray(NULL, t->alloc, sizeof(*t->last_child));
		for (i = 0; i < t->n; i++)
			t->last_child[i] = PROFILE_NONE;
		for (i = 1; i < t->n; i++)
			t->last_child[t->parent[i]] = i;
	}
}

bool profile__chart_mode(const struct profile *p)
{
	return p->tree.chart;
}

uint32_t profile__intern(struct profile *p, const char *s, size_t len)
{
	return strtab__intern(&p->strs, s, len);
}

uint32_t profile__intern_str(struct profile *p, const char *s)
{
	return strtab__intern(&p->strs, s, strlen(s));
}

const char *profile__str(const struct profile *p, uint32_t id)
{
	return id < p->strs.n ? p->strs.ptr[id] : "";
}

size_t profile__str_len(const struct profile *p, uint32_t id)
{
	return id < p->strs.n ? p->strs.len[id] : 0;
}

uint32_t profile__nstrs(const struct profile *p)
{
	return p->strs.n;
}

uint32_t profile__frame(struct profile *p, const struct frame *f)
{
	return frametab__intern(&p->frames, f);
}

uint32_t profile__frame_named(struct profile *p, const char *name, size_t len,
			      enum frame_kind kind)
{
	struct frame f = { .name = strtab__intern(&p->strs, name, len), .kind = kind };

	return frametab__intern(&p->frames, &f);
}

const struct frame *profile__frame_get(const struct profile *p, uint32_t frame_id)
{
	return &p->frames.frames[frame_id];
}

const char *profile__frame_name(const struct profile *p, uint32_t frame_id)
{
	return profile__str(p, p->frames.frames[frame_id].name);
}

uint32_t profile__nframes(const struct profile *p)
{
	return p->frames.n;
}

uint32_t profile__child(struct profile *p, uint32_t node, uint32_t frame)
{
	return stacktree__child(&p->tree, node, frame);
}

/* The self weights of column @col, allocated on first use for the "before" column. */
static union pweight *column(struct profile *p, enum profile_col col)
{
	struct stacktree *t = &p->tree;

	if (col != PROFILE_COL_BEFORE)
		return t->self;
	if (!t->self_before)
		t->self_before = xcalloc(t->alloc, sizeof(*t->self_before));
	return t->self_before;
}

/* Turns every weight into a double: the profile is fractional from now on. */
static void make_fractional(struct profile *p)
{
	struct stacktree *t = &p->tree;
	uint32_t i;
	int c;

	for (i = 0; i < t->n; i++) {
		t->self[i].f = (double)t->self[i].i;
		if (t->self_before)
			t->self_before[i].f = (double)t->self_before[i].i;
	}
	for (c = 0; c < 2; c++)
		p->total[c].f = (double)p->total[c].i;
	p->frac = true;
}

int profile__add_weight_int(struct profile *p, uint32_t node, enum profile_col col, int64_t w)
{
	union pweight *self;
	int64_t sum;

	if (w < 0)
		return -EINVAL;
	if (!w)
		return 0;
	if (p->frac)
		return profile__add_weight(p, node, col, (double)w);
	/* Weights are not negative, so no self weight exceeds its column's total. */
	if (__builtin_add_overflow(p->total[col].i, w, &sum))
		return -EOVERFLOW;
	self = column(p, col);
	self[node].i += w;
	p->total[col].i = sum;
	p->nweights++;
	return 0;
}

int profile__add_weight(struct profile *p, uint32_t node, enum profile_col col, double w)
{
	double sum;

	if (!(w >= 0) || isinf(w))
		return -EINVAL;
	if (w == 0)
		return 0;
	if (w >= FRAC_LIMIT)
		return -EOVERFLOW;
	if (!p->frac && w == floor(w))
		return profile__add_weight_int(p, node, col, (int64_t)w);
	sum = (p->frac ? p->total[col].f : (double)p->total[col].i) + w;
	if (sum >= FRAC_LIMIT)
		return -EOVERFLOW;
	if (!p->frac)
		make_fractional(p);
	column(p, col)[node].f += w;
	p->total[col].f = sum;
	p->nweights++;
	return 0;
}

int profile__add_node_weights(struct profile *dst, uint32_t dnode, const struct profile *src,
			      uint32_t snode)
{
	union pweight m = src->tree.self[snode], b = {0};
	int err;

	if (src->tree.self_before)
		b = src->tree.self_before[snode];
	if (src->frac) {
		double tm = dst->frac ? dst->total[PROFILE_COL_MAIN].f
				      : (double)dst->total[PROFILE_COL_MAIN].i;
		double tb = dst->frac ? dst->total[PROFILE_COL_BEFORE].f
				      : (double)dst->total[PROFILE_COL_BEFORE].i;

		/* Both or neither: check the second column before adding the first. */
		if (tm + m.f >= FRAC_LIMIT || tb + b.f >= FRAC_LIMIT)
			return -EOVERFLOW;
		err = profile__add_weight(dst, dnode, PROFILE_COL_MAIN, m.f);
		return err ? err : profile__add_weight(dst, dnode, PROFILE_COL_BEFORE, b.f);
	}
	if (!dst->frac) {
		int64_t x;

		if (__builtin_add_overflow(dst->total[PROFILE_COL_MAIN].i, m.i, &x) ||
		    __builtin_add_overflow(dst->total[PROFILE_COL_BEFORE].i, b.i, &x))
			return -EOVERFLOW;
	} else if (dst->total[PROFILE_COL_MAIN].f + (double)m.i >= FRAC_LIMIT ||
		   dst->total[PROFILE_COL_BEFORE].f + (double)b.i >= FRAC_LIMIT) {
		return -EOVERFLOW;
	}
	err = profile__add_weight_int(dst, dnode, PROFILE_COL_MAIN, m.i);
	return err ? err : profile__add_weight_int(dst, dnode, PROFILE_COL_BEFORE, b.i);
}

uint32_t profile__stack_node(struct profile *p, const uint32_t *frames, size_t n)
{
	uint32_t node = PROFILE_ROOT;
	size_t i;

	for (i = 0; i < n; i++)
		node = stacktree__child(&p->tree, node, frames[i]);
	return node;
}

uint32_t profile__add_stack(struct profile *p, const uint32_t *frames, size_t n,
			    enum profile_col col, double w)
{
	uint32_t node = profile__stack_node(p, frames, n);
	int err = profile__add_weight(p, node, col, w);

	if (err) {
		errno = -err;
		return PROFILE_NONE;
	}
	return node;
}

uint32_t profile__add_stack_int(struct profile *p, const uint32_t *frames, size_t n,
				enum profile_col col, int64_t w)
{
	uint32_t node = profile__stack_node(p, frames, n);
	int err = profile__add_weight_int(p, node, col, w);

	if (err) {
		errno = -err;
		return PROFILE_NONE;
	}
	return node;
}

uint32_t profile__nnodes(const struct profile *p)
{
	return p->tree.n;
}

uint32_t profile__node_parent(const struct profile *p, uint32_t node)
{
	return p->tree.parent[node];
}

uint32_t profile__node_frame(const struct profile *p, uint32_t node)
{
	return p->tree.frame[node];
}

bool profile__fractional(const struct profile *p)
{
	return p->frac;
}

static union pweight self_of(const struct profile *p, uint32_t node, enum profile_col col)
{
	union pweight zero = {0};

	if (col == PROFILE_COL_BEFORE)
		return p->tree.self_before ? p->tree.self_before[node] : zero;
	return p->tree.self[node];
}

double profile__node_self(const struct profile *p, uint32_t node, enum profile_col col)
{
	union pweight w = self_of(p, node, col);

	return p->frac ? w.f : (double)w.i;
}

int64_t profile__node_self_int(const struct profile *p, uint32_t node, enum profile_col col)
{
	union pweight w = self_of(p, node, col);

	return p->frac ? llround(w.f) : w.i;
}

double profile__total(const struct profile *p, enum profile_col col)
{
	return p->frac ? p->total[col].f : (double)p->total[col].i;
}

int64_t profile__total_int(const struct profile *p, enum profile_col col)
{
	return p->frac ? llround(p->total[col].f) : p->total[col].i;
}

uint64_t profile__nweights(const struct profile *p)
{
	return p->nweights;
}

static locale_t c_locale(void)
{
	static locale_t loc;

	/* The digits must not depend on the locale the program set (the TUI sets one). */
	if (!loc)
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	return loc;
}

size_t profile__weight_text(double w, char *buf)
{
	char e[48], digits[24];
	size_t nd = 0, len = 0, i;
	locale_t loc, old;
	const char *x;
	int prec, exp;

	if (!(w >= 0) || isinf(w))
		w = 0;
	if (w == floor(w) && w < FRAC_LIMIT)
		return (size_t)snprintf(buf, PROFILE_WEIGHT_TEXT_MAX, "%" PRId64, (int64_t)w);
	loc = c_locale();
	old = loc ? uselocale(loc) : (locale_t)0;
	/* The fewest significant digits that read back as @w, then placed by hand. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, w);
		if (strtod(e, NULL) == w)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec - 1, w);
	for (x = e; *x && *x != 'e'; x++)
		if (*x >= '0' && *x <= '9')
			digits[nd++] = *x;
	exp = *x ? atoi(x + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp < 0) {
		buf[len++] = '0';
		buf[len++] = '.';
		for (i = 1; i < (size_t)-exp; i++)
			buf[len++] = '0';
		memcpy(buf + len, digits, nd);
		len += nd;
	} else {
		for (i = 0; i <= (size_t)exp; i++)
			buf[len++] = i < nd ? digits[i] : '0';
		if (nd > (size_t)exp + 1) {
			buf[len++] = '.';
			memcpy(buf + len, digits + exp + 1, nd - exp - 1);
			len += nd - exp - 1;
		}
	}
	buf[len] = '\0';
	if (loc)
		uselocale(old);
	return len;
}

bool profile__is_diff(const struct profile *p)
{
	return p->tree.self_before != NULL;
}

void profile__set_countname(struct profile *p, const char *name)
{
	free(p->countname);
	p->countname = name ? xstrdup(name) : NULL;
}

const char *profile__countname(const struct profile *p)
{
	return p->countname ? p->countname : "samples";
}

static uint32_t node_depth(const struct profile *p, uint32_t node)
{
	uint32_t d = 0;

	while (node != PROFILE_ROOT) {
		node = p->tree.parent[node];
		d++;
	}
	return d;
}

/* Fills @buf (capacity >= depth) with the frames of @node, root first. */
static size_t node_frames(const struct profile *p, uint32_t node, uint32_t *buf, size_t depth)
{
	size_t i = depth;

	while (node != PROFILE_ROOT) {
		buf[--i] = p->tree.frame[node];
		node = p->tree.parent[node];
	}
	return depth;
}

int profile__walk_stacks(const struct profile *p, profile_stack_fn fn, void *ctx)
{
	const struct stacktree *t = &p->tree;
	uint32_t *depth = xmalloc((size_t)t->n * sizeof(*depth));
	uint32_t *buf = NULL;
	size_t buf_alloc = 0;
	uint32_t id;
	int ret = 0;

	depth[0] = 0;
	for (id = 1; id < t->n; id++)
		depth[id] = depth[t->parent[id]] + 1;
	for (id = 1; id < t->n && !ret; id++) {
		if (!t->self[id].i && (!t->self_before || !t->self_before[id].i))
			continue;
		ALLOC_GROW(buf, depth[id], buf_alloc);
		node_frames(p, id, buf, depth[id]);
		ret = fn(p, buf, depth[id], id, ctx);
	}
	free(buf);
	free(depth);
	return ret;
}

char *profile__stack_string(const struct profile *p, uint32_t node, char sep)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t d = node_depth(p, node);
	uint32_t *buf = xmalloc((d + 1) * sizeof(*buf));
	uint32_t i;

	node_frames(p, node, buf, d);
	for (i = 0; i < d; i++) {
		uint32_t name = p->frames.frames[buf[i]].name;

		if (i)
			strbuf__addch(&sb, sep);
		strbuf__add(&sb, profile__str(p, name), profile__str_len(p, name));
	}
	free(buf);
	return strbuf__detach(&sb, NULL);
}

/* Sort context for children by name bytes; ties by node id keep it stable. */
static const struct profile *sort_p;

static int cmp_by_name(const void *a, const void *b)
{
	uint32_t na = *(const uint32_t *)a, nb = *(const uint32_t *)b;
	const struct frame *fa = &sort_p->frames.frames[sort_p->tree.frame[na]];
	const struct frame *fb = &sort_p->frames.frames[sort_p->tree.frame[nb]];
	size_t la = sort_p->strs.len[fa->name], lb = sort_p->strs.len[fb->name];
	int c = memcmp(sort_p->strs.ptr[fa->name], sort_p->strs.ptr[fb->name], la < lb ? la : lb);

	if (c)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (fa->kind != fb->kind)
		return fa->kind < fb->kind ? -1 : 1;
	return na < nb ? -1 : (na > nb);
}

struct profile_index *profile_index__new(const struct profile *p)
{
	const struct stacktree *t = &p->tree;
	struct profile_index *ix = xcalloc(1, sizeof(*ix));
	uint32_t *fill, *depth, id;

	ix->nnodes = t->n;
	ix->child_off = xcalloc((size_t)t->n + 1, sizeof(*ix->child_off));
	ix->children = xmalloc(((size_t)t->n ? t->n : 1) * sizeof(*ix->children));
	ix->total = xmalloc((size_t)t->n * sizeof(*ix->total));
	if (t->self_before)
		ix->total_before = xmalloc((size_t)t->n * sizeof(*ix->total_before));

	/* Counting sort of nodes by parent gives each node's children in id order. */
	for (id = 1; id < t->n; id++)
		ix->child_off[t->parent[id] + 1]++;
	for (id = 0; id < t->n; id++)
		ix->child_off[id + 1] += ix->child_off[id];
	fill = xmalloc((size_t)t->n * sizeof(*fill));
	memcpy(fill, ix->child_off, (size_t)t->n * sizeof(*fill));
	for (id = 1; id < t->n; id++)
		ix->children[fill[t->parent[id]]++] = id;
	free(fill);

	if (!t->chart) {
		sort_p = p;
		for (id = 0; id < t->n; id++) {
			uint32_t n = ix->child_off[id + 1] - ix->child_off[id];

			if (n > 1)
				qsort(ix->children + ix->child_off[id], n, sizeof(uint32_t),
				      cmp_by_name);
		}
		sort_p = NULL;
	}

	for (id = 0; id < t->n; id++) {
		ix->total[id] = profile__node_self(p, id, PROFILE_COL_MAIN);
		if (ix->total_before)
			ix->total_before[id] = profile__node_self(p, id, PROFILE_COL_BEFORE);
	}
	for (id = t->n - 1; id > 0; id--) {
		ix->total[t->parent[id]] += ix->total[id];
		if (ix->total_before)
			ix->total_before[t->parent[id]] += ix->total_before[id];
	}

	depth = xmalloc((size_t)t->n * sizeof(*depth));
	depth[0] = 0;
	for (id = 1; id < t->n; id++) {
		depth[id] = depth[t->parent[id]] + 1;
		if (depth[id] > ix->max_depth)
			ix->max_depth = depth[id];
	}
	free(depth);
	return ix;
}

void profile_index__free(struct profile_index *ix)
{
	if (!ix)
		return;
	free(ix->child_off);
	free(ix->children);
	free(ix->total);
	free(ix->total_before);
	free(ix);
}
