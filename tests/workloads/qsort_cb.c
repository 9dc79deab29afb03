// SPDX-License-Identifier: Apache-2.0
/*
 * A callback through libc: main -> sort_rounds -> qsort (libc, built
 * without frame pointers) -> compare_slow, where the comparator does the
 * work. Frame-pointer unwinding loses everything above the comparator;
 * DWARF unwinding must show main;sort_rounds;<qsort...>;compare_slow.
 *
 * Runs until it has used SECONDS of CPU time, user and system, so that a
 * cpu-clock profile holds as many samples on a busy machine as on an idle
 * one.
 *
 * usage: qsort_cb [SECONDS]   (default 1)
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define N 512

static volatile uint64_t sink;

__attribute__((noinline)) int compare_slow(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	uint64_t h = sink, i;

	for (i = 0; i < 300; i++)
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = h;
	return (x > y) - (x < y);
}

__attribute__((noinline)) void sort_rounds(int *v, size_t n, unsigned *seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = rand_r(seed);
	qsort(v, n, sizeof(*v), compare_slow);
}

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * True once this process has used @secs seconds of CPU time, user and
 * system, since @start (a CLOCK_PROCESS_CPUTIME_ID reading): a budget that
 * does not depend on the machine's load. That clock is a system call, slow
 * in some VMs, where its samples would dilute the workload's: it is read
 * only every 10 ms of wall time (CLOCK_MONOTONIC, from the vDSO).
 */
static int budget_spent(double start, double secs)
{
	static double next;
	double t = clock_s(CLOCK_MONOTONIC);

	if (t < next)
		return 0;
	next = t + 0.01;
	return clock_s(CLOCK_PROCESS_CPUTIME_ID) - start >= secs;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	static int v[N];
	unsigned seed = 1;

	do
		sort_rounds(v, N, &seed);
	while (!budget_spent(c0, secs));
	return 0;
}
