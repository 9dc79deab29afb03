// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame record (alias perf): on-CPU sampling with perf_event_open,
 * system-wide, attached to processes or threads, or of a command it
 * launches: the options, the output and the report around a capture
 * object (include/capture.h).
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
#define MAX_FREQ	 100000

enum {
	OPT_CALL_GRAPH = CLI_OPT_CAPTURE_LAST,
	OPT_WALL,
	OPT_UNWINDER,
	OPT_UNWINDER_CHECK,
};

/* -m: the kernel's per-ring limit (perf's own maximum is the mlock budget). */
#define MAX_MMAP_PAGES 65536

struct rec {
	struct cli_targets tg;
	struct cli_stack_opts so;
	long freq;
	long mmap_pages; /* -m; 0: sized from freq */
	bool wall;
	bool dwarf, unwinder_set, unwinder_check; /* --call-graph dwarf */
	uint32_t stack_size;
	enum unwinder_kind unwinder;
};

/* "fp", "dwarf" or "dwarf,SIZE" (bytes, rounded up to 8). False after a usage message. */
static bool parse_call_graph(struct rec *r, const char *arg)
{
	long size = UNWIND_DEFAULT_STACK_USER;

	if (!strcmp(arg, "fp")) {
		r->dwarf = false;
		return true;
	}
	if (!strncmp(arg, "dwarf", 5) && (!arg[5] || arg[5] == ',')) {
		if (arg[5] && !cli_parse_int("--call-graph dwarf,SIZE", arg + 6, 8,
					     UNWIND_MAX_STACK_USER, &size))
			return false;
		r->dwarf = true;
		r->stack_size = (uint32_t)((size + 7) & ~7L);
		return true;
	}
	cli_usage_error("record",
			"invalid value for --call-graph: '%s' (expected fp or dwarf[,SIZE])", arg);
	return false;
}

static int record_parse(void *ctx, int key, const char *arg)
{
	struct rec *r = ctx;

	switch (key) {
	case 'F': return cli_parse_int("-F", arg, 1, MAX_FREQ, &r->freq) ? 0 : -1;
	case 'm':
		if (!cli_parse_int("-m", arg, 1, MAX_MMAP_PAGES, &r->mmap_pages))
			return -1;
		if (r->mmap_pages & (r->mmap_pages - 1)) {
			cli_usage_error("record",
					"invalid value for -m: '%s' (expected a power of 2)", arg);
			return -1;
		}
		return 0;
	case OPT_CALL_GRAPH: return parse_call_graph(r, arg) ? 0 : -1;
	case OPT_UNWINDER:
		if (!strcmp(arg, "libdw")) {
			r->unwinder = UNWINDER_LIBDW;
		} else if (!strcmp(arg, "libunwind")) {
			r->unwinder = UNWINDER_LIBUNWIND;
		} else {
			cli_usage_error("record",
					"invalid value for --unwinder: '%s' (expected libdw or "
					"libunwind)",
					arg);
			return -1;
		}
		r->unwinder_set = true;
		return 0;
	case OPT_UNWINDER_CHECK: r->unwinder_check = true; return 0;
	case OPT_WALL: r->wall = true; return 0;
	}
	return -1;
}

static const struct cli_opt_form call_graph_forms[] = {
	{"fp", "(default) the kernel follows frame pointers as it samples: cheap, but code built "
	       "without them - most distribution libraries, libc included, and -O2 builds by "
	       "default - loses callers: a sample in memcpy skips its caller, a qsort comparator "
	       "shows no callers at all"},
	{"dwarf[,SIZE]",
	 "copy SIZE bytes of user stack (default 32768, at most 65528) and the registers with each "
	 "sample, and unwind them here with the DWARF call frame information of the mapped files: "
	 "correct through any code with .eh_frame, at some microseconds per sample and more memory "
	 "bandwidth. Pick it when stacks stop short of main (the end-of-run summary says so). "
	 "Stacks deeper than SIZE end in a [truncated] frame and are counted"},
	{0},
};

static const struct cli_opt record_opts[] = {
	{.key = 'F',
	 .name = "freq",
	 .arg = "HZ",
	 .help = "samples per second per CPU, 1 to 100000 (default 99)",
	 .usage = "[-F HZ]"},
	{.key = 'm',
	 .name = "mmap-pages",
	 .arg = "N",
	 .help = "data pages per ring buffer, a power of 2 (default: sized from -F); samples that "
		 "do not fit are lost, counted and reported"},
	{.key = OPT_CALL_GRAPH,
	 .name = "call-graph",
	 .usage = "[--call-graph fp|dwarf[,SIZE]]",
	 .forms = call_graph_forms},
	{.key = OPT_UNWINDER,
	 .name = "unwinder",
	 .arg = "NAME",
	 .help = "the DWARF unwinder: libdw (default) or libunwind",
	 .usage = "[--unwinder libdw|libunwind]"},
	/* Debugging: unwind every sample with both DWARF unwinders and compare. */
	{.key = OPT_UNWINDER_CHECK, .name = "unwinder-check", .flags = CLI_OPT_HIDDEN},
	{.key = OPT_WALL,
	 .name = "wall",
	 .help = "wall-clock view: also measure off-CPU time with eBPF (as `offcpu` does) over the "
		 "same window, and weigh everything in microseconds: on-CPU stacks by samples x "
		 "period (cpu-clock), off-CPU stacks by blocked time, ending in an [off-cpu] "
		 "frame. Needs BPF (root)",
	 .usage = "[--wall]"},
	{0},
};

static const struct cli_opt_group record_group = {
	.heading = "options",
	.opts = record_opts,
	.parse = record_parse,
};

static const char record_about[] =
	"Samples on-CPU stacks with perf_event_open and writes a flame graph (or any\n"
	"output format) whose root frames are the sampled processes' names. Uses\n"
	"hardware cycles where the machine has them, otherwise the cpu-clock\n"
	"software event, and says which.\n";

static const char record_notes[] =
	"Needs root, CAP_PERFMON, or kernel.perf_event_paranoid set to 1 or lower\n"
	"(0 or lower for -a). A run that collects no samples exits 1 and leaves the\n"
	"output untouched. On a terminal, a status line shows the time elapsed and\n"
	"left, the samples, the lost samples and the processes seen so far.\n";

static const char record_examples[] =
	"  sudo resq-flame record -d 10                     # whole machine, 10 s\n"
	"  resq-flame record -p $(pidof nginx) -d 30s -o nginx.svg\n"
	"  resq-flame record -P nginx,redis-server -d 30s -o both.svg\n"
	"  resq-flame record -F 999 -- ./build/workloads/burner 5\n"
	"  resq-flame perf -t 4242 --no-kernel -f folded -o - | sort -k2 -n | tail\n"
	"  resq-flame record --pid-frames -a -d 2m -o box.svg --title 'db host'\n"
	"  resq-flame record --wall -F 999 -- ./build/workloads/sleeper wall 3\n"
	"  resq-flame record --call-graph dwarf -F 999 -- ./build/workloads/qsort_cb_nofp 3\n"
	"  resq-flame record --call-graph dwarf,65528 -p $(pidof myserver) -d 10\n";

/* Returns -1 on a usage error (message printed), 1 after --help or --version, 0 otherwise. */
static int parse_args(struct rec *r, struct cli_global *g, int argc, char **argv)
{
	const struct cli_spec spec = {
		.name = "record",
		.usage_tail = "[-- COMMAND ARGS...]",
		.more_usage = "resq-flame perf ...   (the same)",
		.about = record_about,
		.notes = record_notes,
		.examples = record_examples,
		/* The command's options are its own. */
		.stop_at_operand = true,
		.groups = {{&cli_target_group, &r->tg},
			   {&record_group, r},
			   {&cli_stack_group, &r->so}},
		.ngroups = 3,
	};
	int ret = cli_spec__parse(&spec, g, argc, argv);

	if (ret)
		return ret;
	if (cli_targets__finish(&r->tg, argc, argv))
		return -1;
	if ((r->unwinder_set || r->unwinder_check) && !r->dwarf) {
		cli_usage_error("record", "%s needs --call-graph dwarf",
				r->unwinder_set ? "--unwinder" : "--unwinder-check");
		return -1;
	}
	return 0;
}

/* --- the report ------------------------------------------------------------ */

static void unwind_report(const struct rec *r, const struct capture_stats *st)
{
	const struct unwinder_stats *us = &st->unwind;
	const struct stackagg_result *res = &st->built;

	if (!r->dwarf) {
		/* Frame-pointer chains that stop short: suggest DWARF. */
		if (res->user_weight > 0 && res->user_cut_weight > 0.2 * res->user_weight)
			pr_info("%.0f%% of user stacks stop before main, _start or a thread start: "
				"frame pointers are missing somewhere on them; --call-graph dwarf "
				"unwinds such code",
				100 * res->user_cut_weight / res->user_weight);
		return;
	}
	pr_info("DWARF unwinding (%s): %.1f%% of %llu user stacks fully unwound; %llu cut by the "
		"%u-byte stack copy, %llu stopped early (no unwind info or unreadable memory)",
		st->unwinder_name,
		us->samples ? 100.0 * (double)us->complete / (double)us->samples : 100.0,
		(unsigned long long)us->samples, (unsigned long long)us->truncated_copy,
		r->stack_size, (unsigned long long)us->failed);
	if (us->truncated_copy > us->samples / 20 && r->stack_size < UNWIND_MAX_STACK_USER)
		pr_info("deep stacks were cut: --call-graph dwarf,%u copies more of each stack",
			r->stack_size * 2 < UNWIND_MAX_STACK_USER ? r->stack_size * 2
								  : UNWIND_MAX_STACK_USER);
	/* Warm: without the samples that first set up a process (files, modules). */
	pr_debug("unwind: %.2f us per sample, %.2f us per warm sample, %.3f us per frame (%llu "
		 "frames, %.1f per sample); %llu processes set up in %.1f ms, %llu module table "
		 "rebuilds; %llu samples from cached rules",
		 us->samples ? (double)us->ns / 1e3 / (double)us->samples : 0.0,
		 us->samples > us->cold_samples ? (double)(us->ns - us->cold_ns) / 1e3 /
							  (double)(us->samples - us->cold_samples)
						: 0.0,
		 us->frames ? (double)us->ns / 1e3 / (double)us->frames : 0.0,
		 (unsigned long long)us->frames,
		 us->samples ? (double)us->frames / (double)us->samples : 0.0,
		 (unsigned long long)us->processes, (double)us->cold_ns / 1e6,
		 (unsigned long long)us->rebuilds, (unsigned long long)us->from_rules);
	if (r->unwinder_check)
		pr_info("unwinder check: %s and %s agree on %llu of %llu samples",
			st->unwinder_name, st->check_unwinder_name,
			(unsigned long long)(st->check_samples - st->check_differ),
			(unsigned long long)st->check_samples);
}

static void wall_report(const struct capture_stats *st)
{
	const struct stackagg_result *res = &st->built;
	double total = res->oncpu_weight + res->offcpu_weight;

	pr_info("wall clock: %.3f s on CPU (%.1f%%), %.3f s off CPU (%.1f%%; %llu blocked "
		"intervals, %s)",
		res->oncpu_weight / 1e6, total ? 100 * res->oncpu_weight / total : 0.0,
		res->offcpu_weight / 1e6, total ? 100 * res->offcpu_weight / total : 0.0,
		(unsigned long long)st->offcpu.intervals, st->offcpu_attach);
	cli_report_offcpu_drops(&st->offcpu);
}

/* --- the command ---------------------------------------------------------- */

int cmd_record(int argc, char **argv, struct cli_global *g)
{
	struct rec r = {.tg = {.cmd_name = "record", .duration = DEFAULT_DURATION}, .freq = 99};
	struct capture_opts co = {0};
	struct sigaction old_sig[CLI_NSIGNALS];
	struct capture_stats st;
	struct capture *c = NULL;
	struct profile *p = NULL;
	char *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool signals = false;
	uint64_t t_stop, t_sym, t_built, now;
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
	co.oncpu = true;
	co.offcpu = r.wall;
	co.freq = (uint32_t)r.freq;
	co.ring_pages = (uint32_t)r.mmap_pages;
	co.dwarf = r.dwarf;
	co.stack_size = r.stack_size;
	co.unwinder = r.unwinder;
	co.unwinder_set = r.unwinder_set;
	co.unwinder_check = r.unwinder_check;
	c = capture__new(&co);
	if (!c)
		goto out;
	signals = true;
	if (cli_capture_run(c, "recording", old_sig, &t_stop))
		goto out;
	capture__stats(c, &st);
	if (r.tg.target == CAPTURE_COMMAND)
		cli_describe_status(st.command_status, status_text, sizeof(status_text));

	t_sym = cli_mono_ns();
	p = capture__finish(c);
	if (!p) {
		pr_err("no samples collected%s; %s left untouched",
		       r.tg.target == CAPTURE_COMMAND ? " (did the command run long enough?)" : "",
		       g->output ? g->output : "flamegraph.svg");
		if (r.tg.target == CAPTURE_COMMAND)
			pr_info("'%s' %s", r.tg.cmd[0], status_text);
		goto out;
	}
	t_built = cli_mono_ns();
	capture__stats(c, &st);
	if (g->countname_set)
		profile__set_countname(p, g->fg.countname);

	title = cli_targets__set_title(&r.tg, g);
	if (!g->fg.subtitle) {
		subtitle = xmalloc(160);
		snprintf(subtitle, 160, "%s%s, %ld Hz, %.1f s, %llu samples",
			 r.wall ? "wall clock: off-CPU + " : "", st.event, r.freq, st.elapsed,
			 (unsigned long long)st.sampler.samples);
		g->fg.subtitle = subtitle;
	}
	if (cli_capture_write(&p, g))
		goto out;
	now = cli_mono_ns();
	pr_debug("post-processing: %.3f s from the end of capture to the output written (final "
		 "drain %.3f s, symbolize + build %.3f s, write %.3f s)",
		 (double)(now - t_stop) / 1e9, (double)(t_sym - t_stop) / 1e9,
		 (double)(t_built - t_sym) / 1e9, (double)(now - t_built) / 1e9);

	pr_info("event %s at %ld Hz for %.1f s: %llu samples, %llu lost, %zu processes, %.1f%% of "
		"frames unresolved",
		st.event, r.freq, st.elapsed, (unsigned long long)st.sampler.samples,
		(unsigned long long)st.sampler.lost, st.built.nprocs, 100.0 * st.unresolved);
	unwind_report(&r, &st);
	if (r.wall)
		wall_report(&st);
	if (st.sampler.lost)
		pr_warn("%llu samples were lost (the ring buffers overflowed); try a lower -F",
			(unsigned long long)st.sampler.lost);
	if (r.tg.target == CAPTURE_COMMAND)
		pr_info("'%s' %s%s", r.tg.cmd[0], status_text,
			st.command_stopped ? " (stopped at the end of the recording)" : "");
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
