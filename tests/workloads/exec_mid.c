// SPDX-License-Identifier: Apache-2.0
/*
 * Exec mid-run: burns SECONDS of CPU time in before_exec(), then execs
 * itself with --after, which burns the same in after_exec(): one process
 * whose mappings are all replaced halfway.
 *
 * usage: exec_mid [SECONDS]   (default 1)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void spin(double secs)
{
	double c0 = cpu_s();
	uint64_t x = sink;

	do {
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	} while (cpu_s() - c0 < secs);
	sink = x;
}

__attribute__((noinline)) static void before_exec(double secs)
{
	spin(secs);
}

__attribute__((noinline)) static void after_exec(double secs)
{
	spin(secs);
}

int main(int argc, char **argv)
{
	const char *secs = argc > 1 ? argv[1] : "1";

	if (argc > 2 && !strcmp(argv[2], "--after")) {
		after_exec(atof(secs));
		return 0;
	}
	before_exec(atof(secs));
	execl("/proc/self/exe", argv[0], secs, "--after", (char *)NULL);
	perror("execl");
	return 1;
}
