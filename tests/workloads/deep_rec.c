// SPDX-License-Identifier: Apache-2.0
/*
 * A deep stack: main -> recurse x DEPTH (default 250) -> spin, each frame
 * holding about 64 bytes of locals, so the whole stack is about 20-25 KiB:
 * it fits the default 32 KiB copy of --call-graph dwarf and not an 8 KiB
 * one, whose unwinds must end in [truncated].
 *
 * Runs until it has used SECONDS of CPU time, user and system, so that a
 * cpu-clock profile holds as many samples on a busy machine as on an idle
 * one.
 *
 * usage: deep_rec [SECONDS] [DEPTH]   (default 1, 250)
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_budget.h"

static volatile uint64_t sink;

__attribute__((noinline)) uint64_t spin(uint64_t x)
{
	uint64_t i;

	for (i = 0; i < 200000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

__attribute__((noinline)) uint64_t recurse(int depth, uint64_t x)
{
	volatile uint64_t pad[8];
	int i;

	for (i = 0; i < 8; i++)
		pad[i] = x + (uint64_t)i;
	if (depth <= 0)
		return spin(pad[7]);
	return recurse(depth - 1, pad[3]) + pad[depth & 7];
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	int depth = argc > 2 ? atoi(argv[2]) : 250;

	do
		sink += recurse(depth, sink);
	while (!budget_spent(c0, secs));
	return 0;
}
