// SPDX-License-Identifier: Apache-2.0
/*
 * The profile model: interning, the prefix tree, weights, merge, reverse,
 * the index and deterministic iteration.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "profile.h"

static uint32_t fr(struct profile *p, const char *name)
{
	return profile__frame_named(p, name, strlen(name), FRAME_KIND_NATIVE);
}

static void add(struct profile *p, const char *stack, double w)
{
	uint32_t frames[64];
	size_t n = 0;
	char *copy = strdup(stack), *save = NULL, *tok;

	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
		frames[n++] = fr(p, tok);
	profile__add_stack(p, frames, n, PROFILE_COL_MAIN, w);
	free(copy);
}

Test(profile, interns_strings_once)
{
	struct profile *p = profile__new();
	uint32_t a = profile__intern(p, "main", 4), b = profile__intern_str(p, "main");
	uint32_t c = profile__intern(p, "mainx", 4);

	cr_assert_eq(a, b);
	cr_assert_eq(a, c, "length-limited intern must match the prefix");
	cr_assert_str_eq(profile__str(p, a), "main");
	cr_assert_str_eq(profile__str(p, 0), "");
	cr_assert_neq(profile__intern_str(p, "other"), a);
	profile__free(p);
}

Test(profile, string_pointers_stay_valid_across_growth)
{
	struct profile *p = profile__new();
	const char *first = profile__str(p, profile__intern_str(p, "first"));
	char buf[32];
	int i;

	for (i = 0; i < 200000; i++) {
		snprintf(buf, sizeof(buf), "name%d", i);
		profile__intern_str(p, buf);
	}
	cr_assert_str_eq(first, "first");
	cr_assert_eq(profile__nstrs(p), 200002);
	profile__free(p);
}

Test(profile, frames_differ_by_kind)
{
	struct profile *p = profile__new();
	uint32_t a = profile__frame_named(p, "x", 1, FRAME_KIND_NATIVE);
	uint32_t b = profile__frame_named(p, "x", 1, FRAME_KIND_KERNEL);

	cr_assert_neq(a, b);
	cr_assert_eq(a, profile__frame_named(p, "x", 1, FRAME_KIND_NATIVE));
	cr_assert_str_eq(profile__frame_name(p, b), "x");
	cr_assert_eq(profile__frame_get(p, b)->kind, FRAME_KIND_KERNEL);
	profile__free(p);
}

Test(profile, shares_prefixes_and_sums_weights)
{
	struct profile *p = profile__new();

	add(p, "main;a;b", 3);
	add(p, "main;a;c", 2);
	add(p, "main;a;b", 4);
	add(p, "main", 1);
	/* root + main + a + b + c */
	cr_assert_eq(profile__nnodes(p), 5);
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 10, 1e-9);
	profile__free(p);
}

Test(profile, parents_precede_children)
{
	struct profile *p = profile__new();
	uint32_t i;

	add(p, "a;b;c;d", 1);
	add(p, "x;b;c", 1);
	add(p, "a;q", 1);
	for (i = 1; i < profile__nnodes(p); i++)
		cr_assert_lt(profile__node_parent(p, i), i);
	profile__free(p);
}

Test(profile, fractional_weights)
{
	struct profile *p = profile__new();
	char *f;

	add(p, "a;b", 0.25);
	add(p, "a;b", 0.5);
	add(p, "a", 1.125);
	f = th_folded(p);
	cr_assert_str_eq(f, "a 1.125\na;b 0.75\n");
	free(f);
	profile__free(p);
}

Test(profile, index_sorts_children_and_totals)
{
	struct profile *p = profile__new();
	struct profile_index *ix;
	uint32_t main_node, c0, c1;

	add(p, "main;zeta", 1);
	add(p, "main;alpha", 2);
	add(p, "main", 4);
	ix = profile_index__new(p);
	cr_assert_eq(ix->child_off[1] - ix->child_off[0], 1);
	main_node = ix->children[ix->child_off[0]];
	cr_assert_float_eq(ix->total[main_node], 7, 1e-9);
	cr_assert_float_eq(ix->total[PROFILE_ROOT], 7, 1e-9);
	c0 = ix->children[ix->child_off[main_node]];
	c1 = ix->children[ix->child_off[main_node] + 1];
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, c0)), "alpha");
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, c1)), "zeta");
	cr_assert_eq(ix->max_depth, 2);
	profile_index__free(ix);
	profile__free(p);
}

Test(profile, chart_mode_merges_only_adjacent)
{
	struct profile *p = profile__new();
	struct profile_index *ix;

	profile__set_chart_mode(p, true);
	add(p, "main;a", 1);
	add(p, "main;b", 1);
	add(p, "main;a", 1);
	ix = profile_index__new(p);
	/* main is shared (adjacent every time); a, b, a are three children in order. */
	cr_assert_eq(ix->child_off[2] - ix->child_off[1], 3);
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, ix->children[ix->child_off[1]])), "a");
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, ix->children[ix->child_off[1] + 1])), "b");
	profile_index__free(ix);
	profile__free(p);
}

Test(profile, merge_under_root_frame)
{
	struct profile *a = profile__new(), *b = profile__new(), *m = profile__new();
	char *f;

	add(a, "main;x", 2);
	add(b, "main;y", 3);
	profile__merge(m, a, "a.folded");
	profile__merge(m, b, "b.folded");
	profile__merge(m, b, NULL);
	f = th_folded(m);
	cr_assert_str_eq(f, "a.folded;main;x 2\nb.folded;main;y 3\nmain;y 3\n");
	free(f);
	profile__free(a);
	profile__free(b);
	profile__free(m);
}

Test(profile, reversed_puts_leaf_first)
{
	struct profile *p = profile__new(), *r;
	char *f;

	add(p, "main;a;b", 2);
	add(p, "main;c;b", 1);
	r = profile__reversed(p);
	f = th_folded(r);
	cr_assert_str_eq(f, "b;a;main 2\nb;c;main 1\n");
	free(f);
	profile__free(r);
	profile__free(p);
}

Test(profile, diff_column)
{
	struct profile *p = profile__new();
	uint32_t frames[2] = { fr(p, "main"), fr(p, "a") };
	char *f;

	cr_assert_not(profile__is_diff(p));
	profile__add_stack(p, frames, 2, PROFILE_COL_BEFORE, 5);
	profile__add_stack(p, frames, 2, PROFILE_COL_MAIN, 7);
	profile__add_stack(p, frames, 1, PROFILE_COL_MAIN, 1);
	cr_assert(profile__is_diff(p));
	f = th_folded(p);
	cr_assert_str_eq(f, "main 0 1\nmain;a 5 7\n");
	free(f);
	profile__free(p);
}

Test(profile, stack_string)
{
	struct profile *p = profile__new();
	uint32_t frames[3] = { fr(p, "a"), fr(p, "b b"), fr(p, "c") };
	uint32_t leaf = profile__add_stack(p, frames, 3, PROFILE_COL_MAIN, 1);
	char *s = profile__stack_string(p, leaf, ';');

	cr_assert_str_eq(s, "a;b b;c");
	free(s);
	profile__free(p);
}
