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
