// SPDX-License-Identifier: Apache-2.0
/*
 * Entry point: global options, then the command table (git's git.c style).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct cli_command commands[] = {
	{ "record", "perf", "sample on-CPU stacks with perf_event_open (alias: perf)",
	  cmd_record },
	{ "offcpu", NULL, "measure blocked (off-CPU) time by stack with eBPF", cmd_offcpu },
	{ "render", NULL, "read profile files of any supported format, merge, write any output format",
	  cmd_render },
	{ "diff", NULL, "differential flame graph of two profiles (any supported formats)",
	  cmd_diff },
};

static void usage(FILE *f)
{
	size_t i;

	/* tools/gen-man.sh makes the man page's NAME line from the first sentence. */
	fprintf(f, "usage: resq-flame [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
		   "\n"
		   "A Linux profiler that draws flame graphs. It samples on-CPU stacks with\n"
		   "perf_event_open (record) and off-CPU time with eBPF (offcpu), reads the\n"
		   "profiles of perf script, FlameGraph tools, pprof, V8, speedscope and\n"
		   "bpftrace (render) and compares two profiles (diff); it writes interactive\n"
		   "SVG flame graphs or any of these formats.\n"
		   "\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputc('\n', f);
	cli_opts_help(f, &(struct cli_group_ref){.group = &cli_global_group}, 1);
	fprintf(f,
		"\nexit codes: 0 success, 1 failure, 2 usage error\n"
		"\nexamples:\n"
		"  sudo resq-flame record -d 10 -o cpu.svg\n"
		"  resq-flame record -F 999 -- ./myprogram --its-args\n"
		"  resq-flame record -P nginx -d 30s -o nginx.svg\n"
		"  perf script | resq-flame render - -o cpu.svg\n"
		"  resq-flame render stacks.folded --title 'API server' --minwidth 0.5\n"
		"  resq-flame render --kernel perf.txt -o - -f folded | head\n"
		"  resq-flame diff --normalize before.pb.gz after.pb.gz -o diff.svg\n");
}

static void top_help(const struct cli_spec *s, FILE *f)
{
	(void)s;
	usage(f);
}

int main(int argc, char **argv)
{
	struct cli_global g = { .output = NULL };
	/* Global options before the command; the command name ends them. */
	const struct cli_spec top = { .stop_at_operand = true, .help = top_help };
	size_t i;
	int r;

	r = cli_spec__parse(&top, &g, argc, argv);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct cli_command *cmd = &commands[i];

		if (!strcmp(argv[optind], cmd->name) || (cmd->alias && !strcmp(argv[optind], cmd->alias))) {
			int cargc = argc - optind;
			char **cargv = argv + optind;

			optind = 0; /* restart getopt for the command's own argv */
			return cmd->run(cargc, cargv, &g);
		}
	}
	return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
}
