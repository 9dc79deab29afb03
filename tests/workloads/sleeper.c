// SPDX-License-Identifier: Apache-2.0
/*
 * Off-CPU fixtures with designed splits of blocked time.
 *
 *   sleeper split SECONDS   the main thread loops: sleep_phase sleeps 70 ms
 *                           in nanosleep, pipe_phase blocks 30 ms reading a
 *                           pipe that the thread "server" (pipe_server)
 *                           answers after a 30 ms nap: main's blocked time
 *                           is 70% sleep_phase, 30% pipe_phase on an idle
 *                           machine, and both threads are blocked nearly
 *                           all the time. At the end it prints the wall
 *                           time main spent in each phase, "sleep S pipe S"
 *                           in seconds: late wake-ups on a busy machine
 *                           lengthen pipe_phase (three of them) more than
 *                           sleep_phase (one)
 *   sleeper short SECONDS   short_sleeps takes 50 naps of 200 us, long_sleeps
 *                           one of 30 ms. At the end it prints "late N S":
 *                           the short naps that took 10 ms or more (woken
 *                           late on a busy machine) and their total time
 *   sleeper wall SECONDS    spin_phase computes 30 ms, sleep_phase sleeps
 *                           70 ms: 30% on CPU, 70% off CPU on an idle
 *                           machine. At the end it prints what it measured
 *                           itself: "spin S sleep S cpu S wall S", the wall
 *                           time in each phase, its CPU time (less than
 *                           30% of the wall time when other processes take
 *                           the CPU from it) and its wall time, in seconds
 *   sleeper disk DIR SECONDS
 *                           disk_wait rewrites 256 KiB of a file in DIR and
 *                           fsyncs it, which waits for the disk in
 *                           uninterruptible sleep (D state) when DIR is on
 *                           a block device (not on tmpfs); then
 *                           sleep_phase sleeps 20 ms in nanosleep
 *                           (interruptible, S state)
 *
 * Each phase reaches libc through a wrapper (nap, pipe_wait, sync_file):
 * libc has no frame pointers, so the caller of a libc function is lost in
 * FP stacks (shared/PLATFORM.md), and the wrapper is what gets lost instead
 * of the phase. Prints "ready" when the loop starts; runs at least SECONDS.
 * With --wait as the last argument, it then waits for SIGUSR1 before the
 * loop (so that a test can attach a profiler first; exits 3 when none comes
 * within 120 s), and SECONDS count from there.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int req[2], resp[2];
static volatile uint64_t sink;

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
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

static int late_naps;
static double late_s;

__attribute__((noinline)) void short_sleeps(void)
{
	int i;

	for (i = 0; i < 50; i++) {
		double t = now();

		nap(200);
		t = now() - t;
		if (t >= 0.01) {
			late_naps++;
			late_s += t;
		}
	}
}

__attribute__((noinline)) void long_sleeps(void)
{
	nap(30000);
}

__attribute__((noinline)) int sync_file(int fd)
{
	return fsync(fd);
}

/* Dirties 256 KiB of @fd and waits until the disk has it. */
__attribute__((noinline)) void disk_wait(int fd)
{
	static char buf[256 * 1024];

	memset(buf, (int)(sink++ & 0xff), sizeof(buf));
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || sync_file(fd))
		exit(1);
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

/* Prints "ready"; with @wait, then waits for SIGUSR1 (blocked in main, before any thread). */
static void ready(int wait)
{
	struct timespec limit = {.tv_sec = 120};
	sigset_t set;

	signal(SIGPIPE, SIG_IGN); /* the test may close the pipe that carried "ready" */
	puts("ready");
	fflush(stdout);
	if (!wait)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1)
		exit(3);
}

static int split(double secs, int wait)
{
	double end, sleep = 0, pipe_w = 0;
	pthread_t t;

	if (pipe(req) || pipe(resp) || pthread_create(&t, NULL, pipe_server, NULL))
		return 1;
	pthread_setname_np(t, "server");
	ready(wait);
	end = now() + secs;
	while (now() < end) {
		double t0 = now(), t1;

		sleep_phase(70000);
		t1 = now();
		pipe_phase();
		sleep += t1 - t0;
		pipe_w += now() - t1;
	}
	close(req[1]); /* the server's read returns 0 */
	pthread_join(t, NULL);
	printf("sleep %.6f pipe %.6f\n", sleep, pipe_w);
	return 0;
}

static int wall(double secs, int wait)
{
	double t0, t1, t2, end, spin = 0, sleep = 0, c0;

	ready(wait);
	t0 = now();
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	end = t0 + secs;
	do {
		t1 = now();
		spin_phase(30000);
		t2 = now();
		sleep_phase(70000);
		spin += t2 - t1;
		sleep += now() - t2;
	} while (now() < end);
	printf("spin %.6f sleep %.6f cpu %.6f wall %.6f\n", spin, sleep,
	       clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0, now() - t0);
	return 0;
}

static int disk(const char *dir, double secs, int wait)
{
	char path[4096];
	double end;
	int fd;

	snprintf(path, sizeof(path), "%s/sleeper-disk.%d", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	ready(wait);
	end = now() + secs;
	do {
		disk_wait(fd);
		sleep_phase(20000);
	} while (now() < end);
	close(fd);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	int wait = argc > 1 && !strcmp(argv[argc - 1], "--wait");
	const char *mode = argc > 1 ? argv[1] : "split";
	double secs, end;
	sigset_t set;

	argc -= wait;
	/* SIGUSR1 must not kill us before ready() waits for it; threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!strcmp(mode, "disk") && argc > 2)
		return disk(argv[2], argc > 3 ? atof(argv[3]) : 3, wait);
	secs = argc > 2 ? atof(argv[2]) : 3;
	if (!strcmp(mode, "split"))
		return split(secs, wait);
	if (!strcmp(mode, "wall"))
		return wall(secs, wait);
	if (!strcmp(mode, "short")) {
		ready(wait);
		end = now() + secs;
		while (now() < end) {
			short_sleeps();
			long_sleeps();
		}
		printf("late %d %.6f\n", late_naps, late_s);
		return 0;
	}
	fprintf(stderr, "usage: sleeper split|short|wall [SECONDS] [--wait]\n"
			"       sleeper disk DIR [SECONDS] [--wait]\n");
	return 2;
}
