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
	int depth = argc > 2 ? atoi(argv[2]) : 250;

	do
		sink += recurse(depth, sink);
	while (!budget_spent(c0, secs));
	return 0;
}
