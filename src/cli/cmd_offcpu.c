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
	OPT_MIN_BLOCK = OPT_GLOBAL_LAST,
	OPT_MAX_BLOCK,
	OPT_STATE,
	OPT_NO_KERNEL,
	OPT_NO_INLINE,
	OPT_PID_FRAMES,
	OPT_THREAD_FRAMES,
	OPT_STACK_STORAGE,
	OPT_MAX_ENTRIES,
};

static const struct option offcpu_options[] = {
	{"all-cpus", no_argument, NULL, 'a'},
	{"pid", required_argument, NULL, 'p'},
	{"duration", required_argument, NULL, 'd'},
	{"min-block", required_argument, NULL, OPT_MIN_BLOCK},
	{"max-block", required_argument, NULL, OPT_MAX_BLOCK},
	{"state", required_argument, NULL, OPT_STATE},
	{"no-kernel", no_argument, NULL, OPT_NO_KERNEL},
	{"no-inline", no_argument, NULL, OPT_NO_INLINE},
	{"pid-frames", no_argument, NULL, OPT_PID_FRAMES},
	{"thread-frames", no_argument, NULL, OPT_THREAD_FRAMES},
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
	pid_t *pids;
	size_t npids;
	double duration;
	long min_block, max_block; /* us; max 0 = none */
	enum offcpu_state state;
	bool no_kernel, no_inline, pid_frames, thread_frames;
	long stack_storage, max_entries;
	char **cmd;
	int ncmd;
};

static const char *const state_names[] = {"any", "sleep", "disk"};

/* Returns -1 on a usage error (message printed), 1 for --help, 0 otherwise. */
static int parse_args(struct oc_run *r, int argc, char **argv)
{
	struct option *opts = cli_options_merge(offcpu_options);
	bool all = false;
	int c, ret = 0;

	opterr = 0;
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+ap:d:" CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		size_t i;
		int g;

		switch (c) {
		case 'h':
			offcpu_usage(stdout);
			ret = 1;
			goto out;
		case 'V':
			printf("resq-flame %s (%s)\n", RESQ_VERSION, RESQ_GIT_REV);
			ret = 1;
			goto out;
		case 'a': all = true; continue;
		case 'p':
			if (!rec_parse_ids("offcpu", "-p", optarg, &r->pids, &r->npids))
				goto bad;
			continue;
		case 'd':
			if (!cli_parse_duration("-d", optarg, false, &r->duration))
				goto bad;
			continue;
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
		case OPT_NO_KERNEL: r->no_kernel = true; continue;
		case OPT_NO_INLINE: r->no_inline = true; continue;
		case OPT_PID_FRAMES: r->pid_frames = true; continue;
		case OPT_THREAD_FRAMES: r->thread_frames = true; continue;
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
		case '?':
			cli_usage_error("offcpu", "unknown or incomplete option '%s'",
					argv[optind - 1]);
			goto bad;
		}
		g = cli_global_option(r->g, c, optarg);
		if (g <= 0) {
			if (!g)
				cli_usage_error("offcpu", "unknown option '%s'", argv[optind - 1]);
			goto bad;
		}
	}
	if (r->max_block && r->max_block < r->min_block) {
		cli_usage_error("offcpu", "--max-block (%ld) is below --min-block (%ld)",
				r->max_block, r->min_block);
		goto bad;
	}
	if (optind < argc) {
		r->cmd = argv + optind;
		r->ncmd = argc - optind;
		if (r->npids) {
			cli_usage_error("offcpu", "give either -p or a COMMAND, not both");
			goto bad;
		}
		if (all) {
			cli_usage_error("offcpu", "give either -a or a COMMAND, not both");
			goto bad;
		}
	} else if (all && r->npids) {
		cli_usage_error("offcpu", "-a cannot be combined with -p");
		goto bad;
	}
out:
	free(opts);
	return ret;
bad:
	free(opts);
	return -1;
}

static bool any_alive(const struct oc_run *r)
{
	size_t i;

	for (i = 0; i < r->npids; i++)
		if (rec_task_alive(r->pids[i]))
			return true;
	return false;
}

static char *describe_target(const struct oc_run *r)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return xstrdup("offcpu");
	if (r->cmd) {
		for (i = 0; i < (size_t)r->ncmd; i++) {
			if (ftell(f) > 100) {
				fputs(" ...", f);
				break;
			}
			fprintf(f, "%s%s", i ? " " : "", r->cmd[i]);
		}
	} else if (r->npids) {
		fputs("-p ", f);
		for (i = 0; i < r->npids; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)r->pids[i]);
	} else {
		fputs("system-wide", f);
	}
	fclose(f);
	return s;
}

static void progress(double left, const struct offcpu_stats *st)
{
	fprintf(stderr, "\roff-CPU: %.1f s left, %.1f s blocked so far\033[K", left < 0 ? 0 : left,
		(double)st->blocked_ns / 1e9);
	fflush(stderr);
}

int cmd_offcpu(int argc, char **argv, struct cli_global *g)
{
	struct oc_run r = {.g = g, .duration = DEFAULT_DURATION, .min_block = 1};
	struct child child = CHILD_INIT;
	struct sigaction old_sig[3];
	struct offcpu_stats st = {0};
	struct offcpu *oc = NULL;
	struct procmaps *pm = NULL;
	struct stackagg *sa = NULL;
	struct symtab *stab = NULL;
	struct profile *p = NULL;
	struct stackagg_result res;
	char *target = NULL, *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool tty, stopped_child = false, signals = false, child_seen = false;
	uint64_t t_start, t_end, next_drain, now;
	double elapsed;
	size_t i;
	int ret = EXIT_FAIL, err;

	err = parse_args(&r, argc, argv);
	if (err) {
		free(r.pids);
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	}
	for (i = 0; i < r.npids; i++) {
		if (!rec_task_alive(r.pids[i])) {
			pr_err("no such process: %d", (int)r.pids[i]);
			goto out;
		}
	}
	pm = procmaps__new();
	sa = stackagg__new();
	if (r.cmd) {
		if (child__start(&child, r.cmd))
			goto out;
		r.pids = xmalloc(sizeof(*r.pids));
		r.pids[0] = child.pid;
		r.npids = 1;
	}
	oc = rec_offcpu_start(&(struct offcpu_opts){
		.target = r.npids ? OFFCPU_TARGET_PIDS : OFFCPU_TARGET_ALL,
		.ids = r.pids,
		.nids = r.npids,
		.follow_forks = true,
		.state = r.state,
		.min_block_ns = (uint64_t)r.min_block * 1000,
		.max_block_ns = (uint64_t)r.max_block * 1000,
		.no_kernel = r.no_kernel,
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
	stab = symtab__new(&(struct symtab_opts){.no_inline = r.no_inline});
	if (!stab) {
		pr_err("cannot set up symbolization: %s", strerror(errno));
		goto out;
	}
	if (!r.no_kernel)
		symtab__reload_kernel(stab);
	rec_signals_install(old_sig);
	signals = true;
	t_start = rec_mono_ns();
	if (r.cmd) {
		err = child__release(&child);
		if (err) {
			pr_err("cannot run '%s': %s", r.cmd[0],
			       err == ENOENT ? "command not found" : strerror(err));
			goto out;
		}
	} else {
		rec_snapshot(pm, r.pids, r.npids, false);
	}
	tty = isatty(STDERR_FILENO) && log__level() >= LOG_INFO;
	t_end = t_start + (uint64_t)(r.duration * 1e9);
	next_drain = t_start + (uint64_t)(r.cmd ? FIRST_DRAIN_MS : DRAIN_MS) * 1000000;
	while (!rec_stop_signal && (now = rec_mono_ns()) < t_end) {
		uint64_t wake = next_drain < t_end ? next_drain : t_end;
		int ms = (int)((wake - now + 999999) / 1000000);

		poll(NULL, 0, ms < TICK_MS ? ms : TICK_MS); /* signals interrupt it */
		if (rec_mono_ns() >= next_drain) {
			/* The command's mappings, read while it surely lives. */
			if (r.cmd && !child_seen && !child.exited)
				child_seen = !procmaps__snapshot(pm, child.pid, rec_mono_ns());
			err = offcpu__drain(oc, false, pm, rec_offcpu_sample, sa);
			if (err < 0) {
				pr_err("reading the off-CPU maps: %s", strerror(-err));
				break;
			}
			next_drain = rec_mono_ns() + (uint64_t)DRAIN_MS * 1000000;
		}
		if (r.cmd) {
			if (waitpid(child.pid, &child.status, WNOHANG) == child.pid) {
				child.exited = true;
				break;
			}
		} else if (r.npids && !any_alive(&r)) {
			pr_info("every target has exited; stopping");
			break;
		}
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
	err = offcpu__drain(oc, true, pm, rec_offcpu_sample, sa);
	if (err < 0)
		pr_err("reading the off-CPU maps: %s", strerror(-err));
	offcpu__stats(oc, &st);
	if (r.cmd && !child.exited) {
		stopped_child = true;
		child__stop(&child, rec_stop_signal ? rec_stop_signal : SIGTERM);
	}
	if (r.cmd)
		child__describe_status(child.status, status_text, sizeof(status_text));
	rec_offcpu_report_drops(&st);

	if (!stackagg__count(sa)) {
		pr_err("no off-CPU time recorded%s; %s left untouched",
		       r.cmd ? " (did the command block at all?)" : "",
		       g->output ? g->output : "flamegraph.svg");
		if (r.cmd)
			pr_info("'%s' %s", r.cmd[0], status_text);
		goto out;
	}

	p = profile__new();
	profile__set_countname(p, g->countname_set ? g->fg.countname : "us");
	stackagg__build(sa,
			&(struct stackagg_build_opts){.no_kernel = r.no_kernel,
						      .pid_frames = r.pid_frames,
						      .thread_frames = r.thread_frames,
						      .time_weights = true},
			stab, pm, p, &res);

	target = describe_target(&r);
	if (!g->title_set) {
		size_t len = strlen(target) + 32;

		title = xmalloc(len);
		snprintf(title, len, "resq-flame offcpu: %s", target);
		g->fg.title = title;
	}
	if (!g->fg.subtitle) {
		subtitle = xmalloc(200);
		snprintf(subtitle, 200,
			 "off-CPU time, state %s, min %ld us%s, %.1f s, %.3f s blocked",
			 state_names[r.state], r.min_block, r.no_kernel ? ", no kernel" : "",
			 elapsed, (double)st.blocked_ns / 1e9);
		g->fg.subtitle = subtitle;
	}
	if (!g->fg.colors)
		g->fg.colors = "io";
	if (g->reverse) {
		struct profile *t = profile__reversed(p);

		profile__free(p);
		p = t;
	}
	if (cli_write_profile(p, g))
		goto out;

	pr_info("off-CPU (%s) for %.1f s: %llu blocked intervals, %.3f s blocked, %zu processes, "
		"%.1f%% of frames unresolved",
		offcpu__attach_name(oc), elapsed, (unsigned long long)st.intervals,
		(double)st.blocked_ns / 1e9, res.nprocs,
		res.frames_total ? 100.0 * (double)res.frames_unresolved / (double)res.frames_total
				 : 0.0);
	if (r.cmd)
		pr_info("'%s' %s%s", r.cmd[0], status_text,
			stopped_child ? " (stopped at the end of the measurement)" : "");
	if (rec_stop_signal)
		pr_info("stopped early by %s", strsignal(rec_stop_signal));
	if (!g->output || strcmp(g->output, "-"))
		pr_info("wrote %s", g->output ? g->output : "flamegraph.svg");
	ret = EXIT_OK;
out:
	if (r.cmd && child.pid > 0 && !child.exited)
		child__stop(&child, SIGTERM);
	if (signals)
		rec_signals_restore(old_sig);
	offcpu__destroy(oc);
	symtab__free(stab);
	profile__free(p);
	procmaps__free(pm);
	stackagg__free(sa);
	free(r.pids);
	free(target);
	if (g->fg.title == title)
		g->fg.title = NULL;
	if (g->fg.subtitle == subtitle)
		g->fg.subtitle = NULL;
	free(title);
	free(subtitle);
	return ret;
}
