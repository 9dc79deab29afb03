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
