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
