// SPDX-License-Identifier: Apache-2.0
/*
 * Transforms that build a new profile from a const one: merge (optionally
 * under a root frame) and reverse.
 */
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

static void add_weights(struct profile *dst, const struct profile *src, uint32_t snode,
			uint32_t dnode)
{
	if (src->tree.self[snode] != 0)
		profile__add_weight(dst, dnode, PROFILE_COL_MAIN, src->tree.self[snode]);
	if (src->tree.self_before && src->tree.self_before[snode] != 0)
		profile__add_weight(dst, dnode, PROFILE_COL_BEFORE, src->tree.self_before[snode]);
}

void profile__merge(struct profile *dst, const struct profile *src, const char *root_name)
{
	uint32_t *fmap = new_frame_map(src);
	uint32_t *nmap = xmalloc((size_t)src->tree.n * sizeof(*nmap));
	uint32_t id;

	nmap[0] = PROFILE_ROOT;
	if (root_name)
		nmap[0] = profile__child(
			dst, PROFILE_ROOT,
			profile__frame_named(dst, root_name, strlen(root_name), FRAME_KIND_ROOT));
	add_weights(dst, src, 0, nmap[0]);
	/* Parents precede children, so one forward pass maps every node. */
	for (id = 1; id < src->tree.n; id++) {
		nmap[id] = profile__child(dst, nmap[src->tree.parent[id]],
					  copy_frame(dst, src, src->tree.frame[id], fmap));
		add_weights(dst, src, id, nmap[id]);
	}
	if (src->countname && !dst->countname)
		profile__set_countname(dst, src->countname);
	free(nmap);
	free(fmap);
}

struct reverse_ctx {
	struct profile *dst;
	uint32_t *fmap;
	uint32_t *buf;
	size_t alloc;
};

static int reverse_one(const struct profile *src, const uint32_t *frames, size_t n,
		       uint32_t node, void *arg)
{
	struct reverse_ctx *c = arg;
	size_t i;

	ALLOC_GROW(c->buf, n, c->alloc);
	for (i = 0; i < n; i++)
		c->buf[i] = copy_frame(c->dst, src, frames[n - 1 - i], c->fmap);
	if (src->tree.self[node] != 0)
		profile__add_stack(c->dst, c->buf, n, PROFILE_COL_MAIN, src->tree.self[node]);
	if (src->tree.self_before && src->tree.self_before[node] != 0)
		profile__add_stack(c->dst, c->buf, n, PROFILE_COL_BEFORE,
				   src->tree.self_before[node]);
	return 0;
}

struct profile *profile__reversed(const struct profile *p)
{
	struct reverse_ctx c = { .dst = profile__new(), .fmap = new_frame_map(p) };

	if (p->countname)
		profile__set_countname(c.dst, p->countname);
	profile__walk_stacks(p, reverse_one, &c);
	free(c.buf);
	free(c.fmap);
	return c.dst;
}
