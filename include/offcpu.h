/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Off-CPU capture with eBPF: a program on the scheduler's switch tracepoint
 * sums, per thread and per (user stack, kernel stack), how long threads
 * stayed off CPU. The wrapper mirrors the BPF skeleton:
 *
 *	struct offcpu *oc = offcpu__open(&(struct offcpu_opts){ .min_block_ns = 1000 });
 *	offcpu__load(oc);
 *	offcpu__attach(oc);
 *	while (!done)
 *		offcpu__drain(oc, false, pm, fn, ctx);	(every second or so)
 *	offcpu__detach(oc);
 *	offcpu__drain(oc, true, pm, fn, ctx);		(the rest)
 *	offcpu__destroy(oc);
 *
 * Drained stacks arrive as raw_samples whose period is the blocked time in
 * nanoseconds and whose callchain looks like perf's: PERF_CONTEXT_KERNEL,
 * the kernel stack (leaf first, starting inside the BPF program: drop the
 * leading bpf_prog_* / bpf_trace_run* frames after symbolizing), then
 * PERF_CONTEXT_USER and the frame-pointer user stack.
 *
 * Without BPF support at build time (NO_BPF=1, or libbpf, clang or bpftool
 * missing) every function is a stub failing with -EOPNOTSUPP / EOPNOTSUPP.
 */
#ifndef RESQ_OFFCPU_H
#define RESQ_OFFCPU_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"
#include "sampler.h"

enum offcpu_target {
	OFFCPU_TARGET_ALL = 0, /* every task */
	OFFCPU_TARGET_PIDS,    /* the processes @ids (and, with follow_forks, their children) */
	OFFCPU_TARGET_TIDS,    /* exactly the threads @ids */
};

enum offcpu_state {
	OFFCPU_STATE_ANY = 0, /* any reason, preemption included */
	OFFCPU_STATE_SLEEP,   /* interruptible sleep (TASK_INTERRUPTIBLE) */
	OFFCPU_STATE_DISK,    /* uninterruptible sleep (TASK_UNINTERRUPTIBLE), usually I/O */
};

enum offcpu_attach {
	OFFCPU_ATTACH_AUTO = 0, /* tp_btf, falling back to raw_tp */
	OFFCPU_ATTACH_TP_BTF,
	OFFCPU_ATTACH_RAW_TP,
};

struct offcpu_opts {
	enum offcpu_target target;
	const pid_t *ids; /* copied by offcpu__open() */
	size_t nids;
	bool follow_forks; /* OFFCPU_TARGET_PIDS: also processes they fork */
	enum offcpu_state state;
	uint64_t min_block_ns; /* shorter blocked intervals are ignored; 0 = none */
	uint64_t max_block_ns; /* longer ones too; 0 = no limit */
	bool no_kernel;	       /* no kernel stacks */
	bool no_user;	       /* no user stacks */
	enum offcpu_attach attach;
	/* Map sizes; 0 = the default in parentheses. */
	uint32_t max_threads; /* threads seen (alive) at once (16384) */
	uint32_t max_stacks;  /* unique stacks (16384) */
	uint32_t max_entries; /* (thread, stacks) entries between two drains (16384) */
};

struct offcpu_stats {
	uint64_t intervals;  /* blocked intervals drained */
	uint64_t blocked_ns; /* their total */
	uint64_t tails;	     /* threads still off CPU at the end, counted up to then */
	/* Drops, counted by the BPF program: */
	uint64_t start_full;	 /* switch-outs not recorded: max_threads too small */
	uint64_t totals_full;	 /* intervals lost: max_entries too small ... */
	uint64_t totals_lost_ns; /* ... and their blocked time */
	uint64_t ustack_errors;	 /* user stacks not collected (stack map full or collision) */
	uint64_t kstack_errors;	 /* kernel stacks not collected */
	uint64_t forks_lost;	 /* children not followed: the process table was full */
	uint64_t stacks_missing; /* stack ids that user space could not read back */
	uint32_t drains;
};

struct offcpu;

#ifdef HAVE_BPF

/*
 * Opens the BPF object and sets the knobs and map sizes. Returns NULL and
 * sets errno: EPERM without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN),
 * ENOENT when the kernel has no BTF (/sys/kernel/btf/vmlinux), EINVAL for
 * bad options, or libbpf's error.
 */
struct offcpu *offcpu__open(const struct offcpu_opts *o);
/*
 * Loads the programs (tp_btf; raw_tp if that fails and the attach mode is
 * AUTO) and fills the process/thread filter. Returns 0 or a negative errno
 * from the kernel (the verifier's log is logged at debug level, and its
 * last lines as a warning when every attempt failed).
 */
int offcpu__load(struct offcpu *oc);
/* Attaches to sched_switch (and sched_process_fork). 0 or a negative errno. */
int offcpu__attach(struct offcpu *oc);
/* Detaches the programs; their maps stay readable. */
void offcpu__detach(struct offcpu *oc);
/* Frees everything; NULL does nothing. */
void offcpu__destroy(struct offcpu *oc);

/*
 * Reads and deletes the totals collected so far and hands each
 * (thread, stacks) entry to @fn as a borrowed raw_sample: pid is the tgid,
 * tid the thread, period the blocked nanoseconds, time now. Names the BPF
 * program saw are fed into @pm, and processes seen for the first time (or
 * that changed name: exec) are snapshotted from /proc, so that @pm can
 * resolve their stacks; @pm may be NULL.
 * A periodic drain (@final false) switches the program to a fresh set of
 * entries and, after a 2 ms grace period, takes the old set, so that it
 * never races with the program's updates. After
 * offcpu__detach(), a final drain takes everything, plus the threads still
 * off CPU, counted up to now. Returns 0, @fn's non-zero value, or a
 * negative errno.
 */
int offcpu__drain(struct offcpu *oc, bool final, struct procmaps *pm, sample_fn fn, void *ctx);

/* Fills @out; the drop counters are read from the kernel. */
void offcpu__stats(struct offcpu *oc, struct offcpu_stats *out);
/* "tp_btf" or "raw_tp" once loaded, else "none". Static string. */
const char *offcpu__attach_name(const struct offcpu *oc);

#else /* !HAVE_BPF */

static inline struct offcpu *offcpu__open(const struct offcpu_opts *o)
{
	(void)o;
	errno = EOPNOTSUPP;
	return NULL;
}
static inline int offcpu__load(struct offcpu *oc)
{
	(void)oc;
	return -EOPNOTSUPP;
}
static inline int offcpu__attach(struct offcpu *oc)
{
	(void)oc;
	return -EOPNOTSUPP;
}
static inline void offcpu__detach(struct offcpu *oc)
{
	(void)oc;
}
static inline void offcpu__destroy(struct offcpu *oc)
{
	(void)oc;
}
static inline int offcpu__drain(struct offcpu *oc, bool final, struct procmaps *pm, sample_fn fn,
				void *ctx)
{
	(void)oc, (void) final, (void)pm, (void)fn, (void)ctx;
	return -EOPNOTSUPP;
}
static inline void offcpu__stats(struct offcpu *oc, struct offcpu_stats *out)
{
	(void)oc;
	*out = (struct offcpu_stats){0};
}
static inline const char *offcpu__attach_name(const struct offcpu *oc)
{
	(void)oc;
	return "none";
}

#endif /* HAVE_BPF */

#endif
