// SPDX-License-Identifier: Apache-2.0
/*
 * The profile model: interning, the prefix tree, weights, merge, reverse,
 * the index and deterministic iteration.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
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

/* 2^62 and a neighbour: beyond 2^53 a double cannot tell them apart. */
#define P62 4611686018427387904LL

Test(profile, integer_weights_are_exact_past_2_53)
{
	struct profile *p = profile__new();
	uint32_t a[2] = {fr(p, "main"), fr(p, "a")}, b[2] = {a[0], fr(p, "b")};
	uint32_t na = profile__add_stack_int(p, a, 2, PROFILE_COL_MAIN, P62 + 1);
	uint32_t nb = profile__add_stack_int(p, b, 2, PROFILE_COL_MAIN, P62 - 3);
	char *f;

	cr_assert_neq(na, PROFILE_NONE);
	cr_assert_neq(nb, PROFILE_NONE);
	cr_assert_not(profile__fractional(p));
	cr_assert_eq(profile__node_self_int(p, na, PROFILE_COL_MAIN), P62 + 1);
	cr_assert_eq(profile__node_self_int(p, nb, PROFILE_COL_MAIN), P62 - 3);
	cr_assert_eq(profile__total_int(p, PROFILE_COL_MAIN), (P62 - 1) * 2);
	f = th_folded(p);
	cr_assert_str_eq(f, "main;a 4611686018427387905\nmain;b 4611686018427387901\n");
	free(f);
	/* Integral doubles are exact integers too. */
	cr_assert_eq(profile__add_weight(p, na, PROFILE_COL_MAIN, 1.0), 0);
	cr_assert_eq(profile__node_self_int(p, na, PROFILE_COL_MAIN), P62 + 2);
	cr_assert_not(profile__fractional(p));
	profile__free(p);
}

Test(profile, overflow_is_refused_and_changes_nothing)
{
	struct profile *p = profile__new();
	uint32_t a[1] = {fr(p, "a")}, b[1] = {fr(p, "b")};
	uint32_t na = profile__add_stack_int(p, a, 1, PROFILE_COL_MAIN, INT64_MAX - 5);

	cr_assert_eq(profile__add_weight_int(p, na, PROFILE_COL_MAIN, 5), 0);
	cr_assert_eq(profile__total_int(p, PROFILE_COL_MAIN), INT64_MAX);
	errno = 0;
	cr_assert_eq(profile__add_stack_int(p, b, 1, PROFILE_COL_MAIN, 1), PROFILE_NONE);
	cr_assert_eq(errno, EOVERFLOW);
	cr_assert_eq(profile__add_weight(p, na, PROFILE_COL_MAIN, 0.5), -EOVERFLOW);
	cr_assert_eq(profile__add_weight(p, na, PROFILE_COL_MAIN, 1e30), -EOVERFLOW);
	cr_assert_eq(profile__add_weight_int(p, na, PROFILE_COL_MAIN, -1), -EINVAL);
	cr_assert_eq(profile__add_weight(p, na, PROFILE_COL_MAIN, NAN), -EINVAL);
	cr_assert_eq(profile__total_int(p, PROFILE_COL_MAIN), INT64_MAX);
	cr_assert_eq(profile__node_self_int(p, na, PROFILE_COL_MAIN), INT64_MAX);
	cr_assert_not(profile__fractional(p));
	/* The other column has a total of its own. */
	cr_assert_eq(profile__add_weight_int(p, na, PROFILE_COL_BEFORE, INT64_MAX), 0);
	profile__free(p);
}

Test(profile, merge_that_would_overflow_leaves_the_target_unchanged)
{
	struct profile *a = profile__new(), *b = profile__new();
	char *before, *after;

	profile__add_stack_int(a, (uint32_t[]){fr(a, "x")}, 1, PROFILE_COL_MAIN, INT64_MAX - 1);
	profile__add_stack_int(b, (uint32_t[]){fr(b, "y")}, 1, PROFILE_COL_MAIN, 2);
	before = th_folded(a);
	cr_assert_eq(profile__merge(a, b, "b"), -EOVERFLOW);
	after = th_folded(a);
	cr_assert_str_eq(after, before);
	cr_assert_eq(profile__total_int(a, PROFILE_COL_MAIN), INT64_MAX - 1);
	free(before);
	free(after);
	profile__free(a);
	profile__free(b);
}

Test(profile, a_fraction_makes_the_profile_fractional)
{
	struct profile *p = profile__new();
	uint32_t a[1] = {fr(p, "a")};
	uint32_t n = profile__add_stack_int(p, a, 1, PROFILE_COL_MAIN, 3);

	cr_assert_not(profile__fractional(p));
	cr_assert_eq(profile__add_weight(p, n, PROFILE_COL_MAIN, 0.5), 0);
	cr_assert(profile__fractional(p));
	cr_assert_float_eq(profile__node_self(p, n, PROFILE_COL_MAIN), 3.5, 0);
	cr_assert_eq(profile__add_weight_int(p, n, PROFILE_COL_MAIN, 2), 0);
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 5.5, 0);
	cr_assert_eq(profile__node_self_int(p, n, PROFILE_COL_MAIN), 6, "rounded");
	profile__free(p);
}

Test(profile, weight_text_never_has_an_exponent)
{
	static const struct {
		double w;
		const char *text;
	} cases[] = {
		{0, "0"},
		{12, "12"},
		{0.25, "0.25"},
		{0.1, "0.1"},
		{1e-7, "0.0000001"},
		{123456.5, "123456.5"},
		{1e18, "1000000000000000000"},
		{9223372036854774784.0, "9223372036854774784"},
		{4611686018427387904.5, "4611686018427387904"},
		{1e26, "100000000000000000000000000"},
		{2.5e-300, NULL},
	};
	char buf[PROFILE_WEIGHT_TEXT_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = profile__weight_text(cases[i].w, buf);

		cr_assert_eq(n, strlen(buf));
		cr_assert_null(strpbrk(buf, "eE+-"), "%g: %s", cases[i].w, buf);
		cr_assert_eq(strtod(buf, NULL), cases[i].w, "%s reads back as %.17g", buf,
			     strtod(buf, NULL));
		if (cases[i].text)
			cr_assert_str_eq(buf, cases[i].text);
	}
}
