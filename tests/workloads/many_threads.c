// SPDX-License-Identifier: Apache-2.0
/*
 * Many threads: starts N threads (default 1000), named w0, w1, ..., that
 * wait until all exist, prints "ready" and waits for SIGUSR1 (so that a
 * profiler can attach to every one of them), then lets each burn MS
 * milliseconds of its own CPU time in thread_burn() and exit.
 *
 * usage: many_threads [N] [MS]   (defaults 1000 and 10)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
static pthread_barrier_t started, go;
static double budget_s;

static double thread_cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static void thread_burn(void)
{
	double c0 = thread_cpu_s();
	uint64_t x = sink;

	do {
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	} while (thread_cpu_s() - c0 < budget_s);
	sink = x;
}

static void *worker(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "w%ld", (long)(intptr_t)arg);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&started);
	pthread_barrier_wait(&go);
	thread_burn();
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	pthread_t *tids = calloc((size_t)n, sizeof(*tids));
	struct timespec limit = {.tv_sec = 120};
	pthread_attr_t attr;
	sigset_t set;

	budget_s = (argc > 2 ? atof(argv[2]) : 10) / 1000;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL); /* inherited by the threads */
	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	pthread_barrier_init(&go, NULL, (unsigned)n + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < n; i++) {
		if (pthread_create(&tids[i], &attr, worker, (void *)(intptr_t)i)) {
			perror("pthread_create");
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	puts("ready");
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1)
		return 3;
	pthread_barrier_wait(&go);
	for (long i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	return 0;
}
