// SPDX-License-Identifier: Apache-2.0
/*
 * The workload behind the bpftrace captures in this directory: for the
 * given number of seconds main() calls run_batch(), which spends about 60%
 * of its time in hot_spin(), 30% in warm_spin() and 10% in cool_spin().
 * Built with frame pointers in every function (gcc drops the frame setup of
 * leaf functions, which hides the leaf's caller from bpftrace's ustack):
 *   clang -O1 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
 *         -fno-optimize-sibling-calls -o bt_workload workload.c
 */
#include <stdlib.h>
#include <time.h>

static volatile double sink;

__attribute__((noinline)) static void spin(long n)
{
	double s = 0;

	for (long i = 0; i < n; i++)
		s += (double)i * 0.5;
	sink = s;
}

__attribute__((noinline)) void hot_spin(void)
{
	spin(600000);
}

__attribute__((noinline)) void warm_spin(void)
{
	spin(300000);
}

__attribute__((noinline)) void cool_spin(void)
{
	spin(100000);
}

__attribute__((noinline)) void run_batch(void)
{
	hot_spin();
	warm_spin();
	cool_spin();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 5);

	while (now() < end)
		run_batch();
	return 0;
}
