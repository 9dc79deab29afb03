// SPDX-License-Identifier: Apache-2.0
/*
 * Folded output: one line per unique stack, root first, sorted bytewise.
 * Stacks whose text is equal (frames that differ only in kind or module)
 * are written once with their weights summed. Weights are written in plain
 * digits, exactly (profile.h); control characters in names are escaped.
 *
 * The lines are not collected and sorted: their text grows with the square
 * of the depth (a 100000-frame chain with a sample in every frame is 35 GB
 * of folded text). Instead the stacks are first merged by their text into
 * a tree of escaped names, then written by a walk of that tree that visits
 * children in the order their lines sort in, keeping only the current
 * path. Under one parent, the line of child C sorts by the key "C" and
 * the lines below C by "C;", which may come after a sibling named C plus a
 * byte that sorts before ';' ("C;x" follows "C 1" and "C.1"); so each child
 * gives two items, its own line and its block, sorted together by key.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * Appends frame name @s with its control characters escaped as \xNN: C0
 * controls but the tab, DEL and the C1 controls U+0080..U+009F (written in
 * UTF-8 as C2 80..C2 9F, escaped byte by byte), so that a name cannot move
 * a terminal's cursor or end a line; a tab only advances it, and folded
 * readers already take it as part of a name. The folded reader keeps \xNN
 * as text: a round trip changes such a name once, then never again.
 */
static void add_escaped(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		size_t n;

		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			n = 1;
		else if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			n = 2;
		else
			continue;
		strbuf__add(sb, s + run, i - run);
		strbuf__addf(sb, "\\x%02x", u[i]);
		if (n == 2)
			strbuf__addf(sb, "\\x%02x", u[++i]);
		run = i + 1;
	}
	strbuf__add(sb, s + run, len - run);
}

/* @p with frames keyed by escaped name only: equal texts share one node. */
static struct profile *text_tree(const struct profile *p)
{
	struct profile *t = profile__new();
	uint32_t nnodes = profile__nnodes(p), nstrs = profile__nstrs(p), id;
	uint32_t *node = xmalloc((size_t)nnodes * sizeof(*node));
	uint32_t *frame = xmalloc(((size_t)nstrs + 1) * sizeof(*frame));
	struct strbuf sb = STRBUF_INIT;

	for (id = 0; id <= nstrs; id++)
		frame[id] = PROFILE_NONE;
	node[0] = PROFILE_ROOT;
	/* The same weights as @p: the totals fit, as they did there. */
	profile__add_node_weights(t, PROFILE_ROOT, p, PROFILE_ROOT);
	for (id = 1; id < nnodes; id++) {
		uint32_t name = profile__frame_get(p, profile__node_frame(p, id))->name;

		if (frame[name] == PROFILE_NONE) {
			strbuf__reset(&sb);
			add_escaped(&sb, profile__str(p, name), profile__str_len(p, name));
			frame[name] = profile__frame_named(t, sb.buf, sb.len, FRAME_KIND_UNKNOWN);
		}
		node[id] = profile__child(t, node[profile__node_parent(p, id)], frame[name]);
		profile__add_node_weights(t, node[id], p, id);
	}
	strbuf__release(&sb);
	free(frame);
	free(node);
	return t;
}

/* An item under one parent: bit 0 set for the child's block, clear for its own line. */
struct walk {
	const struct profile *t;
	const struct profile_index *ix;
	bool *below; /* a node has weight somewhere below it */
	bool diff, frac;
	struct strbuf path; /* the frames above the current level, each followed by ';' */
	struct strbuf ob;
	uint32_t *items; /* the levels' items, a stack */
	size_t nitems, items_alloc;
	FILE *out;
	int err;
};

static int key_at(const struct profile *t, uint32_t item, size_t i)
{
	uint32_t name = profile__frame_get(t, profile__node_frame(t, item >> 1))->name;
	size_t len = profile__str_len(t, name);

	if (i < len)
		return (unsigned char)profile__str(t, name)[i];
	return i == len && (item & 1) ? ';' : -1;
}

static int cmp_item(const void *a, const void *b, void *arg)
{
	const struct profile *t = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t nx = profile__frame_get(t, profile__node_frame(t, x >> 1))->name;
	uint32_t ny = profile__frame_get(t, profile__node_frame(t, y >> 1))->name;
	size_t lx = profile__str_len(t, nx), ly = profile__str_len(t, ny), i = lx < ly ? lx : ly;
	int c = memcmp(profile__str(t, nx), profile__str(t, ny), i);

	if (c)
		return c;
	/* Past the shorter name at most its ';' is left to compare. */
	for (;; i++) {
		int cx = key_at(t, x, i), cy = key_at(t, y, i);

		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (cx < 0)
			return 0;
	}
}

static void add_weight(struct walk *w, uint32_t node, enum profile_col col)
{
	char buf[PROFILE_WEIGHT_TEXT_MAX];

	if (w->frac)
		strbuf__add(&w->ob, buf,
			    profile__weight_text(profile__node_self(w->t, node, col), buf));
	else
		strbuf__addf(&w->ob, "%" PRId64, profile__node_self_int(w->t, node, col));
}

static void own_line(struct walk *w, uint32_t node)
{
	uint32_t name = profile__frame_get(w->t, profile__node_frame(w->t, node))->name;

	strbuf__add(&w->ob, w->path.buf, w->path.len);
	strbuf__add(&w->ob, profile__str(w->t, name), profile__str_len(w->t, name));
	strbuf__addch(&w->ob, ' ');
	if (w->diff) {
		add_weight(w, node, PROFILE_COL_BEFORE);
		strbuf__addch(&w->ob, ' ');
	}
	add_weight(w, node, PROFILE_COL_MAIN);
	strbuf__addch(&w->ob, '\n');
	if (w->ob.len > (1 << 20)) {
		if (!w->err && fwrite(w->ob.buf, 1, w->ob.len, w->out) != w->ob.len)
			w->err = -EIO;
		strbuf__reset(&w->ob);
	}
}

static bool has_self(const struct profile *t, uint32_t node)
{
	return profile__node_self(t, node, PROFILE_COL_MAIN) > 0 ||
	       profile__node_self(t, node, PROFILE_COL_BEFORE) > 0;
}

/* Pushes the items of @node's children, in the order their lines sort in; returns how many. */
static size_t push_items(struct walk *w, uint32_t node)
{
	const struct profile_index *ix = w->ix;
	size_t first = w->nitems;
	uint32_t k;

	ALLOC_GROW(w->items,
		   w->nitems + 2 * ((size_t)ix->child_off[node + 1] - ix->child_off[node]),
		   w->items_alloc);
	for (k = ix->child_off[node]; k < ix->child_off[node + 1]; k++) {
		uint32_t c = ix->children[k];

		if (has_self(w->t, c))
			w->items[w->nitems++] = c << 1;
		if (w->below[c])
			w->items[w->nitems++] = c << 1 | 1;
	}
	qsort_r(w->items + first, w->nitems - first, sizeof(*w->items), cmp_item, (void *)w->t);
	return w->nitems - first;
}

/* A level of the walk: items [first, first + n) of w->items, the next one to take. */
struct level {
	size_t first, path_len; /* path_len: w->path.len at this level */
	uint32_t n, next;
};

/*
 * True when the lines of @p are its stacks as they are: no name needs
 * escaping and no two siblings have the same name. Then no text tree is
 * needed (the common case, which saves a copy of the profile).
 */
static bool plain_text(const struct profile *p, const struct profile_index *ix)
{
	uint32_t nframes = profile__nframes(p), id, k;
	struct strbuf sb = STRBUF_INIT;
	/* A flame chart's children are in time order: equal names need not be adjacent. */
	bool plain = !profile__chart_mode(p);

	for (id = 0; id < nframes && plain; id++) {
		uint32_t name = profile__frame_get(p, id)->name;

		strbuf__reset(&sb);
		add_escaped(&sb, profile__str(p, name), profile__str_len(p, name));
		plain = sb.len == profile__str_len(p, name);
	}
	strbuf__release(&sb);
	for (id = 0; id < ix->nnodes && plain; id++)
		for (k = ix->child_off[id] + 1; k < ix->child_off[id + 1] && plain; k++)
			plain = profile__frame_get(p, profile__node_frame(p, ix->children[k]))
					->name !=
				profile__frame_get(p, profile__node_frame(p, ix->children[k - 1]))
					->name;
	return plain;
}

int export__folded(const struct profile *p, FILE *out)
{
	struct walk w = {.path = STRBUF_INIT, .ob = STRBUF_INIT, .out = out};
	struct profile *t = NULL;
	struct level *stack = NULL;
	size_t depth = 0, alloc = 0;
	struct profile_index *ix = profile_index__new(p);
	uint32_t id;

	w.t = p;
	if (!plain_text(p, ix)) {
		profile_index__free(ix);
		w.t = t = text_tree(p);
		ix = profile_index__new(t);
	}
	w.diff = profile__is_diff(w.t);
	w.frac = profile__fractional(w.t);
	w.ix = ix;
	w.below = xcalloc(ix->nnodes ? ix->nnodes : 1, sizeof(*w.below));
	for (id = ix->nnodes; id-- > 1;)
		if (w.below[id] || has_self(w.t, id))
			w.below[profile__node_parent(w.t, id)] = true;

	ALLOC_GROW(stack, 1, alloc);
	stack[0] = (struct level){.first = 0, .path_len = 0};
	stack[0].n = push_items(&w, PROFILE_ROOT);
	depth = 1;
	while (depth) {
		struct level *l = &stack[depth - 1];
		uint32_t item, c, name;

		if (l->next == l->n) {
			w.nitems = l->first;
			depth--;
			continue;
		}
		item = w.items[l->first + l->next++];
		c = item >> 1;
		w.path.len = l->path_len;
		if (!(item & 1)) {
			own_line(&w, c);
			continue;
		}
		/* The last item of a level: its child replaces it, so a chain takes no stack. */
		if (l->next == l->n) {
			w.nitems = l->first;
			depth--;
		}
		name = profile__frame_get(w.t, profile__node_frame(w.t, c))->name;
		strbuf__add(&w.path, profile__str(w.t, name), profile__str_len(w.t, name));
		strbuf__addch(&w.path, ';');
		ALLOC_GROW(stack, depth + 1, alloc);
		l = &stack[depth++];
		l->first = w.nitems;
		l->path_len = w.path.len;
		l->next = 0;
		l->n = push_items(&w, c);
	}
	if (w.ob.len && !w.err && fwrite(w.ob.buf, 1, w.ob.len, out) != w.ob.len)
		w.err = -EIO;
	free(stack);
	free(w.items);
	free(w.below);
	profile_index__free(ix);
	profile__free(t);
	strbuf__release(&w.path);
	strbuf__release(&w.ob);
	return w.err;
}
