// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame record (alias perf): on-CPU sampling with perf_event_open,
 * system-wide, attached to processes or threads, or of a command it
 * launches. Samples go into the stack aggregator of record_common.c;
 * side-band records go into a time-stamped procmaps history.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hashmap.h"
#include "log.h"
#include "offcpu.h"
#include "procmaps.h"
#include "record_common.h"
#include "sampler.h"
#include "symtab.h"
#include "unwinder.h"
#include "xalloc.h"

#define DEFAULT_DURATION 30.0
#define MAX_FREQ	 100000
#define PROGRESS_MS	 250
#define DRAIN_NS	 1000000000ULL /* --wall: off-CPU maps drained every second */
/* --call-graph dwarf samples kept for another try, and for how many drains. */
#define PENDING_MAX    256
#define PENDING_ROUNDS 2

enum {
	OPT_CALL_GRAPH = RC_OPT_LAST,
	OPT_WALL,
	OPT_UNWINDER,
	OPT_UNWINDER_CHECK,
};

/* -m: the kernel's per-ring limit (perf's own maximum is the mlock budget). */
#define MAX_MMAP_PAGES 65536

static const struct option record_options[] = {
	RC_TARGET_LONG_OPTIONS,
	{"tid", required_argument, NULL, 't'},
	{"freq", required_argument, NULL, 'F'},
	{"mmap-pages", required_argument, NULL, 'm'},
	{"call-graph", required_argument, NULL, OPT_CALL_GRAPH},
	RC_STACK_LONG_OPTIONS,
	{"wall", no_argument, NULL, OPT_WALL},
	{"unwinder", required_argument, NULL, OPT_UNWINDER},
	/* Debugging: unwind every sample with both DWARF unwinders and compare. */
	{"unwinder-check", no_argument, NULL, OPT_UNWINDER_CHECK},
	{NULL, 0, NULL, 0},
};

static void record_usage(FILE *f)
{
	fputs("usage: resq-flame record [-a] [-p PID[,PID...]] [-t TID[,TID...]] [-F HZ] [-d "
	      "DURATION]\n"
	      "                         [--call-graph fp|dwarf[,SIZE]] [--unwinder "
	      "libdw|libunwind]\n"
	      "                         [--no-kernel] [--no-inline] [--pid-frames] [--wall]\n"
	      "                         [-- COMMAND ARGS...]\n"
	      "       resq-flame perf ...   (the same)\n"
	      "\n"
	      "Samples on-CPU stacks with perf_event_open and writes a flame graph (or any\n"
	      "output format) whose root frames are the sampled processes' names. Uses\n"
	      "hardware cycles where the machine has them, otherwise the cpu-clock\n"
	      "software event, and says which.\n"
	      "\n"
	      "what to sample (default -a):\n"
	      "  -a, --all-cpus         every process, one event and ring per online CPU\n"
	      "  -p, --pid PID,...      every thread of these processes, including threads\n"
	      "                         and children started during the run\n"
	      "  -t, --tid TID,...      exactly these threads\n"
	      "  -- COMMAND ARGS...     run COMMAND and profile it from its first instruction\n"
	      "                         until it exits or the duration ends (then it is\n"
	      "                         stopped with SIGTERM); its exit status is reported\n"
	      "\n"
	      "options:\n"
	      "  -F, --freq HZ          samples per second per CPU, 1 to 100000 (default 99)\n"
	      "  -m, --mmap-pages N     data pages per ring buffer, a power of 2 (default:\n"
	      "                         sized from -F); samples that do not fit are lost,\n"
	      "                         counted and reported\n"
	      "  -d, --duration D       how long to sample: 500ms, 5s, 2m; a bare number is\n"
	      "                         seconds (default 30 s). Ctrl-C stops early and still\n"
	      "                         writes the profile\n"
	      "      --call-graph fp    (default) the kernel follows frame pointers as it\n"
	      "                         samples: cheap, but code built without them - most\n"
	      "                         distribution libraries, libc included, and -O2 builds\n"
	      "                         by default - loses callers: a sample in memcpy skips\n"
	      "                         its caller, a qsort comparator shows no callers at all\n"
	      "      --call-graph dwarf[,SIZE]\n"
	      "                         copy SIZE bytes of user stack (default 32768, at most\n"
	      "                         65528) and the registers with each sample, and unwind\n"
	      "                         them here with the DWARF call frame information of the\n"
	      "                         mapped files: correct through any code with .eh_frame,\n"
	      "                         at some microseconds per sample and more memory\n"
	      "                         bandwidth. Pick it when stacks stop short of main (the\n"
	      "                         end-of-run summary says so). Stacks deeper than SIZE\n"
	      "                         end in a [truncated] frame and are counted\n"
	      "      --unwinder NAME    the DWARF unwinder: libdw (default) or libunwind\n"
	      "      --no-kernel        leave out kernel frames\n"
	      "      --no-inline        no separate frames for inlined functions\n"
	      "      --pid-frames       root frames comm-PID instead of comm\n"
	      "      --thread-frames    a frame THREADNAME-TID under each process root\n"
	      "      --wall             wall-clock view: also measure off-CPU time with eBPF\n"
	      "                         (as `offcpu` does) over the same window, and weigh\n"
	      "                         everything in microseconds: on-CPU stacks by samples\n"
	      "                         x period (cpu-clock), off-CPU stacks by blocked time,\n"
	      "                         ending in an [off-cpu] frame. Needs BPF (root)\n"
	      "\n"
	      "output (global options): -o PATH (default flamegraph.svg, '-' for stdout),\n"
	      "  -f svg|folded, --title, --subtitle, --width, --minwidth, --colors, ...\n"
	      "\n"
	      "Needs root, CAP_PERFMON, or kernel.perf_event_paranoid set to 1 or lower\n"
	      "(0 or lower for -a). A run that collects no samples exits 1 and leaves the\n"
	      "output untouched.\n"
	      "\n"
	      "examples:\n"
	      "  sudo resq-flame record -d 10                     # whole machine, 10 s\n"
	      "  resq-flame record -p $(pidof nginx) -d 30s -o nginx.svg\n"
	      "  resq-flame record -F 999 -- ./build/workloads/burner 5\n"
	      "  resq-flame perf -t 4242 --no-kernel -f folded -o - | sort -k2 -n | tail\n"
	      "  resq-flame record --pid-frames -a -d 2m -o box.svg --title 'db host'\n"
	      "  resq-flame record --wall -F 999 -- ./build/workloads/sleeper wall 3\n"
	      "  resq-flame record --call-graph dwarf -F 999 -- ./build/workloads/qsort_cb_nofp 3\n"
	      "  resq-flame record --call-graph dwarf,65528 -p $(pidof myserver) -d 10\n",
	      f);
}

/*
 * A --call-graph dwarf sample kept for another try: its unwind stopped at
 * an address no known mapping holds, whose MMAP2 record may still be in
 * another CPU's ring.
 */
struct pending {
	struct raw_sample s; /* regs, stack and callchain point into data */
	void *data;
	uint32_t epoch;
	uint32_t rounds; /* drains since it was kept */
};

struct rec {
	struct cli_global *g;
	/* options */
	struct rc_targets tg;
	long freq;
	long mmap_pages; /* -m; 0: sized from freq */
	struct rc_stack_opts so;
	bool wall;
	/* --call-graph dwarf */
	bool dwarf, unwinder_set, unwinder_check;
	uint32_t stack_size;
	enum unwinder_kind unwinder;
	struct unwinder *uw, *uw_check; /* the chosen one (fp too); the other with --unwinder-check */
	struct addr_stack stk, stk_check;
	uint64_t check_samples, check_differ;
	struct pending *pending;
	size_t npending, pending_alloc;

	struct procmaps *pm;
	struct hashmap *epochs; /* tid -> number of name changes seen */
	struct symtab *stab;	/* BPF programs loaded during the run go in */

	struct stackagg *sa;
	struct symtab_source src;
	struct offcpu *oc; /* --wall */
	struct rec_sink offcpu_sink;
	uint64_t next_drain;
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

/* Returns -1 on a usage error (message printed), 1 for --help, 0 otherwise. */
static int parse_args(struct rec *r, int argc, char **argv)
{
	struct option *opts = cli_options_merge(record_options);
	int c, k, ret = 0;

	opterr = 0;
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+ap:t:F:m:d:" CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		k = rc_targets__parse_option(&r->tg, c, optarg);
		if (k < 0)
			goto bad;
		if (k)
			continue;
		if (rc_stack_opts__parse_option(&r->so, c))
			continue;
		switch (c) {
		case 'F':
			if (!cli_parse_int("-F", optarg, 1, MAX_FREQ, &r->freq))
				goto bad;
			continue;
		case 'm':
			if (!cli_parse_int("-m", optarg, 1, MAX_MMAP_PAGES, &r->mmap_pages))
				goto bad;
			if (r->mmap_pages & (r->mmap_pages - 1)) {
				cli_usage_error("record",
						"invalid value for -m: '%s' (expected a power of 2)",
						optarg);
				goto bad;
			}
			continue;
		case OPT_CALL_GRAPH:
			if (!parse_call_graph(r, optarg))
				goto bad;
			continue;
		case OPT_UNWINDER:
			if (unwinder__parse(optarg, &r->unwinder) || r->unwinder == UNWINDER_FP) {
				cli_usage_error(
					"record",
					"invalid value for --unwinder: '%s' (expected libdw or "
					"libunwind)",
					optarg);
				goto bad;
			}
			r->unwinder_set = true;
			continue;
		case OPT_UNWINDER_CHECK: r->unwinder_check = true; continue;
		case OPT_WALL: r->wall = true; continue;
		}
		k = rc_parse_other_option(r->g, "record", c, optarg, argv, record_usage);
		if (k < 0)
			goto bad;
		if (k) {
			ret = 1;
			goto out;
		}
	}
	if (rc_targets__finish_args(&r->tg, argc, argv))
		goto bad;
	if ((r->unwinder_set || r->unwinder_check) && !r->dwarf) {
		cli_usage_error("record", "%s needs --call-graph dwarf",
				r->unwinder_set ? "--unwinder" : "--unwinder-check");
		goto bad;
	}
out:
	free(opts);
	return ret;
bad:
	free(opts);
	return -1;
}

/* --- capture ----------------------------------------------------------- */

static uint32_t epoch_of(struct rec *r, uint32_t tid)
{
	uint64_t v = 0;

	hashmap__get(r->epochs, tid, &v);
	return (uint32_t)v;
}

static int on_record(const struct sampler_record *sr, void *arg)
{
	struct rec *r = arg;

	sampler_record__apply(sr, r->pm);
	if (sr->type == SAMPLER_REC_KSYMBOL && !sr->unregister && r->stab)
		symtab__add_kernel_symbol(r->stab, sr->addr, sr->len, sr->comm, sr->bpf);
	if (sr->type == SAMPLER_REC_COMM)
		hashmap__put(r->epochs, (uint32_t)sr->tid, epoch_of(r, (uint32_t)sr->tid) + 1);
	return 0;
}

/* --unwinder-check: both stacks of a sample they disagree on, with -v. */
static void log_differ(const struct rec *r, const struct raw_sample *s)
{
	const struct addr_stack *st[2] = {&r->stk, &r->stk_check};
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int k;

	if (log__level() < LOG_DEBUG || !(f = open_memstream(&text, &len)))
		return;
	for (k = 0; k < 2; k++) {
		fprintf(f, "\n  %u frames%s:", st[k]->n, st[k]->truncated ? ", truncated" : "");
		for (uint32_t i = 0; i < st[k]->n; i++)
			fprintf(f, " %llx%s", (unsigned long long)st[k]->frames[i].addr,
				st[k]->frames[i].flags & FRAME_ADDR_RETURN ? "" : "!");
	}
	fclose(f);
	pr_debug("unwinders differ on a sample of tid %u (ip %llx, %llu stack bytes):%s", s->tid,
		 (unsigned long long)s->ip, (unsigned long long)s->stack_size, text);
	free(text);
}

/* Aggregates @s, whose final unwind is in r->stk. */
static void add_unwound(struct rec *r, const struct raw_sample *s, uint32_t epoch)
{
	if (r->uw_check && s->abi) {
		unwinder__unwind(r->uw_check, s, &r->stk_check, UNWIND_F_FINAL);
		r->check_samples++;
		if (!addr_stack__equal(&r->stk, &r->stk_check) && r->check_differ++ < 5)
			log_differ(r, s);
	}
	stackagg__add(r->sa, s, &r->stk, epoch, STACKAGG_ONCPU);
}

/* Copies what unwinding @s needs, to try again after the next drain. */
static void keep_pending(struct rec *r, const struct raw_sample *s, uint32_t epoch)
{
	size_t regs = s->nr_regs * sizeof(*s->regs), chain = s->nr_callchain * sizeof(uint64_t);
	struct pending *pd;
	uint8_t *d;

	ALLOC_GROW(r->pending, r->npending + 1, r->pending_alloc);
	pd = &r->pending[r->npending++];
	pd->s = *s;
	pd->epoch = epoch;
	pd->rounds = 0;
	pd->data = d = xmalloc(regs + chain + s->stack_size + 1);
	if (s->regs)
		pd->s.regs = memcpy(d, s->regs, regs);
	if (s->callchain)
		pd->s.callchain = memcpy(d + regs, s->callchain, chain);
	if (s->stack)
		pd->s.stack = memcpy(d + regs + chain, s->stack, s->stack_size);
}

/* Unwinds the kept samples again; @last: no more records will come. */
static void flush_pending(struct rec *r, bool last)
{
	size_t i, j = 0;

	for (i = 0; i < r->npending; i++) {
		struct pending *pd = &r->pending[i];
		bool final = last || ++pd->rounds >= PENDING_ROUNDS;

		if (unwinder__unwind(r->uw, &pd->s, &r->stk, final ? UNWIND_F_FINAL : 0) ==
		    -EAGAIN) {
			r->pending[j++] = *pd;
			continue;
		}
		add_unwound(r, &pd->s, pd->epoch);
		free(pd->data);
	}
	r->npending = j;
}

static int on_sample(const struct raw_sample *s, void *arg)
{
	struct rec *r = arg;
	uint32_t epoch = epoch_of(r, s->tid);

	/* --call-graph dwarf: the copied stack is only valid now. */
	if (unwinder__unwind(r->uw, s, &r->stk, r->npending < PENDING_MAX ? 0 : UNWIND_F_FINAL) ==
	    -EAGAIN) {
		keep_pending(r, s, epoch);
		return 0;
	}
	add_unwound(r, s, epoch);
	return 0;
}

/* --call-graph dwarf: the unwinders, or false after a message. */
static bool unwinders_start(struct rec *r)
{
	enum unwinder_kind other =
		r->unwinder == UNWINDER_LIBDW ? UNWINDER_LIBUNWIND : UNWINDER_LIBDW;
	enum unwinder_kind kinds[2] = {r->unwinder, other};
	int k;

	if (!unwinder__perf_regs_mask()) {
		pr_err("--call-graph dwarf is not supported on this architecture yet; use "
		       "--call-graph fp");
		return false;
	}
	/* A build without libdw still unwinds by default, with libunwind. */
	if (!r->unwinder_set && !unwinder__available(UNWINDER_LIBDW) &&
	    unwinder__available(UNWINDER_LIBUNWIND)) {
		r->unwinder = UNWINDER_LIBUNWIND;
		kinds[0] = UNWINDER_LIBUNWIND;
		kinds[1] = UNWINDER_LIBDW;
	}
	for (k = 0; k < (r->unwinder_check ? 2 : 1); k++) {
		struct unwinder *uw;

		if (!unwinder__available(kinds[k])) {
			pr_err("--unwinder %s: this resq-flame was built without %s; install "
			       "Debian "
			       "package %s and rebuild%s",
			       unwinder__name(kinds[k]), unwinder__name(kinds[k]),
			       kinds[k] == UNWINDER_LIBUNWIND ? "libunwind-dev"
							      : "libdw-dev libelf-dev",
			       kinds[k] == UNWINDER_LIBUNWIND ? ", or use --unwinder libdw" : "");
			return false;
		}
		uw = unwinder__new(&(struct unwinder_opts){.kind = kinds[k]}, r->pm);
		if (!uw) {
			pr_err("cannot set up the %s unwinder: %s", unwinder__name(kinds[k]),
			       strerror(errno));
			return false;
		}
		if (k)
			r->uw_check = uw;
		else
			r->uw = uw;
	}
	return true;
}

static void unwind_report(const struct rec *r, const struct stackagg_result *res)
{
	struct unwinder_stats us;

	if (!r->dwarf) {
		/* Frame-pointer chains that stop short: suggest DWARF. */
		if (res->user_weight > 0 && res->user_cut_weight > 0.2 * res->user_weight)
			pr_info("%.0f%% of user stacks stop before main, _start or a thread start: "
				"frame pointers are missing somewhere on them; --call-graph dwarf "
				"unwinds such code",
				100 * res->user_cut_weight / res->user_weight);
		return;
	}
	unwinder__stats(r->uw, &us);
	pr_info("DWARF unwinding (%s): %.1f%% of %llu user stacks fully unwound; %llu cut by the "
		"%u-byte stack copy, %llu stopped early (no unwind info or unreadable memory)",
		unwinder__name(r->unwinder),
		us.samples ? 100.0 * (double)us.complete / (double)us.samples : 100.0,
		(unsigned long long)us.samples, (unsigned long long)us.truncated_copy,
		r->stack_size, (unsigned long long)us.failed);
	if (us.truncated_copy > us.samples / 20 && r->stack_size < UNWIND_MAX_STACK_USER)
		pr_info("deep stacks were cut: --call-graph dwarf,%u copies more of each stack",
			r->stack_size * 2 < UNWIND_MAX_STACK_USER ? r->stack_size * 2
								  : UNWIND_MAX_STACK_USER);
	/* Warm: without the samples that first set up a process (files, modules). */
	pr_debug("unwind: %.2f us per sample, %.2f us per warm sample, %.3f us per frame "
		 "(%llu frames, %.1f per sample); %llu processes set up in %.1f ms, %llu module "
		 "table rebuilds; %llu samples from cached rules",
		 us.samples ? (double)us.ns / 1e3 / (double)us.samples : 0.0,
		 us.samples > us.cold_samples ? (double)(us.ns - us.cold_ns) / 1e3 /
							(double)(us.samples - us.cold_samples)
					      : 0.0,
		 us.frames ? (double)us.ns / 1e3 / (double)us.frames : 0.0,
		 (unsigned long long)us.frames,
		 us.samples ? (double)us.frames / (double)us.samples : 0.0,
		 (unsigned long long)us.processes, (double)us.cold_ns / 1e6,
		 (unsigned long long)us.rebuilds, (unsigned long long)us.from_rules);
	if (r->uw_check)
		pr_info("unwinder check: %s and %s agree on %llu of %llu samples",
			unwinder__name(r->unwinder),
			unwinder__name(r->unwinder == UNWINDER_LIBDW ? UNWINDER_LIBUNWIND
								     : UNWINDER_LIBDW),
			(unsigned long long)(r->check_samples - r->check_differ),
			(unsigned long long)r->check_samples);
}

/* /proc snapshots: the kernel reports nothing about what already exists. */
static void snapshot(struct rec *r)
{
	rec_snapshot(r->pm, r->tg.pids, r->tg.target == SAMPLER_SYSTEM ? 0 : r->tg.npids,
		     r->tg.target == SAMPLER_TIDS);
}

static void print_open_error(const struct rec *r, int err)
{
	if (err == EACCES || err == EPERM) {
		pr_err("perf_event_open: %s; run as root (or with CAP_PERFMON) or set "
		       "kernel.perf_event_paranoid to %s%s",
		       strerror(err),
		       r->tg.target == SAMPLER_SYSTEM ? "0 or lower for -a" : "1 or lower",
		       r->tg.target != SAMPLER_SYSTEM && !r->so.no_kernel
			       ? " (--no-kernel samples user mode only and needs 2 or lower)"
			       : "");
	} else if (err == ESRCH) {
		pr_err("no such %s: %d", r->tg.target == SAMPLER_TIDS ? "thread" : "process",
		       r->tg.npids ? (int)r->tg.pids[0] : -1);
	} else if (err == EMFILE || err == ENFILE) {
		pr_err("perf_event_open: %s: one descriptor per thread and CPU is needed; raise "
		       "the limit with ulimit -n",
		       strerror(err));
	} else {
		pr_err("perf_event_open: %s", strerror(err));
	}
}

static void progress(double left, const struct sampler_stats *st)
{
	rc_progress("recording", left, "%llu samples, %llu lost", (unsigned long long)st->samples,
		    (unsigned long long)st->lost);
}

/* --- the command ---------------------------------------------------------- */

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --wall: the off-CPU program over the same targets as the sampler. */
static bool wall_start(struct rec *r)
{
	static const enum offcpu_target targets[] = {
		[SAMPLER_SYSTEM] = OFFCPU_TARGET_ALL,
		[SAMPLER_PIDS] = OFFCPU_TARGET_PIDS,
		[SAMPLER_TIDS] = OFFCPU_TARGET_TIDS,
		[SAMPLER_CHILD] = OFFCPU_TARGET_PIDS,
	};

	r->oc = rec_offcpu_start(&(struct offcpu_opts){.target = targets[r->tg.target],
						       .ids = r->tg.pids,
						       .nids = r->tg.npids,
						       .follow_forks = true,
						       .no_kernel = r->so.no_kernel});
	r->next_drain = rec_mono_ns() + DRAIN_NS;
	return r->oc != NULL;
}

/* Drains the off-CPU maps every second; @final detaches first and takes the rest. */
static void wall_drain(struct rec *r, bool final)
{
	int err;

	if (!r->oc || (!final && rec_mono_ns() < r->next_drain))
		return;
	if (final)
		offcpu__detach(r->oc);
	err = offcpu__drain(r->oc, final, r->pm, rec_offcpu_sample, &r->offcpu_sink);
	if (err < 0)
		pr_err("reading the off-CPU maps: %s", strerror(-err));
	r->next_drain = rec_mono_ns() + DRAIN_NS;
}

static void wall_report(struct rec *r, const struct stackagg_result *res)
{
	struct offcpu_stats st;
	double total = res->oncpu_weight + res->offcpu_weight;

	offcpu__stats(r->oc, &st);
	pr_info("wall clock: %.3f s on CPU (%.1f%%), %.3f s off CPU (%.1f%%; %llu blocked "
		"intervals, %s)",
		res->oncpu_weight / 1e6, total ? 100 * res->oncpu_weight / total : 0.0,
		res->offcpu_weight / 1e6, total ? 100 * res->offcpu_weight / total : 0.0,
		(unsigned long long)st.intervals, offcpu__attach_name(r->oc));
	rec_offcpu_report_drops(&st);
}

int cmd_record(int argc, char **argv, struct cli_global *g)
{
	struct rec r = {
		.g = g, .tg = {.cmd_name = "record", .duration = DEFAULT_DURATION}, .freq = 99};
	struct child child = CHILD_INIT;
	struct sampler_callbacks cbs = {.sample = on_sample, .record = on_record};
	struct sigaction old_sig[REC_NSIGNALS];
	struct sampler_stats st = {0};
	struct sampler *sp = NULL;
	struct symtab *stab = NULL;
	struct profile *p = NULL;
	struct stackagg_result res;
	char *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool tty, stopped_child = false, signals = false;
	uint64_t t_start, t_end, now, t_stop, t_sym, t_built;
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
	if (r.tg.target != SAMPLER_SYSTEM && r.tg.target != SAMPLER_CHILD &&
	    !rc_targets__check_alive(&r.tg))
		goto out;
	raise_fd_limit();
	r.pm = procmaps__new();
	r.epochs = hashmap__new();
	if (r.dwarf && !unwinders_start(&r))
		goto out;
	if (!r.dwarf) {
		r.uw = unwinder__new(&(struct unwinder_opts){.kind = UNWINDER_FP}, r.pm);
		r.unwinder = UNWINDER_FP;
	}
	r.offcpu_sink = (struct rec_sink){.uw = r.uw};

	if (r.tg.target == SAMPLER_CHILD && rc_targets__start_child(&r.tg, &child))
		goto out;
	sp = sampler__new(&(struct sampler_opts){
		.target = r.tg.target,
		.pids = r.tg.pids,
		.npids = r.tg.npids,
		.freq = (uint32_t)r.freq,
		.ring_pages = (uint32_t)r.mmap_pages,
		/* --wall weighs samples by their period in ns */
		.event = r.wall ? SAMPLER_EVENT_CPU_CLOCK : SAMPLER_EVENT_AUTO,
		.no_kernel = r.so.no_kernel,
		.regs_user = r.dwarf ? unwinder__perf_regs_mask() : 0,
		.stack_user = r.dwarf ? r.stack_size : 0});
	if (!sp) {
		print_open_error(&r, errno);
		goto out;
	}
	if (r.wall && !wall_start(&r))
		goto out;
	/*
	 * Kernel symbols are read before sampling starts: /proc/kallsyms takes
	 * ~75 ms to generate (122k symbols), time that would otherwise come
	 * after the capture. After wall_start(): its BPF programs are named.
	 */
	stab = rc_symtab_new(r.so.no_inline, r.so.no_kernel);
	if (!stab)
		goto out;
	r.stab = stab;
	r.src = (struct symtab_source){.st = stab, .pm = r.pm};
	r.sa = stackagg__new(&symtab_source_ops, &r.src);
	r.offcpu_sink.sa = r.sa;
	rec_signals_install(old_sig);
	signals = true;
	t_start = rec_mono_ns();
	if (r.tg.target == SAMPLER_CHILD) {
		if (rc_targets__release_child(&r.tg, &child))
			goto out;
	} else {
		err = sampler__enable(sp);
		if (err) {
			pr_err("PERF_EVENT_IOC_ENABLE: %s", strerror(-err));
			goto out;
		}
		snapshot(&r);
	}
	/* Tests wait for this line (with -v) before they start the work to sample. */
	pr_debug("sampling started");
	tty = isatty(STDERR_FILENO) && log__level() >= LOG_INFO;
	t_end = t_start + (uint64_t)(r.tg.duration * 1e9);
	while (!rec_stop_signal && (now = rec_mono_ns()) < t_end) {
		uint64_t left_ms = (t_end - now + 999999) / 1000000;

		err = sampler__poll(sp, left_ms < PROGRESS_MS ? (int)left_ms : PROGRESS_MS, &cbs,
				    &r);
		if (err < 0) {
			pr_err("reading the perf ring buffers: %s", strerror(-err));
			break;
		}
		flush_pending(&r, false);
		wall_drain(&r, false);
		stackagg__prepare(r.sa);
		if (rc_targets__finished(&r.tg, &child))
			break;
		if (tty) {
			sampler__stats(sp, &st);
			progress((double)(t_end - rec_mono_ns()) / 1e9, &st);
		}
	}
	t_stop = rec_mono_ns(); /* end of capture: post-processing is timed from here */
	elapsed = (double)(t_stop - t_start) / 1e9;
	wall_drain(&r, true); /* while a launched command still lives */
	/*
	 * Drain before disabling: the kernel reports samples it dropped only
	 * when a later record finds room in the ring.
	 */
	sampler__poll(sp, 0, &cbs, &r);
	sampler__disable(sp);
	if (tty)
		fputs("\r\033[K", stderr);
	if (r.tg.target == SAMPLER_CHILD && !child.exited) {
		stopped_child = true;
		child__stop(&child, rec_stop_signal ? rec_stop_signal : SIGTERM);
	}
	sampler__poll(sp, 0, &cbs, &r);
	flush_pending(&r, true);
	sampler__stats(sp, &st);
	if (r.tg.target == SAMPLER_CHILD)
		child__describe_status(child.status, status_text, sizeof(status_text));

	if (!r.sa || !stackagg__count(r.sa)) {
		pr_err("no samples collected%s; %s left untouched",
		       r.tg.target == SAMPLER_CHILD ? " (did the command run long enough?)" : "",
		       g->output ? g->output : "flamegraph.svg");
		if (r.tg.target == SAMPLER_CHILD)
			pr_info("'%s' %s", r.tg.cmd[0], status_text);
		goto out;
	}

	t_sym = rec_mono_ns();
	p = profile__new();
	profile__set_countname(p, g->countname_set ? g->fg.countname : r.wall ? "us" : "samples");
	stackagg__build(r.sa,
			&(struct stackagg_build_opts){.no_kernel = r.so.no_kernel,
						      .pid_frames = r.so.pid_frames,
						      .thread_frames = r.so.thread_frames,
						      .time_weights = r.wall,
						      .offcpu_leaf = r.wall},
			p, &res);
	t_built = rec_mono_ns();

	title = rc_targets__set_title(&r.tg, g);
	if (!g->fg.subtitle) {
		subtitle = xmalloc(160);
		snprintf(subtitle, 160, "%s%s, %ld Hz, %.1f s, %llu samples",
			 r.wall ? "wall clock: off-CPU + " : "", sampler__event_name(sp), r.freq,
			 elapsed, (unsigned long long)st.samples);
		g->fg.subtitle = subtitle;
	}
	if (rc_write_profile(&p, g))
		goto out;
	now = rec_mono_ns();
	pr_debug("post-processing: %.3f s from the end of capture to the output written "
		 "(final drain %.3f s, symbolize + build %.3f s, write %.3f s)",
		 (double)(now - t_stop) / 1e9, (double)(t_sym - t_stop) / 1e9,
		 (double)(t_built - t_sym) / 1e9, (double)(now - t_built) / 1e9);

	pr_info("event %s at %ld Hz for %.1f s: %llu samples, %llu lost, %zu processes, %.1f%% of "
		"frames unresolved",
		sampler__event_name(sp), r.freq, elapsed, (unsigned long long)st.samples,
		(unsigned long long)st.lost, res.nprocs,
		res.frames_total ? 100.0 * (double)res.frames_unresolved / (double)res.frames_total
				 : 0.0);
	unwind_report(&r, &res);
	if (r.wall)
		wall_report(&r, &res);
	if (st.lost)
		pr_warn("%llu samples were lost (the ring buffers overflowed); try a lower -F",
			(unsigned long long)st.lost);
	if (r.tg.target == SAMPLER_CHILD)
		pr_info("'%s' %s%s", r.tg.cmd[0], status_text,
			stopped_child ? " (stopped at the end of the recording)" : "");
	rc_report_end(g);
	ret = EXIT_OK;
out:
	if (r.tg.target == SAMPLER_CHILD && child.pid > 0 && !child.exited)
		child__stop(&child, SIGTERM);
	if (signals)
		rec_signals_restore(old_sig);
	sampler__free(sp);
	offcpu__destroy(r.oc);
	symtab__free(stab);
	profile__free(p);
	procmaps__free(r.pm);
	hashmap__free(r.epochs);
	stackagg__free(r.sa);
	unwinder__free(r.uw);
	unwinder__free(r.uw_check);
	addr_stack__release(&r.stk);
	addr_stack__release(&r.stk_check);
	addr_stack__release(&r.offcpu_sink.stk);
	for (size_t i = 0; i < r.npending; i++)
		free(r.pending[i].data);
	free(r.pending);
	free(r.tg.pids);
	rc_release_titles(g, title, subtitle);
	return ret;
}
