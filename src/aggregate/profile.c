// SPDX-License-Identifier: Apache-2.0
/*
 * The profile: public API over the string table, the frame table and the
 * stack prefix tree, plus the read-only index that outputs use.
 */
#include "profile.h"

#include <errno.h>
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

void profile__add_weight(struct profile *p, uint32_t node, enum profile_col col, double w)
{
	struct stacktree *t = &p->tree;

	if (col == PROFILE_COL_BEFORE) {
		if (!t->self_before)
			t->self_before = xcalloc(t->alloc, sizeof(*t->self_before));
		t->self_before[node] += w;
	} else {
		t->self[node] += w;
	}
	p->total[col] += w;
}

uint32_t profile__add_stack(struct profile *p, const uint32_t *frames, size_t n,
			    enum profile_col col, double w)
{
	uint32_t node = PROFILE_ROOT;
	size_t i;

	for (i = 0; i < n; i++)
		node = stacktree__child(&p->tree, node, frames[i]);
	profile__add_weight(p, node, col, w);
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

double profile__node_self(const struct profile *p, uint32_t node, enum profile_col col)
{
	if (col == PROFILE_COL_BEFORE)
		return p->tree.self_before ? p->tree.self_before[node] : 0;
	return p->tree.self[node];
}

double profile__total(const struct profile *p, enum profile_col col)
{
	return p->total[col];
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
		if (t->self[id] == 0 && (!t->self_before || t->self_before[id] == 0))
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

	memcpy(ix->total, t->self, (size_t)t->n * sizeof(double));
	if (ix->total_before)
		memcpy(ix->total_before, t->self_before, (size_t)t->n * sizeof(double));
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
