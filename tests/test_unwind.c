// SPDX-License-Identifier: Apache-2.0
/*
 * The unwind stage in-process (the approach of torvalds/linux
 * tools/perf/tests/dwarf-unwind.c): a noinline chain calls qsort, whose
 * comparator captures its own registers (a few lines of assembly) and
 * copies its stack into a raw_sample, as the kernel would for
 * --call-graph dwarf. Each backend unwinds that sample, the frames are
 * symbolized, and the exact names are checked - for a copy of the chain
 * built with frame pointers and one built without. Then real kernel
 * samples of this process (sampler, PERF_SAMPLE_STACK_USER) are unwound by
 * libdw and libunwind, which must agree frame for frame.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "procmaps.h"
#include "sampler.h"
#include "symtab.h"
#include "unwinder.h"
#include "xalloc.h"

TestSuite(unwind, .timeout = 60);

/* Where qsort calls the comparator from: libc, or ASan's interceptor that replaces it. */
#ifdef __SANITIZE_ADDRESS__
#define CALLBACK_LIB "libasan.so"
#else
#define CALLBACK_LIB "libc.so"
#endif

#define COPY_SIZE 32768
#define NREGS	  20 /* popcount(0xff0fff) */

/* A sample of this very thread, as the kernel would copy it. */
struct self_sample {
	uint64_t regs[NREGS]; /* PERF_REG_X86_* order, mask 0xff0fff */
	uint8_t *stack;
	size_t size, requested;
	bool taken;
};

#if defined(__x86_64__)
/*
 * unwind_test_capture(regs): stores the registers as they will be in the
 * caller right after this returns - IP the return address, SP above it -
 * in perf's order for the mask 0xff0fff (AX BX CX DX SI DI BP SP IP FLAGS
 * CS SS R8..R15). Callee-saved registers are left untouched.
 */
__asm__(".text\n"
	".globl unwind_test_capture\n"
	".type unwind_test_capture, @function\n"
	"unwind_test_capture:\n"
	".cfi_startproc\n"
	"	movq %rax, 0(%rdi)\n"
	"	movq %rbx, 8(%rdi)\n"
	"	movq %rcx, 16(%rdi)\n"
	"	movq %rdx, 24(%rdi)\n"
	"	movq %rsi, 32(%rdi)\n"
	"	movq %rdi, 40(%rdi)\n"
	"	movq %rbp, 48(%rdi)\n"
	"	leaq 8(%rsp), %rax\n"
	"	movq %rax, 56(%rdi)\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, 64(%rdi)\n"
	"	movq $0, 72(%rdi)\n"
	"	movq $0, 80(%rdi)\n"
	"	movq $0, 88(%rdi)\n"
	"	movq %r8, 96(%rdi)\n"
	"	movq %r9, 104(%rdi)\n"
	"	movq %r10, 112(%rdi)\n"
	"	movq %r11, 120(%rdi)\n"
	"	movq %r12, 128(%rdi)\n"
	"	movq %r13, 136(%rdi)\n"
	"	movq %r14, 144(%rdi)\n"
	"	movq %r15, 152(%rdi)\n"
	"	ret\n"
	".cfi_endproc\n"
	".size unwind_test_capture, .-unwind_test_capture\n");
void unwind_test_capture(uint64_t *regs);
#define HAVE_CAPTURE 1
#endif

/*
 * The kernel copies the stack raw; so do we, past ASan's redzones (a loop
 * over volatile bytes, which no compiler turns into an intercepted memcpy).
 */
__attribute__((no_sanitize_address)) static void raw_copy(uint8_t *dst, const uint8_t *src,
							  size_t n)
{
	const volatile uint8_t *s = src;
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = s[i];
}

/* Copies the stack from the captured SP up to the end of this thread's stack. */
__attribute__((noinline)) static void copy_stack(struct self_sample *ss, size_t limit)
{
	pthread_attr_t attr;
	void *lo;
	size_t len;
	uint64_t sp = ss->regs[7], top;

	cr_assert_eq(pthread_getattr_np(pthread_self(), &attr), 0);
	cr_assert_eq(pthread_attr_getstack(&attr, &lo, &len), 0);
	pthread_attr_destroy(&attr);
	top = (uint64_t)(uintptr_t)lo + len;
	cr_assert(sp < top, "sp 0x%llx outside the stack", (unsigned long long)sp);
	ss->size = top - sp < limit ? top - sp : limit;
	ss->requested = limit;
	ss->stack = xmalloc(ss->size);
	raw_copy(ss->stack, (const uint8_t *)(uintptr_t)sp, ss->size);
	ss->taken = true;
}

static struct self_sample *capture_into;
static size_t capture_limit = COPY_SIZE;

#define BARRIER() __asm__ __volatile__("" ::: "memory")

/*
 * The chain, twice: with and without frame pointers. noipa keeps gcc from
 * cloning or inlining; the barrier after each call keeps it from becoming
 * a tail call.
 */
#define DEFINE_CHAIN(tag, fp)                                                                      \
	__attribute__((noipa, optimize(fp))) static int tag##_compare(const void *a,               \
								      const void *b)               \
	{                                                                                          \
		int x = *(const int *)a, y = *(const int *)b;                                      \
		if (capture_into && !capture_into->taken) {                                        \
			unwind_test_capture(capture_into->regs);                                   \
			copy_stack(capture_into, capture_limit);                                   \
		}                                                                                  \
		BARRIER();                                                                         \
		return (x > y) - (x < y);                                                          \
	}                                                                                          \
	__attribute__((noipa, optimize(fp))) static void tag##_sorter(void)                        \
	{                                                                                          \
		int v[8] = {7, 3, 5, 1, 6, 2, 4, 0};                                               \
		qsort(v, 8, sizeof(v[0]), tag##_compare);                                          \
		BARRIER();                                                                         \
	}                                                                                          \
	__attribute__((noipa, optimize(fp))) static void tag##_level2(void)                        \
	{                                                                                          \
		tag##_sorter();                                                                    \
		BARRIER();                                                                         \
	}                                                                                          \
	__attribute__((noipa, optimize(fp))) static void tag##_level1(void)                        \
	{                                                                                          \
		tag##_level2();                                                                    \
		BARRIER();                                                                         \
	}

#ifdef HAVE_CAPTURE
DEFINE_CHAIN(chain_fp, "no-omit-frame-pointer")
DEFINE_CHAIN(chain_nofp, "omit-frame-pointer")
#endif

static struct raw_sample as_raw(const struct self_sample *ss)
{
	return (struct raw_sample){
		.pid = (uint32_t)getpid(),
		.tid = (uint32_t)syscall(SYS_gettid),
		.time = 1,
		.ip = ss->regs[8],
		.user_mode = true,
		.abi = PERF_SAMPLE_REGS_ABI_64,
		.regs = ss->regs,
		.nr_regs = NREGS,
		.regs_mask = unwinder__perf_regs_mask(),
		.stack = ss->stack,
		.stack_size = ss->size,
		.stack_requested = ss->requested,
	};
}

struct named_frame {
	char name[128];
	char module[256];
};

/* Symbolizes the user frames of @st into @out; returns how many. */
static size_t symbolize(struct procmaps *pm, struct symtab *st, const struct addr_stack *stk,
			struct named_frame *out, size_t max)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < stk->n && n < max; i++) {
		const struct frame_addr *f = &stk->frames[i];
		const struct mapping *m;
		struct sym_info si[SYMTAB_MAX_INLINE];
		int k;

		if (f->flags & FRAME_ADDR_KERNEL)
			continue;
		m = procmaps__find(pm, getpid(), f->addr, 1);
		k = symtab__resolve_user(st, getpid(), m, f->addr, f->flags & FRAME_ADDR_RETURN,
					 si);
		snprintf(out[n].name, sizeof(out[n].name), "%s",
			 k > 0 && si[k - 1].name ? si[k - 1].name : "?");
		snprintf(out[n].module, sizeof(out[n].module), "%s",
			 k > 0 && si[k - 1].module ? si[k - 1].module : "?");
		n++;
	}
	return n;
}

static char *describe(const struct named_frame *f, size_t n)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&s, &len);

	for (i = 0; i < n; i++)
		fprintf(fp, "  #%zu %s (%s)\n", i, f[i].name, f[i].module);
	fclose(fp);
	return s;
}

/*
 * Checks the chain's frames, leaf first: compare, then at least one frame
 * of libc (qsort's internals), then sorter, level2, level1, and on to
 * _start with nothing truncated.
 */
static void check_chain(const char *tag, const struct addr_stack *stk, struct procmaps *pm,
			struct symtab *st, const char *backend)
{
	struct named_frame f[UNWIND_MAX_FRAMES];
	char want[4][64];
	size_t n = symbolize(pm, st, stk, f, UNWIND_MAX_FRAMES), i = 1, libc = 0, k;
	char *text = describe(f, n);

	snprintf(want[0], sizeof(want[0]), "%s_compare", tag);
	snprintf(want[1], sizeof(want[1]), "%s_sorter", tag);
	snprintf(want[2], sizeof(want[2]), "%s_level2", tag);
	snprintf(want[3], sizeof(want[3]), "%s_level1", tag);
	cr_assert_geq(n, 6, "%s: %zu frames:\n%s", backend, n, text);
	cr_assert_str_eq(f[0].name, want[0], "%s: leaf:\n%s", backend, text);
	while (i < n && strcmp(f[i].name, want[1])) {
		libc += strstr(f[i].module, CALLBACK_LIB) != NULL;
		i++;
	}
	cr_assert_gt(libc, 0, "%s: no %s frame between the comparator and its caller:\n%s", backend,
		     CALLBACK_LIB, text);
	for (k = 1; k < 4; k++, i++)
		cr_assert(i < n && !strcmp(f[i].name, want[k]), "%s: want %s at #%zu:\n%s", backend,
			  want[k], i, text);
	cr_assert(!stk->truncated, "%s: truncated:\n%s", backend, text);
	for (k = 0; k < n && strcmp(f[k].name, "_start"); k++)
		;
	cr_assert(k == n - 1, "%s: does not end in _start:\n%s", backend, text);
	free(text);
}

static const enum unwinder_kind dwarf_kinds[] = {UNWINDER_LIBDW, UNWINDER_LIBUNWIND};

/* Unwinds @s once with a new unwinder of @kind; false when @kind is not built in. */
static bool unwind_with(enum unwinder_kind kind, const struct procmaps *pm,
			const struct raw_sample *s, struct addr_stack *stk,
			struct unwinder_stats *us)
{
	struct unwinder *uw;

	if (!unwinder__available(kind))
		return false;
	uw = unwinder__new(&(struct unwinder_opts){.kind = kind}, pm);
	cr_assert_not_null(uw, "unwinder__new %s: %s", unwinder__name(kind), strerror(errno));
	cr_assert_eq(unwinder__unwind(uw, s, stk, UNWIND_F_FINAL), 0);
	unwinder__stats(uw, us);
	unwinder__free(uw);
	return true;
}

static void self_chain(const char *tag, void (*level1)(void))
{
	struct self_sample ss = {0};
	struct procmaps *pm = procmaps__new();
	struct symtab *st = symtab__new(&(struct symtab_opts){0});
	struct addr_stack stk[2] = {{0}};
	struct raw_sample s;
	size_t k, done = 0;

	capture_into = &ss;
	level1();
	capture_into = NULL;
	cr_assert(ss.taken, "the comparator never ran");
	cr_assert_eq(procmaps__snapshot(pm, getpid(), 1), 0);
	s = as_raw(&ss);
	for (k = 0; k < 2; k++) {
		struct unwinder_stats us;

		if (!unwind_with(dwarf_kinds[k], pm, &s, &stk[k], &us))
			continue;
		check_chain(tag, &stk[k], pm, st, unwinder__name(dwarf_kinds[k]));
		done++;
	}
	cr_assert_gt(done, 0, "no DWARF unwinder built in");
	if (done == 2)
		cr_expect(addr_stack__equal(&stk[0], &stk[1]), "libdw and libunwind differ");
	addr_stack__release(&stk[0]);
	addr_stack__release(&stk[1]);
	free(ss.stack);
	symtab__free(st);
	procmaps__free(pm);
}

#ifdef HAVE_CAPTURE
Test(unwind, qsort_callback_chain_with_frame_pointers)
{
	self_chain("chain_fp", chain_fp_level1);
}

Test(unwind, qsort_callback_chain_without_frame_pointers)
{
	self_chain("chain_nofp", chain_nofp_level1);
}

Test(unwind, short_copy_is_truncated_and_counted)
{
	struct self_sample ss = {0};
	struct procmaps *pm = procmaps__new();
	struct addr_stack stk = {0};
	struct unwinder_stats us;
	struct raw_sample s;
	size_t k;

	capture_limit = 256; /* a few frames' worth: the copy is full */
	capture_into = &ss;
	chain_nofp_level1();
	capture_into = NULL;
	capture_limit = COPY_SIZE;
	cr_assert(ss.taken);
	cr_assert_eq(ss.size, 256);
	cr_assert_eq(procmaps__snapshot(pm, getpid(), 1), 0);
	s = as_raw(&ss);
	for (k = 0; k < 2; k++) {
		if (!unwind_with(dwarf_kinds[k], pm, &s, &stk, &us))
			continue;
		cr_expect(stk.truncated, "%s", unwinder__name(dwarf_kinds[k]));
		cr_expect_geq(stk.n, 1);
		cr_expect_eq(us.samples, 1);
		cr_expect_eq(us.complete, 0);
		cr_expect_eq(us.truncated_copy, 1, "%s", unwinder__name(dwarf_kinds[k]));
	}
	addr_stack__release(&stk);
	free(ss.stack);
	procmaps__free(pm);
}

/*
 * A sample in the dynamic loader's entry code (_start, no CFI: the first
 * instructions a dynamically linked program runs) is a whole stack, not a
 * failed walk.
 */
Test(unwind, loader_entry_code_ends_the_stack)
{
	const Elf64_Ehdr *eh = (const void *)(uintptr_t)getauxval(AT_BASE);
	struct procmaps *pm = procmaps__new();
	uint64_t stack[8] = {0};
	struct self_sample ss = {
		.stack = (uint8_t *)stack, .size = sizeof(stack), .requested = COPY_SIZE};
	struct unwinder_stats us;
	struct addr_stack stk = {0};
	struct raw_sample s;
	size_t k;

	cr_assert_not_null(eh, "no AT_BASE: is the test runner dynamically linked?");
	cr_assert_eq(procmaps__snapshot(pm, getpid(), 1), 0);
	ss.regs[8] = (uint64_t)(uintptr_t)eh + eh->e_entry + 3; /* IP, in _start */
	ss.regs[7] = (uint64_t)(uintptr_t)stack;		 /* SP */
	s = as_raw(&ss);
	for (k = 0; k < 2; k++) {
		if (!unwind_with(dwarf_kinds[k], pm, &s, &stk, &us))
			continue;
		cr_expect_eq(stk.n, 1, "%s", unwinder__name(dwarf_kinds[k]));
		cr_expect_eq(stk.frames[0].addr, ss.regs[8]);
		cr_expect(!stk.truncated, "%s", unwinder__name(dwarf_kinds[k]));
		cr_expect_eq(us.complete, 1, "%s", unwinder__name(dwarf_kinds[k]));
	}
	addr_stack__release(&stk);
	procmaps__free(pm);
}
#endif

Test(unwind, fp_backend_takes_the_kernel_callchain)
{
	const uint64_t chain[] = {
		(uint64_t)PERF_CONTEXT_KERNEL,
		0xffffffff81000010ULL,
		0xffffffff81000020ULL,
		(uint64_t)PERF_CONTEXT_USER,
		0x401000,
		0x402000,
		0x403000,
	};
	struct raw_sample s = {.pid = 1, .tid = 1, .callchain = chain, .nr_callchain = 7};
	struct unwinder *uw = unwinder__new(&(struct unwinder_opts){.kind = UNWINDER_FP}, NULL);
	struct addr_stack stk = {0};
	static const struct frame_addr want[] = {
		{0xffffffff81000010ULL, FRAME_ADDR_KERNEL},
		{0xffffffff81000020ULL, FRAME_ADDR_KERNEL | FRAME_ADDR_RETURN},
		{0x401000, 0},
		{0x402000, FRAME_ADDR_RETURN},
		{0x403000, FRAME_ADDR_RETURN},
	};
	size_t i;

	cr_assert_not_null(uw);
	cr_assert_eq(unwinder__unwind(uw, &s, &stk, UNWIND_F_FINAL), 0);
	cr_assert_eq(stk.n, 5);
	for (i = 0; i < 5; i++) {
		cr_expect_eq(stk.frames[i].addr, want[i].addr, "frame %zu", i);
		cr_expect_eq(stk.frames[i].flags, want[i].flags, "frame %zu", i);
	}
	cr_expect(!stk.truncated);
	addr_stack__release(&stk);
	unwinder__free(uw);
}

Test(unwind, names_and_availability)
{
	enum unwinder_kind k;

	cr_assert_eq(unwinder__parse("libdw", &k), 0);
	cr_assert_eq(k, UNWINDER_LIBDW);
	cr_assert_eq(unwinder__parse("libunwind", &k), 0);
	cr_assert_eq(k, UNWINDER_LIBUNWIND);
	cr_assert_eq(unwinder__parse("lbr", &k), -EINVAL);
	cr_assert(unwinder__available(UNWINDER_FP));
#if defined(__x86_64__)
	cr_assert_eq(unwinder__perf_regs_mask(), 0xff0fffULL);
#endif
#ifndef HAVE_LIBUNWIND
	cr_assert(!unwinder__available(UNWINDER_LIBUNWIND));
	cr_assert_null(unwinder__new(&(struct unwinder_opts){.kind = UNWINDER_LIBUNWIND}, NULL));
	cr_assert_eq(errno, EOPNOTSUPP);
#endif
}

/* ---- real kernel samples of this thread, unwound by both backends ------- */

struct both {
	struct unwinder_opts opts[2];
	struct unwinder_stats st[2];
	struct unwinder *uw[2];
	struct procmaps *pm;
	struct addr_stack stk[2];
	uint64_t samples, user, differ, complete[2];
	char first_diff[4096];
};

static int on_both_sample(const struct raw_sample *s, void *arg)
{
	struct both *b = arg;
	int k;

	b->samples++;
	if (!s->abi)
		return 0;
	b->user++;
	for (k = 0; k < 2; k++) {
		cr_assert_eq(unwinder__unwind(b->uw[k], s, &b->stk[k], UNWIND_F_FINAL), 0);
		b->complete[k] += !b->stk[k].truncated;
	}
	if (!addr_stack__equal(&b->stk[0], &b->stk[1]) && !b->differ++) {
		size_t len = 0;
		uint32_t i;

		for (k = 0; k < 2; k++) {
			len += (size_t)snprintf(b->first_diff + len, sizeof(b->first_diff) - len,
						"%s%s:", k ? "\n" : "",
						unwinder__name(b->opts[k].kind));
			for (i = 0; i < b->stk[k].n && len < sizeof(b->first_diff) - 40; i++)
				len += (size_t)snprintf(
					b->first_diff + len, sizeof(b->first_diff) - len,
					" %llx/%x", (unsigned long long)b->stk[k].frames[i].addr,
					b->stk[k].frames[i].flags);
		}
	}
	return 0;
}

static int on_both_record(const struct sampler_record *r, void *arg)
{
	sampler_record__apply(r, ((struct both *)arg)->pm);
	return 0;
}

static volatile uint64_t spin_sink;

__attribute__((noipa)) static int spin_compare(const void *a, const void *b)
{
	uint64_t h = spin_sink, i;

	for (i = 0; i < 200; i++)
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
	spin_sink = h;
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

__attribute__((noipa)) static void spin_work(void)
{
	static int v[256];
	size_t i;

	for (i = 0; i < 256; i++)
		v[i] = (int)((i * 7919) % 256);
	qsort(v, 256, sizeof(v[0]), spin_compare);
	BARRIER();
}

/*
 * Samples this thread for 0.6 s of its CPU time (about 600 samples at
 * 999 Hz, however busy the machine) while it sorts through libc and reads
 * its CPU clock; b->opts says how to unwind each sample twice. Asserts
 * that the two stacks of every sample are the same.
 */
static void unwind_twice(struct both *b)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct sampler *sp;
	struct sampler_callbacks cbs = {.sample = on_both_sample, .record = on_both_record};
	struct timespec t0, t;
	int k;

	th_require_perf(false);
	th_sampling_lock(false);
	b->pm = procmaps__new();
	cr_assert_eq(procmaps__snapshot(b->pm, getpid(), 0), 0);
	for (k = 0; k < 2; k++) {
		b->uw[k] = unwinder__new(&b->opts[k], b->pm);
		cr_assert_not_null(b->uw[k]);
	}
	sp = sampler__new(&(struct sampler_opts){.target = SAMPLER_TIDS,
						 .pids = &tid,
						 .npids = 1,
						 .freq = 999,
						 .regs_user = unwinder__perf_regs_mask(),
						 .stack_user = 16384});
	cr_assert_not_null(sp, "sampler__new: %s", strerror(errno));
	cr_assert_eq(sampler__enable(sp), 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		spin_work();
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 600);
	sampler__disable(sp);
	cr_assert_eq(sampler__poll(sp, 0, &cbs, b), 0);
	cr_assert_gt(b->user, 100, "only %llu user samples", (unsigned long long)b->user);
	cr_expect_eq(b->differ, 0, "%llu of %llu samples differ; first:\n%s",
		     (unsigned long long)b->differ, (unsigned long long)b->user, b->first_diff);
	/* Every sample of this loop unwinds to _start. */
	cr_expect_geq(b->complete[0], b->user * 99 / 100, "complete %llu of %llu",
		      (unsigned long long)b->complete[0], (unsigned long long)b->user);
	cr_expect_eq(b->complete[0], b->complete[1]);
	for (k = 0; k < 2; k++)
		unwinder__stats(b->uw[k], &b->st[k]);
	sampler__free(sp);
	for (k = 0; k < 2; k++) {
		unwinder__free(b->uw[k]);
		addr_stack__release(&b->stk[k]);
	}
	procmaps__free(b->pm);
}

Test(unwind, libdw_and_libunwind_agree_on_kernel_samples)
{
	struct both b = {.opts = {{.kind = UNWINDER_LIBDW}, {.kind = UNWINDER_LIBUNWIND}}};

	if (!unwinder__available(UNWINDER_LIBDW) || !unwinder__available(UNWINDER_LIBUNWIND))
		cr_skip_test("needs both libdw and libunwind built in");
	unwind_twice(&b);
}

/* The libdw backend's cache of reduced CFI rules changes no frame of any stack. */
Test(unwind, rule_cache_gives_libdws_own_stacks)
{
	struct both b = {.opts = {{.kind = UNWINDER_LIBDW},
				  {.kind = UNWINDER_LIBDW, .no_rule_cache = true}}};

	if (!unwinder__available(UNWINDER_LIBDW))
		cr_skip_test("built without libdw");
	unwind_twice(&b);
	/* The cache did the work: all but the few samples that libdw had to walk. */
	cr_expect_geq(b.st[0].from_rules, b.st[0].samples * 9 / 10, "%llu of %llu from rules",
		      (unsigned long long)b.st[0].from_rules, (unsigned long long)b.st[0].samples);
	cr_expect_eq(b.st[1].from_rules, 0);
}
