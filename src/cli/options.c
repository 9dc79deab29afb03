// SPDX-License-Identifier: Apache-2.0
/*
 * Global options and option value parsing shared by every command (the
 * output file is written by output.c).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "log.h"
#include "xalloc.h"

static int global_parse(void *ctx, int key, const char *arg)
{
	return cli_global_option(ctx, key, arg) > 0 ? 0 : -1;
}

static const struct cli_opt global_opts[] = {
	{.key = 'o',
	 .name = "output",
	 .arg = "PATH",
	 .help = "output path, '-' for stdout (default flamegraph.svg)"},
	{.key = 'f',
	 .name = "format",
	 .arg = "FMT",
	 .help = "svg, folded, pprof, speedscope or cpuprofile (default: from the output's "
		 "extension: .folded .txt .pb.gz .pprof .speedscope.json .cpuprofile, else svg)"},
	{.key = OPT_OPEN, .name = "open", .help = "open the written file with xdg-open"},
	{.key = OPT_TITLE,
	 .name = "title",
	 .arg = "TEXT",
	 .help = "the SVG's title (default: what was profiled, or \"Flame Graph\")"},
	{.key = OPT_SUBTITLE, .name = "subtitle", .arg = "TEXT", .help = "a second title line"},
	{.key = OPT_WIDTH, .name = "width", .arg = "PX", .help = "image width (default 1200)"},
	{.key = OPT_MINWIDTH,
	 .name = "minwidth",
	 .arg = "PX|PCT%",
	 .help = "merge away frames narrower than this, in pixels or percent (default 0.1 px)"},
	{.key = OPT_INVERTED, .name = "inverted", .help = "icicle graph (roots at the top)"},
	{.key = OPT_REVERSE,
	 .name = "reverse",
	 .help = "reverse each stack (the leaf becomes the root) before merging"},
	{.key = OPT_COLORS,
	 .name = "colors",
	 .arg = "PALETTE",
	 .help = "hot (default), mem, io, wakeup, chain, java, js, perl, red, green, blue, aqua, "
		 "yellow, purple, orange, kind (kernel, native, JIT and inline frames each "
		 "distinct)"},
	{.key = OPT_COUNTNAME,
	 .name = "countname",
	 .arg = "NAME",
	 .help = "the unit in tooltips (default samples; us for time)"},
	{.key = 'q', .name = "quiet", .help = "only errors"},
	{.key = 'v', .name = "verbose", .help = "debug messages"},
	{.key = 'h', .name = "help", .help = "help (also 'resq-flame COMMAND --help')"},
	{.key = 'V', .name = "version", .help = "the version and the features built in"},
	{0},
};

const struct cli_opt_group cli_global_group = {
	.heading = "global options (before or after the command)",
	.opts = global_opts,
	.parse = global_parse,
};

/* Only this object is built with RESQ_GIT_REV, so a commit rebuilds one file. */
void cli_print_version(void)
{
	/* RESQ_FEATURES: "+libdw -bpf ...", what the build put in (see the Makefile). */
	printf("resq-flame %s (%s)\nfeatures: %s\n", RESQ_VERSION, RESQ_GIT_REV, RESQ_FEATURES);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("resq-flame: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'resq-flame %s%s--help' for more information.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

bool cli_parse_double(const char *opt, const char *arg, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "resq-flame: invalid value for %s: '%s' (expected a number from %g to %g)\n",
			opt, arg, min, max);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_int(const char *opt, const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "resq-flame: invalid value for %s: '%s' (expected a whole number from %ld to %ld)\n",
			opt, arg, min, max);
		return false;
	}
	*out = v;
	return true;
}

#define MAX_DURATION_S (365.0 * 24 * 3600)

bool cli_parse_duration(const char *opt, const char *arg, bool bare_ms, double *secs)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = { { "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 } };
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || !isfinite(v) || v <= 0 || *arg == '-' || *arg == '+')
		goto bad;
	if (!*end) {
		v = bare_ms ? v / 1000 : v;
		goto check;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].suffix)) {
			v *= units[i].mult;
			goto check;
		}
	}
bad:
	fprintf(stderr, "resq-flame: invalid duration for %s: '%s' (expected e.g. 500ms, 5s, 2m)\n",
		opt, arg);
	return false;
check:
	/* Beyond this, end times in ns would overflow long before; nobody means it. */
	if (v > MAX_DURATION_S) {
		fprintf(stderr, "resq-flame: duration for %s too long: '%s' (at most 1 year, 8760h)\n",
			opt, arg);
		return false;
	}
	*secs = v;
	return true;
}

enum out_format cli_parse_format(const char *arg)
{
	if (!strcmp(arg, "svg"))
		return OUT_FMT_SVG;
	if (!strcmp(arg, "folded") || !strcmp(arg, "collapsed"))
		return OUT_FMT_FOLDED;
	if (!strcmp(arg, "speedscope"))
		return OUT_FMT_SPEEDSCOPE;
	if (!strcmp(arg, "cpuprofile"))
		return OUT_FMT_CPUPROFILE;
	if (!strcmp(arg, "pprof"))
		return OUT_FMT_PPROF;
	return OUT_FMT_AUTO;
}

int cli_global_option(struct cli_global *g, int opt, const char *arg)
{
	switch (opt) {
	case 'o':
		if (!*arg) {
			fprintf(stderr, "resq-flame: --output needs a path ('-' for stdout)\n");
			return -1;
		}
		g->output = arg;
		return 1;
	case 'f':
		g->format = cli_parse_format(arg);
		if (g->format == OUT_FMT_AUTO) {
			fprintf(stderr, "resq-flame: unknown output format '%s' (expected svg, folded, pprof, speedscope or cpuprofile)\n",
				arg);
			return -1;
		}
		return 1;
	case 'q':
		log__set_level(LOG_ERROR);
		return 1;
	case 'v':
		log__set_level(LOG_DEBUG);
		return 1;
	case OPT_OPEN:
		g->open = true;
		return 1;
	case OPT_TITLE:
		g->fg.title = arg;
		g->title_set = true;
		return 1;
	case OPT_SUBTITLE:
		g->fg.subtitle = arg;
		return 1;
	case OPT_WIDTH:
		return cli_parse_double("--width", arg, 10, 1000000, &g->fg.width) ? 1 : -1;
	case OPT_MINWIDTH: {
		char buf[64];
		size_t n = strlen(arg);

		g->fg.minwidth_percent = n > 1 && arg[n - 1] == '%';
		if (n >= sizeof(buf)) {
			fprintf(stderr, "resq-flame: invalid value for --minwidth: '%s'\n", arg);
			return -1;
		}
		memcpy(buf, arg, n + 1);
		if (g->fg.minwidth_percent)
			buf[n - 1] = '\0';
		if (!cli_parse_double("--minwidth", buf, 0, g->fg.minwidth_percent ? 100 : 1e9,
				      &g->fg.minwidth))
			return -1;
		/* 0 means "default" in fg_opts; a tiny positive value keeps everything. */
		if (g->fg.minwidth == 0)
			g->fg.minwidth = 1e-300;
		return 1;
	}
	case OPT_INVERTED:
		g->fg.inverted = true;
		return 1;
	case OPT_REVERSE:
		g->reverse = true;
		return 1;
	case OPT_COLORS:
		if (!flamegraph__palette_known(arg)) {
			fprintf(stderr, "resq-flame: unknown palette '%s' (expected hot, mem, io, wakeup, chain, java, js, perl, red, green, blue, aqua, yellow, purple, orange or kind)\n",
				arg);
			return -1;
		}
		g->fg.colors = arg;
		return 1;
	case OPT_COUNTNAME:
		g->fg.countname = arg;
		g->countname_set = true;
		return 1;
	}
	return 0;
}
