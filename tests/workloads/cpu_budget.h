/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPU-time budget the workloads run for, so that a profile of them has
 * as many samples on a loaded machine as on an idle one. Included by the
 * workload programs only.
 */
#ifndef RESQ_WORKLOAD_CPU_BUDGET_H
#define RESQ_WORKLOAD_CPU_BUDGET_H

#include <time.h>

static inline double clock_s(clockid_t id)
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
static inline int budget_spent(double start, double secs)
{
	static double next;
	double t = clock_s(CLOCK_MONOTONIC);

	if (t < next)
		return 0;
	next = t + 0.01;
	return clock_s(CLOCK_PROCESS_CPUTIME_ID) - start >= secs;
}

#endif
