// SPDX-License-Identifier: Apache-2.0
/*
 * Reader of a perf_event mmap ring: one metadata page (struct
 * perf_event_mmap_page), then 2^n data pages that the kernel fills at
 * data_head while we consume at data_tail. The head is read with acquire
 * and the tail published with release, so that the kernel never overwrites
 * a record we are reading and we never read one it has not finished.
 * Records are multiples of 8 bytes; one that wraps the end of the buffer is
 * copied into a temporary buffer so that callers always see it contiguous.
 */
#include "sampler.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

static struct perf_event_mmap_page *meta(const struct perf_ring *r)
{
	return r->base;
}

void perf_ring__init(struct perf_ring *r, void *base, size_t page_size, uint64_t data_size)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->data = (uint8_t *)base + page_size;
	r->size = data_size;
	r->tail = __atomic_load_n(&meta(r)->data_tail, __ATOMIC_RELAXED);
	r->head = r->tail;
}

int perf_ring__map(struct perf_ring *r, int fd, size_t data_pages)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (data_pages + 1) * page;
	void *base;

	if (!data_pages || (data_pages & (data_pages - 1)))
		return -EINVAL;
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	perf_ring__init(r, base, page, (uint64_t)data_pages * page);
	r->map_len = len;
	return 0;
}

void perf_ring__release(struct perf_ring *r)
{
	if (r->map_len)
		munmap(r->base, r->map_len);
	free(r->tmp);
	memset(r, 0, sizeof(*r));
}

bool perf_ring__begin(struct perf_ring *r)
{
	if (!r->base)
		return false;
	r->head = __atomic_load_n(&meta(r)->data_head, __ATOMIC_ACQUIRE);
	return r->head != r->tail;
}

void perf_ring__end(struct perf_ring *r)
{
	if (r->base)
		__atomic_store_n(&meta(r)->data_tail, r->tail, __ATOMIC_RELEASE);
}

/* Copies @len bytes at ring position @pos, wrapping at the end. */
static void ring_copy(const struct perf_ring *r, uint64_t pos, void *dst, size_t len)
{
	uint64_t off = pos & (r->size - 1);
	size_t first = len;

	if (off + len > r->size)
		first = r->size - off;
	memcpy(dst, r->data + off, first);
	if (first < len)
		memcpy((uint8_t *)dst + first, r->data, len - first);
}

const struct perf_event_header *perf_ring__next(struct perf_ring *r)
{
	struct perf_event_header h = {0};
	uint64_t off, avail;

	/* Release the space of the record returned by the previous call. */
	perf_ring__end(r);
	avail = r->head - r->tail;
	if (!avail)
		return NULL;
	if (avail < sizeof(h))
		goto corrupt;
	ring_copy(r, r->tail, &h, sizeof(h));
	/* The kernel writes whole u64s: any other size would misalign what follows. */
	if (h.size < sizeof(h) || h.size % 8 || h.size > avail || h.size > r->size)
		goto corrupt;
	off = r->tail & (r->size - 1);
	r->tail += h.size;
	if (off + h.size <= r->size)
		return (const struct perf_event_header *)(r->data + off);
	if (r->tmp_size < h.size) {
		free(r->tmp);
		r->tmp_size = h.size < 4096 ? 4096 : h.size;
		r->tmp = xmalloc(r->tmp_size);
	}
	ring_copy(r, r->tail - h.size, r->tmp, h.size);
	return (const struct perf_event_header *)r->tmp;
corrupt:
	/* Cannot happen with a sane kernel; skip what is there rather than loop. */
	pr_debug("perf ring: bad record header (size %u, %llu bytes available); skipping",
		 (unsigned)h.size, (unsigned long long)avail);
	r->truncated++;
	r->tail = r->head;
	perf_ring__end(r);
	return NULL;
}
