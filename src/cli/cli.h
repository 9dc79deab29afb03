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

/*
 * Option tables. Each option of a command is written once, in a group:
 * its names, its argument and its help. A command's parser and its --help
 * text (usage line, option entries, the global options) are made from its
 * groups, so they cannot disagree (iovisor/bcc libbpf-tools/offcputime.c's
 * table, with one parse function per group instead of strtol blocks).
 */
#define CLI_OPT_OPERAND 0 /* not an option: a help entry for operands ("-- COMMAND ARGS...") */

enum cli_opt_flags {
	CLI_OPT_HIDDEN = 1 << 0, /* parsed, not in --help (debugging options) */
};

/* Another help entry of the same option: "--call-graph fp", "--call-graph dwarf[,SIZE]". */
struct cli_opt_form {
	const char *arg;
	const char *help;
};

struct cli_opt {
	int key;	   /* the short letter, or an OPT_* id (>= 256) for long-only options */
	const char *name;  /* the long name without "--"; NULL: none */
	const char *arg;   /* its argument in help ("HZ"); NULL: takes none (but see @forms) */
	const char *help;  /* one paragraph; wrapped from column 25 */
	const char *usage; /* its form in the usage line ("[-F HZ]"); NULL: not there */
	/* Several help entries, each with its argument (the option takes one); ended by {0}. */
	const struct cli_opt_form *forms;
	unsigned flags; /* enum cli_opt_flags */
};

/* Options listed under one heading and taken by one function. */
struct cli_opt_group {
	const char *heading;	    /* "options"; NULL: listed under the heading before */
	const struct cli_opt *opts; /* ended by {0} */
	/* Takes @key (@arg NULL when it has none) into @ctx: 0, or -1 after a usage message. */
	int (*parse)(void *ctx, int key, const char *arg);
};

/* A group as a command uses it: where its options go, and which short keys it leaves out. */
struct cli_group_ref {
	const struct cli_opt_group *group;
	void *ctx;
	const char *without; /* short keys this command does not take ("t"); NULL: none */
};

#define CLI_MAX_GROUPS 8

/* A command's options and help; the global options come with every command. */
struct cli_spec {
	const char *name;	/* "record" */
	const char *usage_tail; /* after the options in the usage line ("[-- COMMAND ARGS...]") */
	const char *more_usage; /* a second usage line ("resq-flame perf ...   (the same)") */
	const char *about;	/* paragraphs after the usage, lines ending in '\n' */
	const char *notes;	/* paragraphs after the options */
	const char *examples;	/* lines, each "  resq-flame ...\n" */
	bool stop_at_operand;	/* the first operand ends the options (a command line follows) */
	/* Writes --help instead of the generated text (the top level's command list). */
	void (*help)(const struct cli_spec *s, FILE *f);
	struct cli_group_ref groups[CLI_MAX_GROUPS];
	size_t ngroups;
};

/* The global options (-o, -f, -q, -v, -h, -V, --title, ...); ctx: struct cli_global. */
extern const struct cli_opt_group cli_global_group;

/*
 * Parses @argv (argv[0] is the command) by @s's groups and the global ones
 * into @g. Returns 0 (operands start at optind), 1 after printing --help or
 * --version, or -1 after a usage message.
 */
int cli_spec__parse(const struct cli_spec *s, struct cli_global *g, int argc, char **argv);
/* Writes the --help text of @s. */
void cli_spec__help(const struct cli_spec *s, FILE *f);
/* Writes the entries of @groups under their headings (the top-level help's globals too). */
void cli_opts_help(FILE *f, const struct cli_group_ref *groups, size_t ngroups);
/* Writes the paragraph naming every global option (in each command's help). */
void cli_global_synopsis(FILE *f);

/*
 * Handles a global option. Returns 1 when handled, 0 when @opt is not
 * global, -1 on a bad value (message printed).
 */
int cli_global_option(struct cli_global *g, int opt, const char *arg);

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
