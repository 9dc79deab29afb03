// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame record (alias perf): on-CPU sampling with perf_event_open,
 * system-wide, attached to processes or threads, or of a command it
 * launches. During capture, samples are merged by (pid, tid, name epoch,
 * callchain) so that memory grows with unique stacks, not with samples;
 * side-band records go into a time-stamped procmaps history. After capture
 * each unique address is symbolized once and the profile is built with the
 * process's name as the root frame.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hashmap.h"
#include "log.h"
#include "procmaps.h"
#include "sampler.h"
#include "symtab.h"
#include "xalloc.h"

#define DEFAULT_DURATION 30.0
#define MAX_FREQ	 100000
#define PROGRESS_MS	 250
/* Canonical lower bound of the x86_64 kernel half (also arm64 with 48-bit VA). */
#define KERNEL_ADDR_MIN 0xffff800000000000ULL

enum {
	OPT_CALL_GRAPH = OPT_GLOBAL_LAST,
	OPT_NO_KERNEL,
	OPT_NO_INLINE,
	OPT_PID_FRAMES,
	OPT_THREAD_FRAMES,
};

static const struct option record_options[] = {
	{"all-cpus", no_argument, NULL, 'a'},
	{"pid", required_argument, NULL, 'p'},
	{"tid", required_argument, NULL, 't'},
	{"freq", required_argument, NULL, 'F'},
	{"duration", required_argument, NULL, 'd'},
	{"call-graph", required_argument, NULL, OPT_CALL_GRAPH},
	{"no-kernel", no_argument, NULL, OPT_NO_KERNEL},
	{"no-inline", no_argument, NULL, OPT_NO_INLINE},
	{"pid-frames", no_argument, NULL, OPT_PID_FRAMES},
	{"thread-frames", no_argument, NULL, OPT_THREAD_FRAMES},
	{NULL, 0, NULL, 0},
};

static void record_usage(FILE *f)
{
	fputs("usage: resq-flame record [-a] [-p PID[,PID...]] [-t TID[,TID...]] [-F HZ] [-d "
	      "DURATION]\n"
	      "                         [--call-graph fp] [--no-kernel] [--no-inline] "
	      "[--pid-frames]\n"
	      "                         [-- COMMAND ARGS...]\n"
	      "       resq-flame perf ...   (the same)\n"
	      "\n"
	      "Samples on-CPU stacks with perf_event_open and writes a flame graph (or any\n"
	      "output format) whose root frames are the sampled processes' names. Uses\n"
	      "hardware cycles where the machine has them, otherwise the cpu-clock\n"
	      "software event, and says which.\n"
	      "\n"
	      "what to sample (default -a):\n"
	      "  -a, --all-cpus         every process, one event and ring per online CPU\n"
	      "  -p, --pid PID,...      every thread of these processes, including threads\n"
	      "                         and children started during the run\n"
	      "  -t, --tid TID,...      exactly these threads\n"
	      "  -- COMMAND ARGS...     run COMMAND and profile it from its first instruction\n"
	      "                         until it exits or the duration ends (then it is\n"
	      "                         stopped with SIGTERM); its exit status is reported\n"
	      "\n"
	      "options:\n"
	      "  -F, --freq HZ          samples per second per CPU, 1 to 100000 (default 99)\n"
	      "  -d, --duration D       how long to sample: 500ms, 5s, 2m; a bare number is\n"
	      "                         seconds (default 30 s). Ctrl-C stops early and still\n"
	      "                         writes the profile\n"
	      "      --call-graph fp    frame-pointer callchains from the kernel (default and,\n"
	      "                         for now, the only mode)\n"
	      "      --no-kernel        leave out kernel frames\n"
	      "      --no-inline        no separate frames for inlined functions\n"
	      "      --pid-frames       root frames comm-PID instead of comm\n"
	      "      --thread-frames    a frame THREADNAME-TID under each process root\n"
	      "\n"
	      "output (global options): -o PATH (default flamegraph.svg, '-' for stdout),\n"
	      "  -f svg|folded, --title, --subtitle, --width, --minwidth, --colors, ...\n"
	      "\n"
	      "Needs root, CAP_PERFMON, or kernel.perf_event_paranoid set to 1 or lower\n"
	      "(0 or lower for -a). A run that collects no samples exits 1 and leaves the\n"
	      "output untouched.\n"
	      "\n"
	      "examples:\n"
	      "  sudo resq-flame record -d 10                     # whole machine, 10 s\n"
	      "  resq-flame record -p $(pidof nginx) -d 30s -o nginx.svg\n"
	      "  resq-flame record -F 999 -- ./build/workloads/burner 5\n"
	      "  resq-flame perf -t 4242 --no-kernel -f folded -o - | sort -k2 -n | tail\n"
	      "  resq-flame record --pid-frames -a -d 2m -o box.svg --title 'db host'\n",
	      f);
}

/* One unique (pid, tid, name epoch, callchain) and how often it was sampled. */
struct agg_stack {
	uint32_t pid, tid, epoch, nr;
	size_t off; /* chain in rec.pool */
	uint64_t count;
	uint64_t time; /* first sample, for map and name lookups */
	uint32_t next; /* next entry with the same hash, + 1 */
};

/* Symbolized frames of one (pid, mapping, address, return) in rec.fpool. */
struct sym_entry {
	uint32_t pid;
	bool is_return, kernel;
	const struct mapping *m;
	uint64_t addr;
	uint32_t off, n; /* profile frame ids, outer first */
	uint32_t unresolved;
	uint32_t next;
};

struct rec {
	struct cli_global *g;
	/* options */
	enum sampler_target target;
	pid_t *pids;
	size_t npids;
	long freq;
	double duration;
	bool no_kernel, no_inline, pid_frames, thread_frames;
	char **cmd;
	int ncmd;

	struct procmaps *pm;
	struct hashmap *epochs; /* tid -> number of name changes seen */

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
	uint64_t frames_total, frames_unresolved; /* weighted by samples */
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Parses "1,2,3" into @r->pids. */
static bool parse_id_list(struct rec *r, const char *opt, const char *arg)
{
	const char *p = arg;
	size_t alloc = r->npids;

	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > 0x3fffffff || (*end && *end != ',')) {
			cli_usage_error("record",
					"invalid value for %s: '%s' (expected ids like 1234,5678)",
					opt, arg);
			return false;
		}
		ALLOC_GROW(r->pids, r->npids + 1, alloc);
		r->pids[r->npids++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	if (!r->npids) {
		cli_usage_error("record", "%s needs at least one id", opt);
		return false;
	}
	return true;
}

/* Returns -1 on a usage error (message printed), 1 for --help, 0 otherwise. */
static int parse_args(struct rec *r, int argc, char **argv)
{
	struct option *opts = cli_options_merge(record_options);
	bool all = false;
	int c, ret = 0;

	opterr = 0;
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+ap:t:F:d:" CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		int g;

		switch (c) {
		case 'h':
			record_usage(stdout);
			ret = 1;
			goto out;
		case 'V':
			printf("resq-flame %s (%s)\n", RESQ_VERSION, RESQ_GIT_REV);
			ret = 1;
			goto out;
		case 'a': all = true; continue;
		case 'p':
		case 't':
			if (r->target != SAMPLER_SYSTEM &&
			    r->target != (c == 'p' ? SAMPLER_PIDS : SAMPLER_TIDS)) {
				cli_usage_error("record", "-p and -t cannot be combined");
				goto bad;
			}
			r->target = c == 'p' ? SAMPLER_PIDS : SAMPLER_TIDS;
			if (!parse_id_list(r, c == 'p' ? "-p" : "-t", optarg))
				goto bad;
			continue;
		case 'F':
			if (!cli_parse_int("-F", optarg, 1, MAX_FREQ, &r->freq))
				goto bad;
			continue;
		case 'd':
			if (!cli_parse_duration("-d", optarg, false, &r->duration))
				goto bad;
			continue;
		case OPT_CALL_GRAPH:
			if (!strcmp(optarg, "fp"))
				continue;
			if (!strcmp(optarg, "dwarf")) {
				cli_usage_error(
					"record",
					"--call-graph dwarf is not available yet; use --call-graph "
					"fp (the default) with programs built with frame pointers");
				goto bad;
			}
			cli_usage_error("record",
					"invalid value for --call-graph: '%s' (expected fp)",
					optarg);
			goto bad;
		case OPT_NO_KERNEL: r->no_kernel = true; continue;
		case OPT_NO_INLINE: r->no_inline = true; continue;
		case OPT_PID_FRAMES: r->pid_frames = true; continue;
		case OPT_THREAD_FRAMES: r->thread_frames = true; continue;
		case '?':
			cli_usage_error("record", "unknown or incomplete option '%s'",
					argv[optind - 1]);
			goto bad;
		}
		g = cli_global_option(r->g, c, optarg);
		if (g <= 0) {
			if (!g)
				cli_usage_error("record", "unknown option '%s'", argv[optind - 1]);
			goto bad;
		}
	}
	if (optind < argc) {
		r->cmd = argv + optind;
		r->ncmd = argc - optind;
		if (r->target != SAMPLER_SYSTEM) {
			cli_usage_error("record", "give either %s or a COMMAND, not both",
					r->target == SAMPLER_PIDS ? "-p" : "-t");
			goto bad;
		}
		if (all) {
			cli_usage_error("record", "give either -a or a COMMAND, not both");
			goto bad;
		}
		r->target = SAMPLER_CHILD;
	} else if (all && r->target != SAMPLER_SYSTEM) {
		cli_usage_error("record", "-a cannot be combined with %s",
				r->target == SAMPLER_PIDS ? "-p" : "-t");
		goto bad;
	}
out:
	free(opts);
	return ret;
bad:
	free(opts);
	return -1;
}

/* --- capture ----------------------------------------------------------- */

static uint32_t epoch_of(struct rec *r, uint32_t tid)
{
	uint64_t v = 0;

	hashmap__get(r->epochs, tid, &v);
	return (uint32_t)v;
}

static int on_record(const struct sampler_record *sr, void *arg)
{
	struct rec *r = arg;

	sampler_record__apply(sr, r->pm);
	if (sr->type == SAMPLER_REC_COMM)
		hashmap__put(r->epochs, (uint32_t)sr->tid, epoch_of(r, (uint32_t)sr->tid) + 1);
	return 0;
}

static int on_sample(const struct raw_sample *s, void *arg)
{
	struct rec *r = arg;
	const uint64_t *chain = s->callchain;
	uint32_t nr = s->nr_callchain, epoch = epoch_of(r, s->tid), i;
	uint64_t one[2], h, v;
	struct agg_stack *a;

	if (!nr) { /* no callchain: keep the sampled IP alone */
		one[0] = s->user_mode ? PERF_CONTEXT_USER : PERF_CONTEXT_KERNEL;
		one[1] = s->ip;
		chain = one;
		nr = 2;
	}
	h = hash_bytes(chain, nr * sizeof(*chain)) ^
	    hash_u64(((uint64_t)s->pid << 32 | s->tid) + ((uint64_t)epoch << 48));
	if (hashmap__get(r->stack_index, h, &v)) {
		for (i = (uint32_t)v; i; i = r->agg[i - 1].next) {
			a = &r->agg[i - 1];
			if (a->pid == s->pid && a->tid == s->tid && a->epoch == epoch &&
			    a->nr == nr && !memcmp(r->pool + a->off, chain, nr * sizeof(*chain))) {
				a->count++;
				return 0;
			}
		}
	} else {
		v = 0;
	}
	ALLOC_GROW(r->pool, r->npool + nr, r->pool_alloc);
	memcpy(r->pool + r->npool, chain, nr * sizeof(*chain));
	ALLOC_GROW(r->agg, r->nagg + 1, r->agg_alloc);
	r->agg[r->nagg] = (struct agg_stack){
		.pid = s->pid,
		.tid = s->tid,
		.epoch = epoch,
		.nr = nr,
		.off = r->npool,
		.count = 1,
		.time = s->time,
		.next = (uint32_t)v,
	};
	r->npool += nr;
	r->nagg++;
	hashmap__put(r->stack_index, h, r->nagg);
	return 0;
}

/* True while @pid exists and is not a zombie. */
static bool task_alive(pid_t pid)
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

/* The process of thread @tid (Tgid in /proc/TID/status); @tid when unknown. */
static pid_t tgid_of(pid_t tid)
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

/* /proc snapshots: the kernel reports nothing about what already exists. */
static void snapshot(struct rec *r)
{
	size_t i;

	if (r->target == SAMPLER_SYSTEM) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char *end;
			long pid = strtol(de->d_name, &end, 10);

			if (end != de->d_name && !*end)
				procmaps__snapshot(r->pm, (pid_t)pid, mono_ns());
		}
		if (d)
			closedir(d);
		return;
	}
	for (i = 0; i < r->npids; i++) {
		pid_t pid = r->target == SAMPLER_TIDS ? tgid_of(r->pids[i]) : r->pids[i];

		procmaps__snapshot(r->pm, pid, mono_ns());
	}
}

struct child {
	pid_t pid;
	int go_fd;  /* write end: releases the child to exec */
	int err_fd; /* read end: errno of a failed exec, EOF on success */
	bool exited;
	int status;
};

/* Forks the command, held before exec until child_release(). */
static int child_start(struct child *c, char **argv)
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

/* Lets the child exec. Returns 0, or the exec's errno after reaping it. */
static int child_release(struct child *c)
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

/* Stops a child that is still running: SIGTERM, then SIGKILL after 2 s. */
static void child_stop(struct child *c, int sig)
{
	int i;

	if (c->exited)
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

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status 0x%x", status);
}

static void print_open_error(const struct rec *r, int err)
{
	if (err == EACCES || err == EPERM) {
		pr_err("perf_event_open: %s; run as root (or with CAP_PERFMON) or set "
		       "kernel.perf_event_paranoid to %s%s",
		       strerror(err),
		       r->target == SAMPLER_SYSTEM ? "0 or lower for -a" : "1 or lower",
		       r->target != SAMPLER_SYSTEM && !r->no_kernel
			       ? " (--no-kernel samples user mode only and needs 2 or lower)"
			       : "");
	} else if (err == ESRCH) {
		pr_err("no such %s: %d", r->target == SAMPLER_TIDS ? "thread" : "process",
		       r->npids ? (int)r->pids[0] : -1);
	} else if (err == EMFILE || err == ENFILE) {
		pr_err("perf_event_open: %s: one descriptor per thread and CPU is needed; raise "
		       "the limit with ulimit -n",
		       strerror(err));
	} else {
		pr_err("perf_event_open: %s", strerror(err));
	}
}

static void progress(double left, const struct sampler_stats *st)
{
	fprintf(stderr, "\rrecording: %.1f s left, %llu samples, %llu lost\033[K",
		left < 0 ? 0 : left, (unsigned long long)st->samples, (unsigned long long)st->lost);
	fflush(stderr);
}

/* --- building the profile ----------------------------------------------- */

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
 * Returns the index of its entry in r->syms.
 */
static uint32_t resolve(struct rec *r, struct symtab *st, struct profile *p, uint32_t pid,
			uint64_t addr, bool kernel, bool is_return, uint64_t time)
{
	const struct mapping *m = kernel ? NULL : procmaps__find(r->pm, (pid_t)pid, addr, time);
	uint32_t kpid = kernel ? 0 : pid;
	uint64_t h = hash_u64(addr ^ hash_u64((uint64_t)(uintptr_t)m) ^
			      ((uint64_t)kpid << 2 | (uint64_t)kernel << 1 | is_return)),
		 v = 0;
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct sym_entry *e;
	uint32_t i;
	int n;

	if (hashmap__get(r->sym_index, h, &v)) {
		for (i = (uint32_t)v; i; i = r->syms[i - 1].next) {
			e = &r->syms[i - 1];
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
	ALLOC_GROW(r->syms, r->nsyms + 1, r->syms_alloc);
	e = &r->syms[r->nsyms];
	*e = (struct sym_entry){.pid = kpid,
				.is_return = is_return,
				.kernel = kernel,
				.m = m,
				.addr = addr,
				.off = (uint32_t)r->nfpool,
				.next = (uint32_t)v};
	ALLOC_GROW(r->fpool, r->nfpool + n, r->fpool_alloc);
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
		r->fpool[r->nfpool++] = frame_id(p, si, kind);
		e->unresolved += unresolved_name(si->name);
	}
	e->n = (uint32_t)n;
	r->nsyms++;
	hashmap__put(r->sym_index, h, r->nsyms);
	return (uint32_t)r->nsyms - 1;
}

static uint32_t named_frame(struct profile *p, const char *name, uint32_t id)
{
	char buf[320];

	snprintf(buf, sizeof(buf), "%s-%u", name, id);
	return profile__frame_named(p, buf, strlen(buf), FRAME_KIND_ROOT);
}

/*
 * The root frame: the process name (the main thread's comm), so that a
 * system-wide graph groups by process; comm-PID with --pid-frames.
 */
static uint32_t root_frame(struct rec *r, struct profile *p, const struct agg_stack *a)
{
	const char *comm = procmaps__name(r->pm, (pid_t)a->pid, (pid_t)a->pid, a->time);
	char buf[64];

	if (!comm)
		comm = procmaps__name(r->pm, (pid_t)a->pid, (pid_t)a->tid, a->time);
	if (!comm && a->pid == 0)
		comm = "swapper";
	if (!comm) {
		snprintf(buf, sizeof(buf), ":%u", a->pid);
		comm = buf;
	}
	if (r->pid_frames)
		return named_frame(p, comm, a->pid);
	return profile__frame_named(p, comm, strlen(comm), FRAME_KIND_ROOT);
}

/* With --thread-frames, a frame THREADNAME-TID under the process root. */
static uint32_t thread_frame(struct rec *r, struct profile *p, const struct agg_stack *a)
{
	const char *name = procmaps__name(r->pm, (pid_t)a->pid, (pid_t)a->tid, a->time);

	return named_frame(p, name ? name : "thread", a->tid);
}

/* Builds the profile from the merged stacks. Returns the number of processes. */
static size_t build_profile(struct rec *r, struct symtab *st, struct profile *p)
{
	uint32_t *ents = NULL; /* indices: resolving may move r->syms */
	uint32_t *frames = NULL;
	size_t ents_alloc = 0, frames_alloc = 0, nprocs = 0, k;
	struct hashmap *procs = hashmap__new();

	for (k = 0; k < r->nagg; k++) {
		const struct agg_stack *a = &r->agg[k];
		const uint64_t *chain = r->pool + a->off;
		bool kernel_ctx = false, first = true;
		size_t nents = 0, nframes = 0, i;
		uint64_t unres = 0, total = 0;

		if (!hashmap__get(procs, a->pid, NULL)) {
			hashmap__put(procs, a->pid, 1);
			nprocs++;
		}
		/* Leaf first: the first address of each context is an interrupted IP. */
		for (i = 0; i < a->nr; i++) {
			uint64_t addr = chain[i];
			bool kernel;

			if (addr >= (uint64_t)PERF_CONTEXT_MAX) {
				kernel_ctx = addr == (uint64_t)PERF_CONTEXT_KERNEL;
				first = true;
				continue;
			}
			kernel = kernel_ctx || addr >= KERNEL_ADDR_MIN;
			if (kernel && r->no_kernel) {
				first = false;
				continue;
			}
			ALLOC_GROW(ents, nents + 1, ents_alloc);
			ents[nents++] = resolve(r, st, p, a->pid, addr, kernel, !first, a->time);
			first = false;
		}
		ALLOC_GROW(frames, nents * 2 + 2, frames_alloc);
		frames[nframes++] = root_frame(r, p, a);
		if (r->thread_frames)
			frames[nframes++] = thread_frame(r, p, a);
		for (i = nents; i-- > 0;) {
			const struct sym_entry *e = &r->syms[ents[i]];

			ALLOC_GROW(frames, nframes + e->n, frames_alloc);
			memcpy(frames + nframes, r->fpool + e->off, e->n * sizeof(*frames));
			nframes += e->n;
			unres += e->unresolved;
			total += e->n;
		}
		r->frames_total += total * a->count;
		r->frames_unresolved += unres * a->count;
		profile__add_stack(p, frames, nframes, PROFILE_COL_MAIN, (double)a->count);
	}
	free(ents);
	free(frames);
	hashmap__free(procs);
	return nprocs;
}

static char *describe_target(const struct rec *r)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return xstrdup("record");
	switch (r->target) {
	case SAMPLER_SYSTEM: fputs("system-wide", f); break;
	case SAMPLER_PIDS:
	case SAMPLER_TIDS:
		fputs(r->target == SAMPLER_PIDS ? "-p " : "-t ", f);
		for (i = 0; i < r->npids; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)r->pids[i]);
		break;
	case SAMPLER_CHILD:
		for (i = 0; i < (size_t)r->ncmd; i++) {
			if (ftell(f) > 100) {
				fputs(" ...", f);
				break;
			}
			fprintf(f, "%s%s", i ? " " : "", r->cmd[i]);
		}
		break;
	}
	fclose(f);
	return s;
}

/* --- the command ---------------------------------------------------------- */

static void on_child_signal(int sig)
{
	(void)sig; /* only interrupts poll(), so that the child's exit is seen at once */
}

static void install_signals(struct sigaction old[3])
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: interrupt poll() */
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sa.sa_handler = on_child_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old[2]);
}

static void restore_signals(const struct sigaction old[3])
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGCHLD, &old[2], NULL);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static bool check_targets(const struct rec *r)
{
	size_t i;

	for (i = 0; i < r->npids; i++) {
		if (!task_alive(r->pids[i])) {
			pr_err("no such %s: %d", r->target == SAMPLER_TIDS ? "thread" : "process",
			       (int)r->pids[i]);
			return false;
		}
	}
	return true;
}

static bool any_target_alive(const struct rec *r)
{
	size_t i;

	for (i = 0; i < r->npids; i++)
		if (task_alive(r->pids[i]))
			return true;
	return false;
}

int cmd_record(int argc, char **argv, struct cli_global *g)
{
	struct rec r = {.g = g, .freq = 99, .duration = DEFAULT_DURATION};
	struct child child = {.pid = -1, .go_fd = -1, .err_fd = -1};
	struct sampler_callbacks cbs = {.sample = on_sample, .record = on_record};
	struct sigaction old_sig[3];
	struct sampler_stats st = {0};
	struct sampler *sp = NULL;
	struct symtab *stab = NULL;
	struct profile *p = NULL;
	char *target = NULL, *title = NULL, *subtitle = NULL;
	char status_text[96] = "";
	bool tty, stopped_child = false, signals = false;
	uint64_t t_start, t_end, now;
	double elapsed;
	size_t nprocs;
	int ret = EXIT_FAIL, err;

	err = parse_args(&r, argc, argv);
	if (err) {
		free(r.pids);
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (r.target != SAMPLER_SYSTEM && r.target != SAMPLER_CHILD && !check_targets(&r))
		goto out;
	raise_fd_limit();
	r.pm = procmaps__new();
	r.epochs = hashmap__new();
	r.stack_index = hashmap__new();
	r.sym_index = hashmap__new();

	if (r.target == SAMPLER_CHILD) {
		if (child_start(&child, r.cmd))
			goto out;
		r.pids = xmalloc(sizeof(*r.pids));
		r.pids[0] = child.pid;
		r.npids = 1;
	}
	sp = sampler__new(&(struct sampler_opts){.target = r.target,
						 .pids = r.pids,
						 .npids = r.npids,
						 .freq = (uint32_t)r.freq,
						 .no_kernel = r.no_kernel});
	if (!sp) {
		print_open_error(&r, errno);
		goto out;
	}
	install_signals(old_sig);
	signals = true;
	t_start = mono_ns();
	if (r.target == SAMPLER_CHILD) {
		err = child_release(&child);
		if (err) {
			pr_err("cannot run '%s': %s", r.cmd[0],
			       err == ENOENT ? "command not found" : strerror(err));
			goto out;
		}
	} else {
		err = sampler__enable(sp);
		if (err) {
			pr_err("PERF_EVENT_IOC_ENABLE: %s", strerror(-err));
			goto out;
		}
		snapshot(&r);
	}
	tty = isatty(STDERR_FILENO) && log__level() >= LOG_INFO;
	t_end = t_start + (uint64_t)(r.duration * 1e9);
	while (!stop_signal && (now = mono_ns()) < t_end) {
		uint64_t left_ms = (t_end - now + 999999) / 1000000;

		err = sampler__poll(sp, left_ms < PROGRESS_MS ? (int)left_ms : PROGRESS_MS, &cbs,
				    &r);
		if (err < 0) {
			pr_err("reading the perf ring buffers: %s", strerror(-err));
			break;
		}
		if (r.target == SAMPLER_CHILD) {
			if (waitpid(child.pid, &child.status, WNOHANG) == child.pid) {
				child.exited = true;
				break;
			}
		} else if (r.target != SAMPLER_SYSTEM && !any_target_alive(&r)) {
			pr_info("every target has exited; stopping");
			break;
		}
		if (tty) {
			sampler__stats(sp, &st);
			progress((double)(t_end - mono_ns()) / 1e9, &st);
		}
	}
	elapsed = (double)(mono_ns() - t_start) / 1e9;
	/*
	 * Drain before disabling: the kernel reports samples it dropped only
	 * when a later record finds room in the ring.
	 */
	sampler__poll(sp, 0, &cbs, &r);
	sampler__disable(sp);
	if (tty)
		fputs("\r\033[K", stderr);
	if (r.target == SAMPLER_CHILD && !child.exited) {
		stopped_child = true;
		child_stop(&child, stop_signal ? stop_signal : SIGTERM);
	}
	sampler__poll(sp, 0, &cbs, &r);
	sampler__stats(sp, &st);
	if (r.target == SAMPLER_CHILD)
		describe_status(child.status, status_text, sizeof(status_text));

	if (!r.nagg) {
		pr_err("no samples collected%s; %s left untouched",
		       r.target == SAMPLER_CHILD ? " (did the command run long enough?)" : "",
		       g->output ? g->output : "flamegraph.svg");
		if (r.target == SAMPLER_CHILD)
			pr_info("'%s' %s", r.cmd[0], status_text);
		goto out;
	}

	stab = symtab__new(&(struct symtab_opts){.no_inline = r.no_inline});
	if (!stab) {
		pr_err("cannot set up symbolization: %s", strerror(errno));
		goto out;
	}
	p = profile__new();
	profile__set_countname(p, g->countname_set ? g->fg.countname : "samples");
	nprocs = build_profile(&r, stab, p);

	target = describe_target(&r);
	if (!g->title_set) {
		size_t len = strlen(target) + 32;

		title = xmalloc(len);
		snprintf(title, len, "resq-flame record: %s", target);
		g->fg.title = title;
	}
	if (!g->fg.subtitle) {
		subtitle = xmalloc(160);
		snprintf(subtitle, 160, "%s, %ld Hz, %.1f s, %llu samples", sampler__event_name(sp),
			 r.freq, elapsed, (unsigned long long)st.samples);
		g->fg.subtitle = subtitle;
	}
	if (g->reverse) {
		struct profile *t = profile__reversed(p);

		profile__free(p);
		p = t;
	}
	if (cli_write_profile(p, g))
		goto out;

	pr_info("event %s at %ld Hz for %.1f s: %llu samples, %llu lost, %zu processes, %.1f%% of "
		"frames unresolved",
		sampler__event_name(sp), r.freq, elapsed, (unsigned long long)st.samples,
		(unsigned long long)st.lost, nprocs,
		r.frames_total ? 100.0 * (double)r.frames_unresolved / (double)r.frames_total
			       : 0.0);
	if (st.lost)
		pr_warn("%llu samples were lost (the ring buffers overflowed); try a lower -F",
			(unsigned long long)st.lost);
	if (r.target == SAMPLER_CHILD)
		pr_info("'%s' %s%s", r.cmd[0], status_text,
			stopped_child ? " (stopped at the end of the recording)" : "");
	if (stop_signal)
		pr_info("stopped early by %s", strsignal(stop_signal));
	if (!g->output || strcmp(g->output, "-"))
		pr_info("wrote %s", g->output ? g->output : "flamegraph.svg");
	ret = EXIT_OK;
out:
	if (r.target == SAMPLER_CHILD && child.pid > 0 && !child.exited)
		child_stop(&child, SIGTERM);
	if (signals)
		restore_signals(old_sig);
	sampler__free(sp);
	symtab__free(stab);
	profile__free(p);
	procmaps__free(r.pm);
	hashmap__free(r.epochs);
	hashmap__free(r.stack_index);
	hashmap__free(r.sym_index);
	free(r.agg);
	free(r.pool);
	free(r.syms);
	free(r.fpool);
	free(r.pids);
	free(target);
	if (g->fg.title == title)
		g->fg.title = NULL;
	if (g->fg.subtitle == subtitle)
		g->fg.subtitle = NULL;
	free(title);
	free(subtitle);
	return ret;
}
