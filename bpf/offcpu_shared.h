/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Types shared by bpf/offcpu.bpf.c and src/capture/offcpu.c: fixed-width
 * fields, explicit padding, no pointers, so that both compilers lay them
 * out the same way. The BPF side gets __u32 and friends from vmlinux.h,
 * user space from <linux/types.h>.
 */
#ifndef RESQ_BPF_OFFCPU_SHARED_H
#define RESQ_BPF_OFFCPU_SHARED_H

#define OFFCPU_COMM_LEN	 16
#define OFFCPU_MAX_STACK 127 /* perf_event_max_stack, the stack map's depth */

/* Which tasks are measured (knob filter_mode). */
enum offcpu_bpf_filter {
	OFFCPU_BPF_FILTER_NONE = 0, /* every task but the idle tasks */
	OFFCPU_BPF_FILTER_TGID = 1, /* processes whose tgid is in the "allowed" map */
	OFFCPU_BPF_FILTER_TID = 2,  /* threads whose tid is in the "allowed" map */
};

/* Which blocked states count (knob state_filter). */
enum offcpu_bpf_state {
	OFFCPU_BPF_STATE_ANY = 0,   /* any reason, preemption included */
	OFFCPU_BPF_STATE_SLEEP = 1, /* TASK_INTERRUPTIBLE */
	OFFCPU_BPF_STATE_DISK = 2,  /* TASK_UNINTERRUPTIBLE without TASK_NOLOAD */
};

/* No stack collected (user or kernel stacks turned off). */
#define OFFCPU_NO_STACK (-1)

/* Slots of the per-CPU "drops" array: nothing is dropped silently. */
enum offcpu_bpf_drop {
	OFFCPU_DROP_START_FULL = 0, /* "start" full: a switch-out was not recorded */
	OFFCPU_DROP_TOTALS_FULL,    /* "totals" full: a blocked interval was lost */
	OFFCPU_DROP_TOTALS_NS,	    /* ... and the nanoseconds it held */
	OFFCPU_DROP_USTACK,	    /* user stack id error (not -EFAULT) */
	OFFCPU_DROP_KSTACK,	    /* kernel stack id error (not -EFAULT) */
	OFFCPU_DROP_ALLOWED_FULL,   /* "allowed" full: a forked child is not followed */
	OFFCPU_DROP__COUNT,
};

/* "start": a thread's last switch-out, keyed by tid; kept until the thread exits. */
struct offcpu_start {
	__u64 ts; /* bpf_ktime_get_ns() at switch-out; 0 while on CPU */
	__s32 ustack;
	__s32 kstack;
	__u32 tgid;
	__u32 pad;
};

/* "totals": blocked time per (thread, user stack, kernel stack, slot). */
struct offcpu_key {
	__u32 tgid;
	__u32 pid;    /* the thread */
	__s32 ustack; /* stack map id, or a negative errno */
	__s32 kstack;
	__u32 slot; /* the generation the program wrote while this entry was new */
	__u32 pad;
};

struct offcpu_val {
	__u64 total_ns;
	__u64 count;			   /* blocked intervals */
	char comm[OFFCPU_COMM_LEN];	   /* the thread's name */
	char leader_comm[OFFCPU_COMM_LEN]; /* its process's (the group leader's) name */
};

#endif
