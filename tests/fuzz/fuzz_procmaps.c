// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: /proc/PID/maps text (procmaps.c) as a snapshot reads
 * it, procmaps__parse_maps(), then the history around it: a forked child
 * that inherits the mappings, a later exec of the parent, and lookups at
 * the edges of every mapping, checked to hold the address they were asked
 * for. A plain maps file is a seed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "procmaps.h"

#define PARENT 100
#define CHILD  101

struct walk {
	const struct procmaps *pm;
	pid_t pid;
	uint64_t time;
	size_t n, sum;
};

/* The mapping found for @addr must hold it. */
static void check(const struct procmaps *pm, pid_t pid, uint64_t addr, uint64_t time, size_t *sum)
{
	const struct mapping *m = procmaps__find(pm, pid, addr, time);

	if (!m)
		return;
	if (addr < m->start || addr >= m->end || !m->path)
		abort();
	*sum += strlen(m->path) + m->pgoff + m->prot + m->ino;
}

static int each(const struct mapping *m, void *arg)
{
	struct walk *w = arg;

	if (m->start >= m->end)
		abort(); /* procmaps__for_each() lists only what a lookup can return */
	check(w->pm, w->pid, m->start, w->time, &w->sum);
	check(w->pm, w->pid, m->end - 1, w->time, &w->sum);
	check(w->pm, w->pid, m->end, w->time, &w->sum);
	check(w->pm, w->pid, m->start - 1, w->time, &w->sum);
	check(w->pm, CHILD, m->start, 25, &w->sum);
	return ++w->n >= 4096; /* enough for one input */
}

static int none(const struct mapping *m, void *arg)
{
	abort();
}

int fuzz_procmaps(const uint8_t *data, size_t size)
{
	char *buf = fuzz_dup(data, size);
	struct procmaps *pm = procmaps__new();
	struct walk w = {.pm = pm, .pid = PARENT, .time = 10};
	const char *name;
	volatile size_t sink;

	fuzz_quiet();
	procmaps__parse_maps(pm, PARENT, 10, buf, size);
	procmaps__comm(pm, PARENT, PARENT, 10, "parent", false);
	procmaps__fork(pm, CHILD, PARENT, CHILD, 20);
	procmaps__comm(pm, PARENT, PARENT, 30, "exec", true);
	procmaps__for_each(pm, PARENT, 10, each, &w);
	w.time = 5; /* before the snapshot: a snapshot's mappings existed then too */
	procmaps__for_each(pm, PARENT, 5, each, &w);
	w.pid = CHILD;
	w.time = 25;
	procmaps__for_each(pm, CHILD, 25, each, &w);
	/* After the exec, nothing of the snapshot is left. */
	procmaps__for_each(pm, PARENT, 40, none, NULL);
	if (w.n && procmaps__generation(pm, PARENT) == 0)
		abort();
	name = procmaps__name(pm, CHILD, CHILD, 25);
	sink = w.sum + (name ? strlen(name) : 0) + procmaps__exited(pm, PARENT);
	(void)sink;
	procmaps__free(pm);
	free(buf);
	return 0;
}

FUZZ_MAIN(fuzz_procmaps)
