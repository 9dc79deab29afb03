// SPDX-License-Identifier: Apache-2.0
/*
 * Off-CPU fixtures with designed splits of blocked time.
 *
 *   sleeper split SECONDS   the main thread loops: sleep_phase sleeps 70 ms
 *                           in nanosleep, pipe_phase blocks 30 ms reading a
 *                           pipe that the thread "server" (pipe_server)
 *                           answers after a 30 ms nap: main's blocked time
 *                           is 70% sleep_phase, 30% pipe_phase, and both
 *                           threads are blocked nearly all the time
 *   sleeper short SECONDS   short_sleeps takes 50 naps of 200 us, long_sleeps
 *                           one of 30 ms
 *   sleeper wall SECONDS    spin_phase computes 30 ms, sleep_phase sleeps
 *                           70 ms: 30% on CPU, 70% off CPU
 *
 * Each phase reaches libc through a wrapper (nap, pipe_wait): libc has no
 * frame pointers, so the caller of a libc function is lost in FP stacks
 * (shared/PLATFORM.md), and the wrapper is what gets lost instead of the
 * phase. Prints "ready" when the loop starts; runs at least SECONDS.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int req[2], resp[2];
static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) void nap(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) int pipe_wait(int fd)
{
	char c;

	return (int)read(fd, &c, 1);
}

__attribute__((noinline)) void sleep_phase(long us)
{
	nap(us);
}

__attribute__((noinline)) void pipe_phase(void)
{
	if (write(req[1], "x", 1) != 1 || pipe_wait(resp[0]) != 1)
		exit(1);
}

__attribute__((noinline)) void server_nap(void)
{
	nap(30000);
}

__attribute__((noinline)) void *pipe_server(void *arg)
{
	(void)arg;
	while (pipe_wait(req[0]) == 1) {
		server_nap();
		if (write(resp[1], "y", 1) != 1)
			exit(1);
	}
	return NULL;
}

__attribute__((noinline)) void short_sleeps(void)
{
	int i;

	for (i = 0; i < 50; i++)
		nap(200);
}

__attribute__((noinline)) void long_sleeps(void)
{
	nap(30000);
}

__attribute__((noinline)) void spin_phase(double us)
{
	double end = now() + us / 1e6;
	uint64_t x = sink, i;

	while (now() < end) {
		for (i = 0; i < 1000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sink = x;
	}
}

static int split(double secs)
{
	pthread_t t;
	double end = now() + secs;

	if (pipe(req) || pipe(resp) || pthread_create(&t, NULL, pipe_server, NULL))
		return 1;
	pthread_setname_np(t, "server");
	puts("ready");
	fflush(stdout);
	while (now() < end) {
		sleep_phase(70000);
		pipe_phase();
	}
	close(req[1]); /* the server's read returns 0 */
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "split";
	double secs = argc > 2 ? atof(argv[2]) : 3, end;

	if (!strcmp(mode, "split"))
		return split(secs);
	end = now() + secs;
	puts("ready");
	fflush(stdout);
	if (!strcmp(mode, "short")) {
		while (now() < end) {
			short_sleeps();
			long_sleeps();
		}
		return 0;
	}
	if (!strcmp(mode, "wall")) {
		while (now() < end) {
			spin_phase(30000);
			sleep_phase(70000);
		}
		return 0;
	}
	fprintf(stderr, "usage: sleeper split|short|wall [SECONDS]\n");
	return 2;
}
