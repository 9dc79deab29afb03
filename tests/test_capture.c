// SPDX-License-Identifier: Apache-2.0
/*
 * The capture object in-process: snapshots taken while capture runs are
 * prefixes of the final profile (on-CPU and off-CPU), its figures (samples,
 * processes, time left that never wraps below zero), targets by name with
 * near matches; and the command line's side of it: `-P`, and the status
 * line, shown on a terminal only and never with -q.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../src/cli/capture_cmd.h"
#include "capture.h"
#include "helpers/helpers.h"
#include "helpers/proc.h"
#include "log.h"
#include "targets.h"

TestSuite(capture, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *folded_of(struct profile *p)
{
	char *text;

	cr_assert_not_null(p);
	text = th_folded(p);
	profile__free(p);
	return text;
}

/*
 * Polls @c until @enough says so (a snapshot is due) or the capture is
 * over; fails the test after TH_DEADLINE_S.
 */
static void poll_until(struct capture *c, bool (*enough)(const struct capture_stats *st))
{
	double deadline = mono() + TH_DEADLINE_S;
	struct capture_stats st;

	for (;;) {
		int r = capture__poll(c, 100);

		cr_assert_geq(r, 0);
		capture__stats(c, &st);
		if (r || enough(&st))
			return;
		cr_assert_lt(mono(), deadline, "no progress: %llu samples",
			     (unsigned long long)st.samples);
	}
}

static bool some_samples(const struct capture_stats *st)
{
	return st->samples >= 100;
}

static bool never(const struct capture_stats *st)
{
	return false;
}

Test(capture, snapshot_mid_capture_is_a_prefix_of_the_final_profile)
{
	char *burner = th_workload("burner");
	char *argv[] = {burner, "3", NULL};
	struct capture *c;
	struct capture_stats st;
	char *snap, *final;

	th_privileged_perf(false);
	c = capture__new(&(struct capture_opts){
		.target = CAPTURE_COMMAND, .argv = argv, .oncpu = true, .freq = 999});
	cr_assert_not_null(c, "capture__new: %s", strerror(errno));
	cr_assert_eq(capture__start(c), 0);
	poll_until(c, some_samples);
	snap = folded_of(capture__snapshot(c));
	capture__stats(c, &st);
	cr_assert_gt(st.samples, 0);
	cr_expect_eq(st.processes, 1);
	cr_expect_gt(st.stacks, 0);
	poll_until(c, never);
	cr_assert_eq(capture__stop(c, 0), 0);
	final = folded_of(capture__finish(c));
	capture__stats(c, &st);
	cr_expect(st.command_exited);
	cr_expect_not(st.command_stopped, "burner ends by itself");
	cr_expect_lt(st.unresolved, 0.5);
	th_expect_prefix(snap, final);
	cr_expect_gt(th_count_where(final, "burn_half"), 0, "%s", final);
	cr_expect_lt(th_count_where(snap, NULL), th_count_where(final, NULL),
		     "the capture went on after the snapshot");
	free(snap);
	free(final);
	capture__free(c);
	free(burner);
}

Test(capture, stats_count_and_time_left_never_wraps)
{
	char *burner = th_workload("burner");
	char *argv[] = {burner, "30", NULL};
	struct capture_stats st, again;
	struct capture *c;
	char line[200];

	th_privileged_perf(false);
	c = capture__new(&(struct capture_opts){.target = CAPTURE_COMMAND,
						.argv = argv,
						.oncpu = true,
						.freq = 999,
						.duration = 0.3});
	cr_assert_not_null(c, "capture__new: %s", strerror(errno));
	capture__stats(c, &st);
	cr_expect_float_eq(st.remaining, 0.3, 1e-9, "not started: the whole duration is left");
	cr_assert_eq(capture__start(c), 0);
	poll_until(c, never);
	usleep(200000); /* a status line drawn after the end */
	capture__stats(c, &st);
	cr_expect_eq(st.remaining, 0, "%g s left after the end", st.remaining);
	cr_expect_geq(st.elapsed, 0.3);
	cli_capture_status(line, sizeof(line), "recording", &st);
	cr_expect_not_null(strstr(line, ", 0.0 s left, "), "%s", line);
	cr_expect_null(strstr(line, "18446744073"), "%s", line);
	cr_assert_eq(capture__stop(c, 0), 0);
	capture__stats(c, &st);
	cr_expect(st.command_stopped, "burner 30 outlives a 0.3 s capture");
	cr_expect(WIFSIGNALED(st.command_status) && WTERMSIG(st.command_status) == SIGTERM);
	usleep(100000);
	capture__stats(c, &again);
	cr_expect_eq(st.elapsed, again.elapsed, "elapsed time stops with the capture");
	cr_expect_gt(st.samples, 0);
	cr_expect_str_eq(st.event, "cpu-clock");
	cr_expect_str_eq(st.unwinder_name, "fp");
	capture__free(c);
	free(burner);
}

static bool past_two_drains(const struct capture_stats *st)
{
	return st->elapsed > 2.2;
}

Test(capture, offcpu_snapshot_is_a_prefix_of_the_final_profile)
{
	char *sleeper = th_workload("sleeper");
	char *argv[] = {sleeper, "split", "4", NULL};
	struct capture_stats st;
	struct capture *c;
	char *snap, *final;

	th_privileged_bpf(false);
	c = capture__new(&(struct capture_opts){
		.target = CAPTURE_COMMAND, .argv = argv, .offcpu = true, .min_block_ns = 1000});
	cr_assert_not_null(c, "capture__new: %s", strerror(errno));
	cr_assert_eq(capture__start(c), 0);
	poll_until(c, past_two_drains);
	capture__stats(c, &st);
	cr_assert_gt(st.samples, 0, "nothing drained in %.1f s", st.elapsed);
	snap = folded_of(capture__snapshot(c));
	cr_assert_gt(th_count_where(snap, "sleep_phase"), 0, "%s", snap);
	final = folded_of(capture__finish(c));
	th_expect_prefix(snap, final);
	cr_expect_gt(th_count_where(final, NULL), th_count_where(snap, NULL));
	free(snap);
	free(final);
	capture__free(c);
	free(sleeper);
}

Test(capture, missing_target_fails_before_opening_anything)
{
	pid_t gone = th_freed_pid();
	struct capture *c;

	log__set_level(LOG_SILENT);
	c = capture__new(&(struct capture_opts){
		.target = CAPTURE_PIDS, .ids = &gone, .nids = 1, .oncpu = true});
	cr_assert_null(c);
	cr_expect_eq(errno, ESRCH);
}

/* --- targets by name --------------------------------------------------------- */

/*
 * Starts `threads SECONDS` under the name @name (a symlink to it); returns
 * its pid. It waits for th_go() before it burns SECONDS of CPU time.
 */
static pid_t start_named(const char *name, const char *seconds)
{
	char *bin = th_workload("threads");
	char *link = th_path(th_dir, name);
	const char *argv[] = {link, seconds, NULL};
	pid_t pid;

	cr_assert_eq(symlink(bin, link), 0);
	pid = th_spawn_ready(argv, "ready");
	free(link);
	free(bin);
	return pid;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

Test(capture, targets_by_command_name_or_executable)
{
	pid_t pid = start_named("renamed-prog", "60");
	const char *by_comm[] = {"renamed-prog"}, *by_exe[] = {"threads"};
	pid_t *pids = NULL;
	size_t n = 0;

	cr_assert_eq(targets__by_name(by_comm, 1, &pids, &n), 0);
	cr_expect(has_pid(pids, n, pid), "by command name");
	free(pids);
	pids = NULL;
	n = 0;
	cr_assert_eq(targets__by_name(by_exe, 1, &pids, &n), 0);
	cr_expect(has_pid(pids, n, pid), "by the executable's basename");
	free(pids);
	end(pid);
}

Test(capture, unknown_name_lists_near_matches, .init = cr_redirect_stderr)
{
	pid_t pid = start_named("flamebait", "60");
	const char *names[] = {"flamebiat"};
	char buf[4096] = "", want[64];
	pid_t *pids = NULL;
	size_t n = 0, len;
	FILE *err;

	cr_assert_eq(targets__by_name(names, 1, &pids, &n), -ESRCH);
	cr_expect_eq(n, 0);
	fflush(stderr);
	err = cr_get_redirected_stderr();
	len = fread(buf, 1, sizeof(buf) - 1, err);
	buf[len] = '\0';
	snprintf(want, sizeof(want), "flamebait (%d)", (int)pid);
	cr_expect_not_null(strstr(buf, "no process is named 'flamebiat'"), "%s", buf);
	cr_expect_not_null(strstr(buf, want), "%s", buf);
	free(pids);
	end(pid);
}

/* --- the command line ------------------------------------------------------- */

Test(capture, status_line_shows_the_figures)
{
	char line[200];

	cli_capture_status(line, sizeof(line), "off-CPU",
			   &(struct capture_stats){.elapsed = 2.04,
						   .remaining = 7.96,
						   .samples = 1234,
						   .lost = 5,
						   .processes = 3});
	cr_expect_str_eq(line, "off-CPU: 2.0 s, 8.0 s left, 1234 samples, 5 lost, 3 processes");
	cli_capture_status(line, sizeof(line), "recording",
			   &(struct capture_stats){.elapsed = 1, .remaining = -1, .processes = 1});
	cr_expect_str_eq(line, "recording: 1.0 s, 0 samples, 0 lost, 1 process");
}

Test(capture, record_by_name)
{
	pid_t pid = start_named("byname-prog", "0.5");
	const char *args[] = {"-P", "byname-prog", "-d", "100", NULL};
	struct th_result r;
	struct th_bg *bg;
	char *f = NULL;

	th_privileged_perf(false);
	bg = th_bg_start("record", NULL, args);
	th_bg_wait_capturing(bg);
	th_go(pid); /* it burns only now, attached */
	th_wait_exit_0(pid);
	r = th_bg_finish(bg, false, &f); /* it ends when its target has exited */
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(f);
	cr_expect_gt(th_count_where(f, "main_work"), 0, "%s", f);
	cr_expect_gt(th_count_where(f, "late_work"), 0, "threads started after the attach: %s", f);
	th_result_free(&r);
	free(f);
}

Test(capture, record_by_unknown_name_exits_1)
{
	const char *argv[] = {th_bin(), "record",    "-P", "resq-no-such-prog", "-d", "1",
			      "-o",	"/dev/null", NULL};
	struct th_result r = th_run(argv, NULL, 0, 30);

	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "no process is named 'resq-no-such-prog'"), "%s", r.err);
	th_result_free(&r);
}

Test(capture, target_options_clash_with_p_and_names)
{
	static const struct {
		const char *cmd;
		const char *args[6];
		const char *msg;
	} cases[] = {
		{"record", {"-P", "x", "-t", "1"}, "-P and -t cannot be combined"},
		{"record", {"-a", "-P", "x"}, "-a cannot be combined with -P"},
		{"offcpu", {"-P", "x", "--", "true"}, "either -P or a COMMAND"},
		{"offcpu", {"-P", ",x"}, "invalid value for -P"},
		{"offcpu", {"-t", "1"}, "unknown or incomplete option"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		th_expect_usage_error(cases[i].cmd, cases[i].args, cases[i].msg, i);
}

/* `record -o OUT ARGS...` with stderr on a terminal; returns what it wrote there. */
static char *record_on_a_terminal(const char *out_path, const char *const *args)
{
	char *output = NULL, *text;
	struct th_result r = th_bg_finish(th_bg_start("record", out_path, args), false, &output);

	cr_assert_eq(r.status, 0, "%s", r.err);
	text = r.err;
	r.err = NULL;
	th_result_free(&r);
	free(output);
	return text;
}

Test(capture, status_line_on_a_terminal_only_and_not_with_quiet)
{
	char *burner = th_workload("burner");
	char *out_path = th_path(th_dir, "out.svg");
	const char *args[] = {"-d", "1.5", "--", burner, "30", NULL};
	const char *quiet[] = {"-q", "-d", "1.5", "--", burner, "30", NULL};
	const char *argv[] = {th_bin(), "record", "-d",	  "1.5", "-o",
			      out_path, "--",	  burner, "30",	 NULL};
	struct th_result r;
	char *text;

	th_privileged_perf(false);
	text = record_on_a_terminal(out_path, args);
	cr_expect_not_null(strstr(text, "\rrecording: "), "no status line: %s", text);
	cr_expect_not_null(strstr(text, " s left, "), "%s", text);
	cr_expect_not_null(strstr(text, " samples, "), "%s", text);
	cr_expect_null(strstr(text, "18446744073"), "%s", text);
	free(text);

	text = record_on_a_terminal(out_path, quiet);
	cr_expect_null(strstr(text, "recording: "), "-q: %s", text);
	free(text);

	r = th_run(argv, NULL, 0, TH_DEADLINE_S);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_null(strstr(r.err, "recording: "), "stderr is no terminal: %s", r.err);
	cr_expect_null(strchr(r.err, '\r'), "%s", r.err);
	th_result_free(&r);
	free(out_path);
	free(burner);
}
