// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame offcpu: blocked (off-CPU) time by stack, measured by an eBPF
 * program on the scheduler's switch tracepoint, system-wide, for
 * processes, or for a command it launches. The maps are drained every
 * second (so that they do not fill) into the stack aggregator; afterwards
 * the stacks are symbolized like record's and weighted in microseconds.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_cmd.h"
#include "cli.h"
#include "log.h"
#include "xalloc.h"

#define DEFAULT_DURATION 30.0
#define MAX_BLOCK_US	 (UINT64_MAX / 1000)
#define MAX_MAP_SIZE	 (1L << 22)

enum {
	OPT_MIN_BLOCK = RC_OPT_LAST,
	OPT_MAX_BLOCK,
	OPT_STATE,
	OPT_STACK_STORAGE,
	OPT_MAX_ENTRIES,
};

static const struct option offcpu_options[] = {
	RC_TARGET_LONG_OPTIONS,
	{"min-block", required_argument, NULL, OPT_MIN_BLOCK},
	{"max-block", required_argument, NULL, OPT_MAX_BLOCK},
	{"state", required_argument, NULL, OPT_STATE},
	RC_STACK_LONG_OPTIONS,
	{"stack-storage", required_argument, NULL, OPT_STACK_STORAGE},
	{"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
	{NULL, 0, NULL, 0},
};

static void offcpu_usage(FILE *f)
{
	fputs("usage: resq-flame offcpu [-a] [-p PID[,PID...]] [-d DURATION] [--min-block USEC]\n"
	      "                         [--max-block USEC] [--state any|sleep|disk] [--no-kernel]\n"
	      "                         [-- COMMAND ARGS...]\n"
	      "\n"
	      "Measures how long threads stay blocked (off CPU), by stack, with an eBPF program\n"
	      "on the scheduler's switch tracepoint, and writes a flame graph whose widths are\n"
	      "blocked time in microseconds ('us', io palette). Each stack's root frame is the\n"
	      "process name, then the user frames (frame pointers), then the kernel frames down\n"
	      "to where the thread blocked (schedule, do_nanosleep, pipe_read, ...).\n"
	      "\n"
	      "what to measure (default -a):\n"
	      "  -a, --all-cpus         every thread of every process\n"
	      "  -p, --pid PID,...      every thread of these processes, and the processes\n"
	      "                         they fork during the run\n"
	      "  -- COMMAND ARGS...     run COMMAND (and what it forks) until it exits or the\n"
	      "                         duration ends (then it is stopped with SIGTERM)\n"
	      "\n"
	      "options:\n"
	      "  -d, --duration D       how long to measure: 500ms, 5s, 2m; a bare number is\n"
	      "                         seconds (default 30 s). Ctrl-C stops early and still\n"
	      "                         writes the profile\n"
	      "      --min-block US     ignore blocked intervals shorter than US microseconds\n"
	      "                         (default 1)\n"
	      "      --max-block US     ignore blocked intervals longer than US microseconds\n"
	      "      --state STATE      which blocking counts: any (default; preemption too),\n"
	      "                         sleep (interruptible: waits, sleeps, sockets, pipes),\n"
	      "                         disk (uninterruptible: usually disk I/O)\n"
	      "      --no-kernel        leave out kernel frames (and do not collect them)\n"
	      "      --no-inline        no separate frames for inlined functions\n"
	      "      --pid-frames       root frames comm-PID instead of comm\n"
	      "      --thread-frames    a frame THREADNAME-TID under each process root\n"
	      "      --stack-storage N  unique stacks the kernel keeps (default 16384)\n"
	      "      --max-entries N    threads alive at once, and (thread, stack) entries\n"
	      "                         per second (default 16384 each)\n"
	      "\n"
	      "output (global options): -o PATH (default flamegraph.svg, '-' for stdout),\n"
	      "  -f svg|folded, --title, --subtitle, --width, --minwidth, --colors, ...\n"
	      "\n"
	      "Needs root (CAP_BPF and CAP_PERFMON) and a kernel with BTF\n"
	      "(/sys/kernel/btf/vmlinux). Blocked intervals still going on at the end count up\n"
	      "to the end; those that began before the start are not seen. User stacks come\n"
	      "from frame pointers: build with -fno-omit-frame-pointer for complete ones.\n"
	      "Nothing the kernel drops goes unreported. A run that records no blocked time\n"
	      "exits 1 and leaves the output untouched. `record --wall` shows on-CPU and\n"
	      "off-CPU time together.\n"
	      "\n"
	      "environment: RESQ_BPF_ATTACH=raw_tp uses the raw tracepoint instead of the\n"
	      "BTF-typed one (tp_btf, which falls back to raw_tp by itself when it fails).\n"
	      "\n"
	      "examples:\n"
	      "  sudo resq-flame offcpu -d 10 -o offcpu.svg          # whole machine, 10 s\n"
	      "  resq-flame offcpu -p $(pidof postgres) -d 30s --min-block 1000\n"
	      "  resq-flame offcpu --state disk -d 1m -o io.svg\n"
	      "  resq-flame offcpu -- ./build/workloads/sleeper split 3\n"
	      "  resq-flame offcpu -p 4242 --no-kernel -f folded -o - | sort -k2 -n | tail\n",
	      f);
}

struct oc_run {
	struct cli_global *g;
	struct rc_targets tg;
	long min_block, max_block; /* us; max 0 = none */
	enum offcpu_state state;
	struct rc_stack_opts so;
	long stack_storage, max_entries;
};

static const char *const state_names[] = {"any", "sleep", "disk"};

/* Returns -1 on a usage error (message printed), 1 for --help, 0 otherwise. */
static int parse_args(struct oc_run *r, int argc, char **argv)
{
	struct option *opts = cli_options_merge(offcpu_options);
	int c, k, ret = 0;

	opterr = 0;
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+ap:d:" CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		size_t i;

		k = rc_targets__parse_option(&r->tg, c, optarg);
		if (k < 0)
			goto bad;
		if (k)
			continue;
		if (rc_stack_opts__parse_option(&r->so, c))
			continue;
		switch (c) {
		case OPT_MIN_BLOCK:
			if (!cli_parse_int("--min-block", optarg, 0, (long)MAX_BLOCK_US / 2,
					   &r->min_block))
				goto bad;
			continue;
		case OPT_MAX_BLOCK:
			if (!cli_parse_int("--max-block", optarg, 1, (long)MAX_BLOCK_US / 2,
					   &r->max_block))
				goto bad;
			continue;
		case OPT_STATE:
			for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
				if (!strcmp(optarg, state_names[i]))
					break;
			if (i == sizeof(state_names) / sizeof(state_names[0])) {
				cli_usage_error(
					"offcpu",
					"invalid value for --state: '%s' (expected any, sleep "
					"or disk)",
					optarg);
				goto bad;
			}
			r->state = (enum offcpu_state)i;
			continue;
		case OPT_STACK_STORAGE:
			if (!cli_parse_int("--stack-storage", optarg, 64, MAX_MAP_SIZE,
					   &r->stack_storage))
				goto bad;
			continue;
		case OPT_MAX_ENTRIES:
			if (!cli_parse_int("--max-entries", optarg, 64, MAX_MAP_SIZE,
					   &r->max_entries))
				goto bad;
			continue;
		}
		k = rc_parse_other_option(r->g, "offcpu", c, optarg, argv, offcpu_usage);
		if (k < 0)
			goto bad;
		if (k) {
			ret = 1;
			goto out;
		}
	}
	if (r->max_block && r->max_block < r->min_block) {
		cli_usage_error("offcpu", "--max-block (%ld) is below --min-block (%ld)",
				r->max_block, r->min_block);
		goto bad;
	}
	if (rc_targets__finish_args(&r->tg, argc, argv))
		goto bad;
out:
	free(opts);
	return ret;
bad:
	free(opts);
	return -1;
}

int cmd_offcpu(int argc, char **argv, struct cli_global *g)
{
	struct oc_run r = {
		.g = g, .tg = {.cmd_name = "offcpu", .duration = DEFAULT_DURATION}, .min_block = 1};
	struct sigaction old_sig[CLI_NSIGNALS];
	struct capture_stats st;
	struct capture *c = NULL;
	struct profile *p = NULL;
	char *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool signals = false;
	uint64_t t_stop;
	int ret = EXIT_FAIL, err;

	err = parse_args(&r, argc, argv);
	if (err) {
		free(r.tg.pids);
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	}
	/* A capture is not lost to a bad output path: check it first. */
	if (cli_output_check(g))
		goto out;
	c = capture__new(&(struct capture_opts){
		.target = r.tg.target,
		.ids = r.tg.pids,
		.nids = r.tg.npids,
		.argv = r.tg.cmd,
		.duration = r.tg.duration,
		.offcpu = true,
		.state = r.state,
		.min_block_ns = (uint64_t)r.min_block * 1000,
		.max_block_ns = (uint64_t)r.max_block * 1000,
		.max_entries = (uint32_t)r.max_entries,
		.max_stacks = (uint32_t)r.stack_storage,
		.no_kernel = r.so.no_kernel,
		.no_inline = r.so.no_inline,
		.pid_frames = r.so.pid_frames,
		.thread_frames = r.so.thread_frames,
	});
	if (!c)
		goto out;
	signals = true;
	if (cli_capture_run(c, "off-CPU", old_sig, &t_stop))
		goto out;
	capture__stats(c, &st);
	if (r.tg.cmd)
		cli_describe_status(st.command_status, status_text, sizeof(status_text));
	cli_report_offcpu_drops(&st.offcpu);

	p = capture__finish(c);
	if (!p) {
		pr_err("no off-CPU time recorded%s; %s left untouched",
		       r.tg.cmd ? " (did the command block at all?)" : "",
		       g->output ? g->output : "flamegraph.svg");
		if (r.tg.cmd)
			pr_info("'%s' %s", r.tg.cmd[0], status_text);
		goto out;
	}
	capture__stats(c, &st);
	if (g->countname_set)
		profile__set_countname(p, g->fg.countname);

	title = rc_targets__set_title(&r.tg, g);
	if (!g->fg.subtitle) {
		subtitle = xmalloc(200);
		snprintf(subtitle, 200,
			 "off-CPU time, state %s, min %ld us%s, %.1f s, %.3f s blocked",
			 state_names[r.state], r.min_block, r.so.no_kernel ? ", no kernel" : "",
			 st.elapsed, (double)st.offcpu.blocked_ns / 1e9);
		g->fg.subtitle = subtitle;
	}
	if (!g->fg.colors)
		g->fg.colors = "io";
	if (rc_write_profile(&p, g))
		goto out;

	pr_info("off-CPU (%s) for %.1f s: %llu blocked intervals, %.3f s blocked, %zu processes, "
		"%.1f%% of frames unresolved",
		st.offcpu_attach, st.elapsed, (unsigned long long)st.offcpu.intervals,
		(double)st.offcpu.blocked_ns / 1e9, st.built.nprocs, 100.0 * st.unresolved);
	if (r.tg.cmd)
		pr_info("'%s' %s%s", r.tg.cmd[0], status_text,
			st.command_stopped ? " (stopped at the end of the measurement)" : "");
	rc_report_end(g);
	ret = EXIT_OK;
out:
	capture__free(c);
	if (signals)
		cli_signals_restore(old_sig);
	profile__free(p);
	free(r.tg.pids);
	rc_release_titles(g, title, subtitle);
	return ret;
}
