// SPDX-License-Identifier: Apache-2.0
/*
 * A context-switch-heavy workload for the off-CPU benchmark: two threads
 * pass one byte back and forth over two pipes, so every round trip blocks
 * each thread once (two context switches when they share a CPU). Prints
 * "round trips/s: N" at the end.
 *
 * usage: pingpong [SECONDS [CPU]]   (default 5; CPU: pin both threads to
 *                                     this CPU, -1 = no pinning; default 0)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

__attribute__((noinline)) void *ponger(void *arg)
{
	char c;

	pin(*(int *)arg);
	while (read(ping[0], &c, 1) == 1)
		if (write(pong[1], &c, 1) != 1)
			break;
	return NULL;
}

__attribute__((noinline)) long pinger(double secs)
{
	double end = now() + secs;
	long n = 0;
	char c = 'x';

	while (1) {
		int i;

		for (i = 0; i < 256; i++) {
			if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
				return n;
			n++;
		}
		if (now() >= end)
			return n;
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5, t0;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	pthread_t t;
	long n;

	if (pipe(ping) || pipe(pong) || pthread_create(&t, NULL, ponger, &cpu))
		return 1;
	pin(cpu);
	t0 = now();
	n = pinger(secs);
	t0 = now() - t0;
	close(ping[1]);
	pthread_join(t, NULL);
	printf("round trips/s: %.0f\n", n / t0);
	return 0;
}
