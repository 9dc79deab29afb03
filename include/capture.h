/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capture object: one engine from the kernel to a profile, for
 * `record`, `offcpu`, `record --wall`, `top` and the TUI. It owns the
 * targets (processes, threads, or a command it launches), the perf_event
 * sampler and/or the off-CPU eBPF program, the mapping history, the
 * unwinder, the symbolizer and the stack aggregator:
 *
 *   sampler / offcpu ──raw_sample──▶ unwinder__unwind() ──addr_stack──▶
 *   stackagg (merge by stack) ──build: symtab──▶ struct profile
 *
 * Life cycle:
 *
 *	struct capture *c = capture__new(&(struct capture_opts){
 *		.target = CAPTURE_SYSTEM, .oncpu = true, .duration = 10});
 *	capture__start(c);			sampling starts now
 *	while (!capture__poll(c, 250)) {	one drain-and-fold step
 *		capture__stats(c, &st);		a status line, a progress bar
 *		p = capture__snapshot(c);	a live view (any time)
 *	}
 *	capture__stop(c, 0);			final drains; a launched command is stopped
 *	p = capture__finish(c);			the profile of the whole capture
 *	capture__free(c);
 *
 * capture__new() opens everything that can fail (perf events, BPF, the
 * command held before its exec) and reads kernel symbols, so that
 * capture__start() only releases the command or enables the events.
 * Errors are logged with what to do next (permissions, missing kernel
 * features, a build without BPF) and returned; nothing here exits, prints
 * to stdout or touches signals: the caller decides when to stop.
 *
 * Not thread-safe: one thread drives a capture.
 */
#ifndef RESQ_CAPTURE_H
#define RESQ_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "offcpu.h"
#include "profile.h"
#include "sampler.h"
#include "stackagg.h"
#include "unwinder.h"

enum capture_target {
	CAPTURE_SYSTEM = 0, /* every process */
	CAPTURE_PIDS,	    /* every thread of these processes, and what they start */
	CAPTURE_TIDS,	    /* exactly these threads (on-CPU only) */
	CAPTURE_COMMAND,    /* @argv, launched, from its exec until it exits */
};

struct capture_opts {
	/* What. */
	enum capture_target target;
	const pid_t *ids; /* CAPTURE_PIDS, CAPTURE_TIDS; copied */
	size_t nids;
	/* CAPTURE_PIDS: processes by command name or executable basename, added to @ids. */
	const char *const *names;
	size_t nnames;
	char *const *argv; /* CAPTURE_COMMAND: borrowed until capture__free() */
	double duration;   /* seconds; 0: until capture__stop() */

	/* How: on-CPU sampling, off-CPU time, or both (wall clock); neither: on-CPU. */
	bool oncpu, offcpu;
	uint32_t freq;		     /* on-CPU samples per second per CPU; 0: 99 */
	uint32_t ring_pages;	     /* data pages per ring; 0: sized from @freq */
	bool dwarf;		     /* copy user stacks and unwind them with DWARF CFI */
	uint32_t stack_size;	     /* bytes copied per sample; 0: UNWIND_DEFAULT_STACK_USER */
	enum unwinder_kind unwinder; /* with @dwarf, when @unwinder_set */
	bool unwinder_set;	     /* else libdw, or libunwind in a build without libdw */
	bool unwinder_check;	     /* unwind with both DWARF unwinders and compare */
	/* Off-CPU filters and map sizes, as struct offcpu_opts has them. */
	enum offcpu_state state;
	uint64_t min_block_ns, max_block_ns;
	uint32_t max_entries, max_stacks;

	/* The profile's stacks. */
	bool no_kernel;	    /* no kernel frames (not collected) */
	bool no_inline;	    /* one frame per address, no inlined functions */
	bool pid_frames;    /* root frames comm-PID */
	bool thread_frames; /* a frame THREADNAME-TID under each root */
};

struct capture_stats {
	double elapsed;	  /* seconds since capture__start(), up to capture__stop() */
	double remaining; /* seconds until the duration ends, never below 0; -1: no duration */
	uint64_t samples; /* on-CPU samples and off-CPU blocked intervals so far */
	uint64_t lost;	  /* samples the kernel dropped and blocked intervals it lost */
	size_t processes; /* processes with at least one stack so far */
	size_t stacks;	  /* unique stacks so far */
	/* Share of frames, 0 to 1, that could not be symbolized in the last profile built. */
	double unresolved;

	/* Details for the end-of-run report. */
	const char *event;	   /* "cycles", "cpu-clock"; NULL without on-CPU sampling */
	const char *offcpu_attach; /* "tp_btf", "raw_tp"; NULL without off-CPU */
	struct sampler_stats sampler;
	struct offcpu_stats offcpu;
	struct unwinder_stats unwind;	      /* --call-graph dwarf */
	const char *unwinder_name;	      /* "fp", "libdw", "libunwind": on-CPU user stacks */
	const char *check_unwinder_name;      /* unwinder_check: the other one */
	uint64_t check_samples, check_differ; /* unwinder_check: samples compared, differing */
	struct stackagg_result built;	      /* of the last profile built */
	/* CAPTURE_COMMAND */
	bool command_exited;  /* it has ended; command_status is its wait status */
	bool command_stopped; /* capture__stop() ended it */
	int command_status;
};

struct capture;

/*
 * Checks @o, opens the sampler and/or loads and attaches the off-CPU
 * program (disabled until capture__start()), launches a command held
 * before its exec, and reads kernel symbols. Returns NULL after logging
 * why, with errno set: ESRCH (no such target), EACCES/EPERM (not
 * permitted), EOPNOTSUPP (not built in), ENOENT, EINVAL.
 */
struct capture *capture__new(const struct capture_opts *o);
/* Stops a launched command still running (SIGTERM) and frees everything; NULL does nothing. */
void capture__free(struct capture *c);

/*
 * Starts capturing: releases the command to exec, or enables the events
 * and snapshots the targets from /proc. Returns 0, or a negative errno
 * after logging why (-ENOENT: the command could not be run).
 */
int capture__start(struct capture *c);

/*
 * One step: waits up to @timeout_ms for data (a signal ends the wait
 * early), drains the rings and, every second, the off-CPU maps, and folds
 * the samples into the aggregator. Returns 0 while capture goes on, 1 once
 * it is over (the duration ended, the command exited, every target
 * exited, or capture__stop() was called), or a negative errno after
 * logging why (capture cannot go on; stop and finish it).
 */
int capture__poll(struct capture *c, int timeout_ms);

/*
 * A profile of everything captured so far, built without stopping or
 * changing the capture, at a cost that grows with the unique stacks, not
 * with the samples: each stack's weight in it is at most its weight in
 * any later snapshot and in capture__finish()'s profile. The caller frees
 * it with profile__free().
 */
struct profile *capture__snapshot(struct capture *c);

/* Fills @out with the figures so far (see struct capture_stats). */
void capture__stats(struct capture *c, struct capture_stats *out);

/*
 * Ends capturing: detaches and drains the off-CPU program, drains and
 * disables the sampler, and stops a launched command still running with
 * @sig (0: SIGTERM), whose last samples are then taken too. Once stopped,
 * capture__poll() returns 1. Calling it again does nothing. Returns 0 or
 * the first negative errno of the final drains (logged).
 */
int capture__stop(struct capture *c, int sig);

/*
 * The profile of the whole capture (stopping it first if needed), count
 * name "samples", or "us" when weights are time. The caller frees it.
 * NULL with errno ENODATA when nothing was captured.
 */
struct profile *capture__finish(struct capture *c);

#endif
