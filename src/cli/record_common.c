// SPDX-License-Identifier: Apache-2.0
/*
 * Shared by record and offcpu: the clock, signals, /proc helpers, the
 * launched command, and off-CPU capture.
 */
#include "record_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hashmap.h"
#include "log.h"
#include "offcpu.h"
#include "outfile.h"
#include "xalloc.h"

volatile sig_atomic_t rec_stop_signal;

uint64_t rec_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static volatile sig_atomic_t stop_signals;

static void on_stop_signal(int sig)
{
	static const char again[] =
		"\nresq-flame: still writing the profile; press again (or send the signal again) to abort\n";

	if (++stop_signals == 1) {
		rec_stop_signal = sig;
		return;
	}
	if (stop_signals == 2) {
		if (write(STDERR_FILENO, again, sizeof(again) - 1) < 0)
			return;
		return;
	}
	/* Third: no partial file, and die by the signal so the caller sees it. */
	outfile__abort_all_from_signal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_child_signal(int sig)
{
	(void)sig; /* only interrupts waits, so that the child's exit is seen at once */
}

static const int stop_sigs[] = {SIGINT, SIGTERM, SIGHUP};

void rec_signals_install(struct sigaction old[REC_NSIGNALS])
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	size_t i;

	stop_signals = 0;
	rec_stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	/*
	 * poll() and epoll_wait() are interrupted whatever the flag (signal(7));
	 * SA_RESTART keeps a blocking open() or write() of the output going
	 * when a second signal comes while it is written.
	 */
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < 3; i++)
		sigaction(stop_sigs[i], &sa, &old[i]);
	sa.sa_handler = on_child_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old[3]);
}

void rec_signals_restore(const struct sigaction old[REC_NSIGNALS])
{
	size_t i;

	for (i = 0; i < 3; i++)
		sigaction(stop_sigs[i], &old[i], NULL);
	sigaction(SIGCHLD, &old[3], NULL);
}

bool rec_parse_ids(const char *cmd, const char *opt, const char *arg, pid_t **ids, size_t *n)
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

bool rec_task_alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		alive = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

pid_t rec_tgid_of(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}

void rec_snapshot(struct procmaps *pm, const pid_t *ids, size_t n, bool tids)
{
	size_t i;

	if (!n) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char *end;
			long pid = strtol(de->d_name, &end, 10);

			if (end != de->d_name && !*end)
				procmaps__snapshot(pm, (pid_t)pid, rec_mono_ns());
		}
		if (d)
			closedir(d);
		return;
	}
	for (i = 0; i < n; i++)
		procmaps__snapshot(pm, tids ? rec_tgid_of(ids[i]) : ids[i], rec_mono_ns());
}

/* --- the launched command ------------------------------------------------- */

int child__start(struct child *c, char **argv)
{
	int go[2], er[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
		pr_err("pipe: %s", strerror(errno));
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0) {
		pr_err("fork: %s", strerror(errno));
		return -1;
	}
	if (c->pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(er[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(127); /* the parent gave up */
		execvp(argv[0], argv);
		e = errno;
		if (write(er[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(er[1]);
	c->go_fd = go[1];
	c->err_fd = er[0];
	return 0;
}

int child__release(struct child *c)
{
	int e = 0;
	ssize_t n;

	if (write(c->go_fd, "x", 1) != 1)
		e = errno;
	close(c->go_fd);
	c->go_fd = -1;
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == sizeof(e) && e) {
		waitpid(c->pid, &c->status, 0);
		c->exited = true;
		return e;
	}
	return 0;
}

void child__stop(struct child *c, int sig)
{
	int i;

	if (c->exited || c->pid <= 0)
		return;
	if (c->go_fd >= 0) { /* never released: it exits on EOF */
		close(c->go_fd);
		c->go_fd = -1;
	}
	if (c->err_fd >= 0) {
		close(c->err_fd);
		c->err_fd = -1;
	}
	kill(c->pid, sig);
	for (i = 0; i < 200; i++) {
		if (waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
			c->exited = true;
			return;
		}
		usleep(10000);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &c->status, 0);
	c->exited = true;
}

void child__describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status 0x%x", status);
}

/* --- targets and the command line ------------------------------------------ */

int rc_targets__parse_option(struct rc_targets *t, int c, const char *arg)
{
	switch (c) {
	case 'a': t->all = true; return 1;
	case 'p':
	case 't':
		if (t->target != SAMPLER_SYSTEM &&
		    t->target != (c == 'p' ? SAMPLER_PIDS : SAMPLER_TIDS)) {
			cli_usage_error(t->cmd_name, "-p and -t cannot be combined");
			return -1;
		}
		t->target = c == 'p' ? SAMPLER_PIDS : SAMPLER_TIDS;
		if (!rec_parse_ids(t->cmd_name, c == 'p' ? "-p" : "-t", arg, &t->pids, &t->npids))
			return -1;
		return 1;
	case 'd': return cli_parse_duration("-d", arg, false, &t->duration) ? 1 : -1;
	}
	return 0;
}

int rc_stack_opts__parse_option(struct rc_stack_opts *o, int c)
{
	switch (c) {
	case RC_OPT_NO_KERNEL: o->no_kernel = true; return 1;
	case RC_OPT_NO_INLINE: o->no_inline = true; return 1;
	case RC_OPT_PID_FRAMES: o->pid_frames = true; return 1;
	case RC_OPT_THREAD_FRAMES: o->thread_frames = true; return 1;
	}
	return 0;
}

int rc_targets__finish_args(struct rc_targets *t, int argc, char **argv)
{
	const char *ids_opt = t->target == SAMPLER_PIDS ? "-p" : "-t";

	if (optind < argc) {
		t->cmd = argv + optind;
		t->ncmd = argc - optind;
		if (t->target != SAMPLER_SYSTEM) {
			cli_usage_error(t->cmd_name, "give either %s or a COMMAND, not both",
					ids_opt);
			return -1;
		}
		if (t->all) {
			cli_usage_error(t->cmd_name, "give either -a or a COMMAND, not both");
			return -1;
		}
		t->target = SAMPLER_CHILD;
	} else if (t->all && t->target != SAMPLER_SYSTEM) {
		cli_usage_error(t->cmd_name, "-a cannot be combined with %s", ids_opt);
		return -1;
	}
	return 0;
}

int rc_parse_other_option(struct cli_global *g, const char *cmd, int c, const char *arg,
			  char **argv, void (*usage)(FILE *f))
{
	int ret;

	switch (c) {
	case 'h': usage(stdout); return 1;
	case 'V': cli_print_version(); return 1;
	case '?':
		cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		return -1;
	}
	ret = cli_global_option(g, c, arg);
	if (ret > 0)
		return 0;
	if (!ret)
		cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	return -1;
}

bool rc_targets__check_alive(const struct rc_targets *t)
{
	size_t i;

	for (i = 0; i < t->npids; i++) {
		if (!rec_task_alive(t->pids[i])) {
			pr_err("no such %s: %d", t->target == SAMPLER_TIDS ? "thread" : "process",
			       (int)t->pids[i]);
			return false;
		}
	}
	return true;
}

bool rc_targets__any_alive(const struct rc_targets *t)
{
	size_t i;

	for (i = 0; i < t->npids; i++)
		if (rec_task_alive(t->pids[i]))
			return true;
	return false;
}

int rc_targets__start_child(struct rc_targets *t, struct child *c)
{
	if (child__start(c, t->cmd))
		return -1;
	t->pids = xmalloc(sizeof(*t->pids));
	t->pids[0] = c->pid;
	t->npids = 1;
	return 0;
}

int rc_targets__release_child(const struct rc_targets *t, struct child *c)
{
	int err = child__release(c);

	if (!err)
		return 0;
	pr_err("cannot run '%s': %s", t->cmd[0],
	       err == ENOENT ? "command not found" : strerror(err));
	return -1;
}

bool rc_targets__finished(const struct rc_targets *t, struct child *c)
{
	if (t->target == SAMPLER_CHILD) {
		if (waitpid(c->pid, &c->status, WNOHANG) != c->pid)
			return false;
		c->exited = true;
		return true;
	}
	if (t->target != SAMPLER_SYSTEM && !rc_targets__any_alive(t)) {
		pr_info("every target has exited; stopping");
		return true;
	}
	return false;
}

char *rc_targets__describe(const struct rc_targets *t)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return xstrdup(t->cmd_name);
	switch (t->target) {
	case SAMPLER_SYSTEM: fputs("system-wide", f); break;
	case SAMPLER_PIDS:
	case SAMPLER_TIDS:
		fputs(t->target == SAMPLER_PIDS ? "-p " : "-t ", f);
		for (i = 0; i < t->npids; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)t->pids[i]);
		break;
	case SAMPLER_CHILD:
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

char *rc_targets__set_title(const struct rc_targets *t, struct cli_global *g)
{
	char *target, *title;
	size_t len;

	if (g->title_set)
		return NULL;
	target = rc_targets__describe(t);
	len = strlen(target) + 32;
	title = xmalloc(len);
	snprintf(title, len, "resq-flame %s: %s", t->cmd_name, target);
	free(target);
	g->fg.title = title;
	return title;
}

void rc_progress(const char *label, double left, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\r%s: %.1f s left, ", label, left < 0 ? 0 : left);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
}

struct symtab *rc_symtab_new(bool no_inline, bool no_kernel)
{
	struct symtab *st = symtab__new(&(struct symtab_opts){.no_inline = no_inline});

	if (!st) {
		pr_err("cannot set up symbolization: %s", strerror(errno));
		return NULL;
	}
	if (!no_kernel)
		symtab__reload_kernel(st);
	return st;
}

int rc_write_profile(struct profile **p, struct cli_global *g)
{
	if (g->reverse) {
		struct profile *t = profile__reversed(*p);

		profile__free(*p);
		*p = t;
	}
	return cli_write_profile(*p, g) ? -1 : 0;
}

void rc_report_end(const struct cli_global *g)
{
	if (rec_stop_signal)
		pr_info("stopped early by %s", strsignal(rec_stop_signal));
	if (!g->output || strcmp(g->output, "-"))
		pr_info("wrote %s", g->output ? g->output : "flamegraph.svg");
}

void rc_release_titles(struct cli_global *g, char *title, char *subtitle)
{
	if (g->fg.title == title)
		g->fg.title = NULL;
	if (g->fg.subtitle == subtitle)
		g->fg.subtitle = NULL;
	free(title);
	free(subtitle);
}

/* --- aggregation during capture ------------------------------------------- */

/* --- off-CPU capture -------------------------------------------------------- */

static void print_bpf_error(int err, const char *step)
{
	if (err == EOPNOTSUPP) {
		pr_err("this resq-flame was built without BPF support (NO_BPF=1, or libbpf, clang "
		       "or bpftool missing at build time); install Debian packages libbpf-dev "
		       "clang bpftool and rebuild");
	} else if (!strcmp(step, "open") && (err == EPERM || err == EACCES)) {
		pr_err("off-CPU profiling loads an eBPF program, which needs CAP_BPF and "
		       "CAP_PERFMON (or CAP_SYS_ADMIN); run it as root, e.g. with sudo");
	} else if (!strcmp(step, "open") && err == ENOENT) {
		pr_err("the kernel has no BTF type information (/sys/kernel/btf/vmlinux is "
		       "missing), which the off-CPU eBPF program needs; use a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF=y (most distribution kernels are)");
	} else if (!strcmp(step, "load") && (err == EPERM || err == EACCES)) {
		pr_err("the kernel refused to load the off-CPU eBPF program: %s; BPF may be "
		       "restricted here (kernel lockdown, seccomp, a container without CAP_BPF); "
		       "run as root on the host, and with -v to see libbpf's messages",
		       strerror(err));
	} else if (!strcmp(step, "load")) {
		pr_err("the kernel refused to load the off-CPU eBPF program: %s (the verifier's "
		       "last messages are above; -v shows libbpf's whole log)",
		       strerror(err));
	} else {
		pr_err("cannot %s the off-CPU eBPF program: %s%s", step, strerror(err),
		       err == ENOENT ? " (is the sched_switch tracepoint missing?)" : "");
	}
}

struct offcpu *rec_offcpu_start(const struct offcpu_opts *o)
{
	const char *attach = getenv("RESQ_BPF_ATTACH");
	struct offcpu_opts opts = *o;
	struct offcpu *oc;
	int err;

	/* A documented escape hatch for kernels where tp_btf misbehaves. */
	if (attach && !strcmp(attach, "raw_tp"))
		opts.attach = OFFCPU_ATTACH_RAW_TP;
	else if (attach && !strcmp(attach, "tp_btf"))
		opts.attach = OFFCPU_ATTACH_TP_BTF;
	else if (attach && *attach && strcmp(attach, "auto"))
		pr_warn("ignoring RESQ_BPF_ATTACH=%s (expected auto, tp_btf or raw_tp)", attach);
	oc = offcpu__open(&opts);
	if (!oc) {
		print_bpf_error(errno, "open");
		return NULL;
	}
	err = offcpu__load(oc);
	if (err) {
		print_bpf_error(-err, "load");
		offcpu__destroy(oc);
		return NULL;
	}
	err = offcpu__attach(oc);
	if (err) {
		print_bpf_error(-err, "attach");
		offcpu__destroy(oc);
		return NULL;
	}
	pr_debug("off-CPU program attached through %s", offcpu__attach_name(oc));
	return oc;
}

int rec_offcpu_sample(const struct raw_sample *s, void *ctx)
{
	struct rec_sink *k = ctx;

	unwinder__unwind(k->uw, s, &k->stk, UNWIND_F_FINAL);
	stackagg__add(k->sa, s, &k->stk, 0, STACKAGG_OFFCPU);
	return 0;
}

void rec_offcpu_report_drops(const struct offcpu_stats *st)
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
