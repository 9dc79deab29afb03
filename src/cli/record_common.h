/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `record` and `offcpu` share: the clock, Ctrl-C handling, /proc
 * helpers, the launched command, and off-CPU capture.
 */
#ifndef RESQ_CLI_RECORD_COMMON_H
#define RESQ_CLI_RECORD_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "procmaps.h"
#include "profile.h"
#include "sample.h"
#include "sampler.h"
#include "stackagg.h"
#include "symtab.h"
#include "unwinder.h"


/* CLOCK_MONOTONIC in ns: the clock of perf samples and bpf_ktime_get_ns(). */
uint64_t rec_mono_ns(void);

/*
 * SIGINT, SIGTERM and SIGHUP (an ssh disconnect) end the capture: the first
 * sets rec_stop_signal and interrupts waits (no SA_RESTART), and the output
 * is still written; a second says "still writing, press again to abort"; a
 * third removes the temporary output file and ends the process by that
 * signal, with no partial file. SIGCHLD only interrupts waits, so that a
 * child's exit is seen at once.
 */
#define REC_NSIGNALS 4
extern volatile sig_atomic_t rec_stop_signal;
void rec_signals_install(struct sigaction old[REC_NSIGNALS]);
void rec_signals_restore(const struct sigaction old[REC_NSIGNALS]);

/*
 * Parses "1,2,3" (positive ids) and appends to *@ids / *@n. Returns false
 * after a usage message naming @cmd and @opt.
 */
bool rec_parse_ids(const char *cmd, const char *opt, const char *arg, pid_t **ids, size_t *n);

/* True while @pid exists and is not a zombie. */
bool rec_task_alive(pid_t pid);
/* The process of thread @tid (Tgid in /proc/TID/status); @tid when unknown. */
pid_t rec_tgid_of(pid_t tid);
/*
 * Snapshots /proc into @pm: every process when @n is 0, else the processes
 * @ids (the processes of the threads @ids when @tids).
 */
void rec_snapshot(struct procmaps *pm, const pid_t *ids, size_t n, bool tids);

/* A command run under the profiler, held before its exec until released. */
struct child {
	pid_t pid;
	int go_fd;  /* write end: releases the child to exec */
	int err_fd; /* read end: errno of a failed exec, EOF on success */
	bool exited;
	int status;
};
#define CHILD_INIT {.pid = -1, .go_fd = -1, .err_fd = -1}

/* Forks @argv[0] (searched in PATH), held before exec. 0 or -1 after a message. */
int child__start(struct child *c, char **argv);
/* Lets the child exec. Returns 0, or the exec's errno after reaping it. */
int child__release(struct child *c);
/* Stops a child that is still running: @sig, then SIGKILL after 2 s. */
void child__stop(struct child *c, int sig);
/* "exited with status 3", "was killed by signal 9 (Killed)", ... */
void child__describe_status(int status, char *buf, size_t len);

/*
 * What to profile, as `record` and `offcpu` take it: -a, -p PID[,PID...],
 * -t TID[,TID...] (record only), -d DURATION and `-- COMMAND ARGS...`.
 * Fill @cmd_name and @duration (the default), zero the rest.
 */
struct rc_targets {
	const char *cmd_name; /* "record": in messages and the fallback description */
	enum sampler_target target;
	bool all;    /* -a given */
	pid_t *pids; /* -p or -t ids, or the launched command's pid; owned */
	size_t npids;
	double duration; /* seconds */
	char **cmd;	 /* borrowed from argv; NULL without a command */
	int ncmd;
};

/* How stacks are built, options both commands take. */
struct rc_stack_opts {
	bool no_kernel;	    /* --no-kernel */
	bool no_inline;	    /* --no-inline */
	bool pid_frames;    /* --pid-frames */
	bool thread_frames; /* --thread-frames */
};

/* Their option ids; each command's own ids start at RC_OPT_LAST. */
enum {
	RC_OPT_NO_KERNEL = OPT_GLOBAL_LAST,
	RC_OPT_NO_INLINE,
	RC_OPT_PID_FRAMES,
	RC_OPT_THREAD_FRAMES,
	RC_OPT_LAST,
};

#define RC_STACK_LONG_OPTIONS                                                                   \
	{"no-kernel", no_argument, NULL, RC_OPT_NO_KERNEL},                                     \
		{"no-inline", no_argument, NULL, RC_OPT_NO_INLINE},                             \
		{"pid-frames", no_argument, NULL, RC_OPT_PID_FRAMES},                           \
		{"thread-frames", no_argument, NULL, RC_OPT_THREAD_FRAMES}

/* Takes getopt's option @c if it is one of RC_STACK_LONG_OPTIONS: returns 1, else 0. */
int rc_stack_opts__parse_option(struct rc_stack_opts *o, int c);

/* The long options rc_targets__parse_option() takes (-t is the caller's to add). */
#define RC_TARGET_LONG_OPTIONS                                                                  \
	{"all-cpus", no_argument, NULL, 'a'}, {"pid", required_argument, NULL, 'p'},            \
		{"duration", required_argument, NULL, 'd'}

/*
 * Takes getopt's option @c (-a, -p, -t, -d). Returns 1 if it was one of
 * them, 0 if not, -1 after a usage message.
 */
int rc_targets__parse_option(struct rc_targets *t, int c, const char *arg);
/*
 * After the options: the command from argv[optind...], and the checks that
 * targets do not clash. Returns 0, or -1 after a usage message.
 */
int rc_targets__finish_args(struct rc_targets *t, int argc, char **argv);
/*
 * The options every command shares after its own: -h (@usage), -V, the
 * global ones and unknown ones. Returns 1 after help or version, 0 for a
 * global option taken, -1 after a usage message.
 */
int rc_parse_other_option(struct cli_global *g, const char *cmd, int c, const char *arg,
			  char **argv, void (*usage)(FILE *f));
/* True if every -p/-t target exists; false after an error naming the first that does not. */
bool rc_targets__check_alive(const struct rc_targets *t);
/* True while one of the targets lives. */
bool rc_targets__any_alive(const struct rc_targets *t);
/* Starts the command held before exec and makes it the only target. 0, or -1 after a message. */
int rc_targets__start_child(struct rc_targets *t, struct child *c);
/* Lets the command exec. 0, or -1 after a message. */
int rc_targets__release_child(const struct rc_targets *t, struct child *c);
/*
 * During capture: true once the launched command has exited (reaped into
 * @c), or every -p/-t target has (after saying so).
 */
bool rc_targets__finished(const struct rc_targets *t, struct child *c);
/* "system-wide", "-p 1,2", "-t 3" or the command line (cut after 100 bytes); the caller's. */
char *rc_targets__describe(const struct rc_targets *t);
/*
 * Sets the default title "resq-flame CMD: TARGET" unless --title was given.
 * Returns the title to free after the profile is written (NULL when none).
 */
char *rc_targets__set_title(const struct rc_targets *t, struct cli_global *g);

/* The progress line on stderr: "\rLABEL: N s left, " then @fmt, to the end of the line. */
void rc_progress(const char *label, double left, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The symbolizer, with kernel symbols read now (unless @no_kernel).
 * NULL after a message.
 */
struct symtab *rc_symtab_new(bool no_inline, bool no_kernel);
/* Reverses *@p with --reverse and writes it. 0, or -1 after a message. */
int rc_write_profile(struct profile **p, struct cli_global *g);
/* The closing lines: "stopped early by ..." and "wrote PATH". */
void rc_report_end(const struct cli_global *g);
/* Forgets the default @title and @subtitle in @g and frees them. */
void rc_release_titles(struct cli_global *g, char *title, char *subtitle);

/*
 * Off-CPU capture for `offcpu` and `record --wall`: opens, loads and
 * attaches the BPF program. On failure prints what failed and what to do
 * (missing capability, kernel without BTF, verifier refusal, a build
 * without BPF) and returns NULL. RESQ_BPF_ATTACH=raw_tp (or tp_btf) in the
 * environment forces one program flavour instead of tp_btf with fallback.
 */
struct offcpu_opts;
struct offcpu_stats;
struct offcpu *rec_offcpu_start(const struct offcpu_opts *o);
/* Where off-CPU samples go: unwound (their callchain) into @stk, then aggregated. */
struct rec_sink {
	struct stackagg *sa;
	struct unwinder *uw;
	struct addr_stack stk;
};
/* A sample_fn adding blocked stacks (weight: ns off CPU) through the struct rec_sink @ctx. */
int rec_offcpu_sample(const struct raw_sample *s, void *ctx);
/* Warns about everything the BPF program or the drain dropped, with remedies. */
void rec_offcpu_report_drops(const struct offcpu_stats *st);

#endif
