// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the perf ring reader and record decoder (perf_ring.c,
 * sampler.c) on arbitrary bytes, as record consumes them: every
 * PERF_RECORD_SAMPLE (with or without the --call-graph dwarf registers and
 * stack copy), MMAP2, COMM, FORK, EXIT, KSYMBOL and LOST record goes to
 * the callbacks record uses, side-band records into procmaps and the
 * symtab, samples through the frame-pointer unwinder and procmaps lookups.
 * Every byte a decoded record points to is read, so that ASan checks the
 * decoder's bounds. The input is
 *
 *	u8  sel       bit 0: the dwarf sample layout; bit 1: the registers of
 *	              unwinder__perf_regs_mask(), else the mask bits 2-7 make
 *	u16 tail      where the records start in the ring (they may wrap),
 *	              rounded down to a multiple of 8 as every record's size is
 *	u8  records[] the ring's bytes from the tail to the head
 *
 * The ring is the smallest power of 2 that holds the records, allocated
 * exactly. Seeds are rings captured from a real process.
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "procmaps.h"
#include "sampler.h"
#include "symtab.h"
#include "unwinder.h"

struct ctx {
	struct procmaps *pm;
	struct symtab *st;
	struct unwinder *uw;
	struct addr_stack stk;
	pid_t last_pid;
	uint64_t sum;
};

static int on_record(const struct sampler_record *r, void *arg)
{
	struct ctx *c = arg;

	switch (r->type) {
	case SAMPLER_REC_MMAP:
		c->sum += strlen(r->mapping->path) + r->mapping->build_id_size;
		if (r->mapping->build_id_size > BUILD_ID_MAX)
			abort();
		break;
	case SAMPLER_REC_COMM:
	case SAMPLER_REC_KSYMBOL: c->sum += strlen(r->comm); break;
	default: break;
	}
	/* What record's on_record() does. */
	sampler_record__apply(r, c->pm);
	if (r->type == SAMPLER_REC_KSYMBOL && !r->unregister)
		symtab__add_kernel_symbol(c->st, r->addr, r->len, r->comm, r->bpf);
	c->last_pid = r->pid;
	return 0;
}

static int on_sample(const struct raw_sample *s, void *arg)
{
	struct ctx *c = arg;
	const struct mapping *m;
	const char *name;
	uint64_t i;

	for (i = 0; i < s->nr_callchain; i++)
		c->sum += s->callchain[i];
	for (i = 0; i < s->nr_regs; i++)
		c->sum += s->regs[i];
	for (i = 0; i < s->stack_size; i++)
		c->sum += s->stack[i];
	if (s->stack_size > s->stack_requested)
		abort();
	if (unwinder__unwind(c->uw, s, &c->stk, UNWIND_F_FINAL))
		abort();
	for (i = 0; i < c->stk.n; i++) {
		const struct frame_addr *f = &c->stk.frames[i];

		if (f->flags & FRAME_ADDR_KERNEL)
			continue;
		m = procmaps__find(c->pm, (pid_t)s->pid, f->addr, s->time);
		if (m && (f->addr < m->start || f->addr >= m->end))
			abort();
	}
	name = procmaps__name(c->pm, (pid_t)s->pid, (pid_t)s->tid, s->time);
	c->sum += name ? strlen(name) : 0;
	c->last_pid = (pid_t)s->pid;
	return 0;
}

static int each(const struct mapping *m, void *arg)
{
	struct ctx *c = arg;

	c->sum += m->start ^ m->end;
	return 0;
}

int fuzz_perf_ring(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	const struct sampler_callbacks cbs = {.sample = on_sample, .record = on_record};
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len, i;
	struct sampler_stats stats = {0};
	struct sampler_opts o = {0};
	struct ctx c = {0};
	struct perf_event_mmap_page *meta;
	struct perf_ring r;
	const uint8_t *rec;
	uint64_t ring = 64, tail;
	uint8_t sel;
	void *mem;
	volatile uint64_t sink;

	fuzz_quiet();
	sel = (uint8_t)fuzz_take(&in, 1);
	tail = fuzz_take(&in, 2) & ~7ULL; /* the kernel moves head and tail by whole records */
	rec = fuzz_take_bytes(&in, in.left, &len);
	while (ring < len)
		ring <<= 1;
	if (sel & 1) {
		o.stack_user = 8;
		o.regs_user = (sel & 2) ? unwinder__perf_regs_mask() : (uint64_t)(sel >> 2);
	}

	/* The metadata page, then exactly the ring's bytes. */
	if (posix_memalign(&mem, 64, page + ring))
		abort();
	memset(mem, 0, page);
	meta = mem;
	meta->data_tail = tail;
	meta->data_head = tail + len;
	for (i = 0; i < len; i++)
		((uint8_t *)mem)[page + ((tail + i) & (ring - 1))] = rec[i];
	perf_ring__init(&r, mem, page, ring);

	c.pm = procmaps__new();
	c.st = symtab__new(NULL);
	c.uw = unwinder__new(&(struct unwinder_opts){.kind = UNWINDER_FP}, c.pm);
	if (!c.uw)
		abort();
	sampler__decode(&o, &r, &cbs, &c, &stats);
	if (r.tail != r.head)
		abort(); /* everything is consumed, or skipped as corrupt */
	procmaps__for_each(c.pm, c.last_pid, UINT64_MAX, each, &c);
	sink = c.sum + stats.samples + stats.records + stats.lost + stats.bad +
	       procmaps__generation(c.pm, c.last_pid);
	(void)sink;
	perf_ring__release(&r);
	unwinder__free(c.uw);
	addr_stack__release(&c.stk);
	symtab__free(c.st);
	procmaps__free(c.pm);
	free(mem);
	return 0;
}

FUZZ_MAIN(fuzz_perf_ring)
