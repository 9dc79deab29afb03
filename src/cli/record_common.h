/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `record` and `offcpu` share: the clock, Ctrl-C handling, /proc
 * helpers, the launched command, and the stack aggregator that merges raw
 * samples during capture and turns them into a symbolized profile after it.
 */
#ifndef RESQ_CLI_RECORD_COMMON_H
#define RESQ_CLI_RECORD_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"
#include "profile.h"
#include "sample.h"
#include "symtab.h"

/* CLOCK_MONOTONIC in ns: the clock of perf samples and bpf_ktime_get_ns(). */
uint64_t rec_mono_ns(void);

/*
 * SIGINT and SIGTERM set rec_stop_signal and interrupt waits (no
 * SA_RESTART); SIGCHLD only interrupts them, so that a child's exit is seen
 * at once.
 */
extern volatile sig_atomic_t rec_stop_signal;
void rec_signals_install(struct sigaction old[3]);
void rec_signals_restore(const struct sigaction old[3]);

/*
 * Parses "1,2,3" (positive ids) and appends to *@ids / *@n. Returns false
 * after a usage message naming @cmd and @opt.
 */
bool rec_parse_ids(const char *cmd, const char *opt, const char *arg, pid_t **ids, size_t *n);

/* True while @pid exists and is not a zombie. */
bool rec_task_alive(pid_t pid);
/* The process of thread @tid (Tgid in /proc/TID/status); @tid when unknown. */
pid_t rec_tgid_of(pid_t tid);
/*
 * Snapshots /proc into @pm: every process when @n is 0, else the processes
 * @ids (the processes of the threads @ids when @tids).
 */
void rec_snapshot(struct procmaps *pm, const pid_t *ids, size_t n, bool tids);

/* A command run under the profiler, held before its exec until released. */
struct child {
	pid_t pid;
	int go_fd;  /* write end: releases the child to exec */
	int err_fd; /* read end: errno of a failed exec, EOF on success */
	bool exited;
	int status;
};
#define CHILD_INIT {.pid = -1, .go_fd = -1, .err_fd = -1}

/* Forks @argv[0] (searched in PATH), held before exec. 0 or -1 after a message. */
int child__start(struct child *c, char **argv);
/* Lets the child exec. Returns 0, or the exec's errno after reaping it. */
int child__release(struct child *c);
/* Stops a child that is still running: @sig, then SIGKILL after 2 s. */
void child__stop(struct child *c, int sig);
/* "exited with status 3", "was killed by signal 9 (Killed)", ... */
void child__describe_status(int status, char *buf, size_t len);

/*
 * The stack aggregator. Samples are merged by (pid, tid, name epoch, kind,
 * callchain), so memory grows with unique stacks rather than samples. A
 * callchain is perf's: PERF_CONTEXT_* markers (>= PERF_CONTEXT_MAX), each
 * context leaf first, its first address an instruction pointer and the
 * others return addresses.
 */
/*
 * A callchain marker of ours (in the PERF_CONTEXT_* range, unused by the
 * kernel), last in a chain: the unwinder stopped before the stack's root.
 * stackagg__build() puts a "[truncated]" frame right under the root.
 */
#define STACKAGG_TRUNCATED ((uint64_t)-4000)
#define STACKAGG_TRUNCATED_NAME "[truncated]"

enum stackagg_kind {
	STACKAGG_ONCPU = 0, /* sampled: count 1, weight = period */
	STACKAGG_OFFCPU,    /* blocked: weight = period (ns off CPU) */
};

struct stackagg;

struct stackagg *stackagg__new(void);
void stackagg__free(struct stackagg *sa);

/* Adds @s (borrowed; copied as needed). */
void stackagg__add(struct stackagg *sa, const struct raw_sample *s, uint32_t epoch,
		   enum stackagg_kind kind);
/* Unique stacks so far. */
size_t stackagg__count(const struct stackagg *sa);

struct stackagg_build_opts {
	bool no_kernel;	    /* leave out kernel frames */
	bool pid_frames;    /* root frames comm-PID instead of comm */
	bool thread_frames; /* a frame THREADNAME-TID under each root */
	bool time_weights;  /* weights in microseconds (periods) instead of sample counts */
	bool offcpu_leaf;   /* an [off-cpu] leaf frame on off-CPU stacks */
};

struct stackagg_result {
	size_t nprocs;
	uint64_t frames_total, frames_unresolved; /* weighted like the stacks */
	double oncpu_weight, offcpu_weight;	  /* what went into the profile */
	/*
	 * On-CPU stacks with user frames, those of them ending in [truncated],
	 * and those whose two outermost user frames are none of main, _start,
	 * __libc_start_call_main, start_thread, clone3, ...: cut short, as
	 * frame-pointer chains through code without frame pointers are.
	 */
	double user_weight, truncated_weight, user_cut_weight;
};

/*
 * Symbolizes every unique address once and adds each stack to @p, rooted
 * at its process's name (from @pm at the stack's first sample). Off-CPU
 * kernel stacks lose their leading BPF frames (the program itself and the
 * tracepoint glue). Fills @res.
 */
void stackagg__build(struct stackagg *sa, const struct stackagg_build_opts *o, struct symtab *st,
		     const struct procmaps *pm, struct profile *p, struct stackagg_result *res);

/*
 * Off-CPU capture for `offcpu` and `record --wall`: opens, loads and
 * attaches the BPF program. On failure prints what failed and what to do
 * (missing capability, kernel without BTF, verifier refusal, a build
 * without BPF) and returns NULL. RESQ_BPF_ATTACH=raw_tp (or tp_btf) in the
 * environment forces one program flavour instead of tp_btf with fallback.
 */
struct offcpu_opts;
struct offcpu_stats;
struct offcpu *rec_offcpu_start(const struct offcpu_opts *o);
/* A sample_fn adding blocked stacks (weight: ns off CPU) to the stackagg @ctx. */
int rec_offcpu_sample(const struct raw_sample *s, void *ctx);
/* Warns about everything the BPF program or the drain dropped, with remedies. */
void rec_offcpu_report_drops(const struct offcpu_stats *st);

#endif
