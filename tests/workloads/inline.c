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

static volatile uint64_t sink;
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
