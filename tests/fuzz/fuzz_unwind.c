// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the DWARF unwinders (unwinder.c, unwind_libdw.c,
 * unwind_libunwind.c) on a hand-made --call-graph dwarf sample, as
 * tests/test_unwind.c makes them, with mutated registers, stack copy and
 * CFI. The input is
 *
 *	u8  sel       backend and flags (enum below)
 *	u8  nregs     registers the sample claims (0: all of the mask)
 *	u16 stack_len bytes of stack copy that follow the registers
 *	u32 ip_off    where in the module's first executable mapping the IP is
 *	u64 regs[]    the registers of unwinder__perf_regs_mask(), perf's order
 *	u8  stack[stack_len]
 *	ELF image     the rest: a module mapped at FUZZ_MOD_BASE (its .eh_frame
 *	              is the CFI), when at least an ELF header long
 *
 * The process also maps this machine's libc (a real module, real CFI) at
 * FUZZ_LIBC_BASE when sel asks for it or when there is no ELF image. Words
 * of the registers and the stack whose top 16 bits are a tag are turned
 * into addresses, so that mutations can build chains: 0xf1f1 = module +
 * low 32 bits, 0xf2f2 = libc + low 32 bits, 0xf5f5 = stack + low 32 bits.
 * Unless sel says the registers are raw, IP and SP are set from ip_off and
 * the stack base. Seeds are a small header and a workload binary
 * (tools/fuzz.sh).
 */
#include <errno.h>
#include <link.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <asm/perf_regs.h>
#endif

#include "fuzz_support.h"
#include "procmaps.h"
#include "unwinder.h"

enum {
	SEL_KIND = 3,		/* 0 libdw, 1 libdw without rule cache, 2 libunwind, 3 fp */
	SEL_LIBC = 1 << 2,	/* map libc too */
	SEL_RAW_REGS = 1 << 3,	/* keep IP and SP as given */
	SEL_ABI32 = 1 << 4,	/* a 32-bit process: no DWARF unwinding */
	SEL_FULL_COPY = 1 << 5, /* the copy filled the request (a cut stack) */
	SEL_NOT_FINAL = 1 << 6, /* -EAGAIN allowed */
	SEL_TWICE = 1 << 7,	/* unwind again: cached state and rules */
};

#define MAX_REGS 64

struct image {
	uint8_t *data;
	size_t size;
	char path[4096];
	bool tried;
};

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct image *im = arg;

	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so")) {
		snprintf(im->path, sizeof(im->path), "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/* This process's libc, read once. NULL when it cannot be found. */
static const struct image *libc_image(void)
{
	static struct image im;
	FILE *f;
	long len;

	if (im.tried)
		return im.data ? &im : NULL;
	im.tried = true;
	if (!dl_iterate_phdr(find_libc, &im) || !(f = fopen(im.path, "rb")))
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		im.data = malloc((size_t)len);
		if (im.data && fread(im.data, 1, (size_t)len, f) == (size_t)len) {
			im.size = (size_t)len;
		} else {
			free(im.data);
			im.data = NULL;
		}
	}
	fclose(f);
	return im.data ? &im : NULL;
}

static uint64_t reloc(uint64_t w)
{
	switch (w >> 48) {
	case 0xf1f1: return FUZZ_MOD_BASE + (uint32_t)w;
	case 0xf2f2: return FUZZ_LIBC_BASE + (uint32_t)w;
	case 0xf5f5: return FUZZ_STACK_BASE + (uint32_t)w;
	default: return w;
	}
}

/* Index of perf register @r among the packed registers of @mask. */
static int reg_index(uint64_t mask, int r)
{
	return __builtin_popcountll(mask & ((1ULL << r) - 1));
}

static void unwind_once(struct unwinder *uw, const struct raw_sample *s, struct addr_stack *stk,
			unsigned int flags)
{
	volatile uint64_t sink = 0;
	int ret = unwinder__unwind(uw, s, stk, flags);
	uint32_t i;

	if (ret && ret != -EAGAIN)
		abort(); /* documented: 0, or -EAGAIN without UNWIND_F_FINAL */
	if (ret == -EAGAIN && (flags & UNWIND_F_FINAL))
		abort();
	if (stk->n > UNWIND_MAX_FRAMES + 1)
		abort();
	for (i = 0; i < stk->n; i++)
		sink += stk->frames[i].addr ^ stk->frames[i].flags;
	(void)sink;
}

int fuzz_unwind(const uint8_t *data, size_t size)
{
#if defined(__x86_64__)
	const uint64_t kernel_chain[] = {(uint64_t)PERF_CONTEXT_KERNEL, 0xffffffff81000010ULL,
					 0xffffffff81000020ULL, (uint64_t)PERF_CONTEXT_USER};
	struct fuzz_in in = {data, size};
	struct mapping maps[2 * FUZZ_MAX_MAPS];
	const struct mapping *text = NULL;
	const struct image *libc = NULL;
	uint64_t regs[MAX_REGS], mask = unwinder__perf_regs_mask();
	uint8_t sel, cut;
	uint16_t stack_len;
	uint32_t ip_off;
	int nregs = __builtin_popcountll(mask), n = 0, i, fd = -1;
	const uint8_t *elf, *stack_in;
	size_t got, elf_size;
	uint8_t *stack;
	char path[32];
	struct procmaps *pm;
	struct unwinder *uw;
	struct unwinder_opts uo = {0};
	struct unwinder_stats us;
	struct addr_stack stk = {0};
	struct raw_sample s;

	fuzz_quiet();
	if (!mask || nregs > MAX_REGS)
		return 0;
	sel = (uint8_t)fuzz_take(&in, 1);
	cut = (uint8_t)fuzz_take(&in, 1);
	stack_len = (uint16_t)fuzz_take(&in, 2);
	ip_off = (uint32_t)fuzz_take(&in, 4);
	for (i = 0; i < nregs; i++)
		regs[i] = reloc(fuzz_take(&in, 8));
	stack_in = fuzz_take_bytes(&in, stack_len, &got);
	/* Exactly sized: the unwinders must not read past the copy. */
	stack = fuzz_dup(stack_in, got);
	for (size_t off = 0; off + 8 <= got; off += 8) {
		uint64_t w;

		memcpy(&w, stack + off, 8);
		w = reloc(w);
		memcpy(stack + off, &w, 8);
	}
	elf = fuzz_take_bytes(&in, in.left, &elf_size);

	pm = procmaps__new();
	if (elf_size >= sizeof(Elf64_Ehdr)) {
		fd = fuzz_memfd("fuzz-unwind", elf, elf_size, path);
		if (fd >= 0)
			n = fuzz_elf_mappings(elf, elf_size, FUZZ_MOD_BASE, path, true, maps,
					      FUZZ_MAX_MAPS);
	}
	if ((sel & SEL_LIBC) || !n) {
		libc = libc_image();
		if (libc)
			n += fuzz_elf_mappings(libc->data, libc->size, FUZZ_LIBC_BASE, libc->path,
					       true, maps + n, FUZZ_MAX_MAPS);
	}
	for (i = 0; i < n; i++) {
		procmaps__mmap(pm, FUZZ_PID, 1, &maps[i]);
		if (!text && (maps[i].prot & PROT_EXEC))
			text = &maps[i];
	}
	if (!(sel & SEL_RAW_REGS)) {
		regs[reg_index(mask, PERF_REG_X86_SP)] = FUZZ_STACK_BASE;
		if (text)
			regs[reg_index(mask, PERF_REG_X86_IP)] =
				text->start + ip_off % (text->end - text->start);
	}
	s = (struct raw_sample){
		.pid = FUZZ_PID,
		.tid = FUZZ_PID + (sel & 1),
		.time = 2,
		.ip = regs[reg_index(mask, PERF_REG_X86_IP)],
		.user_mode = true,
		.callchain = kernel_chain,
		.nr_callchain = sizeof(kernel_chain) / sizeof(kernel_chain[0]),
		.abi = (sel & SEL_ABI32) ? PERF_SAMPLE_REGS_ABI_32 : PERF_SAMPLE_REGS_ABI_64,
		.regs = regs,
		.nr_regs = cut && cut < nregs ? cut : nregs,
		.regs_mask = mask,
		.stack = got ? stack : NULL,
		.stack_size = got,
		.stack_requested = (sel & SEL_FULL_COPY) ? got : got + 8,
	};

	switch (sel & SEL_KIND) {
	case 0: uo.kind = UNWINDER_LIBDW; break;
	case 1: uo = (struct unwinder_opts){.kind = UNWINDER_LIBDW, .no_rule_cache = true}; break;
	case 2: uo.kind = UNWINDER_LIBUNWIND; break;
	default: uo.kind = UNWINDER_FP; break;
	}
	if (!unwinder__available(uo.kind))
		uo.kind = UNWINDER_LIBDW;
	uw = unwinder__new(&uo, pm);
	if (uw) {
		unsigned int flags = (sel & SEL_NOT_FINAL) ? 0 : UNWIND_F_FINAL;

		unwind_once(uw, &s, &stk, flags);
		if (sel & SEL_TWICE)
			unwind_once(uw, &s, &stk, UNWIND_F_FINAL);
		unwinder__stats(uw, &us);
		if (us.samples > 2 || us.complete > us.samples)
			abort();
	}
	unwinder__free(uw);
	addr_stack__release(&stk);
	procmaps__free(pm);
	free(stack);
	if (fd >= 0)
		close(fd);
#else
	(void)data;
	(void)size;
#endif
	return 0;
}

FUZZ_MAIN(fuzz_unwind)
