// SPDX-License-Identifier: Apache-2.0
/*
 * The command-line side of a capture, shared by record and offcpu: target
 * and stack options, running a capture with its status line, titles and
 * report pieces.
 */
#include "capture_cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "xalloc.h"

/* Appends "1,2,3" (positive ids) to *@ids / *@n. False after a usage message. */
static bool parse_ids(const char *cmd, const char *opt, const char *arg, pid_t **ids, size_t *n)
{
	const char *p = arg;
	size_t alloc = *n;

	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > 0x3fffffff || (*end && *end != ',')) {
			cli_usage_error(cmd,
					"invalid value for %s: '%s' (expected ids like 1234,5678)",
					opt, arg);
			return false;
		}
		ALLOC_GROW(*ids, *n + 1, alloc);
		(*ids)[(*n)++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	if (!*n) {
		cli_usage_error(cmd, "%s needs at least one id", opt);
		return false;
	}
	return true;
}

/* Appends the names of "a,b,c" to t->names. False after a usage message. */
static bool parse_names(struct cli_targets *t, const char *arg)
{
	const char *p = arg;
	size_t alloc = t->nnames;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (!len) {
			cli_usage_error(t->cmd_name,
					"invalid value for -P: '%s' (expected names like "
					"nginx,redis-server)",
					arg);
			return false;
		}
		ALLOC_GROW(t->names, t->nnames + 1, alloc);
		t->names[t->nnames++] = xstrndup(p, len);
		p += len + (p[len] == ',');
	}
	if (!t->nnames) {
		cli_usage_error(t->cmd_name, "-P needs at least one name");
		return false;
	}
	return true;
}

/* --- target and stack options -------------------------------------------------- */

static int targets_parse(void *ctx, int key, const char *arg)
{
	struct cli_targets *t = ctx;
	const char *opt = key == 'p' ? "-p" : key == 'P' ? "-P" : "-t";

	switch (key) {
	case 'a': t->all = true; return 0;
	case 'p':
	case 'P':
	case 't':
		/* -p and -P add up to a set of processes; -t is threads. */
		if (t->ids_opt && (key == 't') != (t->target == CAPTURE_TIDS)) {
			cli_usage_error(t->cmd_name, "%s and %s cannot be combined", t->ids_opt,
					opt);
			return -1;
		}
		t->target = key == 't' ? CAPTURE_TIDS : CAPTURE_PIDS;
		if (!t->ids_opt)
			t->ids_opt = opt;
		if (key == 'P')
			return parse_names(t, arg) ? 0 : -1;
		return parse_ids(t->cmd_name, opt, arg, &t->pids, &t->npids) ? 0 : -1;
	case 'd': return cli_parse_duration("-d", arg, false, &t->duration) ? 0 : -1;
	}
	return -1;
}

static const struct cli_opt target_opts[] = {
	{.key = 'a', .name = "all-cpus", .help = "every process on every CPU", .usage = "[-a]"},
	{.key = 'p',
	 .name = "pid",
	 .arg = "PID,...",
	 .help = "every thread of these processes, and the threads and processes they start during "
		 "the run",
	 .usage = "[-p PID[,PID...]]"},
	{.key = 'P',
	 .name = "process",
	 .arg = "NAME,...",
	 .help = "every process whose command name or executable's basename is NAME (as -p with "
		 "their ids); a NAME that matches nothing is an error listing the similar names "
		 "that run",
	 .usage = "[-P NAME[,NAME...]]"},
	{.key = 't',
	 .name = "tid",
	 .arg = "TID,...",
	 .help = "exactly these threads",
	 .usage = "[-t TID[,TID...]]"},
	{.key = 'd',
	 .name = "duration",
	 .arg = "D",
	 .help = "how long: 500ms, 5s, 2m; a bare number is seconds (default 30 s). Ctrl-C stops "
		 "early and still writes the profile",
	 .usage = "[-d DURATION]"},
	{.key = CLI_OPT_OPERAND,
	 .arg = "-- COMMAND ARGS...",
	 .help = "run COMMAND and profile it, and what it starts, from its first instruction until "
		 "it exits or the duration ends (then it is stopped with SIGTERM); its exit status "
		 "is reported"},
	{0},
};

const struct cli_opt_group cli_target_group = {
	.heading = "what to profile (default -a)",
	.opts = target_opts,
	.parse = targets_parse,
};

enum {
	OPT_NO_KERNEL = CLI_OPT_CAPTURE_FIRST,
	OPT_NO_INLINE,
	OPT_PID_FRAMES,
	OPT_THREAD_FRAMES,
};

static int stack_parse(void *ctx, int key, const char *arg)
{
	struct cli_stack_opts *o = ctx;

	switch (key) {
	case OPT_NO_KERNEL: o->no_kernel = true; return 0;
	case OPT_NO_INLINE: o->no_inline = true; return 0;
	case OPT_PID_FRAMES: o->pid_frames = true; return 0;
	case OPT_THREAD_FRAMES: o->thread_frames = true; return 0;
	}
	return -1;
}

static const struct cli_opt stack_opts[] = {
	{.key = OPT_NO_KERNEL,
	 .name = "no-kernel",
	 .help = "leave out kernel frames (they are not collected)",
	 .usage = "[--no-kernel]"},
	{.key = OPT_NO_INLINE,
	 .name = "no-inline",
	 .help = "no separate frames for inlined functions",
	 .usage = "[--no-inline]"},
	{.key = OPT_PID_FRAMES,
	 .name = "pid-frames",
	 .help = "root frames comm-PID instead of comm",
	 .usage = "[--pid-frames]"},
	{.key = OPT_THREAD_FRAMES,
	 .name = "thread-frames",
	 .help = "a frame THREADNAME-TID under each process root"},
	{0},
};

const struct cli_opt_group cli_stack_group = {
	.opts = stack_opts,
	.parse = stack_parse,
};

int cli_targets__finish(struct cli_targets *t, int argc, char **argv)
{
	if (optind < argc) {
		t->cmd = argv + optind;
		t->ncmd = argc - optind;
		if (t->target != CAPTURE_SYSTEM) {
			cli_usage_error(t->cmd_name, "give either %s or a COMMAND, not both",
					t->ids_opt);
			return -1;
		}
		if (t->all) {
			cli_usage_error(t->cmd_name, "give either -a or a COMMAND, not both");
			return -1;
		}
		t->target = CAPTURE_COMMAND;
	} else if (t->all && t->target != CAPTURE_SYSTEM) {
		cli_usage_error(t->cmd_name, "-a cannot be combined with %s", t->ids_opt);
		return -1;
	}
	return 0;
}

void cli_targets__release(struct cli_targets *t)
{
	size_t i;

	for (i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->pids);
	t->names = NULL;
	t->pids = NULL;
	t->nnames = t->npids = 0;
}

void cli_capture_opts(struct capture_opts *o, const struct cli_targets *t,
		      const struct cli_stack_opts *so)
{
	o->target = t->target;
	o->ids = t->pids;
	o->nids = t->npids;
	o->names = (const char *const *)t->names;
	o->nnames = t->nnames;
	o->argv = t->cmd;
	o->duration = t->duration;
	o->no_kernel = so->no_kernel;
	o->no_inline = so->no_inline;
	o->pid_frames = so->pid_frames;
	o->thread_frames = so->thread_frames;
}

/* "system-wide", "-p 1,2", "-P nginx", "-t 3" or the command line (cut after 100 bytes). */
static char *describe(const struct cli_targets *t)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return xstrdup(t->cmd_name);
	switch (t->target) {
	case CAPTURE_SYSTEM: fputs("system-wide", f); break;
	case CAPTURE_PIDS:
	case CAPTURE_TIDS:
		if (t->npids)
			fputs(t->target == CAPTURE_PIDS ? "-p " : "-t ", f);
		for (i = 0; i < t->npids; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)t->pids[i]);
		if (t->nnames)
			fputs(t->npids ? " -P " : "-P ", f);
		for (i = 0; i < t->nnames; i++)
			fprintf(f, "%s%s", i ? "," : "", t->names[i]);
		break;
	case CAPTURE_COMMAND:
		for (i = 0; i < (size_t)t->ncmd; i++) {
			if (ftell(f) > 100) {
				fputs(" ...", f);
				break;
			}
			fprintf(f, "%s%s", i ? " " : "", t->cmd[i]);
		}
		break;
	}
	fclose(f);
	return s;
}

char *cli_targets__set_title(const struct cli_targets *t, struct cli_global *g)
{
	char *target, *title;
	size_t len;

	if (g->title_set)
		return NULL;
	target = describe(t);
	len = strlen(target) + 32;
	title = xmalloc(len);
	snprintf(title, len, "resq-flame %s: %s", t->cmd_name, target);
	free(target);
	g->fg.title = title;
	return title;
}

uint64_t cli_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void cli_capture_status(char *buf, size_t len, const char *label, const struct capture_stats *st)
{
	int n = snprintf(buf, len, "%s: %.1f s", label, st->elapsed);

	if (n >= 0 && (size_t)n < len && st->remaining >= 0)
		n += snprintf(buf + n, len - (size_t)n, ", %.1f s left", st->remaining);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %llu samples, %llu lost, %zu process%s",
			 (unsigned long long)st->samples, (unsigned long long)st->lost,
			 st->processes, st->processes == 1 ? "" : "es");
}

/* Status lines every quarter of a second; also the longest wait in a poll. */
#define STATUS_MS 250

int cli_capture_run(struct capture *c, const char *label, struct sigaction old[CLI_NSIGNALS],
		    uint64_t *t_stop)
{
	/* Only on a terminal, and not with -q. */
	bool tty = isatty(STDERR_FILENO) && log__level() >= LOG_INFO;
	struct capture_stats st;
	char line[200];

	cli_signals_install(old);
	if (capture__start(c)) {
		*t_stop = cli_mono_ns();
		return -1;
	}
	/* Tests wait for this line (with -v) before they start the work to sample. */
	pr_debug("sampling started");
	while (!cli_stop_signal && !capture__poll(c, STATUS_MS)) {
		if (!tty)
			continue;
		capture__stats(c, &st);
		cli_capture_status(line, sizeof(line), label, &st);
		fprintf(stderr, "\r%s\033[K", line);
		fflush(stderr);
	}
	*t_stop = cli_mono_ns(); /* post-processing is timed from here */
	if (tty)
		fputs("\r\033[K", stderr);
	capture__stop(c, cli_stop_signal);
	return 0;
}

void cli_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status 0x%x", status);
}

int cli_capture_write(struct profile **p, struct cli_global *g)
{
	if (g->reverse) {
		struct profile *t = profile__reversed(*p);

		profile__free(*p);
		*p = t;
	}
	return cli_write_profile(*p, g) ? -1 : 0;
}

void cli_capture_report_end(const struct cli_global *g)
{
	if (cli_stop_signal)
		pr_info("stopped early by %s", strsignal(cli_stop_signal));
	if (!g->output || strcmp(g->output, "-"))
		pr_info("wrote %s", g->output ? g->output : "flamegraph.svg");
}

void cli_release_titles(struct cli_global *g, char *title, char *subtitle)
{
	if (g->fg.title == title)
		g->fg.title = NULL;
	if (g->fg.subtitle == subtitle)
		g->fg.subtitle = NULL;
	free(title);
	free(subtitle);
}

void cli_report_offcpu_drops(const struct offcpu_stats *st)
{
	if (st->start_full)
		pr_warn("%llu switch-outs were not recorded: more threads lived at once than "
			"offcpu --max-entries allows",
			(unsigned long long)st->start_full);
	if (st->totals_full)
		pr_warn("%llu blocked intervals (%.3f s) were lost: more (thread, stack) entries "
			"than offcpu --max-entries allows between two drains",
			(unsigned long long)st->totals_full, (double)st->totals_lost_ns / 1e9);
	if (st->ustack_errors || st->kstack_errors)
		pr_warn("%llu user and %llu kernel stacks could not be stored (stack map full or "
			"hash collisions); their time is kept without those frames; offcpu "
			"--stack-storage raises the limit",
			(unsigned long long)st->ustack_errors,
			(unsigned long long)st->kstack_errors);
	if (st->stacks_missing)
		pr_warn("%llu stack ids could not be read back; their time is kept without those "
			"frames",
			(unsigned long long)st->stacks_missing);
	if (st->forks_lost)
		pr_warn("%llu forked processes were not followed: the process filter was full",
			(unsigned long long)st->forks_lost);
}
