// SPDX-License-Identifier: Apache-2.0
/*
 * record end to end: the real binary samples the workloads in
 * tests/workloads/ and writes folded stacks, and the tests check what a
 * user would look at: the hot functions' shares, exact call chains,
 * demangled and inlined names, threads started after attaching, a forked
 * child that exits early, kernel frames, JIT names, exit codes and messages.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
	cr_assert_gt(total, 500, "too few samples in the burn functions: %.0f\n%s", total, r.err);
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

Test(record, attach_sees_every_thread_including_later_ones)
{
	char *w = th_workload("threads"), *f = NULL, pidbuf[32];
	/* 3.5 s in all; the "late" thread starts 1.2 s in, after the attach. */
	const char *wargv[] = {w, "3.5", "1.2", NULL};
	const char *args[] = {"-p", pidbuf, "-d", "2.5", "-F", "499", "--thread-frames", NULL};
	struct th_result r;
	pid_t pid;

	th_privileged_perf(false);
	pid = th_spawn_ready(wargv, "ready");
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	r = th_run_folded("record", &f, args);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	/* The root is the process; --thread-frames adds NAME-TID per thread. */
	snprintf(pidbuf, sizeof(pidbuf), ";threads-%d;", (int)pid);
	cr_expect_gt(th_count_where(f, pidbuf), 50, "main thread frame missing:\n%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";main;main_work"), 50, "%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";early_thread;early_work"), 50, "%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";early-"), 50, "%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";late_thread;late_work"), 30,
		     "thread started after attach missing:\n%s", f);
	cr_expect_gt(th_count_under(f, "threads", ";late-"), 30, "%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, tid_samples_only_that_thread)
{
	char *w = th_workload("threads"), *f = NULL, tidbuf[32];
	const char *wargv[] = {w, "3", "10", NULL};
	const char *args[] = {"-t", tidbuf, "-d", "1", "-F", "499", NULL};
	struct th_result r;
	pid_t pid;

	th_privileged_perf(false);
	pid = th_spawn_ready(wargv, "ready");
	snprintf(tidbuf, sizeof(tidbuf), "%d", (int)pid); /* the main thread */
	r = th_run_folded("record", &f, args);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_expect_gt(th_count_where(f, ";main;main_work"), 50, "%s", f);
	cr_expect_eq(th_count_where(f, "early"), 0, "another thread was sampled:\n%s", f);
	cr_expect_eq(th_count_under(f, "threads", ""), th_count_where(f, NULL), "%s", f);
	free(f);
	free(w);
	th_result_free(&r);
}

Test(record, command_mode_follows_children_and_reports_status)
{
	char *w = th_workload("burner"), *f = NULL, script[512];
	const char *args[] = {"-F", "999", "--", "/bin/sh", "-c", script, NULL};
	struct th_result r;

	th_privileged_perf(false);
	/* sh forks, the child execs burner: followed through inherit and COMM exec. */
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
	/* Thresholds far below the ideal 400 and 1500: the machine may be busy. */
	cr_expect_gt(th_count_where(f, ";main;child_burn"), 30, "%s", f);
	cr_expect_gt(th_count_where(f, ";main;parent_burn"), 100, "%s", f);
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
	const char *sargv[] = {sys, "4", NULL}, *bargv[] = {burn, "4", NULL};
	const char *args[] = {"-a", "-d", "1.5", "-F", "499", NULL};
	struct th_result r;
	pid_t a, b;
	size_t roots = 0;
	const char *line;
	char *seen = xstrdup("|");

	th_privileged_perf(true);
	a = fork();
	if (a == 0) {
		execv(sargv[0], (char *const *)sargv);
		_exit(127);
	}
	b = fork();
	if (b == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execv(bargv[0], (char *const *)bargv);
		_exit(127);
	}
	usleep(200000);
	r = th_run_folded("record", &f, args);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
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
	cr_expect_gt(th_count_under(f, "burner", ";main;burn_"), 100, "%s", f);
	cr_expect_gt(th_count_where(f, "entry_SYSCALL_64") + th_count_where(f, "do_syscall_64"), 50,
		     "no kernel frames:\n%s", f);
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
	const char *argv[] = {th_bin(), "record", "-d", "60", "-o", out, "--", w, "60", NULL};
	char *err_path = th_path(th_dir, "err");
	int status, i;
	pid_t pid;

	th_privileged_perf(false);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		setpgid(0, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	sleep(1);
	kill(pid, SIGINT); /* only resq-flame: the burner must be stopped by it */
	for (i = 0; i < 200 && waitpid(pid, &status, WNOHANG) != pid; i++)
		usleep(50000);
	if (i == 200) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("record did not stop on SIGINT");
	}
	svg = th_read_file(err_path, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x: %s", status, svg);
	cr_expect_not_null(strstr(svg, "stopped early"), "%s", svg);
	cr_expect_not_null(strstr(svg, "stopped at the end of the recording"), "%s", svg);
	free(svg);
	svg = th_read_file(out, NULL);
	cr_assert_not_null(svg);
	cr_expect_not_null(strstr(svg, "<svg"));
	cr_expect_not_null(strstr(svg, "resq-flame record: "), "title");
	cr_expect_not_null(strstr(svg, "burn_half"));
	free(svg);
	free(err_path);
	free(out);
	free(w);
}
