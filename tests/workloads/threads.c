// SPDX-License-Identifier: Apache-2.0
/*
 * A multi-threaded process for attaching with -p and -t. The main thread
 * starts a thread named "early", prints "ready" and waits for SIGUSR1: a
 * test sends it once the profiler is attached. Then a thread named "late"
 * starts, so the profiler must pick it up after the attach, and main
 * (main_work), early (early_work) and late (late_work) each burn SECONDS
 * of their own CPU time before the process exits. With the cpu-clock event
 * each thread then gets about as many samples on a busy machine as on an
 * idle one. Exits 3 when no SIGUSR1 comes within 120 s.
 *
 * usage: threads [SECONDS]   (default 1)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double secs = 1;
static volatile uint64_t sink;
static pthread_mutex_t go_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go;

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * True once the calling thread has used @secs seconds of CPU time since
 * @start (a CLOCK_THREAD_CPUTIME_ID reading). That clock is a system call,
 * slow in some VMs: it is read only every 10 ms of wall time
 * (CLOCK_MONOTONIC, from the vDSO).
 */
static int budget_spent(double start, double secs)
{
	static __thread double next;
	double t = clock_s(CLOCK_MONOTONIC);

	if (t < next)
		return 0;
	next = t + 0.01;
	return clock_s(CLOCK_THREAD_CPUTIME_ID) - start >= secs;
}

/* Burns until the calling thread has used @s more seconds of CPU time. */
#define BURN_CPU(s)                                                                                \
	do {                                                                                       \
		double c0_ = clock_s(CLOCK_THREAD_CPUTIME_ID);                                     \
		uint64_t x_ = sink, i_;                                                            \
		while (!budget_spent(c0_, (s))) {                                                  \
			for (i_ = 0; i_ < 100000; i_++)                                            \
				x_ = x_ * 6364136223846793005ULL + 1442695040888963407ULL;         \
			sink = x_;                                                                 \
		}                                                                                  \
	} while (0)

__attribute__((noinline)) void early_work(void)
{
	BURN_CPU(secs);
}

__attribute__((noinline)) void late_work(void)
{
	BURN_CPU(secs);
}

__attribute__((noinline)) void main_work(void)
{
	BURN_CPU(secs);
}

static void *early_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "early");
	pthread_mutex_lock(&go_lock);
	while (!go)
		pthread_cond_wait(&go_cond, &go_lock);
	pthread_mutex_unlock(&go_lock);
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
	struct timespec limit = {.tv_sec = 120};
	pthread_t e, l;
	sigset_t set;

	if (argc > 1)
		secs = atof(argv[1]);
	/* Blocked before any thread exists: every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&e, NULL, early_thread, NULL))
		return 1;
	printf("ready\n");
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1)
		return 3;
	pthread_mutex_lock(&go_lock);
	go = 1;
	pthread_cond_broadcast(&go_cond);
	pthread_mutex_unlock(&go_lock);
	if (pthread_create(&l, NULL, late_thread, NULL))
		return 1;
	main_work();
	pthread_join(e, NULL);
	pthread_join(l, NULL);
	return 0;
}
