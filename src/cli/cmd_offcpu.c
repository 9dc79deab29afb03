// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame offcpu: blocked (off-CPU) time by stack, measured by an eBPF
 * program on the scheduler's switch tracepoint, system-wide, for
 * processes, or for a command it launches. The maps are drained every
 * second (so that they do not fill) into the stack aggregator; afterwards
 * the stacks are symbolized like record's and weighted in microseconds.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "offcpu.h"
#include "procmaps.h"
#include "record_common.h"
#include "symtab.h"
#include "xalloc.h"

#define DEFAULT_DURATION 30.0
#define DRAIN_MS	 1000
#define FIRST_DRAIN_MS	 100 /* early, to snapshot a launched command's mappings */
#define TICK_MS		 250
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

static void progress(double left, const struct offcpu_stats *st)
{
	rc_progress("off-CPU", left, "%.1f s blocked so far", (double)st->blocked_ns / 1e9);
}

int cmd_offcpu(int argc, char **argv, struct cli_global *g)
{
	struct oc_run r = {
		.g = g, .tg = {.cmd_name = "offcpu", .duration = DEFAULT_DURATION}, .min_block = 1};
	struct child child = CHILD_INIT;
	struct sigaction old_sig[REC_NSIGNALS];
	struct offcpu_stats st = {0};
	struct offcpu *oc = NULL;
	struct procmaps *pm = NULL;
	struct stackagg *sa = NULL;
	struct symtab *stab = NULL;
	struct symtab_source src;
	struct rec_sink sink = {0};
	struct profile *p = NULL;
	struct stackagg_result res;
	char *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool tty, stopped_child = false, signals = false, child_seen = false;
	uint64_t t_start, t_end, next_drain, now;
	double elapsed;
	int ret = EXIT_FAIL, err;

	err = parse_args(&r, argc, argv);
	if (err) {
		free(r.tg.pids);
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	}
	/* A capture is not lost to a bad output path: check it first. */
	if (cli_output_check(g))
		goto out;
	if (!rc_targets__check_alive(&r.tg))
		goto out;
	pm = procmaps__new();
	sink.uw = unwinder__new(&(struct unwinder_opts){.kind = UNWINDER_FP}, pm);
	if (r.tg.cmd && rc_targets__start_child(&r.tg, &child))
		goto out;
	oc = rec_offcpu_start(&(struct offcpu_opts){
		.target = r.tg.npids ? OFFCPU_TARGET_PIDS : OFFCPU_TARGET_ALL,
		.ids = r.tg.pids,
		.nids = r.tg.npids,
		.follow_forks = true,
		.state = r.state,
		.min_block_ns = (uint64_t)r.min_block * 1000,
		.max_block_ns = (uint64_t)r.max_block * 1000,
		.no_kernel = r.so.no_kernel,
		.max_threads = (uint32_t)r.max_entries,
		.max_entries = (uint32_t)r.max_entries,
		.max_stacks = (uint32_t)r.stack_storage,
	});
	if (!oc)
		goto out;
	/*
	 * kallsyms is read now, while it lists the program just loaded (its
	 * frames are recognised and dropped), and before capture rather than
	 * after it.
	 */
	stab = rc_symtab_new(r.so.no_inline, r.so.no_kernel);
	if (!stab)
		goto out;
	src = (struct symtab_source){.st = stab, .pm = pm};
	sa = sink.sa = stackagg__new(&symtab_source_ops, &src);
	rec_signals_install(old_sig);
	signals = true;
	t_start = rec_mono_ns();
	if (r.tg.cmd) {
		if (rc_targets__release_child(&r.tg, &child))
			goto out;
	} else {
		rec_snapshot(pm, r.tg.pids, r.tg.npids, false);
	}
	/* Tests wait for this line (with -v) before they start the work to measure. */
	pr_debug("sampling started");
	tty = isatty(STDERR_FILENO) && log__level() >= LOG_INFO;
	t_end = t_start + (uint64_t)(r.tg.duration * 1e9);
	next_drain = t_start + (uint64_t)(r.tg.cmd ? FIRST_DRAIN_MS : DRAIN_MS) * 1000000;
	while (!rec_stop_signal && (now = rec_mono_ns()) < t_end) {
		uint64_t wake = next_drain < t_end ? next_drain : t_end;
		int ms = (int)((wake - now + 999999) / 1000000);

		poll(NULL, 0, ms < TICK_MS ? ms : TICK_MS); /* signals interrupt it */
		if (rec_mono_ns() >= next_drain) {
			/* The command's mappings, read while it surely lives. */
			if (r.tg.cmd && !child_seen && !child.exited)
				child_seen = !procmaps__snapshot(pm, child.pid, rec_mono_ns());
			err = offcpu__drain(oc, false, pm, rec_offcpu_sample, &sink);
			if (err < 0) {
				pr_err("reading the off-CPU maps: %s", strerror(-err));
				break;
			}
			next_drain = rec_mono_ns() + (uint64_t)DRAIN_MS * 1000000;
			stackagg__prepare(sa);
		}
		if (rc_targets__finished(&r.tg, &child))
			break;
		if (tty) {
			offcpu__stats(oc, &st);
			progress((double)(t_end - rec_mono_ns()) / 1e9, &st);
		}
	}
	elapsed = (double)(rec_mono_ns() - t_start) / 1e9;
	offcpu__detach(oc);
	if (tty)
		fputs("\r\033[K", stderr);
	/* While a stopped command still lives, so that its mappings can be read. */
	err = offcpu__drain(oc, true, pm, rec_offcpu_sample, &sink);
	if (err < 0)
		pr_err("reading the off-CPU maps: %s", strerror(-err));
	offcpu__stats(oc, &st);
	if (r.tg.cmd && !child.exited) {
		stopped_child = true;
		child__stop(&child, rec_stop_signal ? rec_stop_signal : SIGTERM);
	}
	if (r.tg.cmd)
		child__describe_status(child.status, status_text, sizeof(status_text));
	rec_offcpu_report_drops(&st);

	if (!stackagg__count(sa)) {
		pr_err("no off-CPU time recorded%s; %s left untouched",
		       r.tg.cmd ? " (did the command block at all?)" : "",
		       g->output ? g->output : "flamegraph.svg");
		if (r.tg.cmd)
			pr_info("'%s' %s", r.tg.cmd[0], status_text);
		goto out;
	}

	p = profile__new();
	profile__set_countname(p, g->countname_set ? g->fg.countname : "us");
	stackagg__build(sa,
			&(struct stackagg_build_opts){.no_kernel = r.so.no_kernel,
						      .pid_frames = r.so.pid_frames,
						      .thread_frames = r.so.thread_frames,
						      .time_weights = true},
			p, &res);

	title = rc_targets__set_title(&r.tg, g);
	if (!g->fg.subtitle) {
		subtitle = xmalloc(200);
		snprintf(subtitle, 200,
			 "off-CPU time, state %s, min %ld us%s, %.1f s, %.3f s blocked",
			 state_names[r.state], r.min_block, r.so.no_kernel ? ", no kernel" : "",
			 elapsed, (double)st.blocked_ns / 1e9);
		g->fg.subtitle = subtitle;
	}
	if (!g->fg.colors)
		g->fg.colors = "io";
	if (rc_write_profile(&p, g))
		goto out;

	pr_info("off-CPU (%s) for %.1f s: %llu blocked intervals, %.3f s blocked, %zu processes, "
		"%.1f%% of frames unresolved",
		offcpu__attach_name(oc), elapsed, (unsigned long long)st.intervals,
		(double)st.blocked_ns / 1e9, res.nprocs,
		res.frames_total ? 100.0 * (double)res.frames_unresolved / (double)res.frames_total
				 : 0.0);
	if (r.tg.cmd)
		pr_info("'%s' %s%s", r.tg.cmd[0], status_text,
			stopped_child ? " (stopped at the end of the measurement)" : "");
	rc_report_end(g);
	ret = EXIT_OK;
out:
	if (r.tg.cmd && child.pid > 0 && !child.exited)
		child__stop(&child, SIGTERM);
	if (signals)
		rec_signals_restore(old_sig);
	offcpu__destroy(oc);
	symtab__free(stab);
	profile__free(p);
	procmaps__free(pm);
	stackagg__free(sa);
	unwinder__free(sink.uw);
	addr_stack__release(&sink.stk);
	free(r.tg.pids);
	rc_release_titles(g, title, subtitle);
	return ret;
}
