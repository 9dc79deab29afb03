// SPDX-License-Identifier: Apache-2.0
/*
 * A multi-threaded process for attaching with -p: the main thread burns in
 * main_work, a thread named "early" starts at once and burns in
 * early_work, and after DELAY seconds a thread named "late" starts and
 * burns in late_work, so an attach between the two must pick it up.
 * Prints "ready" once the early thread runs.
 *
 * usage: threads [SECONDS [DELAY]]   (default 4, 1)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double secs = 4, delay = 1;
static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

#define BURN_UNTIL(end)                                                                            \
	do {                                                                                       \
		uint64_t x_ = sink, i_;                                                            \
		while (now() < (end)) {                                                            \
			for (i_ = 0; i_ < 100000; i_++)                                            \
				x_ = x_ * 6364136223846793005ULL + 1442695040888963407ULL;         \
			sink = x_;                                                                 \
		}                                                                                  \
	} while (0)

static double t_end;

__attribute__((noinline)) void early_work(void)
{
	BURN_UNTIL(t_end);
}

__attribute__((noinline)) void late_work(void)
{
	BURN_UNTIL(t_end);
}

__attribute__((noinline)) void main_work(double until)
{
	BURN_UNTIL(until);
}

static void *early_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "early");
	early_work();
	return NULL;
}

static void *late_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "late");
	late_work();
	return NULL;
}

int main(int argc, char **argv)
{
	double t0 = now();
	pthread_t e, l;

	if (argc > 1)
		secs = atof(argv[1]);
	if (argc > 2)
		delay = atof(argv[2]);
	t_end = t0 + secs;
	pthread_create(&e, NULL, early_thread, NULL);
	printf("ready\n");
	fflush(stdout);
	main_work(t0 + delay);
	pthread_create(&l, NULL, late_thread, NULL);
	main_work(t_end);
	pthread_join(e, NULL);
	pthread_join(l, NULL);
	return 0;
}
