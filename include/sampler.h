/* SPDX-License-Identifier: Apache-2.0 */
/*
 * On-CPU sampling with perf_event_open: one sampling event per CPU (and per
 * thread when attached to processes), one mmap ring per CPU, decoded into
 * borrowed raw_samples and side-band records (MMAP2, COMM, FORK, EXIT).
 *
 *	struct sampler *sp = sampler__new(&(struct sampler_opts){ .freq = 99 });
 *	sampler__enable(sp);
 *	while (!done)
 *		sampler__poll(sp, 250, &cbs, ctx);
 *	sampler__disable(sp);
 *	sampler__poll(sp, 0, &cbs, ctx);	(drains what is left)
 *	sampler__free(sp);
 *
 * Records from different CPU rings arrive out of order; every record carries
 * its CLOCK_MONOTONIC time, and struct procmaps keeps time-stamped history.
 */
#ifndef RESQ_SAMPLER_H
#define RESQ_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"
#include "sample.h"

enum sampler_target {
	SAMPLER_SYSTEM = 0, /* every task on every online CPU (pid -1) */
	SAMPLER_PIDS,	    /* every thread of @pids, and threads and children they start */
	SAMPLER_TIDS,	    /* exactly the threads @pids */
	SAMPLER_CHILD,	    /* @pids[0], a child that will exec: enabled at its exec */
};

enum sampler_event {
	SAMPLER_EVENT_AUTO = 0, /* cycles where the machine has them, else cpu-clock */
	SAMPLER_EVENT_CYCLES,
	SAMPLER_EVENT_CPU_CLOCK,
};

struct sampler_opts {
	enum sampler_target target;
	const pid_t *pids; /* process ids, thread ids, or the child; see target */
	size_t npids;
	uint32_t freq; /* samples per second per CPU; 0 = 99 */
	enum sampler_event event;
	bool no_kernel;	     /* no kernel frames in callchains */
	uint32_t ring_pages; /* data pages per ring, a power of 2; 0 = sized from freq */
	/*
	 * --call-graph dwarf: with a non-zero @stack_user, each sample also
	 * copies the user registers in @regs_user (PERF_SAMPLE_REGS_USER mask)
	 * and @stack_user bytes of user stack (a multiple of 8, at most 65528);
	 * the callchain then holds only the kernel part. Decoded into
	 * raw_sample.regs and .stack.
	 */
	uint64_t regs_user;
	uint32_t stack_user;
};

/* A side-band record, borrowed for the duration of the callback. */
enum sampler_rec_type {
	SAMPLER_REC_MMAP,
	SAMPLER_REC_COMM,
	SAMPLER_REC_FORK,
	SAMPLER_REC_EXIT,
	SAMPLER_REC_KSYMBOL, /* kernel code that appeared (a BPF program loaded) */
};

struct sampler_record {
	enum sampler_rec_type type;
	pid_t pid, tid;
	pid_t ppid, ptid; /* FORK, EXIT */
	uint64_t time;	  /* ns, CLOCK_MONOTONIC */
	uint32_t cpu;
	const struct mapping *mapping; /* MMAP: executable mappings only */
	const char *comm;	       /* COMM; KSYMBOL: the symbol's name */
	bool exec;		       /* COMM caused by exec */
	uint64_t addr, len;	       /* KSYMBOL: the code's range */
	bool bpf;		       /* KSYMBOL: a BPF program */
	bool unregister;	       /* KSYMBOL: the code went away */
};

typedef int (*sample_fn)(const struct raw_sample *s, void *ctx);
typedef int (*sampler_record_fn)(const struct sampler_record *r, void *ctx);

/* Either callback may be NULL. A non-zero return stops the drain. */
struct sampler_callbacks {
	sample_fn sample;
	sampler_record_fn record;
};

struct sampler_stats {
	uint64_t samples; /* samples decoded */
	uint64_t lost;	  /* samples the kernel dropped (PERF_RECORD_LOST) */
	uint64_t records; /* side-band records decoded */
	uint64_t bad;	  /* records that could not be decoded */
	uint32_t nrings, nevents;
};

struct sampler;

/*
 * Opens and maps the events, disabled (SAMPLER_CHILD: enabled by the
 * child's exec). Returns NULL and sets errno: EACCES/EPERM when the kernel
 * refuses (perf_event_paranoid), ESRCH when no target thread exists,
 * EINVAL for bad options (e.g. a frequency above perf_event_max_sample_rate).
 */
struct sampler *sampler__new(const struct sampler_opts *o);
/* Closes everything; NULL does nothing. */
void sampler__free(struct sampler *sp);

int sampler__enable(struct sampler *sp);
int sampler__disable(struct sampler *sp);

/*
 * Waits up to @timeout_ms (0: no wait) for data, then drains every ring,
 * calling @cbs for each sample and side-band record in ring order.
 * Returns 0, the callback's non-zero value when one stopped the drain, or a
 * negative errno. A signal interrupting the wait is not an error.
 */
int sampler__poll(struct sampler *sp, int timeout_ms, const struct sampler_callbacks *cbs,
		  void *ctx);

void sampler__stats(const struct sampler *sp, struct sampler_stats *out);
/* "cycles" or "cpu-clock". Borrowed, static. */
const char *sampler__event_name(const struct sampler *sp);

/* Feeds a side-band record into @pm (the usual record callback). */
void sampler_record__apply(const struct sampler_record *r, struct procmaps *pm);

/*
 * The mmap ring reader, exposed for tests and other capture modules.
 * perf_ring__init() wraps an existing buffer laid out as the kernel maps it
 * (one metadata page, then @data_size bytes, a power of 2).
 */
struct perf_event_header;

struct perf_ring {
	void *base; /* struct perf_event_mmap_page, then the data */
	uint8_t *data;
	uint64_t size;	/* data bytes, a power of 2 */
	size_t map_len; /* mmap length, 0 when not mmapped by us */
	uint64_t head;	/* snapshot of data_head */
	uint64_t tail;	/* our read position */
	uint8_t *tmp;	/* copy of a record that wraps the end */
	size_t tmp_size;
	uint64_t truncated; /* resynchronisations after an impossible header */
};

void perf_ring__init(struct perf_ring *r, void *base, size_t page_size, uint64_t data_size);
/* mmaps @data_pages (a power of 2) of @fd. Returns 0 or a negative errno. */
int perf_ring__map(struct perf_ring *r, int fd, size_t data_pages);
void perf_ring__release(struct perf_ring *r);
/* Snapshot of the kernel's write position (acquire). Returns true when there is data. */
bool perf_ring__begin(struct perf_ring *r);
/*
 * The next record, or NULL when the snapshot is consumed. Borrowed: valid
 * until the next call (the tail is published then, releasing its space).
 */
const struct perf_event_header *perf_ring__next(struct perf_ring *r);
/* Publishes the tail (release). */
void perf_ring__end(struct perf_ring *r);

/*
 * Decodes every record of ring @r, from its tail to its head, as
 * sampler__poll() decodes a sampler's rings: @o gives the sample layout a
 * sampler opened with it asks for (o->stack_user, o->regs_user; nothing
 * else is read), @cbs gets the samples and side-band records, and the
 * counts are added to @st. For rings filled by other means (tests, fuzzing
 * with arbitrary bytes). Returns 0, or the callback's non-zero value when
 * one stopped the walk.
 */
int sampler__decode(const struct sampler_opts *o, struct perf_ring *r,
		    const struct sampler_callbacks *cbs, void *ctx, struct sampler_stats *st);

#endif
