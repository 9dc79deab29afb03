// SPDX-License-Identifier: Apache-2.0
/*
 * record under load and faults, through the real binary: a process with
 * 1,000 threads, a storm of short-lived children, an exec in the middle of
 * the capture, and a 20 kHz capture whose reader is stopped so that the
 * rings overflow. Each waits for CPU time or messages, never a fixed time.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "helpers/proc.h"

TestSuite(stress, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 300);

#define NTHREADS 1000

/* Counts the distinct "wN-TID" thread frames in @folded. */
static size_t distinct_thread_frames(const char *folded)
{
	char **seen = NULL;
	size_t n = 0, alloc = 0;
	const char *p = folded;

	while ((p = strstr(p, ";w"))) {
		const char *e = p + 2;
		size_t len, i;

		while (*e && *e != ';' && *e != ' ')
			e++;
		len = (size_t)(e - p);
		if (!memchr(p, '-', len)) {
			p = e;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strlen(seen[i]) == len && !memcmp(seen[i], p, len))
				break;
		if (i == n) {
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 256;
				seen = realloc(seen, alloc * sizeof(*seen));
			}
			seen[n++] = strndup(p, len);
		}
		p = e;
	}
	for (size_t i = 0; i < n; i++)
		free(seen[i]);
	free(seen);
	return n;
}

Test(stress, thousand_threads_are_all_sampled)
{
	char *w = th_workload("many_threads"), *out = th_path(th_dir, "t.folded");
	char *err_path = th_path(th_dir, "err"), *text, pidbuf[16];
	const char *wl[] = { w, "1000", "10", NULL };
	const char *rec[] = { th_bin(), "-v", "record", "-F", "999", "-p", pidbuf, "-d", "1h",
			      "--thread-frames", "-f", "folded", "-o", out, NULL };
	pid_t target, pid;
	int status;

	th_privileged_perf(false);
	target = th_spawn_ready(wl, "ready"); /* every thread exists, none works yet */
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)target);
	pid = th_spawn_err(rec, err_path);
	cr_assert(th_wait_text(err_path, "sampling started"), "record did not start");
	kill(target, SIGUSR1);
	status = th_wait_end(pid);
	waitpid(target, NULL, 0);
	text = th_read_file(err_path, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x: %s", status, text);
	cr_expect_null(strstr(text, "Too many open files"), "%s", text);
	free(text);
	text = th_read_file(out, NULL);
	cr_assert_not_null(text);
	cr_expect_eq(distinct_thread_frames(text), NTHREADS, "threads sampled: %zu of %d",
		     distinct_thread_frames(text), NTHREADS);
	cr_expect_gt(th_count_where(text, ";worker;thread_burn"), 0.8 * th_count_where(text, NULL),
		     "thread_burn's share");
	free(text);
	free(err_path);
	free(out);
	free(w);
}

Test(stress, fork_storm_children_fully_symbolized)
{
	char *w = th_workload("fork_storm"), *f = NULL;
	const char *args[] = { "-F", "999", "--", w, "300", "3", NULL };
	struct th_result r = th_run_folded("record", &f, args);
	double in_child, chain;

	th_privileged_perf(false);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "301 processes"), "%s", r.err);
	in_child = th_count_where(f, "child_work");
	chain = th_count_where(f, ";main;spawn_children;child_work");
	/* 300 children x 3 ms at 999 Hz: about 900 samples, whatever the load. */
	cr_assert_gt(in_child, 300, "child samples: %.0f\n%s", in_child, r.err);
	cr_expect_geq(chain, 0.98 * in_child, "%.0f of %.0f child samples have their callers:\n%s",
		      chain, in_child, f);
	cr_expect_leq(th_count_where(f, "[unknown]"), 0.01 * th_count_where(f, NULL), "%s", f);
	free(f);
	th_result_free(&r);
	free(w);
}

Test(stress, exec_mid_capture_symbolizes_both_images)
{
	char *w = th_workload("exec_mid"), *f = NULL;
	const char *args[] = { "-F", "999", "--", w, "1", NULL };
	struct th_result r;
	double before, after, all;

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	before = th_count_where(f, ";main;before_exec");
	after = th_count_where(f, ";main;after_exec");
	all = th_count_where(f, NULL);
	/* One CPU second on each side of the exec. */
	cr_expect_gt(before / all, 0.35, "before_exec %.0f of %.0f:\n%s", before, all, f);
	cr_expect_gt(after / all, 0.35, "after_exec %.0f of %.0f:\n%s", after, all, f);
	cr_expect_leq(th_count_where(f, "[unknown]"), 0.01 * all, "%s", f);
	free(f);
	th_result_free(&r);
	free(w);
}

/*
 * 20 kHz into small rings, with resq-flame stopped while the workload runs
 * one more CPU second: tens of thousands of samples cannot fit, and each
 * must be counted and reported.
 */
Test(stress, overflowing_rings_count_and_report_losses)
{
	char *w = th_workload("burner"), *out = th_path(th_dir, "l.folded");
	char *err_path = th_path(th_dir, "err"), *text;
	const char *rec[] = { th_bin(), "record", "-F", "20000", "-m", "8", "-d", "1h", "-f",
			      "folded", "-o", out, "--", w, "2", NULL };
	unsigned long long samples = 0, lost = 0;
	double half, all;
	pid_t pid, burner;
	const char *line;
	int status;

	th_privileged_perf(false);
	pid = th_spawn_err(rec, err_path);
	burner = th_wait_workload_cpu(pid, 0.2);
	kill(pid, SIGSTOP);
	th_wait_cpu_more(burner, 1.0);
	kill(pid, SIGCONT);
	status = th_wait_end(pid);
	text = th_read_file(err_path, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x: %s", status, text);
	line = strstr(text, " samples, ");
	cr_assert_not_null(line, "%s", text);
	while (line > text && line[-1] != ' ')
		line--;
	cr_assert_eq(sscanf(line, "%llu samples, %llu lost", &samples, &lost), 2, "%s", text);
	cr_expect_gt(lost, 1000, "lost %llu: %s", lost, text);
	cr_expect_not_null(strstr(text, "samples were lost"), "no warning: %s", text);
	free(text);
	/* What was kept is still a faithful profile. */
	text = th_read_file(out, NULL);
	cr_assert_not_null(text);
	half = th_count_where(text, ";burn_half");
	all = th_count_where(text, ";burn_half") + th_count_where(text, ";burn_third") +
	      th_count_where(text, ";burn_fifth");
	cr_expect(all > 0 && half / all > 0.40 && half / all < 0.60, "burn_half %.0f of %.0f",
		  half, all);
	free(text);
	free(err_path);
	free(out);
	free(w);
}
