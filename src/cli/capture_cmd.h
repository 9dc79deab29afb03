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
 * Parses "1,2,3" (positive ids) and appends to *@ids / *@n. Returns false
 * after a usage message naming @cmd and @opt.
 */
bool rc_parse_ids(const char *cmd, const char *opt, const char *arg, pid_t **ids, size_t *n);

/*
 * What to profile, as `record` and `offcpu` take it: -a, -p PID[,PID...],
 * -t TID[,TID...] (record only), -d DURATION and `-- COMMAND ARGS...`.
 * Fill @cmd_name and @duration (the default), zero the rest.
 */
struct rc_targets {
	const char *cmd_name; /* "record": in messages and the fallback description */
	enum capture_target target;
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
/* "system-wide", "-p 1,2", "-t 3" or the command line (cut after 100 bytes); the caller's. */
char *rc_targets__describe(const struct rc_targets *t);
/*
 * Sets the default title "resq-flame CMD: TARGET" unless --title was given.
 * Returns the title to free after the profile is written (NULL when none).
 */
char *rc_targets__set_title(const struct rc_targets *t, struct cli_global *g);

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
int rc_write_profile(struct profile **p, struct cli_global *g);
/* The closing lines: "stopped early by ..." and "wrote PATH". */
void rc_report_end(const struct cli_global *g);
/* Forgets the default @title and @subtitle in @g and frees them. */
void rc_release_titles(struct cli_global *g, char *title, char *subtitle);

/* Warns about everything the BPF program or the drain dropped, with remedies. */
void cli_report_offcpu_drops(const struct offcpu_stats *st);

#endif
