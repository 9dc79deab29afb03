// SPDX-License-Identifier: Apache-2.0
/*
 * The one path from a sample to a stack, without perf events: every
 * unwinder turns a sample without registers into the stack of its
 * callchain, a sample without a callchain into its IP, a chain deeper than
 * the cap into a truncated stack; and the pipeline's stack path takes
 * on-CPU and off-CPU samples alike through unwinder__unwind() into the
 * aggregator.
 */
#include <criterion/criterion.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/pipeline/pipeline_internal.h"
#include "helpers/helpers.h"
#include "procmaps.h"
#include "unwinder.h"
#include "xalloc.h"

#define K1 0xffffffff81000010ULL
#define K2 0xffffffff81000020ULL

static const enum unwinder_kind kinds[] = {UNWINDER_FP, UNWINDER_LIBDW, UNWINDER_LIBUNWIND};

/* Unwinds @s with every unwinder built in, expecting @want (@n frames) and @truncated. */
static void expect_every_unwinder(const struct raw_sample *s, const struct frame_addr *want,
				  uint32_t n, bool truncated)
{
	struct procmaps *pm = procmaps__new();
	struct addr_stack st = {0};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct unwinder *uw;

		if (!unwinder__available(kinds[k]))
			continue;
		uw = unwinder__new(&(struct unwinder_opts){.kind = kinds[k]}, pm);
		cr_assert_not_null(uw, "%s", unwinder__name(kinds[k]));
		cr_assert_eq(unwinder__unwind(uw, s, &st, 0), 0, "%s", unwinder__name(kinds[k]));
		cr_expect_eq(st.n, n, "%s: %u frames", unwinder__name(kinds[k]), st.n);
		for (uint32_t i = 0; i < n && i < st.n; i++) {
			cr_expect_eq(st.frames[i].addr, want[i].addr, "%s: frame %u",
				     unwinder__name(kinds[k]), i);
			cr_expect_eq(st.frames[i].flags, want[i].flags, "%s: frame %u",
				     unwinder__name(kinds[k]), i);
		}
		cr_expect_eq(st.truncated, truncated, "%s", unwinder__name(kinds[k]));
		unwinder__free(uw);
	}
	addr_stack__release(&st);
	procmaps__free(pm);
}

Test(stack_path, a_sample_without_registers_is_its_callchain_for_every_unwinder)
{
	/* As the off-CPU program gives them: kernel stack, then the frame-pointer user stack. */
	const uint64_t chain[] = {(uint64_t)PERF_CONTEXT_KERNEL, K1,	   K2,
				  (uint64_t)PERF_CONTEXT_USER,	 0x401000, 0x402000};
	const struct raw_sample s = {.pid = 7, .tid = 7, .callchain = chain, .nr_callchain = 6};
	static const struct frame_addr want[] = {
		{K1, FRAME_ADDR_KERNEL},
		{K2, FRAME_ADDR_KERNEL | FRAME_ADDR_RETURN},
		{0x401000, 0},
		{0x402000, FRAME_ADDR_RETURN},
	};

	expect_every_unwinder(&s, want, 4, false);
}

Test(stack_path, a_sample_without_callchain_is_its_ip)
{
	struct raw_sample s = {.pid = 7, .tid = 7, .ip = 0x401234, .user_mode = true};
	const struct frame_addr user[] = {{0x401234, 0}}, kernel[] = {{K1, FRAME_ADDR_KERNEL}};

	expect_every_unwinder(&s, user, 1, false);
	s.user_mode = false;
	s.ip = K1;
	expect_every_unwinder(&s, kernel, 1, false);
	s.ip = 0;
	expect_every_unwinder(&s, NULL, 0, false);
}

Test(stack_path, a_chain_deeper_than_the_cap_is_truncated)
{
	uint64_t *chain = xcalloc(UNWIND_MAX_FRAMES + 100, sizeof(*chain));
	struct frame_addr *want = xcalloc(UNWIND_MAX_FRAMES, sizeof(*want));
	struct raw_sample s = {
		.pid = 7, .tid = 7, .callchain = chain, .nr_callchain = UNWIND_MAX_FRAMES + 100};

	chain[0] = (uint64_t)PERF_CONTEXT_USER;
	for (uint32_t i = 1; i < UNWIND_MAX_FRAMES + 100; i++)
		chain[i] = 0x400000 + 16 * i;
	for (uint32_t i = 0; i < UNWIND_MAX_FRAMES; i++)
		want[i] = (struct frame_addr){chain[i + 1], i ? FRAME_ADDR_RETURN : 0};
	expect_every_unwinder(&s, want, UNWIND_MAX_FRAMES, true);
	free(chain);
	free(want);
}

/* A symbol source that names each address after itself, every process "app". */
static const struct mapping anywhere = {.start = 0, .end = UINT64_MAX, .path = "/app"};

static const struct mapping *any_find(void *ctx, pid_t pid, uint64_t addr, uint64_t time)
{
	return &anywhere;
}

static char *name_of(uint64_t addr)
{
	static char names[64][24];
	static unsigned next;
	char *n = names[next++ % 64];

	snprintf(n, sizeof(names[0]), "f%llx", (unsigned long long)addr);
	return n;
}

static int any_user(void *ctx, pid_t pid, const struct mapping *m, uint64_t addr, bool is_return,
		    struct sym_info out[SYMTAB_MAX_INLINE])
{
	out[0] = (struct sym_info){.name = name_of(addr - is_return), .module = "/app"};
	return 1;
}

static int any_kernel(void *ctx, uint64_t addr, bool is_return, struct sym_info *out)
{
	*out = (struct sym_info){.name = name_of(addr - is_return)};
	return 1;
}

static const char *any_name(void *ctx, pid_t pid, pid_t tid, uint64_t time)
{
	return "app";
}

static const struct sym_source_ops any_ops = {
	.find = any_find, .resolve_user = any_user, .resolve_kernel = any_kernel, .name = any_name};

Test(stack_path, on_and_off_cpu_samples_reach_the_aggregator_alike)
{
	const uint64_t oncpu[] = {(uint64_t)PERF_CONTEXT_USER, 0x401000, 0x402001};
	const uint64_t offcpu[] = {(uint64_t)PERF_CONTEXT_KERNEL, K1, (uint64_t)PERF_CONTEXT_USER,
				   0x401000, 0x402001};
	struct procmaps *pm = procmaps__new();
	struct stack_path sp;
	struct stackagg_result res;
	struct profile *p = profile__new();
	char *text;

	cr_assert_eq(stack_path__init(&sp, &(struct capture_opts){.oncpu = true}, pm), 0);
	sp.sa = stackagg__new(&any_ops, NULL);
	for (int i = 0; i < 3; i++)
		stack_path__add(&sp,
				&(struct raw_sample){.pid = 7,
						     .tid = 7,
						     .period = 1000000,
						     .callchain = oncpu,
						     .nr_callchain = 3},
				0, STACKAGG_ONCPU);
	stack_path__add(&sp,
			&(struct raw_sample){.pid = 7,
					     .tid = 8,
					     .period = 5000000,
					     .callchain = offcpu,
					     .nr_callchain = 5},
			0, STACKAGG_OFFCPU);
	stack_path__flush(&sp, true);
	cr_expect_eq(stackagg__count(sp.sa), 2);
	stackagg__build(sp.sa,
			&(struct stackagg_build_opts){.time_weights = true, .offcpu_leaf = true}, p,
			&res);
	text = th_folded(p);
	cr_expect_str_eq(text, "app;f402000;f401000 3000\n"
			       "app;f402000;f401000;fffffffff81000010;[off-cpu] 5000\n");
	free(text);
	profile__free(p);
	stackagg__free(sp.sa);
	stack_path__release(&sp);
	procmaps__free(pm);
}
