// SPDX-License-Identifier: Apache-2.0
/*
 * An always_inline function inside a noinline caller: with debug info the
 * profile shows inlined_hot as its own frame under outer_caller (and not
 * with --no-inline). Runs until it has used SECONDS of CPU time.
 *
 * usage: inline [SECONDS]   (default 1)
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_budget.h"

static volatile uint64_t sink;

static inline __attribute__((always_inline)) uint64_t inlined_hot(uint64_t x)
{
	uint64_t i;

	for (i = 0; i < 1000000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

__attribute__((noinline)) uint64_t mix_seed(uint64_t x)
{
	return x ^ (x >> 7);
}

__attribute__((noinline)) uint64_t outer_caller(uint64_t x)
{
	/*
	 * The call first: clang shrink-wraps the frame setup to just before
	 * the first call, and a loop before it would run without a frame,
	 * hiding our caller from frame-pointer unwinding.
	 */
	x = mix_seed(x);
	x = inlined_hot(x);
	sink = x;
	return x + 1;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

	do
		sink += outer_caller(sink);
	while (!budget_spent(c0, secs));
	return 0;
}
