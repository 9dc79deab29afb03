/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unwind stage: turns a raw_sample into an addr_stack, leaf first, each
 * frame marked as an exact instruction pointer or a return address, with
 * `truncated` set when the walk stopped before the stack's root.
 * unwinder__unwind() is the one path from a sample to a stack (as perf's
 * thread__resolve_callchain() is): every sample goes through it, whatever
 * the unwinder and whatever the sample carries.
 *
 * Backends sit behind one ops table:
 *   fp         the kernel's callchain as sampled (frame pointers);
 *   libdw      DWARF CFI through elfutils: one Dwfl per process, attached to
 *              the copied registers and stack (never ptrace);
 *   libunwind  DWARF CFI through libunwind's remote API: one address space
 *              per process whose accessors read the copy.
 * The DWARF backends read only the sample's copied user stack and the ELF
 * files of the process's executable mappings (from struct procmaps); the
 * kernel part of a stack always comes from the kernel's callchain.
 *
 * Unwinding happens while the sample is borrowed (during the sampler's
 * callback): the copied stack is not kept. Per-process state (modules,
 * libdw/libunwind caches) lives until the process's mappings change, which
 * the unwinder notices through procmaps__generation(), or until it exits.
 *
 *	struct unwinder *uw = unwinder__new(&(struct unwinder_opts){
 *		.kind = UNWINDER_LIBDW}, pm);
 *	...in the sample callback:
 *	unwinder__unwind(uw, s, &stack);
 *	...
 *	unwinder__free(uw);
 */
#ifndef RESQ_UNWINDER_H
#define RESQ_UNWINDER_H

#include <stdbool.h>
#include <stdint.h>

#include "procmaps.h"
#include "sample.h"

/* Frames kept per stack; deeper stacks are cut and marked truncated. */
#define UNWIND_MAX_FRAMES 512

/* Largest --call-graph dwarf stack copy the kernel accepts (u16 record size). */
#define UNWIND_MAX_STACK_USER	  65528
#define UNWIND_DEFAULT_STACK_USER 32768

enum unwinder_kind {
	UNWINDER_LIBDW = 0, /* the default for DWARF unwinding */
	UNWINDER_LIBUNWIND,
	UNWINDER_FP, /* the kernel callchain only */
};

struct unwinder_opts {
	enum unwinder_kind kind;
	/*
	 * libdw: interpret the CFI of every frame with libdw, without the cache
	 * of per-pc unwind rules (slower, same stacks; for tests and checks).
	 */
	bool no_rule_cache;
};

struct unwinder_stats {
	uint64_t samples;	 /* samples with user registers, unwound */
	uint64_t complete;	 /* reached the outermost frame (_start, clone3, ...) */
	uint64_t truncated_copy; /* ran out of copied stack (dyn_size == copy size) */
	uint64_t failed;	 /* stopped early otherwise: no module, no CFI, bad memory */
	uint64_t capped;	 /* more than UNWIND_MAX_FRAMES frames (part of failed) */
	uint64_t frames;	 /* user frames produced */
	uint64_t from_rules;	 /* libdw: unwound from cached rules, without libdw's walk */
	uint64_t ns;		 /* time spent in unwinder__unwind() */
	uint64_t cold_samples;	 /* samples that (re)built a process's state first */
	uint64_t cold_ns;	 /* their time: opening files, reporting modules */
	uint64_t processes;	 /* per-process states created */
	uint64_t rebuilds;	 /* module tables rebuilt after mapping changes */
};

struct unwinder;

/*
 * Creates an unwinder that reads mappings from @pm (borrowed: it must
 * outlive the unwinder). Returns NULL and sets errno: EOPNOTSUPP when the
 * backend was not built in (see unwinder__available()).
 */
struct unwinder *unwinder__new(const struct unwinder_opts *o, const struct procmaps *pm);
/* Frees every per-process state; NULL does nothing. */
void unwinder__free(struct unwinder *uw);

enum unwind_flags {
	/* No later attempt will be made: never -EAGAIN, always counted. */
	UNWIND_F_FINAL = 1 << 0,
};

/*
 * Unwinds @s into @out (emptied first; its frames array grows as needed and
 * stays the caller's). Kernel frames from the callchain come first, then
 * the user frames: from the copied registers and stack with a DWARF
 * backend, else (the fp backend, or a sample without user registers: a
 * kernel thread, an off-CPU stack) from the callchain's user part. A
 * sample with no callchain at all gives its sampled IP alone. Returns 0,
 * also for a truncated stack (out->truncated says so, and the stats count
 * the DWARF ones).
 *
 * Without UNWIND_F_FINAL, returns -EAGAIN (with @out filled as for a
 * truncated stack, and nothing counted) when the walk stopped at an
 * address that no known mapping of the process holds: the MMAP2 record
 * may still be waiting in another CPU's ring. The caller may copy the
 * sample and call again after draining the rings.
 */
int unwinder__unwind(struct unwinder *uw, const struct raw_sample *s, struct addr_stack *out,
		     unsigned int flags);

void unwinder__stats(const struct unwinder *uw, struct unwinder_stats *out);

/* True when backend @kind was built in. */
bool unwinder__available(enum unwinder_kind kind);
/* "libdw", "libunwind" or "fp". Static. */
const char *unwinder__name(enum unwinder_kind kind);
/* Parses a backend name; -EINVAL when unknown. */
int unwinder__parse(const char *name, enum unwinder_kind *kind);

/*
 * The PERF_SAMPLE_REGS_USER mask the DWARF backends need on this
 * architecture (perf_event.h register numbering); 0 when DWARF unwinding is
 * not supported here.
 */
uint64_t unwinder__perf_regs_mask(void);

/* Frees the frames of @st; the struct itself is the caller's. */
void addr_stack__release(struct addr_stack *st);
/* True when @a and @b hold the same frames (addresses and flags) and truncation. */
bool addr_stack__equal(const struct addr_stack *a, const struct addr_stack *b);

#endif
