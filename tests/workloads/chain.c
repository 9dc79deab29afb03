// SPDX-License-Identifier: Apache-2.0
/*
 * A known call chain: main -> a -> b -> c, every function noinline with a
 * frame pointer, c doing all the work. A profile must show main;a;b;c.
 * Runs until it has used SECONDS of CPU time, so that a cpu-clock profile
 * holds as many samples on a busy machine as on an idle one.
 *
 * usage: chain [SECONDS]   (default 1)
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_budget.h"

static volatile uint64_t sink;

__attribute__((noinline)) uint64_t c(uint64_t n)
{
	uint64_t x = n, i;

	for (i = 0; i < 1000000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

__attribute__((noinline)) uint64_t b(uint64_t n)
{
	return c(n + 1) + 1;
}

__attribute__((noinline)) uint64_t a(uint64_t n)
{
	return b(n + 1) + 1;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

	do
		sink += a(sink);
	while (!budget_spent(c0, secs));
	return 0;
}
