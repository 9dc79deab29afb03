// SPDX-License-Identifier: Apache-2.0
/*
 * x86_64: which user registers a DWARF sample asks for, and how the
 * kernel's PERF_REG_X86_* numbering maps to DWARF's (System V psABI
 * figure 3.36: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, then the return
 * address column 16 = rip).
 *
 * The kernel refuses (EINVAL) a mask with the segment registers DS, ES, FS,
 * GS; every other register up to R15 is asked for, 0xff0fff. Sampled
 * registers arrive packed in ascending bit order of the mask.
 */
#include "../unwind_internal.h"

#if defined(__x86_64__)

#include <asm/perf_regs.h>
#include <linux/perf_event.h>

#define SEGMENT_REGS                                                                               \
	((1ULL << PERF_REG_X86_DS) | (1ULL << PERF_REG_X86_ES) | (1ULL << PERF_REG_X86_FS) |       \
	 (1ULL << PERF_REG_X86_GS))

/* DWARF register -> PERF_REG_X86_*. */
static const uint8_t dwarf_to_perf[ARCH_DWARF_NREGS] = {
	PERF_REG_X86_AX,  PERF_REG_X86_DX,  PERF_REG_X86_CX,  PERF_REG_X86_BX,	PERF_REG_X86_SI,
	PERF_REG_X86_DI,  PERF_REG_X86_BP,  PERF_REG_X86_SP,  PERF_REG_X86_R8,	PERF_REG_X86_R9,
	PERF_REG_X86_R10, PERF_REG_X86_R11, PERF_REG_X86_R12, PERF_REG_X86_R13, PERF_REG_X86_R14,
	PERF_REG_X86_R15, PERF_REG_X86_IP,
};

uint64_t arch__perf_regs_mask(void)
{
	return ((1ULL << PERF_REG_X86_64_MAX) - 1) & ~SEGMENT_REGS;
}

bool arch__dwarf_regs(const struct raw_sample *s, uint64_t out[ARCH_DWARF_NREGS])
{
	const uint64_t need = (1ULL << PERF_REG_X86_IP) | (1ULL << PERF_REG_X86_SP);
	int i;

	if (s->abi != PERF_SAMPLE_REGS_ABI_64 || !s->regs || (s->regs_mask & need) != need)
		return false;
	for (i = 0; i < ARCH_DWARF_NREGS; i++) {
		unsigned int r = dwarf_to_perf[i];
		uint32_t idx;

		out[i] = 0;
		if (!(s->regs_mask & (1ULL << r)))
			continue;
		idx = (uint32_t)__builtin_popcountll(s->regs_mask & ((1ULL << r) - 1));
		if (idx < s->nr_regs)
			out[i] = s->regs[idx];
	}
	return true;
}

#else /* no DWARF unwinding on this architecture yet */

uint64_t arch__perf_regs_mask(void)
{
	return 0;
}

bool arch__dwarf_regs(const struct raw_sample *s, uint64_t out[ARCH_DWARF_NREGS])
{
	return false;
}

#endif
