// SPDX-License-Identifier: Apache-2.0
/*
 * The capture object: targets, the sampler and/or the off-CPU program, the
 * mapping history they feed, the stack path into the aggregator, and
 * profiles built from it at any time. Time is CLOCK_MONOTONIC, the clock of
 * perf samples and of bpf_ktime_get_ns().
 */
#include "capture.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hashmap.h"
#include "log.h"
#include "pipeline_internal.h"
#include "procmaps.h"
#include "symtab.h"
#include "targets.h"
#include "xalloc.h"

#define DRAIN_NS       1000000000ULL /* off-CPU maps are drained every second */
#define FIRST_DRAIN_NS 100000000ULL  /* offcpu -- COMMAND: early, to read its mappings */

struct capture {
	struct capture_opts o;
	enum sampler_target starget;
	pid_t *ids; /* owned: -p/-t ids, -P matches, or the command's pid */
	size_t nids;
	struct child child;

	struct procmaps *pm;
	struct hashmap *epochs; /* tid -> name changes seen */
	struct symtab *st;	/* BPF programs loaded during the run go in */
	struct symtab_source src;
	struct stackagg *sa;
	struct stack_path path;
	struct stackagg_build_opts build;

	struct sampler *sp;
	struct sampler_callbacks cbs;
	struct offcpu *oc;
	uint64_t next_drain;
	bool child_seen; /* offcpu -- COMMAND: its mappings were read */

	bool started, stopped, over;
	bool command_stopped;		 /* capture__stop() ended the command */
	uint64_t t_start, t_end, t_stop; /* t_end 0: no duration */
	struct stackagg_result built;
	bool have_built;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- sources ----------------------------------------------------------------- */

static uint32_t epoch_of(const struct capture *c, uint32_t tid)
{
	uint64_t v = 0;

	hashmap__get(c->epochs, tid, &v);
	return (uint32_t)v;
}

static int on_record(const struct sampler_record *sr, void *arg)
{
	struct capture *c = arg;

	sampler_record__apply(sr, c->pm);
	if (sr->type == SAMPLER_REC_KSYMBOL && !sr->unregister)
		symtab__add_kernel_symbol(c->st, sr->addr, sr->len, sr->comm, sr->bpf);
	if (sr->type == SAMPLER_REC_COMM)
		hashmap__put(c->epochs, (uint32_t)sr->tid, epoch_of(c, (uint32_t)sr->tid) + 1);
	return 0;
}

static int on_sample(const struct raw_sample *s, void *arg)
{
	struct capture *c = arg;

	stack_path__add(&c->path, s, epoch_of(c, s->tid), STACKAGG_ONCPU);
	return 0;
}

/* Blocked stacks (weight: ns off CPU) from the BPF maps. */
static int on_offcpu_sample(const struct raw_sample *s, void *arg)
{
	struct capture *c = arg;

	stack_path__add(&c->path, s, 0, STACKAGG_OFFCPU);
	return 0;
}

static void log_open_error(const struct capture *c, int err)
{
	if (err == EACCES || err == EPERM) {
		pr_err("perf_event_open: %s; run as root (or with CAP_PERFMON) or set "
		       "kernel.perf_event_paranoid to %s%s",
		       strerror(err),
		       c->starget == SAMPLER_SYSTEM ? "0 or lower for -a" : "1 or lower",
		       c->starget != SAMPLER_SYSTEM && !c->o.no_kernel
			       ? " (--no-kernel samples user mode only and needs 2 or lower)"
			       : "");
	} else if (err == ESRCH) {
		pr_err("no such %s: %d", c->starget == SAMPLER_TIDS ? "thread" : "process",
		       c->nids ? (int)c->ids[0] : -1);
	} else if (err == EMFILE || err == ENFILE) {
		pr_err("perf_event_open: %s: one descriptor per thread and CPU is needed; raise "
		       "the limit with ulimit -n",
		       strerror(err));
	} else {
		pr_err("perf_event_open: %s", strerror(err));
	}
}

static void log_bpf_error(int err, const char *step)
{
	if (err == EOPNOTSUPP) {
		pr_err("this resq-flame was built without BPF support (NO_BPF=1, or libbpf, clang "
		       "or bpftool missing at build time); install Debian packages libbpf-dev "
		       "clang bpftool and rebuild");
	} else if (!strcmp(step, "open") && (err == EPERM || err == EACCES)) {
		pr_err("off-CPU profiling loads an eBPF program, which needs CAP_BPF and "
		       "CAP_PERFMON (or CAP_SYS_ADMIN); run it as root, e.g. with sudo");
	} else if (!strcmp(step, "open") && err == ENOENT) {
		pr_err("the kernel has no BTF type information (/sys/kernel/btf/vmlinux is "
		       "missing), which the off-CPU eBPF program needs; use a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF=y (most distribution kernels are)");
	} else if (!strcmp(step, "load") && (err == EPERM || err == EACCES)) {
		pr_err("the kernel refused to load the off-CPU eBPF program: %s; BPF may be "
		       "restricted here (kernel lockdown, seccomp, a container without CAP_BPF); "
		       "run as root on the host, and with -v to see libbpf's messages",
		       strerror(err));
	} else if (!strcmp(step, "load")) {
		pr_err("the kernel refused to load the off-CPU eBPF program: %s (the verifier's "
		       "last messages are above; -v shows libbpf's whole log)",
		       strerror(err));
	} else {
		pr_err("cannot %s the off-CPU eBPF program: %s%s", step, strerror(err),
		       err == ENOENT ? " (is the sched_switch tracepoint missing?)" : "");
	}
}

/*
 * Opens, loads and attaches the off-CPU program over the targets.
 * RESQ_BPF_ATTACH=raw_tp (or tp_btf) in the environment forces one program
 * flavour instead of tp_btf with fallback: a documented escape hatch for
 * kernels where tp_btf misbehaves. Returns 0 or a negative errno (logged).
 */
static int offcpu_start(struct capture *c)
{
	const char *attach = getenv("RESQ_BPF_ATTACH");
	struct offcpu_opts opts = {
		.target = c->starget == SAMPLER_SYSTEM ? OFFCPU_TARGET_ALL
			  : c->starget == SAMPLER_TIDS ? OFFCPU_TARGET_TIDS
						       : OFFCPU_TARGET_PIDS,
		.ids = c->ids,
		.nids = c->nids,
		.follow_forks = true,
		.state = c->o.state,
		.min_block_ns = c->o.min_block_ns,
		.max_block_ns = c->o.max_block_ns,
		.no_kernel = c->o.no_kernel,
		.max_threads = c->o.max_entries,
		.max_entries = c->o.max_entries,
		.max_stacks = c->o.max_stacks,
	};
	int err;

	if (attach && !strcmp(attach, "raw_tp"))
		opts.attach = OFFCPU_ATTACH_RAW_TP;
	else if (attach && !strcmp(attach, "tp_btf"))
		opts.attach = OFFCPU_ATTACH_TP_BTF;
	else if (attach && *attach && strcmp(attach, "auto"))
		pr_warn("ignoring RESQ_BPF_ATTACH=%s (expected auto, tp_btf or raw_tp)", attach);
	c->oc = offcpu__open(&opts);
	if (!c->oc) {
		err = errno;
		log_bpf_error(err, "open");
		return -err;
	}
	err = offcpu__load(c->oc);
	if (!err) {
		err = offcpu__attach(c->oc);
		if (err)
			log_bpf_error(-err, "attach");
	} else {
		log_bpf_error(-err, "load");
	}
	if (err)
		return err;
	pr_debug("off-CPU program attached through %s", offcpu__attach_name(c->oc));
	return 0;
}

/* The off-CPU maps, every second; @final detaches first and takes the rest. */
static int offcpu_drain(struct capture *c, bool final)
{
	int err;

	if (!c->oc || (!final && mono_ns() < c->next_drain))
		return 0;
	/* offcpu -- COMMAND: no MMAP records; read the mappings while it surely lives. */
	if (!c->sp && c->o.target == CAPTURE_COMMAND && !c->child_seen && !c->child.exited)
		c->child_seen = !procmaps__snapshot(c->pm, c->child.pid, mono_ns());
	if (final)
		offcpu__detach(c->oc);
	err = offcpu__drain(c->oc, final, c->pm, on_offcpu_sample, c);
	if (err < 0)
		pr_err("reading the off-CPU maps: %s", strerror(-err));
	c->next_drain = mono_ns() + DRAIN_NS;
	return err < 0 ? err : 0;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --- life cycle ---------------------------------------------------------------- */

static int resolve_targets(struct capture *c)
{
	const struct capture_opts *o = &c->o;
	size_t i;

	c->starget = o->target == CAPTURE_PIDS	    ? SAMPLER_PIDS
		     : o->target == CAPTURE_TIDS    ? SAMPLER_TIDS
		     : o->target == CAPTURE_COMMAND ? SAMPLER_CHILD
						    : SAMPLER_SYSTEM;
	if (o->target == CAPTURE_COMMAND) {
		if (!o->argv || !o->argv[0])
			return -EINVAL;
		if (child__start(&c->child, o->argv))
			return errno ? -errno : -EIO;
		c->ids = xmalloc(sizeof(*c->ids));
		c->ids[0] = c->child.pid;
		c->nids = 1;
		return 0;
	}
	if (o->nids) {
		c->ids = xmemdup(o->ids, o->nids * sizeof(*o->ids));
		c->nids = o->nids;
	}
	if (o->nnames && targets__by_name(o->names, o->nnames, &c->ids, &c->nids))
		return -ESRCH;
	if (o->target == CAPTURE_SYSTEM)
		return 0;
	if (!c->nids)
		return -EINVAL;
	for (i = 0; i < c->nids; i++) {
		if (!targets__alive(c->ids[i])) {
			pr_err("no such %s: %d", o->target == CAPTURE_TIDS ? "thread" : "process",
			       (int)c->ids[i]);
			return -ESRCH;
		}
	}
	return 0;
}

struct capture *capture__new(const struct capture_opts *o)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	int err;

	c->o = *o;
	c->child = (struct child)CHILD_INIT;
	if (!o->oncpu && !o->offcpu)
		c->o.oncpu = true; /* all-zero options: on-CPU sampling of the whole machine */
	o = &c->o;
	err = resolve_targets(c);
	if (err)
		goto fail;
	raise_fd_limit();
	c->pm = procmaps__new();
	c->epochs = hashmap__new();
	err = stack_path__init(&c->path, o, c->pm);
	if (err)
		goto fail;
	if (o->oncpu) {
		c->sp = sampler__new(&(struct sampler_opts){
			.target = c->starget,
			.pids = c->ids,
			.npids = c->nids,
			.freq = o->freq,
			.ring_pages = o->ring_pages,
			/* wall clock weighs samples by their period in ns */
			.event = o->offcpu ? SAMPLER_EVENT_CPU_CLOCK : SAMPLER_EVENT_AUTO,
			.no_kernel = o->no_kernel,
			.regs_user = o->dwarf ? unwinder__perf_regs_mask() : 0,
			.stack_user = o->dwarf ? c->path.stack_size : 0});
		if (!c->sp) {
			err = -errno;
			log_open_error(c, errno);
			goto fail;
		}
		c->cbs = (struct sampler_callbacks){.sample = on_sample, .record = on_record};
	}
	if (o->offcpu) {
		err = offcpu_start(c);
		if (err)
			goto fail;
	}
	/*
	 * Kernel symbols are read now, before capture rather than after it
	 * (/proc/kallsyms takes ~75 ms to generate), and after the off-CPU
	 * program is loaded: its frames are named, recognised and dropped.
	 */
	c->st = symtab__new(&(struct symtab_opts){.no_inline = o->no_inline});
	if (!c->st) {
		err = -errno;
		pr_err("cannot set up symbolization: %s", strerror(errno));
		goto fail;
	}
	if (!o->no_kernel)
		symtab__reload_kernel(c->st);
	c->src = (struct symtab_source){.st = c->st, .pm = c->pm};
	c->sa = stackagg__new(&symtab_source_ops, &c->src);
	c->path.sa = c->sa;
	c->build = (struct stackagg_build_opts){
		.no_kernel = o->no_kernel,
		.pid_frames = o->pid_frames,
		.thread_frames = o->thread_frames,
		.time_weights = o->offcpu,
		.offcpu_leaf = o->offcpu && o->oncpu,
	};
	return c;
fail:
	capture__free(c);
	errno = -err;
	return NULL;
}

void capture__free(struct capture *c)
{
	if (!c)
		return;
	if (c->child.pid > 0 && !c->child.exited)
		child__stop(&c->child, SIGTERM);
	sampler__free(c->sp);
	offcpu__destroy(c->oc);
	stackagg__free(c->sa);
	symtab__free(c->st);
	stack_path__release(&c->path);
	procmaps__free(c->pm);
	hashmap__free(c->epochs);
	free(c->ids);
	free(c);
}

int capture__start(struct capture *c)
{
	int err;

	if (c->started)
		return 0;
	c->started = true;
	c->t_start = mono_ns();
	c->t_end = c->o.duration > 0 ? c->t_start + (uint64_t)(c->o.duration * 1e9) : 0;
	c->next_drain =
		c->t_start + (!c->sp && c->o.target == CAPTURE_COMMAND ? FIRST_DRAIN_NS : DRAIN_NS);
	if (c->o.target == CAPTURE_COMMAND) {
		err = child__release(&c->child);
		if (err) {
			pr_err("cannot run '%s': %s", c->o.argv[0],
			       err == ENOENT ? "command not found" : strerror(err));
			c->stopped = c->over = true;
			c->t_stop = c->t_start;
			return -err;
		}
		return 0;
	}
	if (c->sp) {
		err = sampler__enable(c->sp);
		if (err) {
			pr_err("PERF_EVENT_IOC_ENABLE: %s", strerror(-err));
			c->stopped = c->over = true;
			c->t_stop = c->t_start;
			return err;
		}
	}
	/* /proc snapshots: the kernel reports nothing about what already exists. */
	targets__snapshot(c->pm, c->ids, c->starget == SAMPLER_SYSTEM ? 0 : c->nids,
			  c->starget == SAMPLER_TIDS, mono_ns());
	return 0;
}

/* True once the launched command has exited, or every -p/-t target has (said once). */
static bool targets_finished(struct capture *c)
{
	size_t i;

	if (c->o.target == CAPTURE_COMMAND)
		return child__exited(&c->child);
	if (c->o.target == CAPTURE_SYSTEM)
		return false;
	for (i = 0; i < c->nids; i++)
		if (targets__alive(c->ids[i]))
			return false;
	pr_info("every target has exited; stopping");
	return true;
}

int capture__poll(struct capture *c, int timeout_ms)
{
	uint64_t now = mono_ns(),
		 wake = now + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	int err;

	if (!c->started || c->stopped || c->over)
		return 1;
	if (c->t_end && now >= c->t_end)
		return c->over = true;
	if (c->t_end && c->t_end < wake)
		wake = c->t_end;
	if (c->oc && !c->sp && c->next_drain < wake)
		wake = c->next_drain;
	timeout_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
	if (c->sp) {
		err = sampler__poll(c->sp, timeout_ms, &c->cbs, c);
		if (err < 0) {
			pr_err("reading the perf ring buffers: %s", strerror(-err));
			return err;
		}
		stack_path__flush(&c->path, false);
	} else {
		poll(NULL, 0, timeout_ms); /* signals interrupt it */
	}
	err = offcpu_drain(c, false);
	if (err)
		return err;
	stackagg__prepare(c->sa);
	if (targets_finished(c))
		return c->over = true;
	if (c->t_end && mono_ns() >= c->t_end)
		return c->over = true;
	return 0;
}

int capture__stop(struct capture *c, int sig)
{
	int err = 0, e;

	if (c->stopped)
		return 0;
	c->stopped = c->over = true;
	c->t_stop = mono_ns();
	if (!c->started)
		return 0;
	err = offcpu_drain(c, true); /* while a launched command still lives */
	if (c->sp) {
		/*
		 * Drain before disabling: the kernel reports samples it dropped
		 * only when a later record finds room in the ring.
		 */
		sampler__poll(c->sp, 0, &c->cbs, c);
		sampler__disable(c->sp);
	}
	if (c->o.target == CAPTURE_COMMAND && !child__exited(&c->child)) {
		c->command_stopped = true;
		child__stop(&c->child, sig ? sig : SIGTERM);
	}
	if (c->sp) {
		e = sampler__poll(c->sp, 0, &c->cbs, c);
		if (e < 0 && !err)
			err = e;
	}
	stack_path__flush(&c->path, true);
	return err;
}

static struct profile *build(struct capture *c)
{
	struct profile *p = profile__new();

	profile__set_countname(p, c->build.time_weights ? "us" : "samples");
	stackagg__build(c->sa, &c->build, p, &c->built);
	c->have_built = true;
	return p;
}

struct profile *capture__snapshot(struct capture *c)
{
	return build(c);
}

struct profile *capture__finish(struct capture *c)
{
	capture__stop(c, 0);
	if (!stackagg__count(c->sa)) {
		errno = ENODATA;
		return NULL;
	}
	return build(c);
}

void capture__stats(struct capture *c, struct capture_stats *out)
{
	uint64_t now = c->stopped ? c->t_stop : mono_ns();

	*out = (struct capture_stats){
		.remaining = -1,
		.processes = stackagg__processes(c->sa),
		.stacks = stackagg__count(c->sa),
		.unwinder_name = unwinder__name(c->path.kind),
		.check_samples = c->path.check_samples,
		.check_differ = c->path.check_differ,
		.built = c->built,
	};
	if (c->started) {
		out->elapsed = (double)(now - c->t_start) / 1e9;
		/* Past the end (a late last poll) is 0 left, never an unsigned wrap. */
		if (c->t_end)
			out->remaining = now < c->t_end ? (double)(c->t_end - now) / 1e9 : 0;
	} else if (c->o.duration > 0) {
		out->remaining = c->o.duration;
	}
	if (c->have_built && c->built.frames_total)
		out->unresolved =
			(double)c->built.frames_unresolved / (double)c->built.frames_total;
	if (c->sp) {
		sampler__stats(c->sp, &out->sampler);
		out->event = sampler__event_name(c->sp);
		out->samples += out->sampler.samples;
		out->lost += out->sampler.lost;
	}
	if (c->oc) {
		offcpu__stats(c->oc, &out->offcpu);
		out->offcpu_attach = offcpu__attach_name(c->oc);
		out->samples += out->offcpu.intervals;
		out->lost += out->offcpu.start_full + out->offcpu.totals_full;
	}
	if (c->o.dwarf)
		unwinder__stats(c->path.uw, &out->unwind);
	if (c->path.uw_check)
		out->check_unwinder_name = unwinder__name(
			c->path.kind == UNWINDER_LIBDW ? UNWINDER_LIBUNWIND : UNWINDER_LIBDW);
	if (c->o.target == CAPTURE_COMMAND) {
		out->command_exited = c->child.exited;
		out->command_status = c->child.status;
		out->command_stopped = c->command_stopped;
	}
}
