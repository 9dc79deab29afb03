// SPDX-License-Identifier: Apache-2.0
/*
 * A parent that forks a child which burns in child_burn for a short while
 * and exits early, while the parent keeps burning in parent_burn. The
 * child's samples must still be symbolized after it is gone (its mappings
 * come from the parent's, through the FORK record). Both times are CPU
 * time, each process's own, so that a cpu-clock profile holds as many
 * samples of each on a busy machine as on an idle one; the parent waits
 * for the child at the end.
 *
 * usage: forker [SECONDS [CHILD_SECONDS]]   (default 1.5, 0.4)
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu_budget.h"

static volatile uint64_t sink;

/* Burns @s seconds of the calling process's CPU time (a forked child's own). */
#define BURN_FOR(s)                                                                                \
	do {                                                                                       \
		double c0_ = clock_s(CLOCK_PROCESS_CPUTIME_ID);                                    \
		uint64_t x_ = sink, i_;                                                            \
		while (!budget_spent(c0_, (s))) {                                                  \
			for (i_ = 0; i_ < 100000; i_++)                                            \
				x_ = x_ * 6364136223846793005ULL + 1442695040888963407ULL;         \
			sink = x_;                                                                 \
		}                                                                                  \
	} while (0)

__attribute__((noinline)) void child_burn(double s)
{
	BURN_FOR(s);
}

__attribute__((noinline)) void parent_burn(double s)
{
	BURN_FOR(s);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.5, child = argc > 2 ? atof(argv[2]) : 0.4;
	pid_t pid = fork();

	if (pid == 0) {
		child_burn(child);
		_exit(0);
	}
	parent_burn(secs);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}
