// SPDX-License-Identifier: Apache-2.0
/*
 * Leaf functions in libc: main -> libc_heavy -> memcpy / strlen. libc has
 * no frame pointers, so a frame-pointer unwind of a sample inside memcpy
 * skips libc_heavy; a DWARF unwind must keep it as the leaf's caller.
 *
 * Runs until it has used SECONDS of CPU time, user and system, so that a
 * cpu-clock profile holds as many samples on a busy machine as on an idle
 * one.
 *
 * usage: libc_leaf [SECONDS]   (default 1)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEN (256 * 1024)

static volatile size_t sink;

__attribute__((noinline)) size_t libc_heavy(char *dst, const char *src, size_t n)
{
	size_t total = 0;
	int i;

	for (i = 0; i < 16; i++) {
		memcpy(dst, src, n);
		total += strlen(dst);
	}
	return total;
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
	char *src = malloc(LEN), *dst = malloc(LEN);

	if (!src || !dst)
		return 1;
	memset(src, 'x', LEN - 1);
	src[LEN - 1] = '\0';
	do
		sink += libc_heavy(dst, src, LEN);
	while (!budget_spent(c0, secs));
	free(src);
	free(dst);
	return 0;
}
