/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the pipeline stage: the stack path, which takes each sample
 * from the capture sources through unwinding into the aggregator
 * (stack_path.c), used by the capture object (capture.c).
 */
#ifndef RESQ_PIPELINE_INTERNAL_H
#define RESQ_PIPELINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "procmaps.h"
#include "stackagg.h"
#include "unwinder.h"

struct pending;

/*
 * From a sample to the aggregator. Every sample is unwound by
 * unwinder__unwind() (the chosen DWARF unwinder, or the frame-pointer one);
 * a DWARF unwind that stops at an address no known mapping holds is kept
 * (a copy of the sample) and tried again after the next drains, since the
 * MMAP2 record may still wait in another CPU's ring. With a check
 * unwinder, every sample with registers is unwound twice and compared.
 *
 * Life cycle: stack_path__init() ... stack_path__add() for each sample,
 * stack_path__flush() after each drain, stack_path__flush(.., true) at
 * the end ... stack_path__release().
 */
struct stack_path {
	struct stackagg *sa; /* borrowed */
	struct unwinder *uw, *uw_check;
	enum unwinder_kind kind;
	uint32_t stack_size; /* DWARF: bytes copied per sample (for reports) */
	struct addr_stack stk, stk_check;
	uint64_t check_samples, check_differ;
	struct pending *pending;
	size_t npending, pending_alloc;
};

/*
 * Sets up the unwinders @o asks for, reading mappings from @pm (borrowed).
 * Returns 0, or a negative errno after logging why (a backend not built
 * in, an architecture without DWARF unwinding).
 */
int stack_path__init(struct stack_path *sp, const struct capture_opts *o,
		     const struct procmaps *pm);
void stack_path__release(struct stack_path *sp);
/* Unwinds @s (borrowed) and adds it to sp->sa, now or after a later flush. */
void stack_path__add(struct stack_path *sp, const struct raw_sample *s, uint32_t epoch,
		     enum stackagg_kind kind);
/* Unwinds the kept samples again; @last: no more records will come, give up on them. */
void stack_path__flush(struct stack_path *sp, bool last);

#endif
