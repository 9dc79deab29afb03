/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stack aggregator: the step from unwound stacks to a profile.
 *
 * During capture every sample's addr_stack is merged with the equal ones of
 * the same (process, thread, thread-name epoch, kind), so that memory grows
 * with unique stacks, not with samples; a truncated stack stays apart from
 * a complete one with the same frames. stackagg__build() then symbolizes
 * each unique address once, through a symbol source, and adds every stack
 * to a profile under a root frame named after its process. It reads the
 * aggregator without changing what was added, so it can be called at any
 * time and any number of times: each call builds a profile of everything
 * so far (a snapshot while capture goes on), at a cost that grows with the
 * unique stacks and addresses, not with the samples.
 *
 * Life cycle:
 *
 *	struct symtab_source src = {.st = st, .pm = pm};
 *	struct stackagg *sa = stackagg__new(&symtab_source_ops, &src);
 *	...for each sample, once it is unwound:
 *	stackagg__add(sa, s, &stack, epoch, STACKAGG_ONCPU);
 *	...now and then during capture (loads symbols early):
 *	stackagg__prepare(sa);
 *	...whenever a profile is wanted:
 *	stackagg__build(sa, &build_opts, p, &result);
 *	stackagg__free(sa);
 *
 * Not thread-safe. The symbol source's strings must live as long as the
 * aggregator (resolved frames are cached with them).
 */
#ifndef RESQ_STACKAGG_H
#define RESQ_STACKAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"
#include "profile.h"
#include "sample.h"
#include "symtab.h"

/* Frames the aggregator adds itself. */
#define STACKAGG_TRUNCATED_NAME "[truncated]" /* under the root: the stack was cut */
#define STACKAGG_OFFCPU_NAME	"[off-cpu]"   /* the leaf of blocked time in a wall profile */
#define STACKAGG_UNKNOWN_NAME	"[unknown]"   /* an address nothing resolves */

/*
 * Where symbols and names come from. The aggregator caches what
 * resolve_user() answers per (pid, mapping, address): the same mapping must
 * give the same symbols. Answers that came back unresolved ("[...]" names)
 * are asked again by the next build (a JIT's perf map may have grown).
 */
struct sym_source_ops {
	/* The mapping of @pid holding user address @addr at @time; NULL when none. */
	const struct mapping *(*find)(void *ctx, pid_t pid, uint64_t addr, uint64_t time);
	/* As symtab__resolve_user(): innermost function first; returns the count (>= 1). */
	int (*resolve_user)(void *ctx, pid_t pid, const struct mapping *m, uint64_t addr,
			    bool is_return, struct sym_info out[SYMTAB_MAX_INLINE]);
	/* As symtab__resolve_kernel(); returns 1. */
	int (*resolve_kernel)(void *ctx, uint64_t addr, bool is_return, struct sym_info *out);
	/* Loads @m's symbols now (may be NULL: nothing to prepare). */
	void (*prepare)(void *ctx, pid_t pid, const struct mapping *m);
	/* The name of thread @tid of @pid at @time (the process's when @tid == @pid); NULL if
	 * unknown. */
	const char *(*name)(void *ctx, pid_t pid, pid_t tid, uint64_t time);
};

/* The real source: symbols from @st, mappings and names from @pm (both borrowed). */
struct symtab_source {
	struct symtab *st;
	const struct procmaps *pm;
};
extern const struct sym_source_ops symtab_source_ops; /* ctx: a struct symtab_source */

enum stackagg_kind {
	STACKAGG_ONCPU = 0, /* sampled: count 1, weight = period */
	STACKAGG_OFFCPU,    /* blocked: weight = period (ns off CPU) */
};

struct stackagg;

/* @ops and @ctx are borrowed and must outlive the aggregator. */
struct stackagg *stackagg__new(const struct sym_source_ops *ops, void *ctx);
/* NULL does nothing. */
void stackagg__free(struct stackagg *sa);

/*
 * Adds one sample: its stack @st (borrowed, copied when new), and from @s
 * the pid, tid, period and time (for mapping and name lookups: the first
 * sample of a stack's time is kept). @epoch counts the thread's name
 * changes, so that a thread renamed (or exec'd) during capture keeps its
 * stacks apart.
 */
void stackagg__add(struct stackagg *sa, const struct raw_sample *s, const struct addr_stack *st,
		   uint32_t epoch, enum stackagg_kind kind);
/* Unique stacks so far. */
size_t stackagg__count(const struct stackagg *sa);
/* Processes with at least one stack so far. */
size_t stackagg__processes(const struct stackagg *sa);

/*
 * Loads, while capture goes on, the symbols and debug info of the modules
 * that the stacks added since the last call run in (the source's prepare),
 * so that builds after the capture only look addresses up. Reading libc's
 * debug info takes most of a post-processing that skips this.
 */
void stackagg__prepare(struct stackagg *sa);

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
	 * On-CPU stacks with user frames, those of them truncated, and those
	 * whose two outermost user frames are none of main, _start,
	 * __libc_start_call_main, start_thread, clone3, ...: cut short, as
	 * frame-pointer chains through code without frame pointers are.
	 */
	double user_weight, truncated_weight, user_cut_weight;
};

/*
 * Adds every stack so far to @p (usually a new profile): each unique
 * address symbolized once, rooted at its process's name at the stack's
 * first sample ("swapper" for pid 0, ":PID" when unknown), a [truncated]
 * frame right under the root (and thread frame) of a truncated stack.
 * Off-CPU kernel stacks lose their leading BPF frames (the program itself
 * and the tracepoint glue). Fills @res. What was added stays as it was
 * (only symbols are cached): stacks added later go into the next build.
 */
void stackagg__build(struct stackagg *sa, const struct stackagg_build_opts *o, struct profile *p,
		     struct stackagg_result *res);

#endif
