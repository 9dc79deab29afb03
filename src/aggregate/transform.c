// SPDX-License-Identifier: Apache-2.0
/*
 * Transforms that build a new profile from a const one: merge (optionally
 * under a root frame) and reverse.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate_internal.h"
#include "xalloc.h"

/* Copies frame @fid of @src into @dst; @map caches already copied frames. */
static uint32_t copy_frame(struct profile *dst, const struct profile *src, uint32_t fid,
			   uint32_t *map)
{
	const struct frame *sf;
	struct frame f;

	if (map[fid] != PROFILE_NONE)
		return map[fid];
	sf = &src->frames.frames[fid];
	f.name = profile__intern(dst, profile__str(src, sf->name), profile__str_len(src, sf->name));
	f.module = profile__intern(dst, profile__str(src, sf->module),
				   profile__str_len(src, sf->module));
	f.file = profile__intern(dst, profile__str(src, sf->file), profile__str_len(src, sf->file));
	f.line = sf->line;
	f.kind = sf->kind;
	map[fid] = profile__frame(dst, &f);
	return map[fid];
}

static uint32_t *new_frame_map(const struct profile *src)
{
	uint32_t *map = xmalloc(((size_t)src->frames.n + 1) * sizeof(*map));
	uint32_t i;

	for (i = 0; i < src->frames.n; i++)
		map[i] = PROFILE_NONE;
	return map;
}

/* True when the column totals of @a and @b added together fit. */
static bool totals_fit(const struct profile *a, const struct profile *b)
{
	int c;

	for (c = 0; c < 2; c++) {
		int64_t x;

		if (!a->frac && !b->frac) {
			if (__builtin_add_overflow(a->total[c].i, b->total[c].i, &x))
				return false;
		} else if (profile__total(a, c) + profile__total(b, c) >= FRAC_LIMIT) {
			return false;
		}
	}
	return true;
}

int profile__merge(struct profile *dst, const struct profile *src, const char *root_name)
{
	uint32_t *fmap, *nmap;
	uint32_t id;
	int err;

	/* Weights are not negative: when the totals fit, every partial sum does. */
	if (!totals_fit(dst, src))
		return -EOVERFLOW;
	fmap = new_frame_map(src);
	nmap = xmalloc((size_t)src->tree.n * sizeof(*nmap));
	nmap[0] = PROFILE_ROOT;
	if (root_name)
		nmap[0] = profile__child(
			dst, PROFILE_ROOT,
			profile__frame_named(dst, root_name, strlen(root_name), FRAME_KIND_ROOT));
	err = profile__add_node_weights(dst, nmap[0], src, 0);
	/* Parents precede children, so one forward pass maps every node. */
	for (id = 1; id < src->tree.n && !err; id++) {
		nmap[id] = profile__child(dst, nmap[src->tree.parent[id]],
					  copy_frame(dst, src, src->tree.frame[id], fmap));
		err = profile__add_node_weights(dst, nmap[id], src, id);
	}
	if (src->countname && !dst->countname)
		profile__set_countname(dst, src->countname);
	free(nmap);
	free(fmap);
	return err;
}

int profile__absorb(struct profile *dst, struct profile *src)
{
	struct profile tmp;
	int err = 0;

	if (dst->strs.n > 1 || dst->frames.n || dst->tree.n > 1 || dst->nweights ||
	    dst->countname || dst->tree.chart != src->tree.chart) {
		err = profile__merge(dst, src, NULL);
	} else {
		tmp = *dst;
		*dst = *src;
		*src = tmp;
	}
	profile__free(src);
	return err;
}

struct reverse_ctx {
	struct profile *dst;
	uint32_t *fmap;
};

static int reverse_one(const struct profile *src, const uint32_t *frames, size_t n,
		       uint32_t node, void *arg)
{
	struct reverse_ctx *c = arg;
	uint32_t leaf = PROFILE_ROOT;
	size_t i;

	for (i = 0; i < n; i++)
		leaf = profile__child(c->dst, leaf,
				      copy_frame(c->dst, src, frames[n - 1 - i], c->fmap));
	/* The same weights as @src: the totals fit, as they did there. */
	profile__add_node_weights(c->dst, leaf, src, node);
	return 0;
}

struct profile *profile__reversed(const struct profile *p)
{
	struct reverse_ctx c = { .dst = profile__new(), .fmap = new_frame_map(p) };

	if (p->countname)
		profile__set_countname(c.dst, p->countname);
	profile__walk_stacks(p, reverse_one, &c);
	free(c.fmap);
	return c.dst;
}
