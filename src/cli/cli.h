/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI stage: global options, output writing and the command table.
 * Only this stage prints usage, picks exit codes or exits.
 */
#ifndef RESQ_CLI_H
#define RESQ_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "flamegraph.h"
#include "profile.h"

enum cli_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

enum out_format {
	OUT_FMT_AUTO = 0,
	OUT_FMT_SVG,
	OUT_FMT_FOLDED,
	OUT_FMT_SPEEDSCOPE,
	OUT_FMT_CPUPROFILE,
	OUT_FMT_PPROF,
};

/* Options valid before or after any command. */
struct cli_global {
	const char *output;  /* default "flamegraph.svg"; "-" is stdout */
	enum out_format format;
	bool open;
	bool reverse;
	bool title_set, countname_set;
	struct fg_opts fg;   /* every SVG option, global or render's */
	const char **base;   /* --base symbols (inferno) */
	size_t nbase;
};

/* Long-option ids; short options use their letter. */
enum {
	OPT_OPEN = 256,
	OPT_TITLE,
	OPT_SUBTITLE,
	OPT_WIDTH,
	OPT_MINWIDTH,
	OPT_INVERTED,
	OPT_REVERSE,
	OPT_COLORS,
	OPT_COUNTNAME,
	OPT_GLOBAL_LAST, /* command-specific ids start here */
};

extern const struct option cli_global_options[];
#define CLI_GLOBAL_SHORTOPTS "o:f:qvhV"

/*
 * Handles a global option returned by getopt_long. Returns 1 when handled,
 * 0 when @opt is not global, -1 on a bad value (message printed).
 */
int cli_global_option(struct cli_global *g, int opt, const char *arg);

/* Returns a malloc'd table: cli_global_options followed by @extra. */
struct option *cli_options_merge(const struct option *extra);

/* Number parsing for option values; false (after a message) when invalid. */
bool cli_parse_double(const char *opt, const char *arg, double min, double max, double *out);
bool cli_parse_int(const char *opt, const char *arg, long min, long max, long *out);
/*
 * Parses a duration "500ms", "5s", "2m", "1h" into seconds. A bare number
 * means seconds, or milliseconds when @bare_ms. More than a year is refused.
 */
bool cli_parse_duration(const char *opt, const char *arg, bool bare_ms, double *secs);
enum out_format cli_parse_format(const char *arg);

/* Prints "resq-flame VERSION (GIT-REV)" and the features built in to stdout (--version). */
void cli_print_version(void);

/* Prints "resq-flame: MSG" and a hint to run --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes @p to g->output in the chosen format, through outfile.h: a file is
 * replaced atomically keeping its mode and owner, a device or FIFO is
 * written and never replaced, "-" and /dev/stdout are stdout. Returns 0 or
 * a negative errno after printing why (-EPIPE silently: the reader of
 * stdout went away); a failed run leaves an existing file untouched.
 */
int cli_write_profile(const struct profile *p, struct cli_global *g);

/*
 * Checks, before a capture starts, that g->output can be written (see
 * outfile__check()). Returns 0 or a negative errno after printing why.
 */
int cli_output_check(const struct cli_global *g);

/* A subcommand: run() returns an exit code. */
struct cli_command {
	const char *name;
	const char *alias;
	const char *summary;
	int (*run)(int argc, char **argv, struct cli_global *g);
};

int cmd_render(int argc, char **argv, struct cli_global *g);
int cmd_record(int argc, char **argv, struct cli_global *g);
int cmd_offcpu(int argc, char **argv, struct cli_global *g);
int cmd_diff(int argc, char **argv, struct cli_global *g);

#endif
