// SPDX-License-Identifier: Apache-2.0
/*
 * offcpu and record --wall end to end: the real binary measures
 * tests/workloads/sleeper.c, whose threads block in known functions for
 * known shares of the time, and the tests check what a user would look at:
 * each function's share of the blocked time, the total against the wall
 * time, the kernel frames where a thread blocked, the filters (-p,
 * --min-block, --state), the wall-clock split of on- and off-CPU time, and
 * the messages and exit codes of refusals and usage errors.
 *
 * The machine may be busy: a test that must act while a measurement runs
 * waits for it (th_bg_*) and lets the workload's end decide the end of the
 * measurement, instead of sleeping a fixed time.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/magic.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "xalloc.h"

#define dir th_dir

/* 60 s like every suite (a Criterion 2.4 leak under ASan otherwise). */
TestSuite(offcpu, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

/*
 * Weight of the lines whose stack contains every needle in @all (NULL-
 * terminated; frames matched as ";NEEDLE;" or at either end) and, when
 * @root is set, whose root frame is @root.
 */
static double weight(const char *folded, const char *root, const char *const *all)
{
	const char *line = folded;
	double sum = 0;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line), i;
		char *l = xmalloc(len + 3), *sp;
		bool ok = true;

		l[0] = ';';
		memcpy(l + 1, line, len);
		l[len + 1] = '\0';
		sp = strrchr(l, ' ');
		if (sp) {
			double w = atof(sp + 1);

			sp[0] = ';';
			sp[1] = '\0';
			if (root) {
				size_t rl = strlen(root);

				ok = !strncmp(l + 1, root, rl) && l[rl + 1] == ';';
			}
			for (i = 0; ok && all && all[i]; i++) {
				char *needle = xmalloc(strlen(all[i]) + 3);

				sprintf(needle, ";%s;", all[i]);
				ok = strstr(l, needle) != NULL;
				free(needle);
			}
			if (ok)
				sum += w;
		}
		free(l);
		line = nl ? nl + 1 : NULL;
	}
	return sum;
}

#define W(folded, root, ...) weight(folded, root, (const char *const[]){__VA_ARGS__, NULL})

static bool any_line_has(const char *folded, const char *needle)
{
	return folded && strstr(folded, needle) != NULL;
}

/* Each root frame of @folded, checked against @want. */
static void assert_roots(const char *folded, const char *want)
{
	const char *line = folded;
	size_t wl = strlen(want);

	while (line && *line) {
		const char *nl = strchr(line, '\n');

		cr_assert(!strncmp(line, want, wl) && (line[wl] == ';' || line[wl] == ' '),
			  "a stack outside the target: %.*s", (int)(nl ? nl - line : 200), line);
		line = nl ? nl + 1 : NULL;
	}
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the sleeper in the background; returns its pid once it printed "ready". */
static pid_t start_sleeper(const char *mode, const char *secs)
{
	char *w = th_workload("sleeper");
	const char *argv[] = {w, mode, secs, NULL};
	pid_t pid = th_spawn_ready(argv, "ready");

	free(w);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The wall time that `sleeper split` measured itself in each phase of its
 * main thread, in us: on a busy machine late wake-ups stretch pipe_phase
 * more than sleep_phase, and the graph must show the split that happened.
 */
static double measured_sleep_share(const char *out)
{
	const char *p = strstr(out, "sleep ");
	double sleep, pipe;

	cr_assert(p && sscanf(p, "sleep %lf pipe %lf", &sleep, &pipe) == 2 && sleep + pipe > 0,
		  "sleeper printed no split: %s", out);
	return 100 * sleep / (sleep + pipe);
}

Test(offcpu, help_ends_with_examples)
{
	const char *a[] = {th_bin(), "offcpu", "--help", NULL};
	struct th_result r = th_run(a, NULL, 0, 10);
	const char *ex;

	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "usage: resq-flame offcpu"), "%s", r.out);
	ex = strstr(r.out, "\nexamples:\n");
	cr_assert_not_null(ex, "offcpu --help must end in examples");
	cr_assert_not_null(strstr(ex, "resq-flame offcpu -p "), "%s", ex);
	cr_assert_eq(strstr(ex + 1, "\n\n"), NULL, "nothing may follow the examples: %s", ex);
	th_result_free(&r);
}

Test(offcpu, usage_errors_exit_2)
{
	static const struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{{"--state", "busy"}, "invalid value for --state"},
		{{"--min-block", "1ms"}, "--min-block"},
		{{"--max-block", "0"}, "--max-block"},
		{{"--min-block", "100", "--max-block", "10"}, "below --min-block"},
		{{"-a", "-p", "1"}, "-a cannot be combined with -p"},
		{{"-p", "1", "--", "true"}, "either -p or a COMMAND"},
		{{"-a", "--", "true"}, "either -a or a COMMAND"},
		{{"-p", "x1"}, "invalid value for -p"},
		{{"-d", "5x"}, "invalid duration for -d"},
		{{"--stack-storage", "1"}, "--stack-storage"},
		{{"--no-such-option"}, "unknown or incomplete option"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		th_expect_usage_error("offcpu", cases[i].args, cases[i].msg, i);
}

Test(offcpu, missing_pid_exits_1)
{
	th_expect_missing_pid("offcpu");
}

/*
 * The designed split: main blocks 70% in sleep_phase (nanosleep) and 30%
 * in pipe_phase (a pipe read); the server thread blocks all the time.
 */
Test(offcpu, blocked_time_split_by_function)
{
	char *w = th_workload("sleeper"), *folded;
	const char *args[] = {"--", w, "split", "3", NULL};
	struct th_result r;
	double t0, wall, sleep_w, pipe_w, total, share, want;

	th_privileged_bpf(false);
	t0 = mono_s();
	r = th_run_folded("offcpu", &folded, args);
	wall = mono_s() - t0;
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_not_null(folded);
	cr_assert_not_null(strstr(r.err, "exited with status 0"), "%s", r.err);

	sleep_w = W(folded, "sleeper", "main", "sleep_phase");
	pipe_w = W(folded, "sleeper", "main", "pipe_phase");
	cr_assert_gt(sleep_w + pipe_w, 0, "no main-thread stacks:\n%s", folded);
	share = 100 * sleep_w / (sleep_w + pipe_w);
	want = measured_sleep_share(r.out); /* 70 on an idle machine */
	cr_expect(share > want - 3 && share < want + 3,
		  "sleep_phase %.1f%% of main's blocked time, want %.1f +- 3", share, want);
	cr_expect(100 - share > 100 - want - 3 && 100 - share < 100 - want + 3,
		  "pipe_phase %.1f%% of main's blocked time, want %.1f +- 3", 100 - share,
		  100 - want);

	/* Two threads blocked nearly all of at least 3 s (weights are us). */
	total = weight(folded, "sleeper", NULL);
	cr_expect(total >= 0.95 * 2 * 3e6, "%.3f s blocked, want >= 95%% of 2 threads x 3 s",
		  total / 1e6);
	cr_expect(total <= 2 * wall * 1e6 * 1.01, "%.3f s blocked in %.3f s with 2 threads",
		  total / 1e6, wall);

	/* Where it blocked, in the kernel; the BPF program's own frames are gone. */
	cr_expect_gt(W(folded, "sleeper", "sleep_phase", "do_nanosleep"), 0.9 * sleep_w,
		     "do_nanosleep under sleep_phase:\n%s", folded);
	cr_expect_gt(W(folded, "sleeper", "pipe_server", "server_nap", "do_nanosleep"), 0, "%s",
		     folded);
	cr_expect_gt(W(folded, "sleeper", "pipe_phase", "schedule"), 0.9 * pipe_w, "%s", folded);
	cr_expect(!any_line_has(folded, "bpf_prog_") && !any_line_has(folded, "bpf_trace_run"),
		  "BPF frames left in:\n%s", folded);
	th_result_free(&r);
	free(folded);
	free(w);
}

Test(offcpu, svg_is_in_microseconds)
{
	char *w = th_workload("sleeper"), *out = th_path(dir, "out.svg"), *svg;
	const char *argv[] = {th_bin(), "offcpu", "-o", out, "--", w, "split", "1", NULL};
	struct th_result r;

	th_privileged_bpf(false);
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	svg = th_read_file(out, NULL);
	cr_assert_not_null(svg);
	cr_expect_not_null(strstr(svg, " us, "), "tooltips count us");
	cr_expect_not_null(strstr(svg, "sleep_phase"));
	cr_expect_not_null(strstr(svg, "resq-flame offcpu: "), "the title names the mode");
	th_result_free(&r);
	free(svg);
	free(out);
	free(w);
}

Test(offcpu, pid_filter_sees_only_that_process)
{
	char *w = th_workload("sleeper");
	/* a runs 1.5 s once told to, all of it measured; b runs throughout. */
	const char *aargv[] = {w, "split", "1.5", "--wait", NULL};
	pid_t a, b;
	char pa[16], pb[24], root[40], *folded;
	const char *args[] = {"-p", pa, "-d", "100", "--pid-frames", NULL};
	struct th_result r;
	struct th_bg *bg;

	th_privileged_bpf(false);
	a = th_spawn_ready(aargv, "ready");
	b = start_sleeper("split", "60");
	snprintf(pa, sizeof(pa), "%d", (int)a);
	snprintf(pb, sizeof(pb), "sleeper-%d;", (int)b);
	snprintf(root, sizeof(root), "sleeper-%d", (int)a);
	bg = th_bg_start("offcpu", NULL, args);
	th_bg_wait_capturing(bg);
	th_go(a);
	th_wait_exit_0(a);
	r = th_bg_finish(bg, false, &folded); /* it ends when a has exited */
	stop(b);
	free(w);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_not_null(folded);
	assert_roots(folded, root);
	cr_expect(!any_line_has(folded, pb), "the other sleeper is in the graph");
	/* 70% of 1.5 s in sleep_phase: about 1 s. */
	cr_expect_gt(W(folded, root, "sleep_phase"), 0.5e6, "%s", folded);
	cr_expect_gt(W(folded, root, "pipe_server"), 0, "%s", folded);
	th_result_free(&r);
	free(folded);
}

Test(offcpu, min_block_drops_short_sleeps)
{
	char *w = th_workload("sleeper"), *all, *filtered;
	const char *a1[] = {"--", w, "short", "2", NULL};
	const char *a2[] = {"--min-block", "10000", "--", w, "short", "2", NULL};
	struct th_result r1, r2;
	const char *m;
	double late;
	int nlate;

	th_privileged_bpf(false);
	r1 = th_run_folded("offcpu", &all, a1);
	cr_assert_eq(r1.status, 0, "status %d: %s", r1.status, r1.err);
	r2 = th_run_folded("offcpu", &filtered, a2);
	cr_assert_eq(r2.status, 0, "status %d: %s", r2.status, r2.err);
	/* Without the filter both show up (~half of the time each). */
	cr_expect_gt(W(all, "sleeper", "short_sleeps"), 0.3e6, "%s", all);
	cr_expect_gt(W(all, "sleeper", "long_sleeps"), 0.3e6, "%s", all);
	/*
	 * 200 us naps are far below 10 ms, 30 ms naps above. A busy machine may
	 * wake a nap very late, and then it really blocked that long: the
	 * sleeper times its naps, and only those that took 10 ms or more (none
	 * on an idle machine) may show up, for at most the time they took.
	 */
	m = strstr(r2.out, "late ");
	cr_assert(m && sscanf(m, "late %d %lf", &nlate, &late) == 2, "%s", r2.out);
	cr_expect_leq(W(filtered, "sleeper", "short_sleeps", "do_nanosleep"), late * 1e6,
		      "%d naps of 200 us took %.3f s, but --min-block 10000 kept more:\n%s", nlate,
		      late, filtered);
	cr_expect_gt(W(all, "sleeper", "short_sleeps", "do_nanosleep"), 0.3e6, "%s", all);
	cr_expect_gt(W(filtered, "sleeper", "long_sleeps"), 0.3e6, "%s", filtered);
	th_result_free(&r1);
	th_result_free(&r2);
	free(all);
	free(filtered);
	free(w);
}

static bool in_memory_fs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

/*
 * A new directory on a block device, where fsync waits for the disk: the
 * test's own when it is on one, else one under the build directory
 * ($TMPDIR may be a tmpfs). Skips the test when neither is. Caller removes
 * it (th_rmtree) and frees it.
 */
static char *disk_dir(void)
{
	char *d;

	if (!in_memory_fs(dir))
		return th_path(dir, "disk");
	d = xstrdup(RESQ_BUILDDIR "/disk-test-XXXXXX");
	cr_assert_not_null(mkdtemp(d), "mkdtemp %s: %s", d, strerror(errno));
	if (in_memory_fs(d)) {
		th_rmtree(d);
		cr_skip_test("%s and the build directory are in memory (tmpfs): fsync cannot "
			     "wait for a disk there",
			     dir);
	}
	return d;
}

/*
 * sleeper disk: disk_wait fsyncs a file on a disk, in uninterruptible
 * sleep (D); sleep_phase sleeps in nanosleep, interruptibly (S). Each
 * --state shows its own kind of wait and never the other.
 */
Test(offcpu, state_filters_tell_disk_waits_from_sleeps)
{
	char *w = th_workload("sleeper"), *d, *disk, *sleep;
	const char *a1[] = {"--state", "disk", "--", w, "disk", "DIR", "1.5", NULL};
	const char *a2[] = {"--state", "sleep", "--", w, "disk", "DIR", "1.5", NULL};
	struct th_result r1, r2;

	th_privileged_bpf(false);
	d = disk_dir();
	cr_assert(th_exists(d) || !mkdir(d, 0700), "mkdir %s: %s", d, strerror(errno));
	a1[5] = a2[5] = d;
	r1 = th_run_folded("offcpu", &disk, a1);
	r2 = th_run_folded("offcpu", &sleep, a2);
	th_rmtree(d);
	cr_assert_eq(r1.status, 0, "status %d: %s", r1.status, r1.err);
	cr_assert_eq(r2.status, 0, "status %d: %s", r2.status, r2.err);
	cr_expect_gt(W(disk, "sleeper", "disk_wait"), 0, "no disk wait under --state disk:\n%s",
		     disk);
	cr_expect_gt(W(disk, "sleeper", "disk_wait", "schedule"),
		     0.9 * W(disk, "sleeper", "disk_wait"), "%s", disk);
	cr_expect_eq(W(disk, NULL, "sleep_phase"), 0, "nanosleep under --state disk:\n%s", disk);
	/* 20 ms naps between fsyncs that take a few ms at most: most of 1.5 s. */
	cr_expect_gt(W(sleep, "sleeper", "sleep_phase", "do_nanosleep"), 0.5e6, "%s", sleep);
	cr_expect_eq(W(sleep, NULL, "disk_wait"), 0, "fsync under --state sleep:\n%s", sleep);
	th_result_free(&r1);
	th_result_free(&r2);
	free(disk);
	free(sleep);
	free(d);
	free(w);
}

Test(offcpu, no_kernel_filter)
{
	char *w = th_workload("sleeper"), *nok;
	const char *args[] = {"--state", "sleep", "--no-kernel", "--", w, "split", "1", NULL};
	struct th_result r;

	th_privileged_bpf(false);
	r = th_run_folded("offcpu", &nok, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_gt(W(nok, "sleeper", "sleep_phase"), 0.5e6, "%s", nok);
	cr_expect(!any_line_has(nok, "schedule"), "kernel frames with --no-kernel:\n%s", nok);
	th_result_free(&r);
	free(nok);
	free(w);
}

/* The raw_tp flavour of the program measures the same (RESQ_BPF_ATTACH). */
Test(offcpu, raw_tp_flavour)
{
	char *w = th_workload("sleeper"), *folded;
	const char *args[] = {"--", w, "split", "2", NULL};
	struct th_result r;
	double s, p, want;

	th_privileged_bpf(false);
	setenv("RESQ_BPF_ATTACH", "raw_tp", 1);
	r = th_run_folded("offcpu", &folded, args);
	unsetenv("RESQ_BPF_ATTACH");
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "(raw_tp)"), "%s", r.err);
	s = W(folded, "sleeper", "main", "sleep_phase");
	p = W(folded, "sleeper", "main", "pipe_phase");
	cr_assert_gt(s + p, 0, "%s", folded);
	want = measured_sleep_share(r.out);
	cr_expect(100 * s / (s + p) > want - 4 && 100 * s / (s + p) < want + 4,
		  "sleep_phase %.1f%%, want %.1f +- 4", 100 * s / (s + p), want);
	cr_expect_gt(W(folded, "sleeper", "sleep_phase", "do_nanosleep"), 0, "%s", folded);
	cr_expect(!any_line_has(folded, "bpf_prog_"), "%s", folded);
	th_result_free(&r);
	free(folded);
	free(w);
}

Test(offcpu, system_wide_sees_other_processes)
{
	char *w = th_workload("sleeper");
	/* 1.5 s once told to, all of it inside the measurement, which ends (SIGINT) after it. */
	const char *wargv[] = {w, "split", "1.5", "--wait", NULL};
	/*
	 * A busy machine has many stacks: in the default map (16384 slots) one
	 * of the sleeper's would now and then collide with another's and lose
	 * its frames (counted, reported). 16 times the slots make that rare.
	 */
	const char *args[] = {"-a", "-d", "100", "--stack-storage", "262144", NULL};
	struct th_result r;
	struct th_bg *bg;
	char *folded;
	pid_t a;

	th_privileged_bpf(true);
	a = th_spawn_ready(wargv, "ready");
	bg = th_bg_start("offcpu", NULL, args);
	th_bg_wait_capturing(bg);
	th_go(a);
	th_wait_exit_0(a);
	r = th_bg_finish(bg, true, &folded);
	free(w);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_gt(W(folded, "sleeper", "sleep_phase"), 0.5e6, "%s", folded);
	cr_expect_gt(weight(folded, NULL, NULL), weight(folded, "sleeper", NULL) + 1e6,
		     "only the sleeper was seen:\n%s", folded);
	th_result_free(&r);
	free(folded);
}

/*
 * Without CAP_BPF (here: as nobody, through setpriv) the kernel cannot load
 * the program: exit 1, the missing capability named, nothing written.
 */
Test(offcpu, refused_without_cap_bpf)
{
	char *out = th_path("/tmp", "resq-flame-offcpu-refused.svg");
	const char *argv[] = {"setpriv",
			      "--reuid=65534",
			      "--regid=65534",
			      "--clear-groups",
			      th_bin(),
			      "offcpu",
			      "-d",
			      "1",
			      "-o",
			      out,
			      NULL};
	struct th_result r;

	if (getuid() != 0)
		cr_skip_test("needs root to switch to nobody");
	if (access("/usr/bin/setpriv", X_OK))
		cr_skip_test("setpriv (util-linux) not installed");
	unlink(out);
	r = th_run(argv, NULL, 0, 20);
	if (r.status == 127 || strstr(r.err, "Permission denied"))
		cr_skip_test("nobody cannot run %s: %s", th_bin(), r.err);
	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
#ifdef HAVE_BPF
	cr_expect_not_null(strstr(r.err, "CAP_BPF"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "root"), "%s", r.err);
#else
	cr_expect_not_null(strstr(r.err, "without BPF support"), "%s", r.err);
#endif
	cr_expect(!th_exists(out), "%s was written", out);
	th_result_free(&r);
	free(out);
}

/*
 * record --wall on a thread that computes 30% and sleeps 70% of the time:
 * on-CPU samples x period and off-CPU blocked time in one graph, in us.
 * On a busy machine the thread gets less CPU than it asks for (it waits,
 * preempted, inside spin_phase) and wakes late from its sleeps, so the
 * graph is checked against what the thread measured itself: its wall time
 * in each phase and its CPU time ("spin S sleep S cpu S wall S").
 */
Test(offcpu, wall_clock_split)
{
	char *w = th_workload("sleeper"), *folded;
	const char *args[] = {"--wall", "-F", "999", "--", w, "wall", "3", NULL};
	struct th_result r;
	double on, off, total, spin, sleep, m_spin, m_sleep, m_cpu, m_wall;
	const char *m;

	th_require_perf(false);
	th_privileged_bpf(true); /* exclusive: on-CPU time suffers from other jobs */
	r = th_run_folded("record", &folded, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_not_null(folded);
	m = strstr(r.out, "spin ");
	cr_assert(m && sscanf(m, "spin %lf sleep %lf cpu %lf wall %lf", &m_spin, &m_sleep, &m_cpu,
			      &m_wall) == 4,
		  "sleeper printed no measurements: %s", r.out);
	total = weight(folded, "sleeper", NULL);
	spin = W(folded, "sleeper", "spin_phase");
	sleep = W(folded, "sleeper", "sleep_phase");
	off = W(folded, "sleeper", "[off-cpu]");
	on = total - off;
	cr_assert_gt(total, 0.9 * 3e6, "%.3f s in a 3 s run:\n%s", total / 1e6, folded);
	/* 30 and 70 +- 5% on an idle machine; the measured split on a busy one. */
	cr_expect(fabs(spin - m_spin * 1e6) < 0.05 * total,
		  "spin_phase %.1f%% of the wall-clock time, want %.1f +- 5", 100 * spin / total,
		  100 * m_spin * 1e6 / total);
	cr_expect(fabs(sleep - m_sleep * 1e6) < 0.05 * total,
		  "sleep_phase %.1f%% of the wall-clock time, want %.1f +- 5", 100 * sleep / total,
		  100 * m_sleep * 1e6 / total);
	/*
	 * sleep_phase is all blocked time, in nanosleep. spin_phase is on CPU,
	 * except while other processes preempt it. On-CPU time is what the
	 * thread got: at most 35% (30% asked for), and its own CPU clock's
	 * count +- 10% (+ 20 ms for startup).
	 */
	cr_expect_gt(W(folded, "sleeper", "sleep_phase", "do_nanosleep", "[off-cpu]"), 0.99 * sleep,
		     "%s", folded);
	cr_expect(100 * on / total < 35, "on CPU %.1f%%, want <= 35", 100 * on / total);
	cr_expect(fabs(on - m_cpu * 1e6) < 0.1 * m_cpu * 1e6 + 20000,
		  "on CPU %.3f s, but the thread ran %.3f s", on / 1e6, m_cpu);
	cr_expect_gt(W(folded, "sleeper", "spin_phase") -
			     W(folded, "sleeper", "spin_phase", "[off-cpu]"),
		     0.8 * on, "%s", folded);
	cr_expect_not_null(strstr(r.err, "wall clock: "), "%s", r.err);
	th_result_free(&r);
	free(folded);
	free(w);
}
