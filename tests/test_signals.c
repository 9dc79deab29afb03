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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "helpers/proc.h"

TestSuite(signals, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 240);

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
	pid = th_spawn_err(argv, err_path);
	th_wait_workload_cpu(pid, 0.3);
	kill(pid, *sig); /* resq-flame only: it must stop the workload itself */
	status = th_wait_end(pid);
	text = th_read_file(err_path, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: status 0x%x: %s",
		  strsignal(*sig), status, text);
	cr_expect_not_null(strstr(text, "stopped early by"), "%s", text);
	free(text);
	text = th_read_file(out, NULL);
	cr_assert_not_null(text, "no output after %s", strsignal(*sig));
	cr_expect_gt(th_count_where(text, ";main;burn_half"), 0, "%s", text);
	th_expect_no_temp(th_dir);
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
	pid = th_spawn_err(argv, err_path);
	burner = th_wait_workload_cpu(pid, 0.3);
	kill(pid, SIGINT);
	/* The first signal was handled once the workload was stopped and reaped. */
	th_wait_cpu_more(burner, 1e9); /* returns when it is gone */
	kill(pid, SIGINT);
	cr_assert(th_wait_text(err_path, "still writing"), "no 'still writing' message");
	kill(pid, SIGINT);
	status = th_wait_end(pid);
	text = th_read_file(err_path, NULL);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, "status 0x%x: %s", status,
		  text);
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "the FIFO was replaced");
	th_expect_no_temp(th_dir);
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
