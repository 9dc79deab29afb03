/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers: temporary directories, running the real binary with captured
 * output, reading files, and folded text of a profile.
 */
#ifndef RESQ_TEST_HELPERS_H
#define RESQ_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "profile.h"

struct th_result {
	int status;   /* exit code, or 128+signal when killed */
	char *out;    /* captured stdout, NUL-terminated */
	size_t out_len;
	char *err;    /* captured stderr, NUL-terminated */
	size_t err_len;
	long maxrss_kb; /* th_run(): its peak resident set, KiB (wait4's ru_maxrss) */
};

/* Path of the program under test (RESQ_BIN, else the build's). */
const char *th_bin(void);
/* Path of the repository (compile-time RESQ_SRCDIR). */
const char *th_srcdir(void);
/* Path of FlameGraph's test corpus: RESQ_SRCDIR/tests/data/flamegraph-corpus. */
const char *th_corpus(void);

/* Creates a fresh directory under $TMPDIR; caller frees. */
char *th_tmpdir(void);
/* Removes @dir and everything below it. */
void th_rmtree(const char *dir);

/*
 * A per-test scratch directory: suites use .init = th_dir_setup and
 * .fini = th_dir_teardown, and tests read th_dir. Each test runs in its own
 * process, so one global is enough.
 */
extern char *th_dir;
void th_dir_setup(void);
/* th_dir_setup(), and library log messages silenced (tests of bad input). */
void th_dir_setup_quiet(void);
void th_dir_teardown(void);
/* Joins @dir and @name into a malloc'd path. */
char *th_path(const char *dir, const char *name);

/* Reads a whole file (NUL-terminated); NULL when it cannot be read. */
char *th_read_file(const char *path, size_t *len);
/* Writes @len bytes to @path; aborts the test on failure. */
void th_write_file(const char *path, const char *data, size_t len);
bool th_exists(const char *path);

/*
 * Runs @argv (argv[0] searched in PATH unless it has a '/') with @in as
 * stdin (NULL: /dev/null), capturing stdout and stderr. Kills it after
 * @timeout_s seconds. Returns the result; free with th_result_free().
 */
struct th_result th_run(const char *const argv[], const char *in, size_t in_len, int timeout_s);
void th_result_free(struct th_result *r);

/* Runs @argv like th_run() with no stdin, asserts exit 0, returns stdout
 * (caller frees). */
char *th_run_ok(const char *const argv[]);

/* Offset of @marker in @s; asserts that it is there. */
long th_offset_of(const char *s, const char *marker);

/*
 * For tests that need perf events: opens a cpu-clock sampling event (on
 * CPU 0 for every task when @system_wide, else on this process) and, when
 * the kernel refuses, skips the test with the reason (cr_skip_test) -
 * unless RESQ_REQUIRE_PRIV=1, which turns the refusal into a failure.
 */
void th_require_perf(bool system_wide);

/*
 * For tests that load eBPF programs: skips (cr_skip_test, with the reason)
 * when the program was built without BPF, the kernel has no BTF, or the
 * kernel refuses a BPF map (no CAP_BPF) - unless RESQ_REQUIRE_PRIV=1, which
 * turns the last two into failures.
 */
void th_require_bpf(void);

/*
 * Serializes sampling tests across the runner's parallel jobs: system-wide
 * tests take the lock exclusively, others shared. Held until the test's
 * process exits (each Criterion test runs in its own process).
 */
void th_sampling_lock(bool exclusive);

/* Both: th_require_perf(@system_wide), then th_sampling_lock(@system_wide). */
void th_privileged_perf(bool system_wide);
/* Both: th_require_bpf(), then th_sampling_lock(@system_wide). */
void th_privileged_bpf(bool system_wide);

/*
 * Path of the test workload @name (RESQ_BUILDDIR/workloads/NAME); asserts
 * that it is built. Caller frees.
 */
char *th_workload(const char *name);

/*
 * Runs `resq-flame CMD -o TH_DIR/out.folded -f folded ARGS...` (@args
 * NULL-terminated); *@folded gets the output file (NULL when none, caller
 * frees). Returns the result; free with th_result_free().
 */
struct th_result th_run_folded(const char *cmd, char **folded, const char *const *args);

/*
 * Imports @text as file @name into a profile that already holds one stack
 * (weight 2) and asserts that the import fails with -EINVAL and leaves the
 * profile as it was: total, nodes, frames and count name.
 */
void th_expect_import_fails_untouched(const char *name, const char *text);

/* Calls @fn(stack, count, ctx) for each folded line; the stack is NUL-terminated. */
void th_each_line(const char *folded, void (*fn)(const char *stack, double n, void *ctx),
		  void *ctx);
/* Weight of the folded lines whose stack contains @needle (every line with NULL). */
double th_count_where(const char *folded, const char *needle);
/* Weight of the folded lines whose stack contains both @needle and @also. */
double th_count_where_both(const char *folded, const char *needle, const char *also);
/*
 * Weight of the folded lines under root frame @root whose stack contains
 * @needle. The frames between the root and main are not checked: their
 * names depend on whether libc's debug info is installed.
 */
double th_count_under(const char *folded, const char *root, const char *needle);

/*
 * Starts @argv (argv[0] a path) with stdout on a pipe and returns its pid
 * once it printed @ready; asserts that it did.
 */
pid_t th_spawn_ready(const char *const argv[], const char *ready);

/*
 * Runs `resq-flame CMD ARGS...` (@args NULL-terminated, at most 7) and
 * expects exit code 2 with @msg in stderr; @i names the case in messages.
 */
void th_expect_usage_error(const char *cmd, const char *const *args, const char *msg, size_t i);

/* Expects `resq-flame CMD -p PID -d 1` with a freed PID to exit 1 with "no such process". */
void th_expect_missing_pid(const char *cmd);

/* A pid that was just freed: a child that has exited and been reaped. */
pid_t th_freed_pid(void);

/*
 * Expects every stack of the folded text @before to weigh at most what it
 * weighs in @after (0 when @after lacks it): @before was a snapshot of
 * what became @after.
 */
void th_expect_prefix(const char *before, const char *after);

/* Folded text of @p (export__folded); caller frees. */
char *th_folded(const struct profile *p);

/* Sorts the lines of @text in place-copy and returns them joined; caller frees. */
char *th_sorted_lines(const char *text, bool drop_quotes);

/*
 * Longest wait of the tests that wait for a condition instead of a fixed
 * time (a capture that starts, a workload that finishes): generous for a
 * loaded machine, and still below the suites' 60 s timeout.
 */
#define TH_DEADLINE_S 50

/*
 * A resq-flame run in the background, for tests that act while it
 * captures. Its stderr is a pseudo-terminal, so it shows its progress
 * line, which it prints only once capture is under way; a thread of the
 * test keeps reading it. Life cycle: th_bg_start(), then any of the waits,
 * then th_bg_finish(), which frees it.
 */
struct th_bg;

/*
 * Starts `resq-flame CMD -o OUT ARGS...` (@args NULL-terminated); with @out
 * NULL, `resq-flame CMD -o TH_DIR/out.folded -f folded ARGS...`.
 */
struct th_bg *th_bg_start(const char *cmd, const char *out, const char *const *args);
/* Waits until it captures (its first progress line); asserts that it does within TH_DEADLINE_S. */
void th_bg_wait_capturing(struct th_bg *bg);
/*
 * Waits until the progress line of `record` counts at least @n samples;
 * asserts that it does within TH_DEADLINE_S.
 */
void th_bg_wait_samples(struct th_bg *bg, unsigned long long n);
/*
 * Waits up to TH_DEADLINE_S for @pid, a child of the test, to exit and
 * reaps it; asserts that it exited with status 0.
 */
void th_wait_exit_0(pid_t pid);
/*
 * With @interrupt, sends it SIGINT (the capture ends early and the output
 * is still written); then waits up to TH_DEADLINE_S for it to exit (else
 * kills it and fails). Returns its exit status, stdout and stderr (the
 * terminal's text); *@output gets the output file (NULL when none, caller
 * frees). Frees @bg.
 */
struct th_result th_bg_finish(struct th_bg *bg, bool interrupt, char **output);

/* Tells a workload that printed "ready" and waits (its --wait) to begin: SIGUSR1. */
void th_go(pid_t pid);

#endif
