// SPDX-License-Identifier: Apache-2.0
/*
 * A known call chain: main -> a -> b -> c, every function noinline with a
 * frame pointer, c doing all the work. A profile must show main;a;b;c.
 *
 * usage: chain [SECONDS]   (default 1)
 */
#include <stdio.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) uint64_t c(uint64_t n)
{
	uint64_t x = n, i;

	for (i = 0; i < 1000000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

__attribute__((noinline)) uint64_t b(uint64_t n)
{
	return c(n + 1) + 1;
}

__attribute__((noinline)) uint64_t a(uint64_t n)
{
	return b(n + 1) + 1;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sink += a(sink);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	return 0;
}
