// SPDX-License-Identifier: Apache-2.0
/*
 * The stack aggregator without perf events, BPF or real binaries: synthetic
 * addr_stacks over a fake symbol source, and the folded text of what
 * stackagg__build() makes of them - merged stacks, root, thread,
 * [truncated], [unknown], kernel, inline and off-CPU frames, weights,
 * and snapshots that are prefixes of later builds.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "stackagg.h"

/* User addresses of the fake program and library; anything else is unmapped. */
#define PROG	0x400000ULL
#define LIB	0x7f0000000000ULL
#define KERN	0xffffffff81000000ULL
#define MAIN	(PROG + 0x100)
#define WORK	(PROG + 0x200)
#define LEAF	(PROG + 0x300)
#define INL	(PROG + 0x400) /* "inl" inlined into "outer" */
#define NOSYM	(PROG + 0x500) /* in the program, but no function there */
#define START	(LIB + 0x10)   /* __libc_start_call_main */
#define JIT	(LIB + 0x20)   /* unresolved until the source learns it (a growing perf map) */
#define SYSC	(KERN + 0x10)
#define ENTRY	(KERN + 0x20)
#define BPF	(KERN + 0x30)
#define TRACE	(KERN + 0x40)
#define SCHED	(KERN + 0x50)
#define NOWHERE 0x1000ULL

struct fake {
	struct mapping prog, lib;
	unsigned resolves; /* resolve_user and resolve_kernel calls */
	unsigned prepares;
	bool jit_known;
};

static struct fake fk;

static const struct mapping *fake_find(void *ctx, pid_t pid, uint64_t addr, uint64_t time)
{
	struct fake *f = ctx;

	if (addr >= PROG && addr < PROG + 0x100000)
		return &f->prog;
	if (addr >= LIB && addr < LIB + 0x100000)
		return &f->lib;
	return NULL;
}

static int fake_resolve_user(void *ctx, pid_t pid, const struct mapping *m, uint64_t addr,
			     bool is_return, struct sym_info out[SYMTAB_MAX_INLINE])
{
	struct fake *f = ctx;
	uint64_t a = is_return ? addr - 1 : addr;
	const char *name = NULL;

	f->resolves++;
	if (!m) {
		out[0] = (struct sym_info){.name = "[unknown]"};
		return 1;
	}
	switch (a & ~0xfULL) {
	case MAIN: name = "main"; break;
	case WORK: name = "work"; break;
	case LEAF: name = "leaf"; break;
	case START: name = "__libc_start_call_main"; break;
	case JIT: name = f->jit_known ? "JS:*hot" : NULL; break;
	case INL:
		out[0] = (struct sym_info){
			.name = "inl", .module = m->path, .kind = FRAME_KIND_INLINE};
		out[1] = (struct sym_info){.name = "outer", .module = m->path};
		return 2;
	}
	if (!name) {
		out[0] = (struct sym_info){.name = m == &f->prog ? "[prog]" : "[lib.so]",
					   .module = m->path};
		return 1;
	}
	out[0] = (struct sym_info){.name = name, .module = m->path, .kind = FRAME_KIND_NATIVE};
	return 1;
}

static int fake_resolve_kernel(void *ctx, uint64_t addr, bool is_return, struct sym_info *out)
{
	static const struct {
		uint64_t addr;
		const char *name;
	} ks[] = {
		{SYSC, "do_syscall_64"},
		{ENTRY, "entry_SYSCALL_64"},
		{BPF, "bpf_prog_1a2b_on_switch"},
		{TRACE, "bpf_trace_run4"},
		{SCHED, "__schedule"},
	};
	uint64_t a = (is_return ? addr - 1 : addr) & ~0xfULL;
	struct fake *f = ctx;

	f->resolves++;
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		if (ks[i].addr == a) {
			*out = (struct sym_info){.name = ks[i].name, .module = "[kernel.kallsyms]"};
			return 1;
		}
	}
	*out = (struct sym_info){.name = "[unknown]", .module = "[kernel.kallsyms]"};
	return 1;
}

static void fake_prepare(void *ctx, pid_t pid, const struct mapping *m)
{
	((struct fake *)ctx)->prepares++;
}

static const char *fake_name(void *ctx, pid_t pid, pid_t tid, uint64_t time)
{
	if (pid == 100 && tid == 100)
		return "app";
	if (pid == 100 && tid == 101)
		return "worker";
	return NULL;
}

static const struct sym_source_ops fake_ops = {
	.find = fake_find,
	.resolve_user = fake_resolve_user,
	.resolve_kernel = fake_resolve_kernel,
	.prepare = fake_prepare,
	.name = fake_name,
};

static struct stackagg *sa;

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.prog = (struct mapping){.start = PROG, .end = PROG + 0x100000, .path = "/bin/app"};
	fk.lib = (struct mapping){.start = LIB, .end = LIB + 0x100000, .path = "/lib/libc.so.6"};
	sa = stackagg__new(&fake_ops, &fk);
}

static void teardown(void)
{
	stackagg__free(sa);
}

TestSuite(stackagg, .init = setup, .fini = teardown);

/*
 * Adds a stack given leaf first as addresses; kernel addresses get
 * FRAME_ADDR_KERNEL, and every frame but the first of its half is a
 * return address, as the unwinders mark them.
 */
static void add(uint32_t pid, uint32_t tid, uint64_t period, bool truncated, uint32_t epoch,
		enum stackagg_kind kind, const uint64_t *addrs, size_t n)
{
	struct frame_addr fr[16];
	struct addr_stack st = {.frames = fr, .n = (uint32_t)n, .truncated = truncated};
	struct raw_sample s = {.pid = pid, .tid = tid, .period = period, .time = 1000};

	cr_assert_leq(n, 16);
	for (size_t i = 0; i < n; i++) {
		bool k = addrs[i] >= KERN, first = !i || (addrs[i - 1] >= KERN) != k;

		fr[i] = (struct frame_addr){.addr = addrs[i],
					    .flags = (k ? FRAME_ADDR_KERNEL : 0) |
						     (first ? 0 : FRAME_ADDR_RETURN)};
	}
	stackagg__add(sa, &s, &st, epoch, kind);
}

#define ADD(pid, tid, ...)                                                                         \
	add(pid, tid, 1000000, false, 0, STACKAGG_ONCPU, (const uint64_t[]){__VA_ARGS__},          \
	    sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

/* Return addresses point after the call: the fake looks up addr - 1. */
#define R(x) ((x) + 1)

/* The folded text of a build with @o; fills *@res when not NULL. */
static char *build(const struct stackagg_build_opts *o, struct stackagg_result *res)
{
	struct profile *p = profile__new();
	struct stackagg_result r;
	char *text;

	stackagg__build(sa, o, p, res ? res : &r);
	text = th_folded(p);
	profile__free(p);
	return text;
}

static void expect_folded(const struct stackagg_build_opts *o, const char *want)
{
	char *got = build(o, NULL);

	cr_expect_str_eq(got, want);
	free(got);
}

Test(stackagg, merges_equal_stacks_and_roots_them_at_the_process)
{
	for (int i = 0; i < 3; i++)
		ADD(100, 100, LEAF, R(WORK), R(MAIN), R(START));
	ADD(100, 100, WORK, R(MAIN), R(START));
	cr_assert_eq(stackagg__count(sa), 2);
	cr_assert_eq(stackagg__processes(sa), 1);
	expect_folded(&(struct stackagg_build_opts){0},
		      "app;__libc_start_call_main;main;work 1\n"
		      "app;__libc_start_call_main;main;work;leaf 3\n");
}

Test(stackagg, truncated_stack_stays_apart_under_a_truncated_frame)
{
	struct stackagg_result res;
	char *got;

	ADD(100, 100, LEAF, R(WORK), R(MAIN), R(START));
	add(100, 100, 1, true, 0, STACKAGG_ONCPU, (const uint64_t[]){LEAF, R(WORK)}, 2);
	add(100, 100, 1, true, 0, STACKAGG_ONCPU, (const uint64_t[]){LEAF, R(WORK)}, 2);
	cr_assert_eq(stackagg__count(sa), 2);
	got = build(&(struct stackagg_build_opts){.thread_frames = true}, &res);
	cr_expect_str_eq(got, "app;app-100;[truncated];work;leaf 2\n"
			      "app;app-100;__libc_start_call_main;main;work;leaf 1\n");
	cr_expect_float_eq(res.user_weight, 3, 1e-9);
	cr_expect_float_eq(res.truncated_weight, 2, 1e-9);
	cr_expect_float_eq(res.user_cut_weight, 2, 1e-9, "work is no root function");
	free(got);
}

Test(stackagg, unknown_frames_are_named_and_counted)
{
	struct stackagg_result res;
	char *got;

	ADD(100, 100, NOWHERE, R(NOSYM), R(MAIN));
	got = build(&(struct stackagg_build_opts){0}, &res);
	cr_expect_str_eq(got, "app;main;[prog];[unknown] 1\n");
	cr_expect_eq(res.frames_total, 3);
	cr_expect_eq(res.frames_unresolved, 2);
	cr_expect_eq(res.nprocs, 1);
	free(got);
}

Test(stackagg, kernel_frames_sit_at_the_leaf_end_unless_left_out)
{
	ADD(100, 100, SYSC, R(ENTRY), WORK, R(MAIN));
	expect_folded(&(struct stackagg_build_opts){0},
		      "app;main;work;entry_SYSCALL_64;do_syscall_64 1\n");
	expect_folded(&(struct stackagg_build_opts){.no_kernel = true}, "app;main;work 1\n");
}

Test(stackagg, process_and_thread_roots)
{
	ADD(100, 101, WORK, R(MAIN));
	ADD(0, 0, SYSC);
	ADD(200, 201, WORK, R(MAIN));
	cr_assert_eq(stackagg__processes(sa), 3);
	expect_folded(&(struct stackagg_build_opts){0},
		      ":200;main;work 1\napp;main;work 1\nswapper;do_syscall_64 1\n");
	expect_folded(&(struct stackagg_build_opts){.pid_frames = true, .thread_frames = true},
		      ":200-200;thread-201;main;work 1\n"
		      "app-100;worker-101;main;work 1\n"
		      "swapper-0;thread-0;do_syscall_64 1\n");
}

Test(stackagg, inline_frames_go_under_their_caller)
{
	ADD(100, 100, INL, R(MAIN));
	expect_folded(&(struct stackagg_build_opts){0}, "app;main;outer;inl 1\n");
}

Test(stackagg, name_epochs_and_threads_keep_stacks_apart)
{
	add(100, 100, 1, false, 0, STACKAGG_ONCPU, (const uint64_t[]){WORK, R(MAIN)}, 2);
	add(100, 100, 1, false, 1, STACKAGG_ONCPU, (const uint64_t[]){WORK, R(MAIN)}, 2);
	add(100, 101, 1, false, 0, STACKAGG_ONCPU, (const uint64_t[]){WORK, R(MAIN)}, 2);
	cr_assert_eq(stackagg__count(sa), 3);
	expect_folded(&(struct stackagg_build_opts){0}, "app;main;work 3\n");
}

Test(stackagg, off_cpu_stacks_lose_bpf_glue_and_weigh_microseconds)
{
	struct stackagg_result res;
	char *got;

	/* 2.5 ms blocked in two intervals, then 0.4 us: below half a microsecond, dropped. */
	add(100, 100, 2000000, false, 0, STACKAGG_OFFCPU,
	    (const uint64_t[]){BPF, R(TRACE), R(SCHED), WORK, R(MAIN)}, 5);
	add(100, 100, 500000, false, 0, STACKAGG_OFFCPU,
	    (const uint64_t[]){BPF, R(TRACE), R(SCHED), WORK, R(MAIN)}, 5);
	add(100, 101, 400, false, 0, STACKAGG_OFFCPU, (const uint64_t[]){SCHED}, 1);
	/* On CPU, 1 ms. */
	add(100, 100, 1000000, false, 0, STACKAGG_ONCPU, (const uint64_t[]){LEAF, R(MAIN)}, 2);
	got = build(&(struct stackagg_build_opts){.time_weights = true, .offcpu_leaf = true}, &res);
	cr_expect_str_eq(got, "app;main;leaf 1000\n"
			      "app;main;work;__schedule;[off-cpu] 2500\n");
	cr_expect_float_eq(res.offcpu_weight, 2500, 1e-9);
	cr_expect_float_eq(res.oncpu_weight, 1000, 1e-9);
	cr_expect_float_eq(res.user_weight, 1000, 1e-9, "off-CPU stacks are not judged for cuts");
	free(got);
}

Test(stackagg, each_address_is_symbolized_once)
{
	char *a, *b;
	unsigned first;

	for (int i = 0; i < 100; i++)
		ADD(100, 100, LEAF, R(WORK), R(MAIN), R(START));
	ADD(100, 100, WORK, R(MAIN), R(START));
	a = build(&(struct stackagg_build_opts){0}, NULL);
	/* LEAF, and WORK both as a leaf and as a return address, MAIN, START. */
	cr_expect_eq(fk.resolves, 5);
	first = fk.resolves;
	b = build(&(struct stackagg_build_opts){0}, NULL);
	cr_expect_eq(fk.resolves, first, "a second build looks nothing up again");
	cr_expect_str_eq(a, b);
	free(a);
	free(b);
}

Test(stackagg, prepares_each_mapping_once)
{
	ADD(100, 100, LEAF, R(WORK), R(MAIN), R(START));
	stackagg__prepare(sa);
	cr_expect_eq(fk.prepares, 2, "the program and the library");
	ADD(100, 100, WORK, R(MAIN), R(START));
	ADD(100, 100, SYSC, R(ENTRY));
	stackagg__prepare(sa);
	cr_expect_eq(fk.prepares, 2);
	cr_expect_eq(fk.resolves, 0, "preparing resolves nothing");
}

Test(stackagg, unresolved_addresses_are_asked_again_by_the_next_build)
{
	char *got;

	ADD(100, 100, JIT, R(MAIN));
	got = build(&(struct stackagg_build_opts){0}, NULL);
	cr_expect_str_eq(got, "app;main;[lib.so] 1\n");
	free(got);
	fk.jit_known = true;
	got = build(&(struct stackagg_build_opts){0}, NULL);
	cr_expect_str_eq(got, "app;main;JS:*hot 1\n");
	free(got);
}

Test(stackagg, a_build_while_adding_is_a_prefix_of_the_final_one)
{
	char *snap, *final;

	for (int i = 0; i < 50; i++) {
		ADD(100, 100, LEAF, R(WORK), R(MAIN), R(START));
		if (i % 3 == 0)
			ADD(100, 101, WORK, R(MAIN));
	}
	snap = build(&(struct stackagg_build_opts){.thread_frames = true}, NULL);
	for (int i = 0; i < 20; i++) {
		ADD(100, 100, LEAF, R(WORK), R(MAIN), R(START));
		ADD(100, 100, INL, R(MAIN));
		add(100, 101, 1, true, 0, STACKAGG_ONCPU, (const uint64_t[]){WORK}, 1);
	}
	final = build(&(struct stackagg_build_opts){.thread_frames = true}, NULL);
	th_expect_prefix(snap, final);
	cr_expect_eq(th_count_where(final, "leaf"), 70);
	cr_expect_eq(th_count_where(snap, "leaf"), 50);
	free(snap);
	free(final);
}
