// SPDX-License-Identifier: Apache-2.0
/*
 * Syscall-heavy: write and read small buffers through a pipe in a loop, so
 * most samples land in the kernel (entry_SYSCALL_64 / do_syscall_64 ...)
 * under pipe_ping.
 *
 * usage: syscalls [SECONDS]   (default 2)
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

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

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2, t0 = now();
	int fds[2];

	if (pipe(fds))
		return 1;
	do
		pipe_ping(fds, 1000);
	while (now() - t0 < secs);
	return 0;
}
