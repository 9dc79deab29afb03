// SPDX-License-Identifier: Apache-2.0
/*
 * Work that runs inside libc functions whose CFI names a personality
 * routine (CIE augmentation "zPLR"): an init routine under pthread_once()
 * (__pthread_once_slow) for the first half of the time, then an atexit
 * handler under exit() (__run_exit_handlers) for the second. The record
 * tests check that both DWARF unwinders walk through those libc frames to
 * main and agree on every sample.
 *
 * usage: libc_handlers [SECONDS]   (default 1)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
static double half;

static __attribute__((noinline)) void spin_for(double secs)
{
	struct timespec t0, t;
	uint64_t x = sink, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sink = x;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
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
