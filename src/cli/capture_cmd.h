/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command-line side of a capture, shared by `record` and `offcpu` (and
 * the coming `top`): the stop signals, the target and stack options,
 * running a capture with its live status line, titles and the end-of-run
 * report. The capture itself is the library's (include/capture.h).
 */
#ifndef RESQ_CLI_CAPTURE_CMD_H
#define RESQ_CLI_CAPTURE_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "capture.h"
#include "cli.h"
#include "profile.h"

/*
 * SIGINT, SIGTERM and SIGHUP (an ssh disconnect) end the capture: the first
 * sets cli_stop_signal and interrupts waits (no SA_RESTART), and the output
 * is still written; a second says "still writing, press again to abort"; a
 * third removes the temporary output file and ends the process by that
 * signal, with no partial file. SIGCHLD only interrupts waits, so that a
 * child's exit is seen at once.
 */
#define CLI_NSIGNALS 4
extern volatile sig_atomic_t cli_stop_signal;
void cli_signals_install(struct sigaction old[CLI_NSIGNALS]);
void cli_signals_restore(const struct sigaction old[CLI_NSIGNALS]);

/*
 * What to profile, as `record` and `offcpu` take it: -a, -p PID[,PID...],
 * -P NAME[,NAME...], -t TID[,TID...] (record only), -d DURATION and
 * `-- COMMAND ARGS...`. Fill @cmd_name and @duration (the default), zero
 * the rest; cli_targets__release() frees what the options added.
 */
struct cli_targets {
	const char *cmd_name; /* "record": in messages and the title */
	enum capture_target target;
	const char *ids_opt; /* "-p", "-P" or "-t": the option that set the target */
	bool all;	     /* -a given */
	pid_t *pids;	     /* -p or -t ids; owned */
	size_t npids;
	char **names; /* -P names; owned */
	size_t nnames;
	double duration; /* seconds */
	char **cmd;	 /* borrowed from argv; NULL without a command */
	int ncmd;
};

/* How stacks are built, options both commands take. */
struct cli_stack_opts {
	bool no_kernel;	    /* --no-kernel */
	bool no_inline;	    /* --no-inline */
	bool pid_frames;    /* --pid-frames */
	bool thread_frames; /* --thread-frames */
};

/* Option ids of the groups below; a command's own ids start at CLI_OPT_CAPTURE_LAST. */
enum {
	CLI_OPT_CAPTURE_FIRST = OPT_GLOBAL_LAST,
	CLI_OPT_CAPTURE_LAST = CLI_OPT_CAPTURE_FIRST + 16,
};

/* The target options (ctx: struct cli_targets; record also takes -t, offcpu not). */
extern const struct cli_opt_group cli_target_group;
/* The stack options (ctx: struct cli_stack_opts), listed under the heading before. */
extern const struct cli_opt_group cli_stack_group;

/*
 * After the options: the command from argv[optind...], and the checks that
 * targets do not clash. Returns 0, or -1 after a usage message.
 */
int cli_targets__finish(struct cli_targets *t, int argc, char **argv);
void cli_targets__release(struct cli_targets *t);
/* Fills @o's target and stack fields from @t (borrowed by @o) and @so. */
void cli_capture_opts(struct capture_opts *o, const struct cli_targets *t,
		      const struct cli_stack_opts *so);
/*
 * Sets the default title "resq-flame CMD: TARGET" unless --title was given.
 * Returns the title to free after the profile is written (NULL when none).
 */
char *cli_targets__set_title(const struct cli_targets *t, struct cli_global *g);

/*
 * Runs @c (new, not started) until its duration ends, its targets exit, a
 * stop signal or an error: installs the stop signals (into @old: the
 * caller restores them once the output is written), starts the capture,
 * says "sampling started" (-v; tests wait for it), polls and shows the
 * status line under @label on a terminal, then stops the capture. Sets
 * *@t_stop to the end of capture (CLOCK_MONOTONIC ns). Returns 0, or -1
 * when the capture could not start (message logged).
 */
int cli_capture_run(struct capture *c, const char *label, struct sigaction old[CLI_NSIGNALS],
		    uint64_t *t_stop);
/*
 * The status line shown during a capture, into @buf: "LABEL: E s, R s
 * left, N samples, N lost, N processes" (no "left" without a duration).
 */
void cli_capture_status(char *buf, size_t len, const char *label, const struct capture_stats *st);
/* CLOCK_MONOTONIC in ns, for the post-processing timings. */
uint64_t cli_mono_ns(void);
/* "exited with status 3", "was killed by signal 9 (Killed)", ... */
void cli_describe_status(int status, char *buf, size_t len);

/* Reverses *@p with --reverse and writes it. 0, or -1 after a message. */
int cli_capture_write(struct profile **p, struct cli_global *g);
/* The closing lines: "stopped early by ..." and "wrote PATH". */
void cli_capture_report_end(const struct cli_global *g);
/* Forgets the default @title and @subtitle in @g and frees them. */
void cli_release_titles(struct cli_global *g, char *title, char *subtitle);
/* Warns about everything the BPF program or the drain dropped, with remedies. */
void cli_report_offcpu_drops(const struct offcpu_stats *st);

#endif
