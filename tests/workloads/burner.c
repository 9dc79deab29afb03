// SPDX-License-Identifier: Apache-2.0
/*
 * Burner: CPU work split 50/30/20 between three named functions. Each round
 * runs the same spin loop for 5, 3 and 2 units, so the split holds in CPU
 * time whatever else the machine is doing.
 *
 * usage: burner [SECONDS]   (default 2); prints rounds completed
 */
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2, t0 = now();
	unsigned long rounds = 0;

	do {
		burn_half();
		burn_third();
		burn_fifth();
		rounds++;
	} while (now() - t0 < secs);
	printf("%lu rounds in %.2f s\n", rounds, now() - t0);
	return 0;
}
