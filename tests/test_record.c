// SPDX-License-Identifier: Apache-2.0
/*
 * record end to end: the real binary samples the workloads in
 * tests/workloads/ and writes folded stacks, and the tests check what a
 * user would look at: the hot functions' shares, exact call chains,
 * demangled and inlined names, threads started after attaching, a forked
 * child that exits early, kernel frames, JIT names, exit codes and messages.
 *
 * The machine may be busy: the workloads run for a budget of CPU time, not
 * of wall time, so that with the cpu-clock event their number of samples
 * does not depend on the load, and a test that must act while a capture
 * runs waits for the capture (th_bg_*) instead of sleeping a fixed time.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "xalloc.h"


/*
 * 60 s like the other suites, and no per-test override: Criterion 2.4 leaks
 * (ASan) when a test or suite with a longer timeout runs before one with a
 * shorter timeout.
 */
TestSuite(record, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

/* True when some line's stack is exactly @stack or ends with ";" @stack. */
static bool has_stack_suffix(const char *folded, const char *suffix)
{
	const char *line = folded;
	size_t sl = strlen(suffix);

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *sp = memrchr(line, ' ', len);

		if (sp && (size_t)(sp - line) >= sl && !memcmp(sp - sl, suffix, sl))
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

Test(record, help_ends_with_examples)
{
	const char *a[] = {th_bin(), "record", "--help", NULL};
	const char *b[] = {th_bin(), "perf", "--help", NULL};
	struct th_result r = th_run(a, NULL, 0, 10), s;

	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "usage: resq-flame record"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\nexamples:\n"), "record --help must end in examples");
	cr_assert_not_null(strstr(r.out, "resq-flame record -F 999 -- ./build/workloads/burner 5"));
	s = th_run(b, NULL, 0, 10);
	cr_assert_eq(s.status, 0);
	cr_assert_str_eq(s.out, r.out, "the perf alias shows the same help");
	th_result_free(&r);
	th_result_free(&s);
}

Test(record, usage_errors_exit_2)
{
	static const struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{{"-F", "100001", "--", "true"}, "expected a whole number from 1 to 100000"},
		{{"-F", "0", "--", "true"}, "-F"},
		{{"--call-graph", "dwarf,65536", "--", "true"}, "--call-graph dwarf,SIZE"},
		{{"--call-graph", "dwarfish", "--", "true"}, "expected fp or dwarf"},
		{{"--unwinder", "libdw", "--", "true"}, "--unwinder needs --call-graph dwarf"},
		{{"--call-graph", "dwarf", "--unwinder", "gdb"}, "invalid value for --unwinder"},
		{{"--call-graph", "lbr", "--", "true"}, "--call-graph"},
		{{"-p", "12x"}, "invalid value for -p"},
		{{"-a", "-p", "1"}, "-a cannot be combined with -p"},
		{{"-p", "1", "-t", "1"}, "-p and -t cannot be combined"},
		{{"-p", "1", "--", "true"}, "either -p or a COMMAND"},
		{{"-d", "5x", "--", "true"}, "invalid duration for -d"},
		{{"--no-such-option"}, "unknown or incomplete option"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		th_expect_usage_error("record", cases[i].args, cases[i].msg, i);
}

Test(record, missing_pid_exits_1)
{
	th_expect_missing_pid("record");
}

/*
 * `record -o OUT -- CMD` over an existing OUT: exits 1 with both @says in
 * its message (@also may be NULL) and leaves OUT as it was.
 */
static void fails_keeping_output(const char *cmd, const char *says, const char *also)
{
	char *out = th_path(th_dir, "keep.svg");
	const char *argv[] = {th_bin(), "record", "-o", out, "--", cmd, NULL};
	struct th_result r;
	char *after;

	th_privileged_perf(false);
	th_write_file(out, "old", 3);
	r = th_run(argv, NULL, 0, 20);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, says), "%s", r.err);
	if (also)
		cr_assert_not_null(strstr(r.err, also), "%s", r.err);
	after = th_read_file(out, NULL);
	cr_assert_str_eq(after, "old", "the output must stay untouched");
	free(after);
	free(out);
	th_result_free(&r);
}

Test(record, command_not_found_exits_1_and_keeps_output)
{
	fails_keeping_output("resq-no-such-command-x", "resq-no-such-command-x",
			     "command not found");
}

Test(record, no_samples_exits_1_and_keeps_output)
{
	fails_keeping_output("true", "no samples", NULL);
}

Test(record, burner_split_50_30_20)
{
	char *w = th_workload("burner"), *f = NULL;
	const char *args[] = {"-F", "999", "--", w, "2", NULL};
	struct th_result r;
	double total, half, third, fifth;

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "exited with status 0"), "%s", r.err);
	total = th_count_where(f, "burn_half") + th_count_where(f, "burn_third") +
		th_count_where(f, "burn_fifth");
	/* 2 s of CPU time at 999 Hz: about 2000 samples, however busy the machine. */
	cr_assert_gt(total, 1000, "too few samples in the burn functions: %.0f\n%s", total, r.err);
	half = 100 * th_count_where(f, ";burn_half") / total;
	third = 100 * th_count_where(f, ";burn_third") / total;
	fifth = 100 * th_count_where(f, ";burn_fifth") / total;
	cr_expect(half > 47 && half < 53, "burn_half %.1f%% (want 50 +- 3)", half);
	cr_expect(third > 27 && third < 33, "burn_third %.1f%% (want 30 +- 3)", third);
	cr_expect(fifth > 17 && fifth < 23, "burn_fifth %.1f%% (want 20 +- 3)", fifth);
	/*
	 * Burn samples reach main under the process name; a sample on the
	 * first instruction of a function, before its frame is set up,
	 * misses the caller (frame-pointer unwinding), hence 99%.
	 */
	cr_expect_geq(th_count_under(f, "burner", ";main;burn_"), total * 0.99, "%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, exact_call_chain)
{
	char *w = th_workload("chain"), *f = NULL;
	const char *args[] = {"-F", "999", "--", w, "1", NULL};
	struct th_result r;
	double all, chain;

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert(has_stack_suffix(f, ";main;a;b;c"), "no stack ending in main;a;b;c:\n%s", f);
	all = th_count_where(f, NULL);
	chain = th_count_where(f, ";main;a;b;c");
	cr_expect_gt(chain / all, 0.9, "main;a;b;c holds %.0f of %.0f samples", chain, all);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, cxx_names_demangled)
{
	char *w = th_workload("cxx"), *f = NULL;
	const char *args[] = {"-F", "999", "--", w, "1", NULL};
	struct th_result r;

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_not_null(
		strstr(f, ";app::engine::run_once(int);app::engine::Worker<int>::crunch(int)"),
		"%s", f);
	cr_assert_null(strstr(f, "_ZN3app"), "mangled names left:\n%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, inline_frames)
{
	char *w = th_workload("inline"), *f = NULL;
	const char *args[] = {"-F", "999", "--", w, "1", NULL};
	const char *noinl[] = {"-F", "999", "--no-inline", "--", w, "1", NULL};
	struct th_result r;

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert(has_stack_suffix(f, ";main;outer_caller;inlined_hot"),
		  "no inlined frame under outer_caller:\n%s", f);
	cr_expect_gt(th_count_where(f, ";outer_caller;inlined_hot"), th_count_where(f, NULL) / 2);
	free(f);
	th_result_free(&r);

	r = th_run_folded("record", &f, noinl);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_null(strstr(f, "inlined_hot"), "--no-inline still shows inlined frames:\n%s", f);
	cr_assert(has_stack_suffix(f, ";main;outer_caller"), "%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

/*
 * Records `threads` (main and "early" running, "late" started once told to)
 * with -p or -t @opt of @id: attaches, tells it to go once the capture runs,
 * and lets the capture end when the process exits. Each thread burns 0.5 s
 * of CPU time: about 250 samples at 499 Hz, however busy the machine.
 */
static struct th_result record_threads(const char *opt, bool thread_frames, pid_t *pid,
				       char **folded)
{
	char *w = th_workload("threads"), id[32];
	const char *wargv[] = {w, "0.5", NULL};
	const char *args[] = {opt, id, "-d", "100", "-F", "499", NULL, NULL};
	struct th_bg *bg;

	args[6] = thread_frames ? "--thread-frames" : NULL;
	*pid = th_spawn_ready(wargv, "ready");
	snprintf(id, sizeof(id), "%d", (int)*pid); /* for -t: the main thread */
	bg = th_bg_start("record", NULL, args);
	th_bg_wait_capturing(bg);
	th_go(*pid); /* "late" starts now, after the attach */
	th_wait_exit_0(*pid);
	free(w);
	return th_bg_finish(bg, false, folded);
}

Test(record, attach_sees_every_thread_including_later_ones)
{
	char *f = NULL, pidbuf[32];
	struct th_result r;
	pid_t pid;

	th_privileged_perf(false);
	r = record_threads("-p", true, &pid, &f);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	/* The root is the process; --thread-frames adds NAME-TID per thread. */
	snprintf(pidbuf, sizeof(pidbuf), ";threads-%d;", (int)pid);
	cr_expect_gt(th_count_where(f, pidbuf), 100, "main thread frame missing:\n%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";main;main_work"), 100, "%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";early_thread;early_work"), 100, "%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";early-"), 100, "%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";late_thread;late_work"), 100,
		     "thread started after attach missing:\n%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";late-"), 100, "%s", f);
	free(f);
	th_result_free(&r);
}

Test(record, tid_samples_only_that_thread)
{
	char *f = NULL;
	struct th_result r;
	pid_t pid;

	th_privileged_perf(false);
	r = record_threads("-t", false, &pid, &f);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_gt(th_count_where(f, ";main;main_work"), 100, "%s", f);
	cr_expect_eq(th_count_where(f, "early"), 0, "another thread was sampled:\n%s", f);
	cr_expect_eq(th_count_where(f, "late"), 0, "a thread it started was sampled:\n%s", f);
	cr_expect_eq(th_count_under(f, "threads", ""), th_count_where(f, NULL), "%s", f);
	free(f);
	th_result_free(&r);
}

Test(record, command_mode_follows_children_and_reports_status)
{
	char *w = th_workload("burner"), *f = NULL, script[512];
	const char *args[] = {"-F", "999", "--", "/bin/sh", "-c", script, NULL};
	struct th_result r;

	th_privileged_perf(false);
	/*
	 * sh forks, the child execs burner: followed through inherit and COMM
	 * exec. 0.6 s of CPU time: about 300 samples in burn_half.
	 */
	snprintf(script, sizeof(script), "'%s' 0.6 >/dev/null; exit 3", w);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "'/bin/sh' exited with status 3"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "samples"), "%s", r.err);
	cr_expect_gt(th_count_under(f, "burner", ";main;burn_half"), 100, "%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, early_exiting_forked_child_is_symbolized)
{
	char *w = th_workload("forker"), *f = NULL;
	const char *args[] = {"-F", "999", "--pid-frames", "--", w, "1.5", "0.4", NULL};
	struct th_result r;
	const char *line;
	char parent_root[64] = "", child_root[64] = "";

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	/* CPU time, 0.4 s and 1.5 s: about 400 and 1500 samples on any machine. */
	cr_expect_gt(th_count_where(f, ";main;child_burn"), 200, "%s", f);
	cr_expect_gt(th_count_where(f, ";main;parent_burn"), 750, "%s", f);
	/* child_burn has a name only if the child's inherited mappings were found. */
	/* --pid-frames: the child's stacks sit under another forker-PID root. */
	for (line = f; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t n = strcspn(line, ";");

		if (n >= sizeof(child_root))
			continue;
		if (strstr(line, ";main;child_burn ") &&
		    strstr(line, ";main;child_burn ") < strchr(line, '\n'))
			snprintf(child_root, sizeof(child_root), "%.*s", (int)n, line);
		if (strstr(line, ";main;parent_burn ") &&
		    strstr(line, ";main;parent_burn ") < strchr(line, '\n'))
			snprintf(parent_root, sizeof(parent_root), "%.*s", (int)n, line);
	}
	cr_expect(!strncmp(child_root, "forker-", 7), "child root '%s'", child_root);
	cr_expect(!strncmp(parent_root, "forker-", 7), "parent root '%s'", parent_root);
	cr_expect_str_neq(child_root, parent_root);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, no_kernel_drops_kernel_frames)
{
	char *w = th_workload("syscalls"), *f = NULL;
	const char *args[] = {"-F", "999", "--no-kernel", "--", w, "1", NULL};
	struct th_result r;

	th_privileged_perf(false);
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	/* 1 s of CPU time, user and system: about 1000 samples. */
	cr_assert_gt(th_count_where(f, "syscalls;"), 300, "%s", f);
	cr_expect_null(strstr(f, "do_syscall_64"), "%s", f);
	cr_expect_null(strstr(f, "entry_SYSCALL"), "%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, system_wide_sees_processes_and_kernel_frames)
{
	char *sys = th_workload("syscalls"), *burn = th_workload("burner"), *f = NULL;
	/*
	 * Running before the capture starts (found in /proc, not in records),
	 * each works 1 s of CPU time once told to: about 500 samples each at
	 * 499 Hz. The capture ends (SIGINT) when both are done.
	 */
	const char *sargv[] = {sys, "1", "--wait", NULL}, *bargv[] = {burn, "1", "--wait", NULL};
	const char *args[] = {"-a", "-d", "100", "-F", "499", NULL};
	struct th_result r;
	struct th_bg *bg;
	pid_t a, b;
	size_t roots = 0;
	const char *line;
	char *seen = xstrdup("|");

	th_privileged_perf(true);
	a = th_spawn_ready(sargv, "ready");
	b = th_spawn_ready(bargv, "ready");
	bg = th_bg_start("record", NULL, args);
	th_bg_wait_capturing(bg);
	th_go(a);
	th_go(b);
	th_wait_exit_0(a);
	th_wait_exit_0(b);
	r = th_bg_finish(bg, true, &f);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	for (line = f; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t n = strcspn(line, ";\n ");
		char key[80];

		if (n + 3 > sizeof(key))
			continue;
		snprintf(key, sizeof(key), "|%.*s|", (int)n, line);
		if (!strstr(seen, key)) {
			seen = xrealloc(seen, strlen(seen) + n + 2);
			strcat(seen, key + 1);
			roots++;
		}
	}
	cr_expect_geq(roots, 3, "distinct root frames: %s", seen);
	cr_expect_not_null(strstr(seen, "|syscalls|"), "%s", seen);
	cr_expect_not_null(strstr(seen, "|burner|"), "%s", seen);
	cr_expect_gt(th_count_under(f, "burner", ";main;burn_"), 250, "%s", f);
	cr_expect_gt(th_count_where(f, "entry_SYSCALL_64") + th_count_where(f, "do_syscall_64"),
		     100, "no kernel frames:\n%s", f);
	cr_expect(strstr(f, "syscalls;") &&
			  (strstr(f, ";do_syscall_64") || strstr(f, ";entry_SYSCALL_64")),
		  "%s", f);
	cr_expect_not_null(strstr(r.err, "processes"), "%s", r.err);
	free(seen);
	free(f);
	free(sys);
	free(burn);
	th_result_free(&r);
}

Test(record, node_jit_function_names)
{
	char *f = NULL, js[4096], map[64];
	/* Interpreted frames get names too, so the share does not depend on tier-up. */
	const char *args[] = {"-F",
			      "999",
			      "--pid-frames",
			      "--",
			      "node",
			      "--perf-basic-prof",
			      "--interpreted-frames-native-stack",
			      js,
			      "2",
			      NULL};
	const char *probe[] = {"node", "--version", NULL};
	struct th_result r = th_run(probe, NULL, 0, 20);
	const char *root;

	if (r.status != 0)
		cr_skip_test("node is not installed");
	th_result_free(&r);
	th_privileged_perf(false);
	snprintf(js, sizeof(js), "%s/tests/workloads/hot.js", th_srcdir());
	r = th_run_folded("record", &f, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	root = strstr(f, "node-");
	if (root) { /* node leaves /tmp/perf-PID.map behind */
		snprintf(map, sizeof(map), "/tmp/perf-%d.map", atoi(root + 5));
		unlink(map);
	}
	cr_assert_gt(th_count_where(f, "hotFibonacci"), th_count_where(f, NULL) / 3,
		     "JIT frames not named: %.0f of %.0f samples in hotFibonacci\n%s",
		     th_count_where(f, "hotFibonacci"), th_count_where(f, NULL), r.err);
	free(f);
	th_result_free(&r);
}

Test(record, svg_output_and_sigint)
{
	char *w = th_workload("burner"), *out = th_path(th_dir, "cpu.svg"), *svg;
	const char *args[] = {"-d", "60", "--", w, "60", NULL};
	struct th_result r;
	struct th_bg *bg;

	th_privileged_perf(false);
	bg = th_bg_start("record", out, args);
	/* 50 samples at 99 Hz: half a second of the burner's CPU time, about 25 in burn_half. */
	th_bg_wait_samples(bg, 50);
	/* SIGINT to resq-flame only: the burner must be stopped by it. */
	r = th_bg_finish(bg, true, &svg);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "stopped early"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "stopped at the end of the recording"), "%s", r.err);
	cr_assert_not_null(svg);
	cr_expect_not_null(strstr(svg, "<svg"));
	cr_expect_not_null(strstr(svg, "resq-flame record: "), "title");
	cr_expect_not_null(strstr(svg, "burn_half"));
	free(svg);
	th_result_free(&r);
	free(out);
	free(w);
}
