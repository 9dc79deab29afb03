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

#include "cpu_budget.h"

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
