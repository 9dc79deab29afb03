// SPDX-License-Identifier: Apache-2.0
/*
 * Work that runs inside libc functions whose CFI names a personality
 * routine (CIE augmentation "zPLR"): an init routine under pthread_once()
 * (__pthread_once_slow) for the first half of the time, then an atexit
 * handler under exit() (__run_exit_handlers) for the second. The record
 * tests check that both DWARF unwinders walk through those libc frames to
 * main and agree on every sample. Each half is SECONDS/2 of CPU time, so
 * that a cpu-clock profile has as many samples on a busy machine as on an
 * idle one.
 *
 * usage: libc_handlers [SECONDS]   (default 1)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_budget.h"

static volatile uint64_t sink;
static double half;

static __attribute__((noinline)) void spin_for(double secs)
{
	double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t x = sink, i;

	do {
		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sink = x;
	} while (!budget_spent(c0, secs));
}

static __attribute__((noinline)) void once_init(void)
{
	spin_for(half);
}

static __attribute__((noinline)) void at_exit(void)
{
	spin_for(half);
}

int main(int argc, char **argv)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	half = (argc > 1 ? atof(argv[1]) : 1) / 2;
	atexit(at_exit);
	pthread_once(&once, once_init);
	return 0;
}
