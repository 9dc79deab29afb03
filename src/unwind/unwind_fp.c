// SPDX-License-Identifier: Apache-2.0
/*
 * The frame-pointer backend: the user part of the kernel's callchain, as
 * sampled. The kernel walks the frame-pointer chain at sampling time, so
 * there is nothing to unwind here; a chain that stops early (code without
 * frame pointers) cannot be told from a complete one.
 */
#include "unwind_internal.h"

#include <linux/perf_event.h>

static enum uw_end fp_unwind(struct uw_ctx *c)
{
	const struct raw_sample *s = c->s;
	bool user = false, first = true;
	uint32_t i;

	for (i = 0; i < s->nr_callchain; i++) {
		uint64_t a = s->callchain[i];

		if (a >= (uint64_t)PERF_CONTEXT_MAX) {
			user = a == (uint64_t)PERF_CONTEXT_USER;
			first = true;
			continue;
		}
		if (!user)
			continue;
		if (!uw_push(c->out, a, first ? 0 : FRAME_ADDR_RETURN))
			return UW_END_CAPPED;
		first = false;
	}
	return UW_END_COMPLETE;
}

const struct unwind_ops unwind_fp_ops = {
	.name = "fp",
	.unwind = fp_unwind,
};
