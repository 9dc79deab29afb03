// SPDX-License-Identifier: Apache-2.0
/*
 * The record benchmark's target (tools/bench_record.sh): fixed units of CPU
 * work a few frames deep (run -> step -> leaf_a/leaf_b), measured over
 * SECONDS after an unmeasured warm-up.
 *
 * Single mode (default): one thread. Prints one line of key=value:
 *   units     work units done in the measured interval
 *   wall      its length in seconds (CLOCK_MONOTONIC)
 *   exec      seconds the thread ran on a CPU, from /proc/thread-self/schedstat
 *             (sum_exec_runtime: includes interrupt time, since this kernel
 *             has no IRQ_TIME_ACCOUNTING, but not time stolen by the
 *             hypervisor or spent waiting for a CPU)
 *   delay     seconds spent runnable but waiting for a CPU (run_delay)
 *   per_s     units per wall second
 *   per_cpu_s units per on-CPU second (units / exec): what a profiler's
 *             sampling interrupts slow down, without the noise of other jobs
 *             sharing the CPU
 *
 * Pair mode (-2): two identical threads, "profiled" and "twin", which share
 * whatever CPUs the process may use (pin it to one). First prints
 * "tid=TID" (the profiled thread, for `record -t TID`) and flushes, then
 * warms up for WARMUP seconds (attach the profiler then), measures, and
 * prints units, exec and per_cpu_s of both (twin_...) and
 * ratio = per_cpu_s / twin_per_cpu_s. The twin runs interleaved with the
 * profiled thread on the same CPU, so it sees the same machine: the ratio
 * against the twin cancels most of the noise of a shared machine, which a
 * comparison between separate runs cannot.
 *
 * usage: bench_burner [-2] [SECONDS [WARMUP]]   (default 5, 0.3)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNIT_ITERS 4096 /* about 0.5 us: clang folds 8 iterations into one */

static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* On-CPU and run-queue seconds of this thread; 0 when unavailable. */
static void schedstat(double *exec, double *delay)
{
	unsigned long long e = 0, d = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &e, &d) != 2)
			e = d = 0;
		fclose(f);
	}
	*exec = (double)e / 1e9;
	*delay = (double)d / 1e9;
}

__attribute__((noinline)) uint64_t leaf_a(uint64_t x)
{
	int i;

	for (i = 0; i < UNIT_ITERS; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

__attribute__((noinline)) uint64_t leaf_b(uint64_t x)
{
	int i;

	for (i = 0; i < UNIT_ITERS; i++)
		x = x * 2862933555777941757ULL + 3037000493ULL;
	return x;
}

/* 16 units: 3/4 in leaf_a, 1/4 in leaf_b. */
__attribute__((noinline)) uint64_t step(uint64_t x)
{
	int i;

	for (i = 0; i < 16; i++)
		x = (i & 3) ? leaf_a(x) : leaf_b(x);
	return x;
}

/* Runs steps until @secs have passed; returns the units done. */
__attribute__((noinline)) uint64_t run(double secs)
{
	double t0 = now();
	uint64_t x = sink, units = 0;

	do {
		x = step(x);
		units += 16;
	} while (now() - t0 < secs);
	sink = x;
	return units;
}

/* --- pair mode --------------------------------------------------------- */

static volatile int phase; /* 0 warming up, 1 measuring, 2 done */

struct worker {
	pthread_t thread;
	const char *name;
	volatile pid_t tid;
	uint64_t units;
	double exec;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t x = sink, units = 0;
	double e0 = 0, e1 = 0, d;
	int measuring = 0;

	pthread_setname_np(pthread_self(), w->name);
	w->tid = gettid();
	for (;;) {
		int p = phase;

		if (p == 1 && !measuring) {
			schedstat(&e0, &d);
			units = 0;
			measuring = 1;
		} else if (p == 2) {
			schedstat(&e1, &d);
			break;
		}
		x = step(x);
		units += 16;
	}
	sink = x;
	w->units = units;
	w->exec = e1 - e0;
	return NULL;
}

static int pair_main(double secs, double warm)
{
	struct worker w[2] = {{.name = "profiled"}, {.name = "twin"}};
	double r[2];
	int i;

	for (i = 0; i < 2; i++)
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i])) {
			fputs("bench_burner: pthread_create failed\n", stderr);
			return 1;
		}
	while (!w[0].tid)
		usleep(1000);
	printf("tid=%d\n", (int)w[0].tid);
	fflush(stdout);
	usleep((useconds_t)(warm * 1e6));
	phase = 1;
	usleep((useconds_t)(secs * 1e6));
	phase = 2;
	for (i = 0; i < 2; i++) {
		pthread_join(w[i].thread, NULL);
		r[i] = w[i].exec > 0 ? (double)w[i].units / w[i].exec : 0;
	}
	printf("units=%llu exec=%.6f per_cpu_s=%.1f twin_units=%llu twin_exec=%.6f "
	       "twin_per_cpu_s=%.1f ratio=%.6f\n",
	       (unsigned long long)w[0].units, w[0].exec, r[0], (unsigned long long)w[1].units,
	       w[1].exec, r[1], r[1] > 0 ? r[0] / r[1] : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	int pair = argc > 1 && !strcmp(argv[1], "-2");
	double secs, warm, t0, t1, e0, e1, d0, d1, exec;
	uint64_t units;

	argv += pair;
	argc -= pair;
	secs = argc > 1 ? atof(argv[1]) : 5;
	warm = argc > 2 ? atof(argv[2]) : 0.3;
	if (secs <= 0 || warm < 0) {
		fputs("usage: bench_burner [-2] [SECONDS [WARMUP]]\n", stderr);
		return 2;
	}
	if (pair)
		return pair_main(secs, warm);
	if (warm > 0)
		run(warm);
	schedstat(&e0, &d0);
	t0 = now();
	units = run(secs);
	t1 = now();
	schedstat(&e1, &d1);
	exec = e1 - e0;
	printf("units=%llu wall=%.6f exec=%.6f delay=%.6f per_s=%.1f per_cpu_s=%.1f\n",
	       (unsigned long long)units, t1 - t0, exec, d1 - d0, (double)units / (t1 - t0),
	       exec > 0 ? (double)units / exec : 0.0);
	return 0;
}
