// SPDX-License-Identifier: Apache-2.0
/*
 * Fork storm: forks N short-lived children (default 300), about 100 a
 * second; each burns MS milliseconds of CPU time (default 3) in
 * child_work() and exits at once. The parent waits for each.
 *
 * usage: fork_storm [N] [MS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static void child_work(double budget)
{
	double c0 = cpu_s();
	uint64_t x = sink;

	do {
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	} while (cpu_s() - c0 < budget);
	sink = x;
}

__attribute__((noinline)) static void spawn_children(long n, double budget)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			child_work(budget);
			_exit(0);
		}
		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		waitpid(pid, NULL, 0);
		usleep(10000); /* about 100 children a second */
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 300;
	double ms = argc > 2 ? atof(argv[2]) : 3;

	spawn_children(n, ms / 1000);
	return 0;
}
