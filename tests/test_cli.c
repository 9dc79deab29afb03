// SPDX-License-Identifier: Apache-2.0
/*
 * The real binary: render end to end on corpus captures, stdin/stdout,
 * exit codes, error messages, atomic output, several inputs, help.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers/helpers.h"


TestSuite(cli, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

static struct th_result run(const char *const *argv)
{
	return th_run(argv, NULL, 0, 50);
}

Test(cli, version_and_help)
{
	const char *v[] = { th_bin(), "--version", NULL };
	const char *h[] = { th_bin(), "render", "--help", NULL };
	struct th_result r = run(v);

	cr_assert_eq(r.status, 0);
	cr_assert(!strncmp(r.out, "resq-flame ", 11), "version: %s", r.out);
	th_result_free(&r);
	r = run(h);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "examples:"), "render --help must end in examples");
	cr_assert_not_null(strstr(r.out, "resq-flame render out.perf -o cpu.svg"));
	th_result_free(&r);
}

/* --version names each optional feature, + when this build has it. */
Test(cli, version_lists_the_features_built_in)
{
	static const struct {
		const char *word;
		bool on;
	} want[] = {
#ifdef HAVE_LIBDW
		{ "+libdw", true },
#else
		{ "-libdw", false },
#endif
#ifdef HAVE_LIBUNWIND
		{ "+libunwind", true },
#else
		{ "-libunwind", false },
#endif
#ifdef HAVE_BPF
		{ "+bpf", true },
#else
		{ "-bpf", false },
#endif
#ifdef HAVE_PROTOBUF_C
		{ "+pprof", true },
#else
		{ "-pprof", false },
#endif
#ifdef HAVE_ZLIB
		{ "+gzip", true },
#else
		{ "-gzip", false },
#endif
#ifdef HAVE_LIBIBERTY
		{ "+demangle", true },
#else
		{ "-demangle", false },
#endif
	};
	const char *v[] = { th_bin(), "--version", NULL };
	struct th_result r = run(v);
	const char *line;

	cr_assert_eq(r.status, 0);
	line = strstr(r.out, "\nfeatures: ");
	cr_assert_not_null(line, "no features line: %s", r.out);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char word[32];

		snprintf(word, sizeof(word), " %s", want[i].word);
		cr_expect_not_null(strstr(line, word), "'%s' missing: %s", want[i].word, r.out);
	}
	th_result_free(&r);
}

/*
 * A build without a required library stops at once, before compiling,
 * naming the Debian packages and `make deps`. pkg-config answering "no" to
 * everything stands in for a machine without the -dev packages.
 */
Test(cli, build_without_required_libraries_names_the_packages)
{
	char *dir = th_tmpdir();
	char *build = th_path(dir, "build");
	char bdir[4096];
	char *lib = th_path(build, "libcore.a");
	/* Not the make that runs this suite: its MAKEFLAGS would carry its variables. */
	const char *argv[] = { "env",  "-u",	     "MAKEFLAGS",	 "-u", "MFLAGS", "-u", "MAKELEVEL",
			       "make", "-C",	     th_srcdir(), "PKG_CONFIG=false", bdir, NULL };
	struct th_result r;

	snprintf(bdir, sizeof(bdir), "BUILD=%s", build);
	r = th_run(argv, NULL, 0, 60);
	cr_assert_neq(r.status, 127, "make not found");
	cr_assert_neq(r.status, 0, "make succeeded without libraries: %s", r.out);
	cr_assert_not_null(strstr(r.err, "missing build dependencies"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "libdw-dev"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "libbpf-dev"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "make deps"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "apt-get install"), "%s", r.err);
	cr_expect(!th_exists(lib), "something was built");
	th_result_free(&r);
	th_rmtree(dir);
	free(lib);
	free(dir);
	free(build);
}

Test(cli, usage_errors_exit_2)
{
	const char *a[] = { th_bin(), "nosuchcommand", NULL };
	const char *b[] = { th_bin(), "render", "--nosuchoption", "x", NULL };
	const char *c[] = { th_bin(), "render", "--width", "abc", "x", NULL };
	const char *d[] = { th_bin(), NULL };
	struct th_result r = run(a);

	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "unknown command 'nosuchcommand'"), "%s", r.err);
	th_result_free(&r);
	r = run(b);
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "--nosuchoption"), "%s", r.err);
	th_result_free(&r);
	r = run(c);
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "invalid value for --width: 'abc'"), "%s", r.err);
	th_result_free(&r);
	r = run(d);
	cr_assert_eq(r.status, 2);
	th_result_free(&r);
}

Test(cli, render_perf_script_to_folded_matches_stackcollapse)
{
	char *in = th_path(th_corpus(), "perf-funcab-cmd-01.txt");
	char *exp_path = th_path(th_corpus(), "results/perf-funcab-cmd-01-collapsed-kernel.txt");
	char *out = th_path(th_dir, "out.folded");
	const char *argv[] = { th_bin(), "render", "--kernel", in, "-o", out, NULL };
	struct th_result r = run(argv);
	char *got, *exp, *gs, *es;

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	got = th_read_file(out, NULL);
	exp = th_read_file(exp_path, NULL);
	cr_assert_not_null(got);
	cr_assert_not_null(exp, "corpus missing: %s", exp_path);
	gs = th_sorted_lines(got, true);
	es = th_sorted_lines(exp, true);
	cr_assert_str_eq(gs, es);
	free(gs);
	free(es);
	free(got);
	free(exp);
	th_result_free(&r);
	free(in);
	free(exp_path);
	free(out);
}

Test(cli, stdin_to_stdout)
{
	const char *argv[] = { th_bin(), "render", "-", "-o", "-", "-f", "folded", NULL };
	const char *in = "b;c 2\na 1\nb;c 3\n";
	struct th_result r = th_run(argv, in, strlen(in), 30);

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "a 1\nb;c 5\n");
	th_result_free(&r);
}

Test(cli, svg_to_stdout_by_default_format)
{
	const char *argv[] = { th_bin(), "render", "-o", "-", NULL };
	const char *in = "main;<script>alert(1)</script> & \"x\" 7\n";
	struct th_result r = th_run(argv, in, strlen(in), 30);

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert(!strncmp(r.out, "<?xml", 5), "not an SVG: %.80s", r.out);
	cr_assert_null(strstr(r.out, "<script>alert(1)"), "unescaped name in SVG");
	cr_assert_not_null(strstr(r.out, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
	th_result_free(&r);
}

Test(cli, format_from_extension)
{
	char *in = th_path(th_dir, "in.folded"), *out = th_path(th_dir, "x.svg");
	const char *argv[] = { th_bin(), "render", in, "-o", out, NULL };
	struct th_result r;
	char *svg;

	th_write_file(in, "a;b 1\n", 6);
	r = run(argv);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	svg = th_read_file(out, NULL);
	cr_assert(svg && strstr(svg, "<svg"), "x.svg must be an SVG");
	free(svg);
	th_result_free(&r);
	free(in);
	free(out);
}

Test(cli, empty_input_fails_and_keeps_existing_output)
{
	char *in = th_path(th_dir, "empty.txt"), *out = th_path(th_dir, "keep.svg");
	const char *argv[] = { th_bin(), "render", in, "-o", out, NULL };
	struct th_result r;
	char *after;

	th_write_file(in, "", 0);
	th_write_file(out, "precious", 8);
	r = run(argv);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "no stack counts found in"), "%s", r.err);
	after = th_read_file(out, NULL);
	cr_assert_str_eq(after, "precious", "a failed run must not touch the output");
	free(after);
	th_result_free(&r);
	free(in);
	free(out);
}

Test(cli, no_output_written_when_input_invalid)
{
	char *in = th_path(th_dir, "junk.txt"), *out = th_path(th_dir, "none.svg");
	const char *argv[] = { th_bin(), "render", in, "-o", out, NULL };
	struct th_result r;

	th_write_file(in, "hello\nworld\n", 12);
	r = run(argv);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "junk.txt"), "message must name the file: %s", r.err);
	cr_assert_not(th_exists(out));
	th_result_free(&r);
	free(in);
	free(out);
}

Test(cli, missing_input_file)
{
	char *out = th_path(th_dir, "none.svg");
	const char *argv[] = { th_bin(), "render", "/nonexistent.folded", "-o", out, NULL };
	struct th_result r = run(argv);

	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "cannot open /nonexistent.folded"), "%s", r.err);
	cr_assert_not(th_exists(out));
	th_result_free(&r);
	free(out);
}

Test(cli, unwritable_output_directory)
{
	char *in = th_path(th_dir, "in.folded");
	const char *argv[] = { th_bin(), "render", in, "-o", "/nonexistent-th_dir/x.svg", NULL };
	struct th_result r;

	th_write_file(in, "a 1\n", 4);
	r = run(argv);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "/nonexistent-th_dir/x.svg"), "%s", r.err);
	th_result_free(&r);
	free(in);
}

Test(cli, output_replaced_atomically_with_no_leftovers)
{
	char *in = th_path(th_dir, "in.folded"), *out = th_path(th_dir, "o.folded");
	const char *argv[] = { th_bin(), "render", in, "-o", out, NULL };
	struct th_result r;
	char *got;

	th_write_file(in, "a 1\n", 4);
	th_write_file(out, "old contents\n", 13);
	r = run(argv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	got = th_read_file(out, NULL);
	cr_assert_str_eq(got, "a 1\n");
	free(got);
	th_result_free(&r);
	{
		const char *ls[] = { "sh", "-c", "ls -A \"$0\" | grep -c resq-flame-", th_dir, NULL };

		r = run(ls);
		cr_assert_str_eq(r.out, "0\n", "temporary files left behind");
		th_result_free(&r);
	}
	free(in);
	free(out);
}

Test(cli, several_inputs_get_file_root_frames)
{
	char *a = th_path(th_dir, "a.folded"), *b = th_path(th_dir, "b.folded");
	const char *argv[] = { th_bin(), "render", a, b, "-o", "-", "-f", "folded", NULL };
	const char *argv2[] = { th_bin(), "render", "--no-file-frames", a, b, "-o", "-", "-f", "folded", NULL };
	struct th_result r;
	char expect[1024];

	th_write_file(a, "main;x 2\n", 9);
	th_write_file(b, "main;x 3\n", 9);
	r = run(argv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(expect, sizeof(expect), "%s;main;x 2\n%s;main;x 3\n", a, b);
	cr_assert_str_eq(r.out, expect);
	th_result_free(&r);
	r = run(argv2);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "main;x 5\n");
	th_result_free(&r);
	free(a);
	free(b);
}

Test(cli, reverse_and_base)
{
	const char *in = "main;run;work;leaf 4\nmain;idle 1\nmain;run;other 2\n";
	const char *rev[] = { th_bin(), "render", "--reverse", "-o", "-", "-f", "folded", NULL };
	const char *base[] = { th_bin(), "render", "--base", "run", "-o", "-", "-f", "folded", NULL };
	const char *none[] = { th_bin(), "render", "--base", "nothere", "-o", "-", "-f", "folded", NULL };
	struct th_result r = th_run(rev, in, strlen(in), 30);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "idle;main 1\nleaf;work;run;main 4\nother;run;main 2\n");
	th_result_free(&r);
	r = th_run(base, in, strlen(in), 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "run;other 2\nrun;work;leaf 4\n");
	th_result_free(&r);
	r = th_run(none, in, strlen(in), 30);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "no stack passes through --base nothere"), "%s", r.err);
	th_result_free(&r);
}

Test(cli, global_options_before_command)
{
	const char *argv[] = { th_bin(), "-f", "folded", "-o", "-", "render", NULL };
	const char *in = "a;b 1\n";
	struct th_result r = th_run(argv, in, strlen(in), 30);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "a;b 1\n");
	th_result_free(&r);
}

Test(cli, gzipped_perf_script_from_corpus)
{
	char *in = th_path(th_corpus(), "perf-vertx-stacks-01.txt");
	char *gz = th_path(th_dir, "vertx.txt.gz");
	const char *zip[] = { "sh", "-c", "gzip -c \"$0\" > \"$1\"", in, gz, NULL };
	const char *plain[] = { th_bin(), "render", in, "-o", "-", "-f", "folded", NULL };
	const char *zipped[] = { th_bin(), "render", gz, "-o", "-", "-f", "folded", NULL };
	struct th_result r = run(zip), a, b;

	cr_assert_eq(r.status, 0);
	th_result_free(&r);
	a = run(plain);
	b = run(zipped);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_eq(b.status, 0, "%s", b.err);
	cr_assert_gt(a.out_len, 1000);
	cr_assert_str_eq(a.out, b.out);
	th_result_free(&a);
	th_result_free(&b);
	free(in);
	free(gz);
}
