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

#include "cpu_budget.h"

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
