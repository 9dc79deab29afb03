// SPDX-License-Identifier: Apache-2.0
/*
 * Leaf functions in libc: main -> libc_heavy -> memcpy / strlen. libc has
 * no frame pointers, so a frame-pointer unwind of a sample inside memcpy
 * skips libc_heavy; a DWARF unwind must keep it as the leaf's caller.
 *
 * usage: libc_leaf [SECONDS]   (default 1)
 */
#include <stdio.h>
#include <unistd.h>
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

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1, t0 = now();
	char *src = malloc(LEN), *dst = malloc(LEN);

	if (!src || !dst)
		return 1;
	memset(src, 'x', LEN - 1);
	src[LEN - 1] = '\0';
	do
		sink += libc_heavy(dst, src, LEN);
	while (now() - t0 < secs);
	free(src);
	free(dst);
	return 0;
}
