// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame diff through the real binary: "stack before after" output,
 * --normalize, --strip-hex, inputs of different formats, the colours of the
 * SVG (red grew, blue shrank, swapped by --negate), render of a
 * differential folded file, help and errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"


TestSuite(diff, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

static const char before_text[] = "main;parse;lex 10\n"
				  "main;parse 4\n"
				  "main;render 6\n"
				  "main;gone 3\n";
static const char after_text[] = "main;parse;lex 30\n"
				 "main;parse 4\n"
				 "main;render 2\n"
				 "main;fresh 4\n";

static char *write_tmp(const char *name, const char *text)
{
	char *p = th_path(th_dir, name);

	th_write_file(p, text, strlen(text));
	return p;
}

/* Runs resq-flame with @args (NULL-terminated) and returns stdout; asserts exit 0. */
static char *run_ok(const char *const *args)
{
	const char *argv[32] = {th_bin()};
	struct th_result r;
	char *out;
	size_t i;

	for (i = 0; args[i]; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	out = r.out;
	r.out = NULL;
	th_result_free(&r);
	return out;
}

Test(diff, folded_output_has_before_and_after_columns)
{
	char *b = write_tmp("before.folded", before_text),
	     *a = write_tmp("after.folded", after_text);
	const char *args[] = {"diff", b, a, "-f", "folded", "-o", "-", NULL};
	char *out = run_ok(args);

	cr_assert_str_eq(out, "main;fresh 0 4\n"
			      "main;gone 3 0\n"
			      "main;parse 4 4\n"
			      "main;parse;lex 10 30\n"
			      "main;render 6 2\n");
	free(out);
	free(a);
	free(b);
}

Test(diff, normalize_scales_before_to_after_total)
{
	/* before total 23, after total 40: before x 40/23. */
	char *b = write_tmp("before.folded", "main;a 20\nmain;b 3\n");
	char *a = write_tmp("after.folded", "main;a 20\nmain;b 20\n");
	const char *args[] = {"diff", "--normalize", b, a, "-f", "folded", "-o", "-", NULL};
	char *out = run_ok(args);
	double ba, bb, aa, ab;

	cr_assert_eq(sscanf(out, "main;a %lf %lf\nmain;b %lf %lf\n", &ba, &aa, &bb, &ab), 4, "%s",
		     out);
	cr_assert_float_eq(ba, 20.0 * 40 / 23, 1e-9);
	cr_assert_float_eq(bb, 3.0 * 40 / 23, 1e-9);
	cr_assert_float_eq(ba + bb, 40, 1e-9);
	cr_assert_float_eq(aa, 20, 1e-9);
	free(out);
	free(a);
	free(b);
}

Test(diff, strip_hex_matches_stacks_that_differ_only_in_addresses)
{
	char *b = write_tmp("before.folded", "app;handler+0x1f;0x7f3a00001234 5\n"
					     "app;[unknown] 7f3a0000abcd 2\n"
					     "app;cafe 1\n");
	char *a = write_tmp("after.folded", "app;handler+0x2b;0x7f3a00009999 8\n"
					    "app;[unknown] 7f3a0000ffff 1\n"
					    "app;cafe 1\n");
	const char *with[] = {"diff", "--strip-hex", b, a, "-f", "folded", "-o", "-", NULL};
	const char *without[] = {"diff", b, a, "-f", "folded", "-o", "-", NULL};
	char *out = run_ok(with);

	cr_assert_str_eq(out, "app;[unknown] 2 1\n"
			      "app;cafe 1 1\n"
			      "app;handler;[unknown] 5 8\n");
	free(out);
	out = run_ok(without);
	cr_assert_not_null(strstr(out, "app;handler+0x1f;0x7f3a00001234 5 0\n"), "%s", out);
	free(out);
	free(a);
	free(b);
}

Test(diff, inputs_of_different_formats_match_by_stack_text)
{
	char *f = write_tmp("x.folded", after_text), *pb = th_path(th_dir, "x.pb.gz");

#ifndef HAVE_PROTOBUF_C
	cr_skip_test("built without libprotobuf-c: no pprof");
#endif
	const char *conv[] = {"render", f, "-o", pb, NULL};
	const char *args[] = {"diff", pb, f, "-f", "folded", "-o", "-", NULL};
	char *out = run_ok(conv);

	free(out);
	out = run_ok(args);
	cr_assert_str_eq(out, "main;fresh 4 4\n"
			      "main;parse 4 4\n"
			      "main;parse;lex 30 30\n"
			      "main;render 2 2\n");
	free(out);
	free(pb);
	free(f);
}

/* The fill of the frame whose title starts with "@name (". */
static void fill_of(const char *svg, const char *name, unsigned *r, unsigned *g, unsigned *b)
{
	char key[128];
	const char *t, *fill;

	snprintf(key, sizeof(key), "<title>%s (", name);
	t = strstr(svg, key);
	cr_assert_not_null(t, "no frame %s", name);
	fill = strstr(t, "fill=\"#");
	cr_assert_not_null(fill);
	cr_assert_eq(sscanf(fill + 7, "%2x%2x%2x", r, g, b), 3);
}

static void check_colours(const char *svg, bool negate)
{
	unsigned r, g, b;

	/* lex grew 10 -> 30: red (blue with --negate). */
	fill_of(svg, "lex", &r, &g, &b);
	if (!negate)
		cr_assert(r == 0xff && g == b && g < 0xff, "lex #%02x%02x%02x", r, g, b);
	else
		cr_assert(b == 0xff && r == g && r < 0xff, "lex #%02x%02x%02x", r, g, b);
	/* render shrank 6 -> 2: blue (red with --negate). */
	fill_of(svg, "render", &r, &g, &b);
	if (!negate)
		cr_assert(b == 0xff && r == g && r < 0xff, "render #%02x%02x%02x", r, g, b);
	else
		cr_assert(r == 0xff && g == b && g < 0xff, "render #%02x%02x%02x", r, g, b);
	/* A bigger change is more saturated: lex (+20) beats render (-4). */
	{
		unsigned lr, lg, lb;

		fill_of(svg, "lex", &lr, &lg, &lb);
		cr_assert_lt(negate ? lr : lg, negate ? g : r);
	}
}

Test(diff, svg_is_red_where_grown_and_blue_where_shrunk)
{
	char *b = write_tmp("before.folded", before_text),
	     *a = write_tmp("after.folded", after_text);
	const char *args[] = {"diff", b, a, "-o", "-", NULL};
	const char *neg[] = {"diff", "--negate", b, a, "-o", "-", NULL};
	char *svg = run_ok(args);

	cr_assert(!strncmp(svg, "<?xml", 5) || strstr(svg, "<svg"), "SVG is the default");
	check_colours(svg, false);
	cr_assert_not_null(strstr(svg, "<g class=\"new\"><title>fresh ("), "new frames are marked");
	cr_assert_not_null(strstr(svg, "; new)"));
	cr_assert_not_null(strstr(svg, "only in the before profile (gone"), "gone frames reported");
	cr_assert_not_null(strstr(svg, "before: 10 samples"), "tooltip shows before");
	cr_assert_not_null(strstr(svg, "delta: +20"), "tooltip shows the delta");
	cr_assert_not_null(strstr(svg, "Differential Flame Graph"));
	free(svg);
	svg = run_ok(neg);
	check_colours(svg, true);
	free(svg);
	free(a);
	free(b);
}

Test(diff, render_draws_a_before_after_file_as_differential)
{
	char *b = write_tmp("before.folded", before_text),
	     *a = write_tmp("after.folded", after_text);
	char *d = th_path(th_dir, "d.folded");
	const char *mk[] = {"diff", b, a, "-f", "folded", "-o", d, NULL};
	const char *draw[] = {"render", d, "-o", "-", NULL};
	char *out = run_ok(mk), *svg;

	free(out);
	svg = run_ok(draw);
	check_colours(svg, false);
	cr_assert_not_null(strstr(svg, "before: 10 samples"));
	free(svg);
	free(d);
	free(a);
	free(b);
}

Test(diff, help_usage_and_errors)
{
	char *a = write_tmp("after.folded", after_text), *out = th_path(th_dir, "x.svg");
	const char *help[] = {th_bin(), "diff", "--help", NULL};
	const char *one[] = {th_bin(), "diff", a, NULL};
	const char *missing[] = {th_bin(), "diff", "/nonexistent/before.folded", a, "-o",
				 out,	   NULL};
	const char *top[] = {th_bin(), "--help", NULL};
	struct th_result r = th_run(help, NULL, 0, 20);
	const char *ex;

	cr_assert_eq(r.status, 0);
	ex = strstr(r.out, "examples:\n");
	cr_assert_not_null(ex);
	cr_assert_not_null(strstr(ex, "resq-flame diff before.folded after.folded -o diff.svg"));
	th_result_free(&r);
	r = th_run(one, NULL, 0, 20);
	cr_assert_eq(r.status, 2);
	th_result_free(&r);
	r = th_run(missing, NULL, 0, 20);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "/nonexistent/before.folded"), "%s", r.err);
	cr_assert(!th_exists(out));
	th_result_free(&r);
	r = th_run(top, NULL, 0, 20);
	cr_assert_not_null(strstr(r.out, "  diff "), "diff is in the command list");
	th_result_free(&r);
	free(a);
	free(out);
}
