// SPDX-License-Identifier: Apache-2.0
/*
 * The folded-stack importer: FlameGraph/inferno folded files, py-spy raw
 * output (unsorted, spaces and parentheses in frames, UTF-8, CRLF),
 * fractional counts, differential files and bad lines.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "import.h"
#include "profile.h"

static char *fold(const char *in, int *err)
{
	struct profile *p = profile__new();
	char *out;

	*err = import__buffer(p, "test.folded", in, strlen(in), NULL);
	out = th_folded(p);
	profile__free(p);
	return out;
}

Test(folded, sums_duplicate_stacks)
{
	int err;
	char *out = fold("a;b;c 1\na;b;c 2\na;b 5\n", &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a;b 5\na;b;c 3\n");
	free(out);
}

Test(folded, pyspy_raw_unsorted_with_spaces_parens_utf8_crlf)
{
	const char *in = "process_data (app.py:42);\xc3\xa9t\xc3\xa9 (m\xc3\xbcnchen.py:7) 3\r\n"
			 "<module> (app.py:1);main (app.py:10) 2\r\n"
			 "process_data (app.py:42);\xc3\xa9t\xc3\xa9 (m\xc3\xbcnchen.py:7) 4\r\n";
	int err;
	char *out = fold(in, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "<module> (app.py:1);main (app.py:10) 2\n"
			      "process_data (app.py:42);\xc3\xa9t\xc3\xa9 (m\xc3\xbcnchen.py:7) 7\n");
	free(out);
}

Test(folded, fractional_counts)
{
	int err;
	char *out = fold("a;b 0.5\na;b 0.25\nc 2.\n", &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a;b 0.75\nc 2\n");
	free(out);
}

Test(folded, differential_two_counts)
{
	struct profile *p = profile__new();
	const char *in = "main;a 5 7\nmain;b 3 0\n";
	char *out;

	cr_assert_eq(import__buffer(p, "d.folded", in, strlen(in), NULL), 0);
	cr_assert(profile__is_diff(p));
	cr_assert_float_eq(profile__total(p, PROFILE_COL_BEFORE), 8, 1e-9);
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 7, 1e-9);
	out = th_folded(p);
	cr_assert_str_eq(out, "main;a 5 7\nmain;b 3 0\n");
	free(out);
	profile__free(p);
}

Test(folded, kind_from_annotation_suffix)
{
	struct profile *p = profile__new();
	const char *in = "java;Interpreter_[j];sys_read_[k];memcpy_[i] 1\n";
	struct profile_index *ix;
	uint32_t node = PROFILE_ROOT;
	int kinds[4], i;

	cr_assert_eq(import__buffer(p, "k.folded", in, strlen(in), NULL), 0);
	ix = profile_index__new(p);
	for (i = 0; i < 4; i++) {
		node = ix->children[ix->child_off[node]];
		kinds[i] = profile__frame_get(p, profile__node_frame(p, node))->kind;
	}
	cr_assert_eq(kinds[1], FRAME_KIND_JIT);
	cr_assert_eq(kinds[2], FRAME_KIND_KERNEL);
	cr_assert_eq(kinds[3], FRAME_KIND_INLINE);
	profile_index__free(ix);
	profile__free(p);
}

Test(folded, bad_lines_warn_once_with_count_and_first_line, .init = cr_redirect_stderr)
{
	int err;
	char *out = fold("a;b 1\nthis line has no count\na;c 2\nanother bad one x\n", &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a;b 1\na;c 2\n");
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"resq-flame: warning: ignored 2 lines with invalid format in test.folded, first at line 2\n");
	free(out);
}

Test(folded, no_counts_is_an_error, .init = cr_redirect_stderr)
{
	struct profile *p = profile__new();
	const char *in = "a;b\nc;d\n";

	cr_assert_eq(import__buffer(p, "empty.folded", in, strlen(in),
				    &(struct import_opts){ .format = PROFILE_FMT_FOLDED }),
		     -ENODATA);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"resq-flame: warning: ignored 2 lines with invalid format in empty.folded, first at line 1\n"
		"resq-flame: error: no stack counts found in empty.folded\n");
	profile__free(p);
}

Test(folded, last_line_without_newline_and_blank_lines)
{
	int err;
	char *out = fold("\n\na;b 1\n\n   \nc 2", &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a;b 1\nc 2\n");
	free(out);
}

Test(folded, count_separated_by_several_blanks)
{
	int err;
	char *out = fold("a;b b  \t 3   \n", &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a;b b 3\n");
	free(out);
}

Test(folded, detect)
{
	const char *folded = "a;b 1\nc 2\n";
	const char *perf = "perf 123 [000] 1.0: 1 cpu-clock:\n\tffff main (/bin/x)\n\n";

	cr_assert_eq(import__detect(folded, strlen(folded)), PROFILE_FMT_FOLDED);
	cr_assert_neq(import__detect(perf, strlen(perf)), PROFILE_FMT_FOLDED);
	cr_assert_eq(import__detect("hello world\n", 12), PROFILE_FMT_UNKNOWN);
}

/* Three stacks whose counts, past 2^62, add up to exactly 2^63 - 1. */
static const char exact_text[] = "main;a 4611686018427387905\n"
				 "main;b 4611686018427387901\n"
				 "main;c 1\n";

/* Renders exact_text to @fmt (with @extra, or NULL) and imports the result back. */
static char *round_trip(const char *fmt, const char *ext, const char *extra,
			const struct import_opts *o)
{
	char *in = th_path(th_dir, "exact.folded"), *out, name[64];
	const char *argv[] = {th_bin(), "render", in, "-f", fmt, "-o", NULL, extra, NULL};
	struct profile *p = profile__new();
	struct th_result r;
	char *f;

	snprintf(name, sizeof(name), "out.%s", ext);
	out = th_path(th_dir, name);
	argv[6] = out;
	th_write_file(in, exact_text, strlen(exact_text));
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s: %s", fmt, r.err);
	th_result_free(&r);
	cr_assert_eq(import__path(p, out, o), 0, "%s", fmt);
	cr_assert_not(profile__fractional(p));
	cr_assert_eq(profile__total_int(p, PROFILE_COL_MAIN), INT64_MAX, "%s", fmt);
	f = th_folded(p);
	profile__free(p);
	free(in);
	free(out);
	return f;
}

Test(folded, counts_past_2_62_round_trip_exactly_through_every_format, .init = th_dir_setup,
     .fini = th_dir_teardown)
{
	static const struct import_opts time_weights = {.time_weights = true};
	static const struct {
		const char *fmt, *ext, *extra;
		const struct import_opts *o;
	} outs[] = {
		{"folded", "folded", NULL, NULL},
		{"pprof", "pb.gz", NULL, NULL},
		{"speedscope", "speedscope.json", NULL, NULL},
		/* A time count name: one sample per stack lasting its weight, in us. */
		{"cpuprofile", "cpuprofile", "--countname=us", &time_weights},
	};
	size_t i;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char *f = round_trip(outs[i].fmt, outs[i].ext, outs[i].extra, outs[i].o);

		cr_assert_str_eq(f, exact_text, "through %s", outs[i].fmt);
		free(f);
	}
}

Test(folded, large_fractional_counts_are_written_without_an_exponent)
{
	const char *in = "a 123456789012345678.5\nb 0.25\nc 3\n";
	struct profile *p = profile__new(), *q = profile__new();
	char *out, *again;

	cr_assert_eq(import__buffer(p, "frac.folded", in, strlen(in), NULL), 0);
	cr_assert(profile__fractional(p));
	out = th_folded(p);
	/*
	 * The double nearest to the first count, in digits: its exponent form,
	 * "1.2345678901234568e+17", reads back as no count at all.
	 */
	cr_assert_str_eq(out, "a 123456789012345680\nb 0.25\nc 3\n");
	cr_assert_null(strchr(out, 'e'));
	cr_assert_eq(import__buffer(q, "again.folded", out, strlen(out), NULL), 0);
	again = th_folded(q);
	cr_assert_str_eq(again, out);
	free(out);
	free(again);
	profile__free(p);
	profile__free(q);
}

Test(folded, counts_beyond_64_bits_are_an_error_naming_file_and_line, .init = cr_redirect_stderr)
{
	const char *sum = "a 9223372036854775807\nb 1\n";
	const char *one = "a 1\n\nb;c 9223372036854775808\n";
	const char *diff = "a 1 2\nb 99999999999999999999 2\n";
	struct profile *p = profile__new();

	cr_assert_eq(import__buffer(p, "sum.folded", sum, strlen(sum), NULL), -EOVERFLOW);
	profile__free(p);
	p = profile__new();
	cr_assert_eq(import__buffer(p, "one.folded", one, strlen(one), NULL), -EOVERFLOW);
	profile__free(p);
	p = profile__new();
	cr_assert_eq(import__buffer(p, "diff.folded", diff, strlen(diff), NULL), -EOVERFLOW);
	profile__free(p);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"resq-flame: error: sum.folded: line 2: the counts add up to more than "
		"9223372036854775807 (2^63 - 1), the most a 64-bit count holds\n"
		"resq-flame: error: one.folded: line 3: count 9223372036854775808 is larger than "
		"9223372036854775807 (2^63 - 1), the most a 64-bit count holds\n"
		"resq-flame: error: diff.folded: line 2: count 99999999999999999999 is larger than "
		"9223372036854775807 (2^63 - 1), the most a 64-bit count holds\n");
}

Test(folded, overflow_through_the_binary_fails_and_writes_nothing, .init = th_dir_setup,
     .fini = th_dir_teardown)
{
	char *a = th_path(th_dir, "a.folded"), *b = th_path(th_dir, "b.folded");
	char *out = th_path(th_dir, "out.folded");
	const char *one[] = {th_bin(), "render", a, "-o", out, NULL};
	const char *two[] = {th_bin(), "render", b, b, "-o", out, NULL};
	struct th_result r;

	th_write_file(a, "x 1\ny 9223372036854775807\n", 26);
	th_write_file(b, "x 4611686018427387904\n", 22);
	r = th_run(one, NULL, 0, 50);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "a.folded: line 2: the counts add up to more than"), "%s",
			   r.err);
	th_result_free(&r);
	/* Each file fits, the two together do not. */
	r = th_run(two, NULL, 0, 50);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "b.folded: its counts and those of the inputs before "
					 "add up to more than 2^63 - 1"),
			   "%s", r.err);
	th_result_free(&r);
	cr_assert_not(th_exists(out));
	free(a);
	free(b);
	free(out);
}

/* Bytes that would act on a terminal: C0 controls but tab, DEL, C1 controls in UTF-8. */
static bool has_raw_controls(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') || u[i] == 0x7f)
			return true;
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return true;
	}
	return false;
}

Test(folded, control_characters_in_names_are_escaped)
{
	static const char *const names[] = {
		"\x1b[2J",
		"two\nlines",
		"del\x7f",
		"csi\xc2\x9b"
		"31m",
		"tab\there",
		"\xff\xfe",
	};
	struct profile *p = profile__new(), *q = profile__new();
	uint32_t root = profile__frame_named(p, "main", 4, FRAME_KIND_NATIVE);
	char *out, *again;
	size_t i, lines = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint32_t st[2] = {root, profile__frame_named(p, names[i], strlen(names[i]),
							     FRAME_KIND_NATIVE)};

		profile__add_stack_int(p, st, 2, PROFILE_COL_MAIN, (int64_t)i + 1);
	}
	out = th_folded(p);
	cr_assert_not(has_raw_controls(out, strlen(out)), "%s", out);
	for (i = 0; out[i]; i++)
		lines += out[i] == '\n';
	cr_assert_eq(lines, sizeof(names) / sizeof(names[0]), "one line per stack: %s", out);
	cr_assert_not_null(strstr(out, "main;\\x1b[2J 1\n"), "%s", out);
	cr_assert_not_null(strstr(out, "main;two\\x0alines 2\n"), "%s", out);
	cr_assert_not_null(strstr(out, "main;del\\x7f 3\n"), "%s", out);
	cr_assert_not_null(strstr(out, "main;csi\\xc2\\x9b31m 4\n"), "%s", out);
	cr_assert_not_null(strstr(out, "main;tab\there 5\n"), "a tab stays: %s", out);
	/* The reader keeps the escapes as text: writing again changes nothing. */
	cr_assert_eq(import__buffer(q, "escaped.folded", out, strlen(out), NULL), 0);
	again = th_folded(q);
	cr_assert_str_eq(again, out);
	free(out);
	free(again);
	profile__free(p);
	profile__free(q);
}

Test(folded, binary_output_cannot_move_the_cursor, .init = th_dir_setup, .fini = th_dir_teardown)
{
	const char *json = "{\"shared\":{\"frames\":[{\"name\":\"clear\\u001b[2J\\u001b[H\"},"
			   "{\"name\":\"bell\\u0007\\r\"}]},\"profiles\":[{\"type\":\"sampled\","
			   "\"name\":\"x\",\"unit\":\"none\",\"startValue\":0,\"endValue\":2,"
			   "\"samples\":[[0],[1]],\"weights\":[1,1]}]}";
	char *in = th_path(th_dir, "esc.speedscope.json");
	const char *argv[] = {th_bin(), "render", in, "-f", "folded", "-o", "-", NULL};
	struct th_result r;

	th_write_file(in, json, strlen(json));
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not(has_raw_controls(r.out, r.out_len), "%s", r.out);
	cr_assert_str_eq(r.out, "bell\\x07\\x0d 1\nclear\\x1b[2J\\x1b[H 1\n");
	th_result_free(&r);
	free(in);
}

Test(folded, flame_chart_writes_each_stack_once)
{
	struct profile *p = profile__new();
	uint32_t a = profile__frame_named(p, "a", 1, FRAME_KIND_NATIVE);
	uint32_t b = profile__frame_named(p, "b", 1, FRAME_KIND_NATIVE);
	char *out;

	/* Time order keeps a, b, a apart in the tree; folded text merges them. */
	profile__set_chart_mode(p, true);
	profile__add_stack_int(p, &a, 1, PROFILE_COL_MAIN, 1);
	profile__add_stack_int(p, &b, 1, PROFILE_COL_MAIN, 1);
	profile__add_stack_int(p, &a, 1, PROFILE_COL_MAIN, 1);
	cr_assert_eq(profile__nnodes(p), 4);
	out = th_folded(p);
	cr_assert_str_eq(out, "a 2\nb 1\n");
	free(out);
	profile__free(p);
}
