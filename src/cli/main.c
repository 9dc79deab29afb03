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
	fprintf(f,
		"\nglobal options (before or after the command):\n"
		"  -o, --output PATH    output path, '-' for stdout (default flamegraph.svg)\n"
		"  -f, --format FMT     svg, folded, pprof, speedscope or cpuprofile\n"
		"                       (default: from the output's extension, else svg)\n"
		"      --open           open the written file with xdg-open\n"
		"      --title TEXT, --subtitle TEXT, --width PX, --minwidth PX|PCT%%\n"
		"      --inverted, --reverse, --colors PALETTE, --countname NAME\n"
		"  -q, --quiet          only errors    -v, --verbose  debug messages\n"
		"  -h, --help           help (also 'resq-flame COMMAND --help')\n"
		"  -V, --version        version\n"
		"\nexit codes: 0 success, 1 failure, 2 usage error\n"
		"\nexamples:\n"
		"  sudo resq-flame record -d 10 -o cpu.svg\n"
		"  resq-flame record -F 999 -- ./myprogram --its-args\n"
		"  perf script | resq-flame render - -o cpu.svg\n"
		"  resq-flame render stacks.folded --title 'API server' --minwidth 0.5\n"
		"  resq-flame render --kernel perf.txt -o - -f folded | head\n"
		"  resq-flame diff --normalize before.pb.gz after.pb.gz -o diff.svg\n");
}

int main(int argc, char **argv)
{
	struct cli_global g = { .output = NULL };
	size_t i;
	int c;

	/* Global options before the command; stop at the first non-option. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+" CLI_GLOBAL_SHORTOPTS, cli_global_options,
				NULL)) != -1) {
		int r;

		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == 'V') {
			cli_print_version();
			return EXIT_OK;
		}
		if (c == '?')
			return cli_usage_error(NULL, "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		r = cli_global_option(&g, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
	}
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
