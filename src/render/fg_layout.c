// SPDX-License-Identifier: Apache-2.0
/*
 * Flame graph layout: a preorder walk of the stack tree that gives each
 * drawn frame its depth, start and width in weight units, and merges away
 * frames narrower than the minimum width. A merged frame takes its whole
 * subtree with it; the parent keeps how many frames and how much weight
 * went, so that the graph can say so. One pass, O(nodes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "xalloc.h"

struct pending {
	uint32_t node;
	uint32_t depth;
	double x;
};

int fg_layout__build(struct fg_layout *l, const struct profile *p, double min_w)
{
	struct profile_index *ix;
	struct pending *stack = NULL;
	size_t nstack = 0, stack_alloc = 0, frames_alloc = 0, before_alloc = 0, merged_alloc = 0;
	uint32_t *subtree, nnodes, id;

	memset(l, 0, sizeof(*l));
	ix = profile_index__new(p);
	if (!ix)
		return errno ? -errno : -ENOMEM;
	nnodes = ix->nnodes;
	l->diff = ix->total_before != NULL;
	l->total = nnodes ? ix->total[PROFILE_ROOT] : 0;
	l->total_before = l->diff ? ix->total_before[PROFILE_ROOT] : 0;
	if (!(l->total > 0)) {
		profile_index__free(ix);
		return -ENODATA;
	}

	/* Subtree sizes, for counting what a merged frame takes with it. */
	subtree = xmalloc((size_t)nnodes * sizeof(*subtree));
	for (id = 0; id < nnodes; id++)
		subtree[id] = 1;
	for (id = nnodes - 1; id > 0; id--)
		subtree[profile__node_parent(p, id)] += subtree[id];

	ALLOC_GROW(stack, 1, stack_alloc);
	stack[nstack++] = (struct pending){.node = PROFILE_ROOT, .depth = 0, .x = 0};
	while (nstack) {
		struct pending cur = stack[--nstack];
		size_t fi = l->n, first_pushed;
		uint32_t c, end = ix->child_off[cur.node + 1];
		double cx = cur.x;

		struct fg_merged m = {.frame = fi};

		ALLOC_GROW(l->frames, l->n + 1, frames_alloc);
		l->frames[fi] = (struct fg_frame){
			.node = cur.node,
			.depth = cur.depth,
			.x = cur.x,
			.w = ix->total[cur.node],
		};
		if (l->diff) {
			ALLOC_GROW(l->before, l->n + 1, before_alloc);
			l->before[fi] = ix->total_before[cur.node];
		}
		l->n++;
		if (cur.depth > l->max_depth)
			l->max_depth = cur.depth;

		first_pushed = nstack;
		for (c = ix->child_off[cur.node]; c < end; c++) {
			uint32_t child = ix->children[c];
			double w = ix->total[child];
			double before = l->diff ? ix->total_before[child] : 0;

			if (w > 0 && w >= min_w) {
				ALLOC_GROW(stack, nstack + 1, stack_alloc);
				stack[nstack++] = (struct pending){
					.node = child, .depth = cur.depth + 1, .x = cx};
			} else if (w > 0) {
				m.hidden_n += subtree[child];
				m.hidden_w += w;
				l->hidden_n += subtree[child];
				l->hidden_w += w;
			} else if (before > 0) {
				m.gone_n += subtree[child];
				m.gone_w += before;
				l->gone_n += subtree[child];
			}
			if (w > 0)
				cx += w;
		}
		if (m.hidden_n || m.gone_n) {
			ALLOC_GROW(l->merged, l->nmerged + 1, merged_alloc);
			l->merged[l->nmerged++] = m;
		}
		/* Reverse what was pushed so the leftmost child is popped first. */
		for (size_t a = first_pushed, b = nstack; a + 1 < b; a++, b--) {
			struct pending t = stack[a];

			stack[a] = stack[b - 1];
			stack[b - 1] = t;
		}
	}
	free(stack);
	free(subtree);
	profile_index__free(ix);
	return 0;
}

void fg_layout__release(struct fg_layout *l)
{
	free(l->frames);
	free(l->before);
	free(l->merged);
	memset(l, 0, sizeof(*l));
}
