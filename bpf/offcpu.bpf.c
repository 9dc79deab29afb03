// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Off-CPU time by stack, on the scheduler's switch tracepoint.
 *
 * When a task is switched out, its time and stack ids go into "start",
 * keyed by tid; when it is switched in again, the time it spent off CPU is
 * added to "totals" under (tgid, tid, user stack, kernel stack). Filters
 * (processes, threads, blocked state, duration) run here, so that nothing
 * unwanted costs a stack walk or a map entry. Every failure is counted in
 * the per-CPU "drops" array.
 *
 * Each program exists twice: tp_btf (BTF-typed arguments, direct loads) and
 * raw_tp (plain pointers, read with BPF_CORE_READ) for kernels whose
 * tp_btf attachment fails; user space loads one of the two pairs.
 *
 * "totals" keys carry a slot: user space flips the global "slot" and, a
 * drain later, reads and deletes the entries of the other slot, which no
 * program writes any more, so draining never races with an update.
 */
#include <vmlinux.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "offcpu_shared.h"

/* Kernel constants (include/linux/sched.h), stable for many years. */
#define TASK_INTERRUPTIBLE   0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_DEAD	     0x0080
#define TASK_NOLOAD	     0x0400
#define EFAULT		     14
#define EEXIST		     17

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Knobs, set by user space between open and load (frozen afterwards). */
const volatile __u32 filter_mode = OFFCPU_BPF_FILTER_NONE;
const volatile __u32 follow_forks = 0;
const volatile __u32 state_filter = OFFCPU_BPF_STATE_ANY;
const volatile __u32 user_stacks = 1;
const volatile __u32 kernel_stacks = 1;
const volatile __u64 min_block_ns = 0;
const volatile __u64 max_block_ns = ~0ULL;

/* Written by user space at run time. */
__u32 slot = 0;

/* Since 5.14 the field is __state (unsigned int); before, state (long). */
struct task_struct___new {
	unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* Sizes are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct offcpu_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, OFFCPU_MAX_STACK * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} allowed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OFFCPU_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * Field reads: direct loads on BTF-typed pointers (tp_btf), probe reads
 * with CO-RE relocations on plain ones (raw_tp). @direct is a constant in
 * every inlined copy, so the other branch is never emitted.
 */
#define RD(direct, p, field) ((direct) ? (p)->field : BPF_CORE_READ(p, field))

static __always_inline void count_drop(__u32 what, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &what);

	if (v)
		*v += n;
}

static __always_inline unsigned int task_state(bool direct, struct task_struct *t)
{
	if (bpf_core_field_exists(struct task_struct___new, __state)) {
		struct task_struct___new *n = (void *)t;

		return RD(direct, n, __state);
	} else {
		struct task_struct___old *o = (void *)t;

		return (unsigned int)RD(direct, o, state);
	}
}

static __always_inline bool state_wanted(unsigned int state)
{
	switch (state_filter) {
	case OFFCPU_BPF_STATE_SLEEP: return state & TASK_INTERRUPTIBLE;
	case OFFCPU_BPF_STATE_DISK:
		/* TASK_IDLE (UNINTERRUPTIBLE|NOLOAD) is an idle kernel thread, not I/O. */
		return (state & TASK_UNINTERRUPTIBLE) && !(state & TASK_NOLOAD);
	default: return true;
	}
}

static __always_inline bool task_wanted(__u32 pid, __u32 tgid)
{
	switch (filter_mode) {
	case OFFCPU_BPF_FILTER_TGID: return bpf_map_lookup_elem(&allowed, &tgid) != NULL;
	case OFFCPU_BPF_FILTER_TID: return bpf_map_lookup_elem(&allowed, &pid) != NULL;
	default: return true;
	}
}

/* Adds one blocked interval of @next (just switched in) to "totals". */
static __always_inline void account(bool direct, struct task_struct *next, __u32 pid,
				    const struct offcpu_start *st, __u64 delta)
{
	struct offcpu_key key = {
		.tgid = st->tgid,
		.pid = pid,
		.ustack = st->ustack,
		.kstack = st->kstack,
		.slot = *(volatile __u32 *)&slot,
	};
	struct offcpu_val *v, nv = {.total_ns = delta, .count = 1};
	struct task_struct *leader;
	long err;

	v = bpf_map_lookup_elem(&totals, &key);
	if (v) {
		__sync_fetch_and_add(&v->total_ns, delta);
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	/* Names are read once per entry, not per switch. */
	bpf_core_read(nv.comm, sizeof(nv.comm), &next->comm);
	leader = RD(direct, next, group_leader);
	bpf_core_read(nv.leader_comm, sizeof(nv.leader_comm), &leader->comm);
	err = bpf_map_update_elem(&totals, &key, &nv, BPF_NOEXIST);
	if (err == -EEXIST) { /* another CPU inserted it first */
		v = bpf_map_lookup_elem(&totals, &key);
		if (v) {
			__sync_fetch_and_add(&v->total_ns, delta);
			__sync_fetch_and_add(&v->count, 1);
			return;
		}
	}
	if (err) {
		count_drop(OFFCPU_DROP_TOTALS_FULL, 1);
		count_drop(OFFCPU_DROP_TOTALS_NS, delta);
	}
}

static __always_inline int on_switch(bool direct, void *ctx, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	__u32 prev_pid = RD(direct, prev, pid), next_pid = RD(direct, next, pid);
	__u64 now = bpf_ktime_get_ns();
	struct offcpu_start *sp;

	/*
	 * "start" entries are written in place and stay while the thread lives
	 * (ts 0: on CPU): a lookup per switch, no allocation. Only the thread
	 * itself switches in or out, never on two CPUs at once, so plain
	 * stores suffice.
	 */
	if (next_pid && (sp = bpf_map_lookup_elem(&start, &next_pid)) && sp->ts) {
		struct offcpu_start st = *sp;
		__u64 delta = now - st.ts;

		sp->ts = 0;
		if (delta >= min_block_ns && delta <= max_block_ns)
			account(direct, next, next_pid, &st, delta);
	}

	/* Switch-out; pid 0 is a CPU's idle task. */
	if (prev_pid) {
		unsigned int state = preempt ? 0 : task_state(direct, prev);
		__u32 tgid = RD(direct, prev, tgid);
		__s32 ustack, kstack;

		if (state & TASK_DEAD) { /* its last switch: the entry is not needed any more */
			bpf_map_delete_elem(&start, &prev_pid);
			return 0;
		}
		if (!state_wanted(state) || !task_wanted(prev_pid, tgid))
			return 0;
		ustack = user_stacks ? bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK)
				     : OFFCPU_NO_STACK;
		if (ustack < 0 && ustack != -EFAULT && user_stacks)
			count_drop(OFFCPU_DROP_USTACK, 1); /* -EFAULT: a kernel thread */
		kstack = kernel_stacks ? bpf_get_stackid(ctx, &stacks, 0) : OFFCPU_NO_STACK;
		if (kstack < 0 && kernel_stacks)
			count_drop(OFFCPU_DROP_KSTACK, 1);
		sp = bpf_map_lookup_elem(&start, &prev_pid);
		if (sp) {
			sp->ustack = ustack;
			sp->kstack = kstack;
			sp->tgid = tgid;
			sp->ts = now;
		} else {
			struct offcpu_start st = {
				.ts = now, .ustack = ustack, .kstack = kstack, .tgid = tgid};

			if (bpf_map_update_elem(&start, &prev_pid, &st, BPF_NOEXIST))
				count_drop(OFFCPU_DROP_START_FULL, 1);
		}
	}
	return 0;
}

/* A process forked by a followed one is followed too (-p, command mode). */
static __always_inline int on_fork(bool direct, struct task_struct *parent,
				   struct task_struct *child)
{
	__u32 ptgid, ctgid;
	__u8 one = 1;
	long err;

	if (filter_mode != OFFCPU_BPF_FILTER_TGID || !follow_forks)
		return 0;
	ptgid = RD(direct, parent, tgid);
	if (!bpf_map_lookup_elem(&allowed, &ptgid))
		return 0;
	ctgid = RD(direct, child, tgid);
	err = bpf_map_update_elem(&allowed, &ctgid, &one, BPF_NOEXIST);
	if (err && err != -EEXIST)
		count_drop(OFFCPU_DROP_ALLOWED_FULL, 1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(true, ctx, preempt, prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(on_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(false, ctx, preempt, prev, next);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(true, parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(false, parent, child);
}
