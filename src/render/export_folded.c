// SPDX-License-Identifier: Apache-2.0
/*
 * Folded output: one line per unique stack, root first, sorted bytewise.
 * Stacks whose text is equal (frames that differ only in kind or module)
 * are written once with their weights summed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "strbuf.h"
#include "xalloc.h"

struct line {
	char *stack;
	size_t len;
	double w, before;
};

struct collect {
	struct line *lines;
	size_t n, alloc;
	struct strbuf sb;
};

static int collect_one(const struct profile *p, const uint32_t *frames, size_t n, uint32_t node,
		       void *arg)
{
	struct collect *c = arg;
	struct line *l;
	size_t i;

	strbuf__reset(&c->sb);
	for (i = 0; i < n; i++) {
		uint32_t name = profile__frame_get(p, frames[i])->name;

		if (i)
			strbuf__addch(&c->sb, ';');
		strbuf__add(&c->sb, profile__str(p, name), profile__str_len(p, name));
	}
	ALLOC_GROW(c->lines, c->n + 1, c->alloc);
	l = &c->lines[c->n++];
	l->stack = xmemdup(c->sb.buf, c->sb.len + 1);
	l->len = c->sb.len;
	l->w = profile__node_self(p, node, PROFILE_COL_MAIN);
	l->before = profile__node_self(p, node, PROFILE_COL_BEFORE);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = memcmp(x->stack, y->stack, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

int export__folded(const struct profile *p, FILE *out)
{
	struct collect c = { .sb = STRBUF_INIT };
	struct strbuf ob = STRBUF_INIT;
	bool diff = profile__is_diff(p);
	size_t i, j;
	int err = 0;

	profile__walk_stacks(p, collect_one, &c);
	qsort(c.lines, c.n, sizeof(*c.lines), cmp_line);
	for (i = 0; i < c.n; i = j) {
		double w = c.lines[i].w, before = c.lines[i].before;

		for (j = i + 1; j < c.n && !cmp_line(&c.lines[i], &c.lines[j]); j++) {
			w += c.lines[j].w;
			before += c.lines[j].before;
		}
		strbuf__add(&ob, c.lines[i].stack, c.lines[i].len);
		strbuf__addch(&ob, ' ');
		if (diff) {
			strbuf__add_weight(&ob, before);
			strbuf__addch(&ob, ' ');
		}
		strbuf__add_weight(&ob, w);
		strbuf__addch(&ob, '\n');
		if (ob.len > (1 << 20)) {
			if (fwrite(ob.buf, 1, ob.len, out) != ob.len)
				err = -EIO;
			strbuf__reset(&ob);
		}
	}
	if (ob.len && fwrite(ob.buf, 1, ob.len, out) != ob.len)
		err = -EIO;
	for (i = 0; i < c.n; i++)
		free(c.lines[i].stack);
	free(c.lines);
	strbuf__release(&c.sb);
	strbuf__release(&ob);
	return err;
}
