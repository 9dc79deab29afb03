// SPDX-License-Identifier: Apache-2.0
/*
 * Option value parsing of the CLI stage: durations, numbers, formats,
 * global options.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "../src/cli/cli.h"

Test(options, durations_with_units)
{
	double s;

	cr_assert(cli_parse_duration("-d", "500ms", false, &s));
	cr_assert_float_eq(s, 0.5, 1e-12);
	cr_assert(cli_parse_duration("-d", "5s", false, &s));
	cr_assert_float_eq(s, 5, 1e-12);
	cr_assert(cli_parse_duration("-d", "2m", false, &s));
	cr_assert_float_eq(s, 120, 1e-12);
	cr_assert(cli_parse_duration("-d", "1h", false, &s));
	cr_assert_float_eq(s, 3600, 1e-12);
	cr_assert(cli_parse_duration("-d", "30", false, &s));
	cr_assert_float_eq(s, 30, 1e-12);
	cr_assert(cli_parse_duration("-d", "1.5", false, &s));
	cr_assert_float_eq(s, 1.5, 1e-12);
}

Test(options, durations_beyond_a_year_rejected, .init = cr_redirect_stderr)
{
	double s = -1;

	cr_assert(cli_parse_duration("-d", "8760h", false, &s));
	cr_assert_float_eq(s, 365.0 * 86400, 1e-6);
	cr_assert_not(cli_parse_duration("-d", "8761h", false, &s));
	cr_assert_not(cli_parse_duration("-d", "99999999999999999999", false, &s));
	cr_assert_not(cli_parse_duration("-d", "1e300", false, &s));
	cr_assert_not(cli_parse_duration("--duration", "99999999999999999999", true, &s));
	cr_assert_float_eq(s, 365.0 * 86400, 1e-6, "a refused duration left the old value");
}

Test(options, bare_duration_in_ms_for_hce)
{
	double s;

	cr_assert(cli_parse_duration("--duration", "5000", true, &s));
	cr_assert_float_eq(s, 5, 1e-12);
	cr_assert(cli_parse_duration("--duration", "2s", true, &s));
	cr_assert_float_eq(s, 2, 1e-12);
}

Test(options, bad_durations_rejected, .init = cr_redirect_stderr)
{
	double s = -1;

	cr_assert_not(cli_parse_duration("-d", "", false, &s));
	cr_assert_not(cli_parse_duration("-d", "5x", false, &s));
	cr_assert_not(cli_parse_duration("-d", "-5", false, &s));
	cr_assert_not(cli_parse_duration("-d", "0", false, &s));
	cr_assert_not(cli_parse_duration("-d", "ms", false, &s));
	cr_assert_not(cli_parse_duration("-d", "nan", false, &s));
	cr_assert_float_eq(s, -1, 0);
	fflush(stderr);
	cr_assert_stderr_neq_str("");
}

Test(options, numbers_in_range, .init = cr_redirect_stderr)
{
	double d;
	long l;

	cr_assert(cli_parse_double("--width", "1200", 10, 1e6, &d));
	cr_assert_float_eq(d, 1200, 0);
	cr_assert_not(cli_parse_double("--width", "5", 10, 1e6, &d));
	cr_assert_not(cli_parse_double("--width", "12px", 10, 1e6, &d));
	cr_assert(cli_parse_int("-F", "99", 1, 100000, &l));
	cr_assert_eq(l, 99);
	cr_assert_not(cli_parse_int("-F", "9.5", 1, 100000, &l));
	cr_assert_not(cli_parse_int("-F", "0", 1, 100000, &l));
}

Test(options, formats)
{
	cr_assert_eq(cli_parse_format("svg"), OUT_FMT_SVG);
	cr_assert_eq(cli_parse_format("folded"), OUT_FMT_FOLDED);
	cr_assert_eq(cli_parse_format("png"), OUT_FMT_AUTO);
}

Test(options, global_options_fill_fg_opts, .init = cr_redirect_stderr)
{
	struct cli_global g = { 0 };

	cr_assert_eq(cli_global_option(&g, OPT_TITLE, "T"), 1);
	cr_assert_str_eq(g.fg.title, "T");
	cr_assert_eq(cli_global_option(&g, OPT_MINWIDTH, "0.5%"), 1);
	cr_assert(g.fg.minwidth_percent);
	cr_assert_float_eq(g.fg.minwidth, 0.5, 1e-12);
	cr_assert_eq(cli_global_option(&g, OPT_MINWIDTH, "2"), 1);
	cr_assert_not(g.fg.minwidth_percent);
	cr_assert_eq(cli_global_option(&g, OPT_INVERTED, NULL), 1);
	cr_assert(g.fg.inverted);
	cr_assert_eq(cli_global_option(&g, OPT_COLORS, "nosuchpalette"), -1);
	cr_assert_eq(cli_global_option(&g, 'f', "png"), -1);
	cr_assert_eq(cli_global_option(&g, 'o', "out.svg"), 1);
	cr_assert_str_eq(g.output, "out.svg");
	cr_assert_eq(cli_global_option(&g, 12345, NULL), 0);
}

/* Option tables: one group's options reach its parse function; help is made from the table. */
struct table_ctx {
	int seen[4];
	const char *arg;
};

static int table_parse(void *ctx, int key, const char *arg)
{
	struct table_ctx *t = ctx;

	if (key == 'x')
		return -1;
	t->seen[key == 'a' ? 0 : key == 'b' ? 1 : key == OPT_GLOBAL_LAST ? 2 : 3]++;
	if (arg)
		t->arg = arg;
	return 0;
}

static const struct cli_opt_form table_forms[] = {
	{"one", "the first form"},
	{"two[,N]", "the second form, whose description is long enough to need a second line "
		    "of help"},
	{0},
};

static const struct cli_opt table_opts[] = {
	{.key = 'a', .name = "alpha", .help = "the first", .usage = "[-a]"},
	{.key = 'b', .name = "beta", .arg = "N", .help = "takes N", .usage = "[-b N]"},
	{.key = OPT_GLOBAL_LAST,
	 .name = "gamma-with-a-long-name",
	 .arg = "VALUE",
	 .help = "its description starts on the next line"},
	{.key = OPT_GLOBAL_LAST + 1, .name = "mode", .forms = table_forms},
	{.key = 'x', .name = "hidden", .flags = CLI_OPT_HIDDEN},
	{0},
};

static const struct cli_opt_group table_group = {
	.heading = "options",
	.opts = table_opts,
	.parse = table_parse,
};

Test(options, tables_make_the_parser, .init = cr_redirect_stderr)
{
	struct table_ctx t = {0};
	struct cli_global g = {0};
	const struct cli_spec spec = {
		.name = "test",
		.groups = {{&table_group, &t, .without = "b"}},
		.ngroups = 1,
	};
	char *ok[] = {"test", "-a", "--gamma-with-a-long-name", "v", "--mode=two,3", "-o", "o.svg",
		      "file", NULL};
	char *bad[] = {"test", "-b", "1", NULL};

	optind = 0;
	cr_assert_eq(cli_spec__parse(&spec, &g, 8, ok), 0);
	cr_expect_eq(t.seen[0], 1);
	cr_expect_eq(t.seen[2], 1);
	cr_expect_eq(t.seen[3], 1);
	cr_expect_str_eq(t.arg, "two,3");
	cr_expect_str_eq(g.output, "o.svg", "global options come with every command");
	cr_expect_str_eq(ok[optind], "file");
	optind = 0;
	cr_expect_eq(cli_spec__parse(&spec, &g, 3, bad), -1, "-b is left out of this command");
}

Test(options, tables_make_the_help)
{
	struct table_ctx t = {0};
	const struct cli_spec spec = {
		.name = "test",
		.usage_tail = "FILE...",
		.examples = "  resq-flame test -a file\n",
		.groups = {{&table_group, &t}},
		.ngroups = 1,
	};
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_spec__help(&spec, f);
	fclose(f);
	cr_expect_not_null(strstr(text, "usage: resq-flame test [-a] [-b N] FILE...\n"), "%s",
			   text);
	cr_expect_not_null(strstr(text, "\noptions:\n  -a, --alpha            the first\n"), "%s",
			   text);
	cr_expect_not_null(strstr(text, "  -b, --beta N           takes N\n"), "%s", text);
	cr_expect_not_null(strstr(text, "      --gamma-with-a-long-name VALUE\n"
					"                         its description"),
			   "%s", text);
	cr_expect_not_null(strstr(text, "      --mode one         the first form\n"), "%s", text);
	cr_expect_not_null(strstr(text, "      --mode two[,N]     the second form"), "%s", text);
	cr_expect_null(strstr(text, "hidden"), "%s", text);
	cr_expect_not_null(strstr(text, "\nglobal options (resq-flame --help): -o PATH,"), "%s",
			   text);
	cr_expect_not_null(strstr(text, "\nexamples:\n  resq-flame test -a file\n"), "%s", text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		cr_expect_lt(strlen(line), 80, "too long: %s", line);
	free(text);
}
