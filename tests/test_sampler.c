// SPDX-License-Identifier: Apache-2.0
/*
 * The perf ring reader on hand-made rings (order, records wrapping the end
 * of the buffer, published tail, corrupt headers) and the sampler on this
 * process's own threads.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "offcpu.h"
#include "sampler.h"
#include "symtab.h"
#include "xalloc.h"

#define PAGE 4096
#define DATA 4096

/*
 * The same timeout as the other suites: Criterion 2.4 leaks (ASan) when a
 * suite or test with a longer timeout runs before one with a shorter one.
 */
TestSuite(sampler, .timeout = 60);

struct fake_ring {
	void *mem;
	struct perf_event_mmap_page *pc;
	uint8_t *data;
	uint64_t head; /* the "kernel's" write position */
};

static void fake_init(struct fake_ring *f, uint64_t start)
{
	cr_assert_eq(posix_memalign(&f->mem, PAGE, PAGE + DATA), 0);
	memset(f->mem, 0xee, PAGE + DATA);
	f->pc = f->mem;
	memset(f->pc, 0, sizeof(*f->pc));
	f->data = (uint8_t *)f->mem + PAGE;
	f->head = start;
	f->pc->data_head = start;
	f->pc->data_tail = start;
}

/* Writes a record of @size bytes (type 99, payload bytes = @fill) at the head. */
static void fake_write(struct fake_ring *f, uint16_t size, uint8_t fill)
{
	uint8_t rec[512];
	struct perf_event_header h = {.type = 99, .misc = fill, .size = size};
	size_t i;

	cr_assert(size <= sizeof(rec) && size >= sizeof(h) && size % 8 == 0);
	memcpy(rec, &h, sizeof(h));
	memset(rec + sizeof(h), fill, size - sizeof(h));
	for (i = 0; i < size; i++)
		f->data[(f->head + i) & (DATA - 1)] = rec[i];
	f->head += size;
}

static void fake_publish(struct fake_ring *f)
{
	__atomic_store_n(&f->pc->data_head, f->head, __ATOMIC_RELEASE);
}

static void check_record(const struct perf_event_header *h, uint16_t size, uint8_t fill)
{
	const uint8_t *p = (const uint8_t *)h;
	size_t i;

	cr_assert_not_null(h);
	cr_assert_eq(h->type, 99);
	cr_assert_eq(h->size, size);
	cr_assert_eq(h->misc, fill);
	for (i = sizeof(*h); i < size; i++)
		cr_assert_eq(p[i], fill, "byte %zu of record %u", i, fill);
}

Test(sampler, ring_reads_records_in_order)
{
	struct fake_ring f;
	struct perf_ring r;
	int i;

	fake_init(&f, 0);
	perf_ring__init(&r, f.mem, PAGE, DATA);
	cr_assert_not(perf_ring__begin(&r), "empty ring");
	for (i = 0; i < 10; i++)
		fake_write(&f, (uint16_t)(16 + 8 * i), (uint8_t)i);
	fake_publish(&f);
	cr_assert(perf_ring__begin(&r));
	for (i = 0; i < 10; i++)
		check_record(perf_ring__next(&r), (uint16_t)(16 + 8 * i), (uint8_t)i);
	cr_assert_null(perf_ring__next(&r));
	perf_ring__end(&r);
	cr_assert_eq(f.pc->data_tail, f.head, "the whole snapshot was released");
	perf_ring__release(&r);
	free(f.mem);
}

Test(sampler, ring_record_wrapping_the_end_is_contiguous)
{
	struct fake_ring f;
	struct perf_ring r;
	const struct perf_event_header *h;
	int round;

	/* Start 24 bytes before the end: a 64-byte record wraps the end. */
	fake_init(&f, 3 * (uint64_t)DATA - 24);
	perf_ring__init(&r, f.mem, PAGE, DATA);
	for (round = 0; round < 3; round++) {
		fake_write(&f, 64, (uint8_t)(0x10 + round));
		fake_write(&f, 512, (uint8_t)(0x20 + round));
		fake_write(&f, 8, (uint8_t)(0x30 + round));
		fake_publish(&f);
		cr_assert(perf_ring__begin(&r));
		h = perf_ring__next(&r);
		check_record(h, 64, (uint8_t)(0x10 + round));
		/* Not released while it is borrowed. */
		cr_assert_lt(f.pc->data_tail, f.head - 512 - 8);
		check_record(perf_ring__next(&r), 512, (uint8_t)(0x20 + round));
		check_record(perf_ring__next(&r), 8, (uint8_t)(0x30 + round));
		cr_assert_null(perf_ring__next(&r));
		perf_ring__end(&r);
		cr_assert_eq(f.pc->data_tail, f.head);
		/* The kernel may now overwrite everything: refill the whole ring. */
		while (f.head - f.pc->data_tail + 64 <= DATA)
			fake_write(&f, 64, 0x55);
		fake_publish(&f);
		cr_assert(perf_ring__begin(&r));
		while ((h = perf_ring__next(&r)))
			check_record(h, 64, 0x55);
		perf_ring__end(&r);
	}
	perf_ring__release(&r);
	free(f.mem);
}

Test(sampler, ring_skips_a_corrupt_header)
{
	struct fake_ring f;
	struct perf_ring r;

	fake_init(&f, 0);
	perf_ring__init(&r, f.mem, PAGE, DATA);
	fake_write(&f, 16, 1);
	memset(f.data + 16, 0, 8); /* size 0 */
	f.head += 32;
	fake_publish(&f);
	cr_assert(perf_ring__begin(&r));
	check_record(perf_ring__next(&r), 16, 1);
	cr_assert_null(perf_ring__next(&r), "a zero-size header must not loop");
	cr_assert_eq(r.truncated, 1);
	cr_assert_eq(f.pc->data_tail, f.head);
	perf_ring__release(&r);
	free(f.mem);
}

Test(sampler, rejects_frequency_above_the_kernel_maximum)
{
	struct sampler *sp = sampler__new(&(struct sampler_opts){.freq = 10000000});

	cr_assert_null(sp);
	cr_assert_eq(errno, EINVAL);
}

struct self_ctx {
	pid_t tid;
	uint64_t samples, ours, with_chain, comms;
};

static int self_sample(const struct raw_sample *s, void *arg)
{
	struct self_ctx *c = arg;

	c->samples++;
	c->ours += (pid_t)s->tid == c->tid && (pid_t)s->pid == getpid();
	c->with_chain += s->nr_callchain > 1;
	return 0;
}

static int self_record(const struct sampler_record *r, void *arg)
{
	struct self_ctx *c = arg;

	if (r->type == SAMPLER_REC_COMM && !strcmp(r->comm, "resq-renamed"))
		c->comms++;
	return 0;
}

/*
 * Keeps this thread on the CPU until it has used @secs seconds of CPU time
 * since @t0 (CLOCK_THREAD_CPUTIME_ID): the cpu-clock event then takes as
 * many samples on a busy machine as on an idle one.
 */
static void spin_until(const struct timespec *t0, double secs)
{
	volatile uint64_t x = 1;
	struct timespec t;

	do {
		int i;

		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9 < secs);
}

Test(sampler, samples_this_thread)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct self_ctx c = {.tid = tid};
	struct sampler_callbacks cbs = {.sample = self_sample, .record = self_record};
	struct sampler_stats st;
	struct sampler *sp;
	struct timespec t0;

	th_require_perf(false);
	th_sampling_lock(false);
	sp = sampler__new(&(struct sampler_opts){
		.target = SAMPLER_TIDS, .pids = &tid, .npids = 1, .freq = 999});
	cr_assert_not_null(sp, "sampler__new: %s", strerror(errno));
	cr_assert(!strcmp(sampler__event_name(sp), "cpu-clock") ||
		  !strcmp(sampler__event_name(sp), "cycles"));
	cr_assert_eq(sampler__enable(sp), 0);
	cr_assert_eq(prctl(PR_SET_NAME, "resq-renamed"), 0); /* a COMM record */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	spin_until(&t0, 0.3);
	cr_assert_eq(sampler__disable(sp), 0);
	cr_assert_eq(sampler__poll(sp, 0, &cbs, &c), 0);
	sampler__stats(sp, &st);
	cr_assert_gt(c.samples, 100, "%llu samples", (unsigned long long)c.samples);
	cr_assert_eq(c.ours, c.samples);
	cr_assert_eq(st.samples, c.samples);
	cr_assert_gt(c.with_chain, c.samples / 2);
	cr_assert_eq(c.comms, 1, "the COMM record of the rename");
	sampler__free(sp);
}

static int count_only(const struct raw_sample *s, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

Test(sampler, counts_lost_samples)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct sampler_callbacks cbs = {.sample = count_only};
	struct sampler_stats st;
	struct sampler *sp;
	struct timespec t0;
	uint64_t n = 0;

	th_require_perf(false);
	th_sampling_lock(false);
	/* One data page at 20 kHz, read only at the end: the ring must overflow. */
	sp = sampler__new(&(struct sampler_opts){
		.target = SAMPLER_TIDS, .pids = &tid, .npids = 1, .freq = 20000, .ring_pages = 1});
	cr_assert_not_null(sp, "sampler__new: %s", strerror(errno));
	cr_assert_eq(sampler__enable(sp), 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	spin_until(&t0, 0.2);
	/*
	 * The kernel writes the LOST record once there is room again, before
	 * the next sample: drain, sample a little more, then drain again.
	 */
	cr_assert_eq(sampler__poll(sp, 0, &cbs, &n), 0);
	spin_until(&t0, 0.21);
	cr_assert_eq(sampler__disable(sp), 0);
	cr_assert_eq(sampler__poll(sp, 0, &cbs, &n), 0);
	sampler__stats(sp, &st);
	cr_assert_gt(st.lost, 100, "lost %llu, read %llu", (unsigned long long)st.lost,
		     (unsigned long long)n);
	cr_assert_eq(st.samples, n);
	cr_assert_lt(n, 1000, "one page holds few samples; read %llu", (unsigned long long)n);
	sampler__free(sp);
}

struct ksym_ctx {
	struct sampler_record found;
	char name[128];
	unsigned bpf;
};

static int ksym_record(const struct sampler_record *r, void *arg)
{
	struct ksym_ctx *c = arg;

	if (r->type != SAMPLER_REC_KSYMBOL || !r->bpf || r->unregister)
		return 0;
	c->bpf++;
	if (strstr(r->comm, "on_switch")) {
		c->found = *r;
		snprintf(c->name, sizeof(c->name), "%s", r->comm);
	}
	return 0;
}

/*
 * A BPF program loaded while sampling system-wide (here our own off-CPU
 * program) comes as a KSYMBOL record, which names its code for the symtab:
 * kallsyms was read before it existed.
 */
Test(sampler, reports_bpf_programs_loaded_while_sampling)
{
	struct sampler_callbacks cbs = {.record = ksym_record};
	struct ksym_ctx c = {0};
	struct sym_info out;
	struct symtab *st;
	struct sampler *sp;
	struct offcpu *oc;

	th_require_perf(true);
	th_privileged_bpf(true);
	sp = sampler__new(&(struct sampler_opts){.target = SAMPLER_SYSTEM, .freq = 99});
	cr_assert_not_null(sp, "sampler__new: %s", strerror(errno));
	cr_assert_eq(sampler__enable(sp), 0);
	oc = offcpu__open(&(struct offcpu_opts){.target = OFFCPU_TARGET_ALL});
	cr_assert_not_null(oc, "offcpu__open: %s", strerror(errno));
	cr_assert_eq(offcpu__load(oc), 0);
	cr_assert_eq(sampler__poll(sp, 0, &cbs, &c), 0);
	cr_assert_gt(c.bpf, 0, "no KSYMBOL record of a BPF program");
	cr_assert(c.found.len > 0 && c.found.addr >= 0xffff800000000000ull, "%s at %llx+%llu",
		  c.name, (unsigned long long)c.found.addr, (unsigned long long)c.found.len);
	cr_assert(!strncmp(c.name, "bpf_prog_", 9), "%s", c.name);

	st = symtab__new(NULL);
	symtab__add_kernel_symbol(st, c.found.addr, c.found.len, c.name, true);
	cr_assert_eq(symtab__resolve_kernel(st, c.found.addr + c.found.len / 2, false, &out), 1);
	cr_assert_str_eq(out.name, c.name);
	cr_assert_str_eq(out.module, "[bpf]");
	/* A return address just past the program's start still falls inside it. */
	cr_assert_eq(symtab__resolve_kernel(st, c.found.addr + 1, true, &out), 1);
	cr_assert_str_eq(out.name, c.name);
	symtab__free(st);
	offcpu__destroy(oc);
	sampler__free(sp);
}
