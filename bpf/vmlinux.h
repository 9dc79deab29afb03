/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few kernel types bpf/offcpu.bpf.c uses, written by hand instead of
 * dumping the running kernel's 130k-line BTF (make GEN_VMLINUX_H=1 does
 * that instead). Every struct is marked preserve_access_index: the field
 * offsets here are placeholders that libbpf relocates against the running
 * kernel's BTF at load time (CO-RE), so only names and types must match.
 * Renamed fields are read through ___new/___old flavours in the program.
 */
#ifndef RESQ_VMLINUX_H
#define RESQ_VMLINUX_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short int __s16;
typedef unsigned short int __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long int __s64;
typedef unsigned long long int __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
typedef int pid_t;

enum {
	false = 0,
	true = 1,
};

/* UAPI constants of include/uapi/linux/bpf.h that the program uses. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

enum {
	BPF_F_SKIP_FIELD_MASK = 0xffULL,
	BPF_F_USER_STACK = 1ULL << 8,
	BPF_F_FAST_STACK_CMP = 1ULL << 9,
	BPF_F_REUSE_STACKID = 1ULL << 10,
};

struct task_struct {
	unsigned int flags; /* PF_* */
	pid_t pid;	    /* the thread id */
	pid_t tgid;	    /* the process id */
	struct task_struct *group_leader;
	char comm[16];
} __attribute__((preserve_access_index));

#endif
