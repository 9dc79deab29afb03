// SPDX-License-Identifier: Apache-2.0
/*
 * Driving a long-running resq-flame from a test: start, wait for CPU time,
 * messages and the end, each with a generous deadline instead of a sleep.
 */
#include "proc.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

pid_t th_spawn_err(const char *const argv[], const char *err_path)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_WRONLY);

		dup2(fd, 2);
		dup2(null, 1); /* the workloads' own reports */
		setpgid(0, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

pid_t th_child_of(pid_t pid)
{
	char path[64];
	FILE *f;
	int c = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &c) != 1)
		c = 0;
	fclose(f);
	return c;
}

double th_cpu_seconds(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* Fields after the name: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime. A zombie still shows its times. */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X' ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

pid_t th_wait_workload_cpu(pid_t pid, double secs)
{
	double end = now_s() + TH_WAIT_S;
	pid_t c = 0;

	while (now_s() < end) {
		int status = 0;

		cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "resq-flame ended early (status 0x%x)",
			     status);
		if (!c)
			c = th_child_of(pid);
		if (c && th_cpu_seconds(c) >= secs)
			return c;
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	cr_assert_fail("the workload did not get %.1f s of CPU within %d s", secs, TH_WAIT_S);
	return 0;
}

void th_wait_cpu_more(pid_t pid, double secs)
{
	double end = now_s() + TH_WAIT_S, start = th_cpu_seconds(pid), c;

	while (now_s() < end) {
		c = th_cpu_seconds(pid);
		if (c < 0 || c - start >= secs)
			return;
		usleep(20000);
	}
	cr_assert_fail("pid %d did not use %.1f s more CPU within %d s", pid, secs, TH_WAIT_S);
}

int th_wait_end(pid_t pid)
{
	double end = now_s() + TH_WAIT_S;
	int status;

	while (now_s() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_assert_fail("pid %d did not end within %d s", pid, TH_WAIT_S);
	return status;
}

bool th_wait_text(const char *path, const char *text)
{
	double end = now_s() + TH_WAIT_S;

	while (now_s() < end) {
		char *s = th_read_file(path, NULL);
		bool found = s && strstr(s, text);

		free(s);
		if (found)
			return true;
		usleep(20000);
	}
	return false;
}

void th_expect_no_temp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		cr_expect(strncmp(e->d_name, ".resq-flame-", 12), "temporary file left: %s",
			  e->d_name);
	closedir(d);
}
