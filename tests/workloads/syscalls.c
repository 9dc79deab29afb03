// SPDX-License-Identifier: Apache-2.0
/*
 * Syscall-heavy: write and read small buffers through a pipe in a loop, so
 * most samples land in the kernel (entry_SYSCALL_64 / do_syscall_64 ...)
 * under pipe_ping.
 *
 * Runs until it has used SECONDS of CPU time, user and system, so that a
 * cpu-clock profile holds as many samples on a busy machine as on an idle
 * one.
 *
 * usage: syscalls [SECONDS] [--wait]   (default 2)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu_budget.h"

__attribute__((noinline)) void pipe_ping(int fds[2], int rounds)
{
	char buf[64] = { 0 };
	int i;

	for (i = 0; i < rounds; i++) {
		if (write(fds[1], buf, sizeof(buf)) != sizeof(buf) ||
		    read(fds[0], buf, sizeof(buf)) != sizeof(buf))
			exit(1);
	}
}

/*
 * --wait (the last argument): prints "ready" and waits for SIGUSR1 before
 * the work starts, so that a test can attach a profiler first; exits 3
 * when none comes within 120 s.
 */
static void wait_for_go(int *argc, char **argv)
{
	struct timespec limit = {.tv_sec = 120};
	sigset_t set;

	if (*argc < 2 || strcmp(argv[*argc - 1], "--wait"))
		return;
	argv[--*argc] = NULL;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN); /* the test may close the pipe that carried "ready" */
	puts("ready");
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1)
		exit(3);
}

int main(int argc, char **argv)
{
	double secs, c0;
	int fds[2];

	wait_for_go(&argc, argv);
	secs = argc > 1 ? atof(argv[1]) : 2;
	if (pipe(fds))
		return 1;
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	do
		pipe_ping(fds, 1000);
	while (!budget_spent(c0, secs));
	return 0;
}
