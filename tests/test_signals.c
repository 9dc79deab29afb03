// SPDX-License-Identifier: Apache-2.0
/*
 * Signals and the output path of a capture, through the real binary:
 * SIGHUP, SIGINT and SIGTERM end the capture and the profile is written;
 * a second signal says it is still writing and a third aborts without a
 * partial file; a bad output path fails before capturing. No fixed sleeps:
 * each step waits for what it needs (the workload's CPU time, the child's
 * exit, a message) up to a generous deadline.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"

TestSuite(signals, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 240);

#define DEADLINE_S 120

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Starts @argv with stderr into @err_path, in its own process group. */
static pid_t spawn(const char *const argv[], const char *err_path)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		setpgid(0, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* The first child of @pid, or 0. */
static pid_t child_of(pid_t pid)
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

/* User + system CPU seconds of @pid, or -1 when it is gone. */
static double cpu_seconds(pid_t pid)
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
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * Waits until resq-flame (@pid) has launched the workload and the workload
 * has used @secs of CPU time (so that there are samples, however loaded the
 * machine). Returns the workload's pid.
 */
static pid_t wait_workload_cpu(pid_t pid, double secs)
{
	double end = now_s() + DEADLINE_S;
	pid_t c = 0;

	while (now_s() < end) {
		int status;

		cr_assert_eq(waitpid(pid, &status, WNOHANG), 0,
			     "resq-flame ended early (status 0x%x)", status);
		if (!c)
			c = child_of(pid);
		if (c && cpu_seconds(c) >= secs)
			return c;
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	cr_assert_fail("the workload did not get %.1f s of CPU within %d s", secs, DEADLINE_S);
	return 0;
}

/* Waits for @pid to end within the deadline; returns its wait status. */
static int wait_end(pid_t pid)
{
	double end = now_s() + DEADLINE_S;
	int status;

	while (now_s() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_assert_fail("resq-flame did not end within %d s", DEADLINE_S);
	return status;
}

/* Waits until @path holds @text; false at the deadline. */
static bool wait_text(const char *path, const char *text)
{
	double end = now_s() + DEADLINE_S;

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

static void expect_no_temp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		cr_expect(strncmp(e->d_name, ".resq-flame-", 12), "temporary file left: %s",
			  e->d_name);
	closedir(d);
}

ParameterizedTestParameters(signals, each_stop_signal_writes_the_profile)
{
	static int sigs[] = { SIGHUP, SIGINT, SIGTERM };

	return cr_make_param_array(int, sigs, sizeof(sigs) / sizeof(sigs[0]));
}

ParameterizedTest(int *sig, signals, each_stop_signal_writes_the_profile)
{
	char *w = th_workload("burner"), *out = th_path(th_dir, "cpu.folded");
	char *err_path = th_path(th_dir, "err"), *text;
	const char *argv[] = { th_bin(), "record", "-F", "999", "-d", "1h", "-o",
			       out,	 "--",	   w,	   "600", NULL };
	int status;
	pid_t pid;

	th_privileged_perf(false);
	pid = spawn(argv, err_path);
	wait_workload_cpu(pid, 0.3);
	kill(pid, *sig); /* resq-flame only: it must stop the workload itself */
	status = wait_end(pid);
	text = th_read_file(err_path, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: status 0x%x: %s",
		  strsignal(*sig), status, text);
	cr_expect_not_null(strstr(text, "stopped early by"), "%s", text);
	free(text);
	text = th_read_file(out, NULL);
	cr_assert_not_null(text, "no output after %s", strsignal(*sig));
	cr_expect_gt(th_count_where(text, ";main;burn_half"), 0, "%s", text);
	expect_no_temp(th_dir);
	free(text);
	free(err_path);
	free(out);
	free(w);
}

/*
 * A FIFO nobody reads holds the run in its writing phase: the second
 * signal must say so, the third must end the run by that signal.
 */
Test(signals, second_signal_warns_third_aborts)
{
	char *w = th_workload("burner"), *fifo = th_path(th_dir, "out.fifo");
	char *err_path = th_path(th_dir, "err"), *text;
	const char *argv[] = { th_bin(), "record", "-d", "1h", "-f", "folded", "-o",
			       fifo,	 "--",	   w,	 "600",	 NULL };
	struct stat st;
	pid_t pid, burner;
	int status;

	th_privileged_perf(false);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	pid = spawn(argv, err_path);
	burner = wait_workload_cpu(pid, 0.3);
	kill(pid, SIGINT);
	/* The first signal was handled once the workload was stopped and reaped. */
	{
		double end = now_s() + DEADLINE_S;

		while (cpu_seconds(burner) >= 0 && now_s() < end)
			usleep(20000);
		cr_assert_lt(cpu_seconds(burner), 0, "the workload was not stopped");
	}
	kill(pid, SIGINT);
	cr_assert(wait_text(err_path, "still writing"), "no 'still writing' message");
	kill(pid, SIGINT);
	status = wait_end(pid);
	text = th_read_file(err_path, NULL);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, "status 0x%x: %s", status,
		  text);
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "the FIFO was replaced");
	expect_no_temp(th_dir);
	free(text);
	free(err_path);
	free(fifo);
	free(w);
}

/* An hour-long capture with a bad -o fails at once; the test's timeout would catch a capture. */
Test(signals, bad_output_path_fails_before_capturing)
{
	char *bad = th_path(th_dir, "no/such/dir/cpu.svg");
	const char *rec[] = { th_bin(), "record", "-a", "-d", "1h", "-o", bad, NULL };
	const char *off[] = { th_bin(), "offcpu", "-d", "1h", "-o", bad, NULL };
	const char *const *cmds[] = { rec, off };

	for (size_t i = 0; i < 2; i++) {
		struct th_result r = th_run(cmds[i], NULL, 0, 60);

		cr_assert_eq(r.status, 1, "%s: status %d: %s", cmds[i][1], r.status, r.err);
		cr_expect_not_null(strstr(r.err, "no/such/dir"), "%s", r.err);
		cr_expect_null(strstr(r.err, "samples"), "it captured: %s", r.err);
		th_result_free(&r);
	}
	free(bad);
}
