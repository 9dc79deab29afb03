// SPDX-License-Identifier: Apache-2.0
/*
 * Burner: CPU work split 50/30/20 between three named functions. Each round
 * runs the same spin loop for 5, 3 and 2 units, so the split holds in CPU
 * time whatever else the machine is doing. It runs until it has used
 * SECONDS of CPU time, not of wall time: sampled with the cpu-clock event,
 * a run gives about as many samples on a busy machine as on an idle one.
 *
 * usage: burner [SECONDS] [--wait]   (default 2); prints rounds completed
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu_budget.h"

#define UNIT 200000

static volatile uint64_t sink;

#define SPIN(n)                                                                                    \
	do {                                                                                       \
		uint64_t x_ = sink, i_;                                                            \
		for (i_ = 0; i_ < (uint64_t)(n); i_++)                                             \
			x_ = x_ * 6364136223846793005ULL + 1442695040888963407ULL;                 \
		sink = x_;                                                                         \
	} while (0)

__attribute__((noinline)) void burn_half(void)
{
	SPIN(5 * UNIT);
}

__attribute__((noinline)) void burn_third(void)
{
	SPIN(3 * UNIT);
}

__attribute__((noinline)) void burn_fifth(void)
{
	SPIN(2 * UNIT);
}

/*
 * --wait (the last argument): prints "ready" and waits for SIGUSR1 before
 * the work starts, so that a test can attach a profiler first; exits 3
 * when none comes within 120 s.
 */
static void wait_for_go(int *argc, char **argv)
{
	struct timespec limit = {.tv_sec = 120};
	sigset_t set;

	if (*argc < 2 || strcmp(argv[*argc - 1], "--wait"))
		return;
	argv[--*argc] = NULL;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN); /* the test may close the pipe that carried "ready" */
	puts("ready");
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1)
		exit(3);
}

int main(int argc, char **argv)
{
	double secs, t0, c0;
	unsigned long rounds = 0;

	wait_for_go(&argc, argv);
	secs = argc > 1 ? atof(argv[1]) : 2;
	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	do {
		burn_half();
		burn_third();
		burn_fifth();
		rounds++;
	} while (!budget_spent(c0, secs));
	printf("%lu rounds in %.2f s of CPU time, %.2f s of wall time\n", rounds,
	       clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0, clock_s(CLOCK_MONOTONIC) - t0);
	return 0;
}
