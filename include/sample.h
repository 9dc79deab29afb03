/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boundary types between the capture, unwind, symbolize and aggregate
 * stages: a sampled stack as captured (raw_sample), as unwound
 * (addr_stack) and as symbolized (sym_info, frame_kind). Stacks are leaf
 * first in memory.
 */
#ifndef RESQ_SAMPLE_H
#define RESQ_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One decoded PERF_RECORD_SAMPLE, borrowed for the duration of a callback. */
struct raw_sample {
	uint32_t pid, tid;
	uint32_t cpu;
	uint64_t time;      /* ns, CLOCK_MONOTONIC */
	uint64_t period;    /* ns for cpu-clock */
	uint64_t ip;
	bool user_mode;     /* sampled in user mode (PERF_RECORD_MISC_USER) */
	/* The kernel's callchain, with PERF_CONTEXT_* markers (>= PERF_CONTEXT_MAX). */
	const uint64_t *callchain;
	uint32_t nr_callchain;
	/* --call-graph dwarf: user registers (perf order) and the copied stack. */
	uint64_t abi;       /* PERF_SAMPLE_REGS_ABI_*; 0 = no registers (kernel thread) */
	const uint64_t *regs;
	uint32_t nr_regs;
	uint64_t regs_mask;
	const uint8_t *stack; /* from the user stack pointer upwards */
	uint64_t stack_size;  /* valid bytes (dyn_size) */
	/* Bytes the kernel could copy: a full copy may have cut the stack. */
	uint64_t stack_requested;
};

enum frame_addr_flags {
	FRAME_ADDR_KERNEL = 1 << 0, /* a kernel address */
	FRAME_ADDR_RETURN = 1 << 1, /* a return address: look up addr - 1 */
};

struct frame_addr {
	uint64_t addr;
	uint32_t flags; /* enum frame_addr_flags */
};

/* An unwound stack, leaf first. */
struct addr_stack {
	struct frame_addr *frames;
	uint32_t n, alloc;
	bool truncated; /* the unwinder stopped before the stack's root */
};

/* What a symbolized frame is: it picks the frame's colour in the kind palette. */
enum frame_kind {
	FRAME_KIND_UNKNOWN = 0,
	FRAME_KIND_NATIVE,
	FRAME_KIND_KERNEL,
	FRAME_KIND_JIT,
	FRAME_KIND_JS,
	FRAME_KIND_PYTHON,
	FRAME_KIND_INLINE,
	FRAME_KIND_ROOT,   /* a process or file grouping frame */
	FRAME_KIND_OFFCPU, /* the [off-cpu] leaf marking blocked time in a wall-clock profile */
	FRAME_KIND__COUNT,
};

/*
 * One symbolized frame; the strings are borrowed from whoever resolved it
 * (a symtab: until symtab__free()).
 */
struct sym_info {
	const char *name;   /* demangled function, or "[dso-basename]" / "[unknown]" */
	const char *module; /* file path or "[kernel.kallsyms]"; NULL if unknown */
	const char *file;   /* source file; NULL if unknown */
	uint32_t line;	    /* 0 if unknown */
	enum frame_kind kind;
};

#endif
