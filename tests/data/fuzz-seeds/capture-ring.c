// SPDX-License-Identifier: Apache-2.0
/*
 * Made fuzz_perf_ring/fp.ring and dwarf.ring: runs a program under one
 * perf event with the attributes the sampler asks for (cpu-clock, 2000 Hz,
 * callchains, MMAP2 with build-ids, COMM, task and KSYMBOL records,
 * sample_id_all, CLOCK_MONOTONIC; with DWARF also the user registers and
 * 512 bytes of stack), then writes the fuzz target's header and the first
 * 12000 bytes of records the kernel put in the ring, cut at a record's end,
 * followed by a FORK, LOST, KSYMBOL and EXIT record made here (a single
 * thread makes none of these).
 *
 *	cc -o capture-ring capture-ring.c
 *	./capture-ring 0 fuzz_perf_ring/fp.ring build/workloads/qsort_cb_nofp 0.05
 *	./capture-ring 1 fuzz_perf_ring/dwarf.ring build/workloads/qsort_cb_nofp 0.05
 *
 * usage: capture-ring DWARF(0|1) OUT PROGRAM [ARGS...]   (root, or perf_event_paranoid <= 1)
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGES 256
#define LIMIT 12000

/* The sample_id_all trailer of TID | TIME | CPU. */
struct trailer {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
};

int main(int argc, char **argv)
{
	struct perf_event_attr a = {.size = sizeof(a)};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct perf_event_mmap_page *mp;
	uint64_t head, pos;
	int pfd[2], fd, dwarf, status;
	uint8_t *base, hdr[3];
	pid_t child;
	char c;
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: capture-ring DWARF(0|1) OUT PROGRAM [ARGS...]\n");
		return 2;
	}
	dwarf = atoi(argv[1]);
	if (pipe(pfd))
		return 1;
	child = fork();
	if (!child) {
		/* Waits for the event, then execs: enable_on_exec starts it there. */
		if (read(pfd[0], &c, 1) != 1)
			_exit(1);
		execv(argv[3], argv + 3);
		_exit(127);
	}
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.freq = 1;
	a.sample_freq = 2000;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
	a.disabled = 1;
	a.enable_on_exec = 1;
	a.mmap = a.mmap2 = a.comm = a.comm_exec = a.task = a.sample_id_all = 1;
	a.build_id = 1;
	a.ksymbol = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	if (dwarf) {
		a.sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a.sample_regs_user = 0xff0fff;
		a.sample_stack_user = 512;
		a.exclude_callchain_user = 1;
	}
	fd = (int)syscall(SYS_perf_event_open, &a, child, -1, -1, 0);
	if (fd < 0) {
		perror("perf_event_open");
		return 1;
	}
	base = mmap(NULL, (PAGES + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (write(pfd[1], "x", 1) != 1 || waitpid(child, &status, 0) < 0)
		return 1;
	mp = (struct perf_event_mmap_page *)base;
	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	f = fopen(argv[2], "wb");
	if (!f)
		return 1;
	/* tests/fuzz/fuzz_perf_ring.c's header: sel, then the u16 tail (0xf40: wraps). */
	hdr[0] = dwarf ? 3 : 0;
	hdr[1] = 0x40;
	hdr[2] = 0x0f;
	fwrite(hdr, 1, sizeof(hdr), f);
	for (pos = mp->data_tail; pos < head;) {
		struct perf_event_header *h = (void *)(base + page + (pos & (PAGES * page - 1)));

		if (pos + h->size > mp->data_tail + LIMIT)
			break;
		fwrite(h, 1, h->size, f);
		pos += h->size;
	}
	{
		struct {
			struct perf_event_header h;
			uint32_t pid, ppid, tid, ptid;
			uint64_t time;
			struct trailer t;
		} fork_rec = {{PERF_RECORD_FORK, 0, sizeof(fork_rec)},
			      child + 1, child, child + 1, child, 123456789,
			      {child + 1, child + 1, 123456789, 0, 0}},
		  exit_rec = {{PERF_RECORD_EXIT, 0, sizeof(exit_rec)},
			      child + 1, child, child + 1, child, 123456799,
			      {child + 1, child + 1, 123456799, 0, 0}};
		struct {
			struct perf_event_header h;
			uint64_t id, lost;
			struct trailer t;
		} lost_rec = {{PERF_RECORD_LOST, 0, sizeof(lost_rec)},
			      7, 42, {child, child, 123456790, 1, 0}};
		struct {
			struct perf_event_header h;
			uint64_t addr;
			uint32_t len;
			uint16_t type, flags;
			char name[32];
			struct trailer t;
		} ksym_rec = {{PERF_RECORD_KSYMBOL, 0, sizeof(ksym_rec)},
			      0xffffffffc0001000ULL, 0x200, PERF_RECORD_KSYMBOL_TYPE_BPF, 0,
			      "bpf_prog_6deef7357e7b4530_fw", {child, child, 123456791, 1, 0}};

		fwrite(&fork_rec, 1, sizeof(fork_rec), f);
		fwrite(&lost_rec, 1, sizeof(lost_rec), f);
		fwrite(&ksym_rec, 1, sizeof(ksym_rec), f);
		fwrite(&exit_rec, 1, sizeof(exit_rec), f);
	}
	return fclose(f) ? 1 : 0;
}
