// SPDX-License-Identifier: Apache-2.0
/*
 * Shared by record and offcpu: the clock, signals, /proc helpers, the
 * launched command, and the stack aggregator. During capture, samples are
 * merged by (pid, tid, name epoch, kind, callchain) so that memory grows
 * with unique stacks, not with samples. After capture each unique address
 * is symbolized once and the profile is built with the process's name as
 * the root frame.
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

/* Canonical lower bound of the x86_64 kernel half (also arm64 with 48-bit VA). */
#define KERNEL_ADDR_MIN 0xffff800000000000ULL
#define OFFCPU_LEAF	"[off-cpu]"

/* One unique (pid, tid, name epoch, kind, callchain) and its weight. */
struct agg_stack {
	uint32_t pid, tid, epoch, nr;
	size_t off; /* chain in sa->pool */
	uint64_t count;
	uint64_t period; /* sum of the samples' periods (ns) */
	uint64_t time;	 /* first sample, for map and name lookups */
	uint32_t next;	 /* next entry with the same hash, + 1 */
	uint32_t kind;	 /* enum stackagg_kind */
};

/* Symbolized frames of one (pid, mapping, address, return) in sa->fpool. */
struct sym_entry {
	uint32_t pid;
	bool is_return, kernel;
	const struct mapping *m;
	uint64_t addr;
	uint32_t off, n; /* profile frame ids, outer first */
	uint32_t unresolved;
	uint32_t next;
};

struct stackagg {
	struct hashmap *stack_index; /* hash -> agg index + 1 */
	struct agg_stack *agg;
	size_t nagg, agg_alloc;
	uint64_t *pool;
	size_t npool, pool_alloc;

	struct hashmap *sym_index;
	struct sym_entry *syms;
	size_t nsyms, syms_alloc;
	uint32_t *fpool;
	size_t nfpool, fpool_alloc;

	size_t nprepared;	  /* stacks whose modules stackagg__prepare() saw */
	struct hashmap *prepared; /* mapping pointer -> 1 */
};

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

struct stackagg *stackagg__new(void)
{
	struct stackagg *sa = xcalloc(1, sizeof(*sa));

	sa->stack_index = hashmap__new();
	sa->sym_index = hashmap__new();
	sa->prepared = hashmap__new();
	return sa;
}

void stackagg__free(struct stackagg *sa)
{
	if (!sa)
		return;
	hashmap__free(sa->stack_index);
	hashmap__free(sa->sym_index);
	hashmap__free(sa->prepared);
	free(sa->agg);
	free(sa->pool);
	free(sa->syms);
	free(sa->fpool);
	free(sa);
}

size_t stackagg__count(const struct stackagg *sa)
{
	return sa->nagg;
}

void stackagg__add(struct stackagg *sa, const struct raw_sample *s, uint32_t epoch,
		   enum stackagg_kind kind)
{
	const uint64_t *chain = s->callchain;
	uint32_t nr = s->nr_callchain, i;
	uint64_t one[2], h, v;
	struct agg_stack *a;

	if (!nr && kind == STACKAGG_ONCPU) { /* no callchain: keep the sampled IP alone */
		one[0] = s->user_mode ? PERF_CONTEXT_USER : PERF_CONTEXT_KERNEL;
		one[1] = s->ip;
		chain = one;
		nr = 2;
	}
	h = hash_bytes(chain, nr * sizeof(*chain)) ^
	    hash_u64(((uint64_t)s->pid << 32 | s->tid) + ((uint64_t)epoch << 48) +
		     ((uint64_t)kind << 63));
	if (hashmap__get(sa->stack_index, h, &v)) {
		for (i = (uint32_t)v; i; i = sa->agg[i - 1].next) {
			a = &sa->agg[i - 1];
			if (a->pid == s->pid && a->tid == s->tid && a->epoch == epoch &&
			    a->kind == (uint32_t)kind && a->nr == nr &&
			    !memcmp(sa->pool + a->off, chain, nr * sizeof(*chain))) {
				a->count++;
				a->period += s->period;
				return;
			}
		}
	} else {
		v = 0;
	}
	ALLOC_GROW(sa->pool, sa->npool + nr, sa->pool_alloc);
	if (nr)
		memcpy(sa->pool + sa->npool, chain, nr * sizeof(*chain));
	ALLOC_GROW(sa->agg, sa->nagg + 1, sa->agg_alloc);
	sa->agg[sa->nagg] = (struct agg_stack){
		.pid = s->pid,
		.tid = s->tid,
		.epoch = epoch,
		.nr = nr,
		.off = sa->npool,
		.count = 1,
		.period = s->period,
		.time = s->time,
		.next = (uint32_t)v,
		.kind = (uint32_t)kind,
	};
	sa->npool += nr;
	sa->nagg++;
	hashmap__put(sa->stack_index, h, sa->nagg);
}

void stackagg__prepare(struct stackagg *sa, const struct procmaps *pm, struct symtab *st)
{
	for (; sa->nprepared < sa->nagg; sa->nprepared++) {
		const struct agg_stack *a = &sa->agg[sa->nprepared];
		const uint64_t *chain = sa->pool + a->off;
		const struct mapping *m = NULL;
		bool kernel_ctx = false;
		uint32_t i;

		for (i = 0; i < a->nr; i++) {
			uint64_t addr = chain[i];

			if (addr >= (uint64_t)PERF_CONTEXT_MAX) { /* markers, STACKAGG_TRUNCATED */
				kernel_ctx = addr == (uint64_t)PERF_CONTEXT_KERNEL;
				continue;
			}
			if (kernel_ctx || addr >= KERNEL_ADDR_MIN)
				continue;
			if (m && addr - m->start < m->end - m->start)
				continue; /* the same mapping as the frame before */
			m = procmaps__find(pm, (pid_t)a->pid, addr, a->time);
			if (!m || hashmap__get(sa->prepared, (uint64_t)(uintptr_t)m, NULL))
				continue;
			hashmap__put(sa->prepared, (uint64_t)(uintptr_t)m, 1);
			symtab__prepare(st, (pid_t)a->pid, m);
		}
	}
}

/* --- building the profile ------------------------------------------------- */

static uint32_t frame_id(struct profile *p, const struct sym_info *si, enum frame_kind kind)
{
	struct frame f = {
		.name = profile__intern_str(p, si->name ? si->name : "[unknown]"),
		.module = si->module ? profile__intern_str(p, si->module) : 0,
		.kind = kind,
	};

	return profile__frame(p, &f);
}

static bool unresolved_name(const char *name)
{
	return !name || name[0] == '[';
}

/*
 * Resolves one address (once per pid, mapping, address and return flag).
 * Returns the index of its entry in sa->syms.
 */
static uint32_t resolve(struct stackagg *sa, const struct procmaps *pm, struct symtab *st,
			struct profile *p, uint32_t pid, uint64_t addr, bool kernel, bool is_return,
			uint64_t time)
{
	const struct mapping *m = kernel ? NULL : procmaps__find(pm, (pid_t)pid, addr, time);
	uint32_t kpid = kernel ? 0 : pid;
	uint64_t h = hash_u64(addr ^ hash_u64((uint64_t)(uintptr_t)m) ^
			      ((uint64_t)kpid << 2 | (uint64_t)kernel << 1 | is_return)),
		 v = 0;
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct sym_entry *e;
	uint32_t i;
	int n;

	if (hashmap__get(sa->sym_index, h, &v)) {
		for (i = (uint32_t)v; i; i = sa->syms[i - 1].next) {
			e = &sa->syms[i - 1];
			if (e->addr == addr && e->m == m && e->pid == kpid && e->kernel == kernel &&
			    e->is_return == is_return)
				return i - 1;
		}
	}
	if (kernel) {
		n = symtab__resolve_kernel(st, addr, is_return, out);
	} else {
		n = symtab__resolve_user(st, (pid_t)pid, m, addr, is_return, out);
	}
	if (n < 1) {
		out[0] = (struct sym_info){.name = "[unknown]"};
		n = 1;
	}
	if (n > SYMTAB_MAX_INLINE)
		n = SYMTAB_MAX_INLINE;
	ALLOC_GROW(sa->syms, sa->nsyms + 1, sa->syms_alloc);
	e = &sa->syms[sa->nsyms];
	*e = (struct sym_entry){.pid = kpid,
				.is_return = is_return,
				.kernel = kernel,
				.m = m,
				.addr = addr,
				.off = (uint32_t)sa->nfpool,
				.next = (uint32_t)v};
	ALLOC_GROW(sa->fpool, sa->nfpool + n, sa->fpool_alloc);
	/* symtab gives the innermost function first; frames go outer to inner. */
	for (i = 0; i < (uint32_t)n; i++) {
		const struct sym_info *si = &out[n - 1 - i];
		enum frame_kind kind = si->kind;

		if (kernel)
			kind = FRAME_KIND_KERNEL;
		else if (i > 0)
			kind = FRAME_KIND_INLINE;
		else if (kind == FRAME_KIND_UNKNOWN || kind == FRAME_KIND_INLINE)
			kind = FRAME_KIND_NATIVE;
		sa->fpool[sa->nfpool++] = frame_id(p, si, kind);
		e->unresolved += unresolved_name(si->name);
	}
	e->n = (uint32_t)n;
	sa->nsyms++;
	hashmap__put(sa->sym_index, h, sa->nsyms);
	return (uint32_t)sa->nsyms - 1;
}

/*
 * The BPF program's own frames and the tracepoint glue that calls it, at
 * the leaf of an off-CPU kernel stack; __schedule and what called it stay.
 */
static bool bpf_glue_frame(const char *name)
{
	return !strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trace_run", 13) ||
	       !strncmp(name, "__bpf_trace_", 12) || !strncmp(name, "__traceiter_", 12) ||
	       !strncmp(name, "bpf_get_stack", 13) || !strncmp(name, "__bpf_prog_", 11) ||
	       !strncmp(name, "trace_sched_switch", 18);
}

/* Where a complete user stack starts: a program's or a thread's first functions. */
static bool root_function(const char *name)
{
	static const char *const roots[] = {
		"main",
		"_start",
		"__libc_start_call_main",
		"__libc_start_main",
		"__libc_start_main_impl",
		"start_thread",
		"clone",
		"clone3",
		"__clone",
		"__clone3",
		"thread_start",
	};
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(name, roots[i]))
			return true;
	return false;
}

static uint32_t named_frame(struct profile *p, const char *name, uint32_t id)
{
	char buf[320];

	snprintf(buf, sizeof(buf), "%s-%u", name, id);
	return profile__frame_named(p, buf, strlen(buf), FRAME_KIND_ROOT);
}

/*
 * The root frame: the process name (the main thread's comm), so that a
 * system-wide graph groups by process; comm-PID with pid_frames.
 */
static uint32_t root_frame(const struct procmaps *pm, const struct stackagg_build_opts *o,
			   struct profile *p, const struct agg_stack *a)
{
	const char *comm = procmaps__name(pm, (pid_t)a->pid, (pid_t)a->pid, a->time);
	char buf[64];

	if (!comm)
		comm = procmaps__name(pm, (pid_t)a->pid, (pid_t)a->tid, a->time);
	if (!comm && a->pid == 0)
		comm = "swapper";
	if (!comm) {
		snprintf(buf, sizeof(buf), ":%u", a->pid);
		comm = buf;
	}
	if (o->pid_frames)
		return named_frame(p, comm, a->pid);
	return profile__frame_named(p, comm, strlen(comm), FRAME_KIND_ROOT);
}

/* With thread_frames, a frame THREADNAME-TID under the process root. */
static uint32_t thread_frame(const struct procmaps *pm, struct profile *p,
			     const struct agg_stack *a)
{
	const char *name = procmaps__name(pm, (pid_t)a->pid, (pid_t)a->tid, a->time);

	return named_frame(p, name ? name : "thread", a->tid);
}

void stackagg__build(struct stackagg *sa, const struct stackagg_build_opts *o, struct symtab *st,
		     const struct procmaps *pm, struct profile *p, struct stackagg_result *res)
{
	uint32_t *ents = NULL; /* indices: resolving may move sa->syms */
	uint32_t *frames = NULL;
	size_t ents_alloc = 0, frames_alloc = 0, k;
	struct hashmap *procs = hashmap__new();
	uint32_t leaf = 0;

	*res = (struct stackagg_result){0};
	if (o->offcpu_leaf)
		leaf = profile__frame_named(p, OFFCPU_LEAF, strlen(OFFCPU_LEAF), FRAME_KIND_OFFCPU);
	for (k = 0; k < sa->nagg; k++) {
		const struct agg_stack *a = &sa->agg[k];
		const uint64_t *chain = sa->pool + a->off;
		bool kernel_ctx = false, first = true, offcpu = a->kind == STACKAGG_OFFCPU;
		bool glue = offcpu; /* still at the leading BPF frames */
		bool truncated = false;
		uint32_t outer[2] = {UINT32_MAX, UINT32_MAX}; /* outermost user entries */
		size_t nents = 0, nframes = 0, i;
		uint64_t unres = 0, total = 0;
		double w;

		/* Whole microseconds of periods (ns); less than half a one is dropped. */
		w = o->time_weights ? (double)((a->period + 500) / 1000) : (double)a->count;
		if (w <= 0)
			continue;
		if (!hashmap__get(procs, a->pid, NULL)) {
			hashmap__put(procs, a->pid, 1);
			res->nprocs++;
		}
		/* Leaf first: the first address of each context is an interrupted IP. */
		for (i = 0; i < a->nr; i++) {
			uint64_t addr = chain[i];
			uint32_t e;
			bool kernel;

			if (addr == STACKAGG_TRUNCATED) {
				truncated = true;
				continue;
			}
			if (addr >= (uint64_t)PERF_CONTEXT_MAX) {
				kernel_ctx = addr == (uint64_t)PERF_CONTEXT_KERNEL;
				first = true;
				continue;
			}
			kernel = kernel_ctx || addr >= KERNEL_ADDR_MIN;
			if (kernel && o->no_kernel) {
				first = false;
				continue;
			}
			e = resolve(sa, pm, st, p, a->pid, addr, kernel, !first, a->time);
			first = false;
			if (!kernel) {
				outer[1] = outer[0];
				outer[0] = e;
			}
			if (glue && kernel &&
			    bpf_glue_frame(profile__frame_name(p, sa->fpool[sa->syms[e].off])))
				continue;
			glue = false;
			ALLOC_GROW(ents, nents + 1, ents_alloc);
			ents[nents++] = e;
		}
		ALLOC_GROW(frames, nents * 2 + 4, frames_alloc);
		frames[nframes++] = root_frame(pm, o, p, a);
		if (o->thread_frames)
			frames[nframes++] = thread_frame(pm, p, a);
		if (truncated)
			frames[nframes++] = profile__frame_named(p, STACKAGG_TRUNCATED_NAME,
								 strlen(STACKAGG_TRUNCATED_NAME),
								 FRAME_KIND_UNKNOWN);
		if (!offcpu && outer[0] != UINT32_MAX) {
			bool root = false;

			for (i = 0; i < 2 && outer[i] != UINT32_MAX && !root; i++)
				root = root_function(
					profile__frame_name(p, sa->fpool[sa->syms[outer[i]].off]));
			res->user_weight += w;
			res->truncated_weight += truncated ? w : 0;
			res->user_cut_weight += root ? 0 : w;
		}
		for (i = nents; i-- > 0;) {
			const struct sym_entry *e = &sa->syms[ents[i]];

			ALLOC_GROW(frames, nframes + e->n + 1, frames_alloc);
			memcpy(frames + nframes, sa->fpool + e->off, e->n * sizeof(*frames));
			nframes += e->n;
			unres += e->unresolved;
			total += e->n;
		}
		if (offcpu && o->offcpu_leaf)
			frames[nframes++] = leaf;
		res->frames_total += total * (uint64_t)(w + 0.5);
		res->frames_unresolved += unres * (uint64_t)(w + 0.5);
		if (offcpu)
			res->offcpu_weight += w;
		else
			res->oncpu_weight += w;
		profile__add_stack(p, frames, nframes, PROFILE_COL_MAIN, w);
	}
	free(ents);
	free(frames);
	hashmap__free(procs);
}

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
	stackagg__add(ctx, s, 0, STACKAGG_OFFCPU);
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
