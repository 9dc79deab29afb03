// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame offcpu: blocked (off-CPU) time by stack, measured by an eBPF
 * program on the scheduler's switch tracepoint, system-wide, for
 * processes, or for a command it launches: the options, the output and
 * the report around a capture object (include/capture.h), whose stacks
 * weigh blocked microseconds.
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
	OPT_MIN_BLOCK = CLI_OPT_CAPTURE_LAST,
	OPT_MAX_BLOCK,
	OPT_STATE,
	OPT_STACK_STORAGE,
	OPT_MAX_ENTRIES,
};

struct oc_run {
	struct cli_targets tg;
	struct cli_stack_opts so;
	long min_block, max_block; /* us; max 0 = none */
	enum offcpu_state state;
	long stack_storage, max_entries;
};

static const char *const state_names[] = {"any", "sleep", "disk"};

static int offcpu_parse(void *ctx, int key, const char *arg)
{
	struct oc_run *r = ctx;
	size_t i;

	switch (key) {
	case OPT_MIN_BLOCK:
		return cli_parse_int("--min-block", arg, 0, (long)MAX_BLOCK_US / 2, &r->min_block)
			       ? 0
			       : -1;
	case OPT_MAX_BLOCK:
		return cli_parse_int("--max-block", arg, 1, (long)MAX_BLOCK_US / 2, &r->max_block)
			       ? 0
			       : -1;
	case OPT_STATE:
		for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
			if (!strcmp(arg, state_names[i])) {
				r->state = (enum offcpu_state)i;
				return 0;
			}
		}
		cli_usage_error("offcpu",
				"invalid value for --state: '%s' (expected any, sleep or disk)",
				arg);
		return -1;
	case OPT_STACK_STORAGE:
		return cli_parse_int("--stack-storage", arg, 64, MAX_MAP_SIZE, &r->stack_storage)
			       ? 0
			       : -1;
	case OPT_MAX_ENTRIES:
		return cli_parse_int("--max-entries", arg, 64, MAX_MAP_SIZE, &r->max_entries) ? 0
											      : -1;
	}
	return -1;
}

static const struct cli_opt offcpu_opts[] = {
	{.key = OPT_MIN_BLOCK,
	 .name = "min-block",
	 .arg = "US",
	 .help = "ignore blocked intervals shorter than US microseconds (default 1)",
	 .usage = "[--min-block USEC]"},
	{.key = OPT_MAX_BLOCK,
	 .name = "max-block",
	 .arg = "US",
	 .help = "ignore blocked intervals longer than US microseconds",
	 .usage = "[--max-block USEC]"},
	{.key = OPT_STATE,
	 .name = "state",
	 .arg = "STATE",
	 .help = "which blocking counts: any (default; preemption too), sleep (interruptible: "
		 "waits, sleeps, sockets, pipes), disk (uninterruptible: usually disk I/O)",
	 .usage = "[--state any|sleep|disk]"},
	{.key = OPT_STACK_STORAGE,
	 .name = "stack-storage",
	 .arg = "N",
	 .help = "unique stacks the kernel keeps (default 16384)"},
	{.key = OPT_MAX_ENTRIES,
	 .name = "max-entries",
	 .arg = "N",
	 .help = "threads alive at once, and (thread, stack) entries per second (default 16384 "
		 "each)"},
	{0},
};

static const struct cli_opt_group offcpu_group = {
	.heading = "options",
	.opts = offcpu_opts,
	.parse = offcpu_parse,
};

static const char offcpu_about[] =
	"Measures how long threads stay blocked (off CPU), by stack, with an eBPF program\n"
	"on the scheduler's switch tracepoint, and writes a flame graph whose widths are\n"
	"blocked time in microseconds ('us', io palette). Each stack's root frame is the\n"
	"process name, then the user frames (frame pointers), then the kernel frames down\n"
	"to where the thread blocked (schedule, do_nanosleep, pipe_read, ...).\n";

static const char offcpu_notes[] =
	"Needs root (CAP_BPF and CAP_PERFMON) and a kernel with BTF\n"
	"(/sys/kernel/btf/vmlinux). Blocked intervals still going on at the end count up\n"
	"to the end; those that began before the start are not seen. User stacks come\n"
	"from frame pointers: build with -fno-omit-frame-pointer for complete ones.\n"
	"Nothing the kernel drops goes unreported. A run that records no blocked time\n"
	"exits 1 and leaves the output untouched. `record --wall` shows on-CPU and\n"
	"off-CPU time together. On a terminal, a status line shows the time elapsed\n"
	"and left, the blocked intervals, those lost and the processes seen so far.\n"
	"\n"
	"environment: RESQ_BPF_ATTACH=raw_tp uses the raw tracepoint instead of the\n"
	"BTF-typed one (tp_btf, which falls back to raw_tp by itself when it fails).\n";

static const char offcpu_examples[] =
	"  sudo resq-flame offcpu -d 10 -o offcpu.svg          # whole machine, 10 s\n"
	"  resq-flame offcpu -p $(pidof postgres) -d 30s --min-block 1000\n"
	"  resq-flame offcpu -P postgres -d 30s -o pg.svg\n"
	"  resq-flame offcpu --state disk -d 1m -o io.svg\n"
	"  resq-flame offcpu -- ./build/workloads/sleeper split 3\n"
	"  resq-flame offcpu -p 4242 --no-kernel -f folded -o - | sort -k2 -n | tail\n";

/* Returns -1 on a usage error (message printed), 1 after --help or --version, 0 otherwise. */
static int parse_args(struct oc_run *r, struct cli_global *g, int argc, char **argv)
{
	const struct cli_spec spec = {
		.name = "offcpu",
		.usage_tail = "[-- COMMAND ARGS...]",
		.about = offcpu_about,
		.notes = offcpu_notes,
		.examples = offcpu_examples,
		/* The command's options are its own. */
		.stop_at_operand = true,
		.groups = {{&cli_target_group, &r->tg, .without = "t"},
			   {&offcpu_group, r},
			   {&cli_stack_group, &r->so}},
		.ngroups = 3,
	};
	int ret = cli_spec__parse(&spec, g, argc, argv);

	if (ret)
		return ret;
	if (r->max_block && r->max_block < r->min_block) {
		cli_usage_error("offcpu", "--max-block (%ld) is below --min-block (%ld)",
				r->max_block, r->min_block);
		return -1;
	}
	return cli_targets__finish(&r->tg, argc, argv);
}

int cmd_offcpu(int argc, char **argv, struct cli_global *g)
{
	struct oc_run r = {.tg = {.cmd_name = "offcpu", .duration = DEFAULT_DURATION},
			   .min_block = 1};
	struct capture_opts co = {0};
	struct sigaction old_sig[CLI_NSIGNALS];
	struct capture_stats st;
	struct capture *c = NULL;
	struct profile *p = NULL;
	char *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool signals = false;
	uint64_t t_stop;
	int ret = EXIT_FAIL, err;

	err = parse_args(&r, g, argc, argv);
	if (err) {
		cli_targets__release(&r.tg);
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	}
	/* A capture is not lost to a bad output path: check it first. */
	if (cli_output_check(g))
		goto out;
	cli_capture_opts(&co, &r.tg, &r.so);
	co.offcpu = true;
	co.state = r.state;
	co.min_block_ns = (uint64_t)r.min_block * 1000;
	co.max_block_ns = (uint64_t)r.max_block * 1000;
	co.max_entries = (uint32_t)r.max_entries;
	co.max_stacks = (uint32_t)r.stack_storage;
	c = capture__new(&co);
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

	title = cli_targets__set_title(&r.tg, g);
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
	if (cli_capture_write(&p, g))
		goto out;

	pr_info("off-CPU (%s) for %.1f s: %llu blocked intervals, %.3f s blocked, %zu processes, "
		"%.1f%% of frames unresolved",
		st.offcpu_attach, st.elapsed, (unsigned long long)st.offcpu.intervals,
		(double)st.offcpu.blocked_ns / 1e9, st.built.nprocs, 100.0 * st.unresolved);
	if (r.tg.cmd)
		pr_info("'%s' %s%s", r.tg.cmd[0], status_text,
			st.command_stopped ? " (stopped at the end of the measurement)" : "");
	cli_capture_report_end(g);
	ret = EXIT_OK;
out:
	capture__free(c);
	if (signals)
		cli_signals_restore(old_sig);
	profile__free(p);
	cli_targets__release(&r.tg);
	cli_release_titles(g, title, subtitle);
	return ret;
}
