// SPDX-License-Identifier: Apache-2.0
/*
 * Test helpers shared by every test file.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "import.h"
#include "log.h"
#include "xalloc.h"

const char *th_bin(void)
{
	const char *b = getenv("RESQ_BIN");

	return b && *b ? b : RESQ_BUILDDIR "/resq-flame";
}

const char *th_srcdir(void)
{
	return RESQ_SRCDIR;
}

const char *th_corpus(void)
{
	return RESQ_SRCDIR "/tests/data/flamegraph-corpus";
}

char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xmalloc(4096);

	snprintf(t, 4096, "%s/resq-test-XXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(t), "mkdtemp: %s", strerror(errno));
	return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void th_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *th_dir;

void th_dir_setup(void)
{
	th_dir = th_tmpdir();
}

void th_dir_setup_quiet(void)
{
	th_dir_setup();
	log__set_level(LOG_SILENT);
}

void th_dir_teardown(void)
{
	th_rmtree(th_dir);
	free(th_dir);
	th_dir = NULL;
}

char *th_path(const char *dir, const char *name)
{
	char *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

char *th_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, used = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - used < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		n = fread(buf + used, 1, cap - used, f);
		used += n;
	} while (n > 0);
	fclose(f);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

void th_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

bool th_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

struct th_result th_run(const char *const argv[], const char *in, size_t in_len, int timeout_s)
{
	struct th_result r = { .status = -1 };
	char *dir = th_tmpdir();
	char *in_path = th_path(dir, "stdin"), *out_path = th_path(dir, "stdout");
	char *err_path = th_path(dir, "stderr");
	time_t deadline;
	pid_t pid;
	int status;

	if (in)
		th_write_file(in_path, in, in_len);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fi = open(in ? in_path : "/dev/null", O_RDONLY);
		int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fi < 0 || fo < 0 || fe < 0)
			_exit(126);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		setpgid(0, 0);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	deadline = time(NULL) + timeout_s;
	for (;;) {
		struct rusage ru;
		pid_t w = wait4(pid, &status, WNOHANG, &ru);

		if (w == pid) {
			r.maxrss_kb = ru.ru_maxrss;
			break;
		}
		if (time(NULL) > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_log_error("%s timed out after %d s", argv[0], timeout_s);
			break;
		}
		usleep(5000);
	}
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = th_read_file(out_path, &r.out_len);
	r.err = th_read_file(err_path, &r.err_len);
	if (!r.out)
		r.out = xstrdup("");
	if (!r.err)
		r.err = xstrdup("");
	th_rmtree(dir);
	free(in_path);
	free(out_path);
	free(err_path);
	free(dir);
	return r;
}

char *th_run_ok(const char *const argv[])
{
	struct th_result r = th_run(argv, NULL, 0, 50);
	char *out;

	cr_assert_eq(r.status, 0, "%s %s failed (%d): %s", argv[1], argv[2], r.status, r.err);
	out = r.out;
	r.out = NULL;
	th_result_free(&r);
	return out;
}

long th_offset_of(const char *s, const char *marker)
{
	const char *m = strstr(s, marker);

	cr_assert_not_null(m, "marker %s", marker);
	return m - s;
}

void th_result_free(struct th_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void th_require_perf(bool system_wide)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = 99,
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN,
		.disabled = 1,
	};
	const char *req = getenv("RESQ_REQUIRE_PRIV");
	int fd, err;

	fd = (int)syscall(SYS_perf_event_open, &a, system_wide ? -1 : 0, system_wide ? 0 : -1, -1,
			  PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return;
	}
	err = errno;
	if (req && !strcmp(req, "1"))
		cr_assert_fail("perf_event_open (%s) refused: %s, and RESQ_REQUIRE_PRIV=1",
			       system_wide ? "system-wide" : "this process", strerror(err));
	cr_skip_test("perf_event_open (%s) refused: %s (run as root or lower "
		     "kernel.perf_event_paranoid)",
		     system_wide ? "system-wide" : "this process", strerror(err));
}

void th_require_bpf(void)
{
	union bpf_attr a = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 8,
		.max_entries = 1,
	};
	const char *req = getenv("RESQ_REQUIRE_PRIV");
	bool required = req && !strcmp(req, "1");
	int fd;

#ifndef HAVE_BPF
	cr_skip_test("built without BPF support (NO_BPF=1, or libbpf-dev, clang or bpftool "
		     "missing at build time)");
#endif
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		if (required)
			cr_assert_fail("the kernel has no BTF, and RESQ_REQUIRE_PRIV=1");
		cr_skip_test("the kernel has no BTF (/sys/kernel/btf/vmlinux)");
	}
	fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (required)
		cr_assert_fail("bpf(BPF_MAP_CREATE) refused: %s, and RESQ_REQUIRE_PRIV=1",
			       strerror(errno));
	cr_skip_test("bpf(BPF_MAP_CREATE) refused: %s (run as root)", strerror(errno));
}

void th_sampling_lock(bool exclusive)
{
	const char *base = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/resq-flame-tests-sampling.lock",
		 base && *base ? base : "/tmp");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) && errno == EINTR)
		;
	/* fd stays open: the lock is released when the test's process exits. */
}

char *th_folded(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(export__folded(p, f), 0);
	fclose(f);
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *th_sorted_lines(const char *text, bool drop_quotes)
{
	size_t n = 0, alloc = 0, i, total = 0;
	char **lines = NULL, *copy = xstrdup(text), *save = NULL, *tok, *res, *w;

	for (tok = strtok_r(copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(tok);

		if (l && tok[l - 1] == '\r')
			tok[--l] = '\0';
		if (drop_quotes) {
			char *s = tok, *d = tok;

			for (; *s; s++)
				if (*s != '"')
					*d++ = *s;
			*d = '\0';
		}
		if (!*tok)
			continue;
		ALLOC_GROW(lines, n + 1, alloc);
		lines[n++] = tok;
		total += strlen(tok) + 1;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	res = w = xmalloc(total + 1);
	for (i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);

		memcpy(w, lines[i], l);
		w += l;
		*w++ = '\n';
	}
	*w = '\0';
	free(lines);
	free(copy);
	return res;
}

void th_privileged_perf(bool system_wide)
{
	th_require_perf(system_wide);
	th_sampling_lock(system_wide);
}

void th_privileged_bpf(bool system_wide)
{
	th_require_bpf();
	th_sampling_lock(system_wide);
}

char *th_workload(const char *name)
{
	char *p = xmalloc(strlen(RESQ_BUILDDIR) + strlen(name) + 16);

	sprintf(p, "%s/workloads/%s", RESQ_BUILDDIR, name);
	cr_assert(th_exists(p), "workload %s not built (make builds tests/workloads/)", p);
	return p;
}

struct th_result th_run_folded(const char *cmd, char **folded, const char *const *args)
{
	const char *argv[64];
	char *out = th_path(th_dir, "out.folded");
	struct th_result r;
	size_t n = 0;

	argv[n++] = th_bin();
	argv[n++] = cmd;
	argv[n++] = "-o";
	argv[n++] = out;
	argv[n++] = "-f";
	argv[n++] = "folded";
	while (*args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	r = th_run(argv, NULL, 0, 50);
	*folded = th_read_file(out, NULL);
	free(out);
	return r;
}

void th_each_line(const char *folded, void (*fn)(const char *stack, double n, void *ctx),
		  void *ctx)
{
	const char *line = folded;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *l = xstrndup(line, len), *sp = strrchr(l, ' ');

		if (sp) {
			*sp = '\0';
			fn(l, atof(sp + 1), ctx);
		}
		free(l);
		line = nl ? nl + 1 : NULL;
	}
}

struct count {
	const char *root, *needle, *also;
	double n;
};

static void count_cb(const char *stack, double n, void *ctx)
{
	struct count *c = ctx;
	size_t rl = c->root ? strlen(c->root) : 0;

	if (c->root && (strncmp(stack, c->root, rl) || stack[rl] != ';'))
		return;
	if ((!c->needle || strstr(stack, c->needle)) && (!c->also || strstr(stack, c->also)))
		c->n += n;
}

double th_count_where(const char *folded, const char *needle)
{
	struct count c = {.needle = needle};

	th_each_line(folded, count_cb, &c);
	return c.n;
}

double th_count_where_both(const char *folded, const char *needle, const char *also)
{
	struct count c = {.needle = needle, .also = also};

	th_each_line(folded, count_cb, &c);
	return c.n;
}

double th_count_under(const char *folded, const char *root, const char *needle)
{
	struct count c = {.root = root, .needle = needle};

	th_each_line(folded, count_cb, &c);
	return c.n;
}

pid_t th_spawn_ready(const char *const argv[], const char *ready)
{
	int fds[2];
	pid_t pid;
	char buf[256];
	size_t used = 0;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (used < sizeof(buf) - 1) {
		ssize_t n = read(fds[0], buf + used, sizeof(buf) - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, ready))
			break;
	}
	close(fds[0]);
	buf[used] = '\0';
	cr_assert_not_null(strstr(buf, ready), "%s did not print '%s'", argv[0], ready);
	return pid;
}

pid_t th_freed_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

void th_expect_usage_error(const char *cmd, const char *const *args, const char *msg, size_t i)
{
	const char *argv[10] = {th_bin(), cmd};
	struct th_result r;
	size_t n = 2, k;

	for (k = 0; args[k] && n < 9; k++)
		argv[n++] = args[k];
	r = th_run(argv, NULL, 0, 10);
	cr_expect_eq(r.status, 2, "case %zu: status %d, stderr: %s", i, r.status, r.err);
	cr_expect_not_null(strstr(r.err, msg), "case %zu: want '%s' in: %s", i, msg, r.err);
	th_result_free(&r);
}

void th_expect_missing_pid(const char *cmd)
{
	pid_t pid = th_freed_pid();
	char buf[32];
	const char *argv[] = {th_bin(), cmd, "-p", buf, "-d", "1", NULL};
	struct th_result r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = th_run(argv, NULL, 0, 20);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "no such process"), "%s", r.err);
	th_result_free(&r);
}

void th_expect_import_fails_untouched(const char *name, const char *text)
{
	struct profile *p = profile__new();
	uint32_t f = profile__frame_named(p, "x", 1, FRAME_KIND_NATIVE), nodes, frames;

	profile__add_stack(p, &f, 1, PROFILE_COL_MAIN, 2);
	nodes = profile__nnodes(p);
	frames = profile__nframes(p);
	cr_assert_eq(import__buffer(p, name, text, strlen(text), NULL), -EINVAL, "%s", name);
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 2, 0);
	cr_assert_eq(profile__nnodes(p), nodes);
	cr_assert_eq(profile__nframes(p), frames);
	cr_assert_str_eq(profile__countname(p), "samples");
	profile__free(p);
}

struct stack_weights {
	char **stack;
	double *w;
	size_t n;
};

static void collect_weight(const char *stack, double n, void *ctx)
{
	struct stack_weights *ws = ctx;

	ws->stack = xreallocarray(ws->stack, ws->n + 1, sizeof(*ws->stack));
	ws->w = xreallocarray(ws->w, ws->n + 1, sizeof(*ws->w));
	ws->stack[ws->n] = xstrdup(stack);
	ws->w[ws->n++] = n;
}

void th_expect_prefix(const char *before, const char *after)
{
	struct stack_weights b = {0}, a = {0};

	th_each_line(before, collect_weight, &b);
	th_each_line(after, collect_weight, &a);
	cr_assert_gt(b.n, 0);
	for (size_t i = 0; i < b.n; i++) {
		double final = 0;

		for (size_t j = 0; j < a.n; j++)
			if (!strcmp(b.stack[i], a.stack[j]))
				final = a.w[j];
		cr_expect_leq(b.w[i], final, "%s: %g in the snapshot, %g at the end", b.stack[i],
			      b.w[i], final);
		free(b.stack[i]);
	}
	for (size_t j = 0; j < a.n; j++)
		free(a.stack[j]);
	free(b.stack);
	free(b.w);
	free(a.stack);
	free(a.w);
}

struct th_bg {
	pid_t pid;
	int pty;
	char *out, *stdout_path;
	pthread_t reader;
	pthread_mutex_t lock;
	char *err; /* what it wrote to the terminal, NUL-terminated */
	size_t len, cap;
	bool stop;
};

/* Copies the terminal's output into bg->err until it closes or bg->stop. */
static void *bg_reader(void *arg)
{
	struct th_bg *bg = arg;
	char buf[4096];

	for (;;) {
		struct pollfd pfd = {.fd = bg->pty, .events = POLLIN};
		int n = poll(&pfd, 1, 100);
		ssize_t got;
		bool stop;

		pthread_mutex_lock(&bg->lock);
		stop = bg->stop;
		pthread_mutex_unlock(&bg->lock);
		if (n == 0 && stop)
			break;
		if (n <= 0)
			continue;
		got = read(bg->pty, buf, sizeof(buf));
		if (got <= 0) /* EIO: every holder of the other end closed it */
			break;
		pthread_mutex_lock(&bg->lock);
		if (bg->len + (size_t)got + 1 > bg->cap) {
			bg->cap = (bg->len + (size_t)got + 1) * 2;
			bg->err = xrealloc(bg->err, bg->cap);
		}
		memcpy(bg->err + bg->len, buf, (size_t)got);
		bg->len += (size_t)got;
		bg->err[bg->len] = '\0';
		pthread_mutex_unlock(&bg->lock);
	}
	return NULL;
}

struct th_bg *th_bg_start(const char *cmd, const char *out, const char *const *args)
{
	struct th_bg *bg = xcalloc(1, sizeof(*bg));
	const char *argv[64];
	struct termios tio;
	size_t n = 0;
	int slave;

	bg->out = out ? xstrdup(out) : th_path(th_dir, "out.folded");
	bg->stdout_path = th_path(th_dir, "bg.stdout");
	argv[n++] = th_bin();
	argv[n++] = cmd;
	argv[n++] = "-o";
	argv[n++] = bg->out;
	if (!out) {
		argv[n++] = "-f";
		argv[n++] = "folded";
	}
	while (*args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	bg->pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(bg->pty, 0, "posix_openpt: %s", strerror(errno));
	cr_assert(!grantpt(bg->pty) && !unlockpt(bg->pty), "pty: %s", strerror(errno));
	slave = open(ptsname(bg->pty), O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(slave, 0, "open %s: %s", ptsname(bg->pty), strerror(errno));
	/* Raw: the text arrives as written, without \r added to each \n. */
	cr_assert_eq(tcgetattr(slave, &tio), 0);
	cfmakeraw(&tio);
	cr_assert_eq(tcsetattr(slave, TCSANOW, &tio), 0);
	bg->pid = fork();
	cr_assert_geq(bg->pid, 0, "fork: %s", strerror(errno));
	if (bg->pid == 0) {
		int fi = open("/dev/null", O_RDONLY);
		int fo = open(bg->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fi < 0 || fo < 0)
			_exit(126);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(slave, 2);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* gone with a test that failed early */
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(slave);
	pthread_mutex_init(&bg->lock, NULL);
	bg->err = xstrdup("");
	bg->cap = 1;
	cr_assert_eq(pthread_create(&bg->reader, NULL, bg_reader, bg), 0);
	return bg;
}

/* The sample count of the last progress line; -1 before the first one. */
static long long bg_samples(struct th_bg *bg)
{
	long long n = -1;
	const char *p, *last = NULL;

	pthread_mutex_lock(&bg->lock);
	for (p = bg->err; (p = strstr(p, " s left, ")); p++)
		last = p;
	if (last && sscanf(last, " s left, %lld samples", &n) != 1)
		n = 0; /* a progress line without samples (offcpu) */
	pthread_mutex_unlock(&bg->lock);
	return n;
}

/* Waits until bg_samples() reaches @n or the program exits; false on the deadline. */
static bool bg_wait(struct th_bg *bg, long long n)
{
	time_t deadline = time(NULL) + TH_DEADLINE_S;

	while (bg_samples(bg) < n) {
		siginfo_t si = {0};

		/* Exited (left unreaped for th_bg_finish()), or too late. */
		if (waitid(P_PID, (id_t)bg->pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid ||
		    time(NULL) > deadline)
			return false;
		usleep(20000);
	}
	return true;
}

/* A copy of what it wrote so far (the reader thread may grow bg->err meanwhile). */
static char *bg_err(struct th_bg *bg)
{
	char *e;

	pthread_mutex_lock(&bg->lock);
	e = xstrdup(bg->err);
	pthread_mutex_unlock(&bg->lock);
	return e;
}

void th_bg_wait_capturing(struct th_bg *bg)
{
	if (!bg_wait(bg, 0))
		cr_assert_fail("%s did not start to capture within %d s: %s", th_bin(),
			       TH_DEADLINE_S, bg_err(bg));
}

void th_bg_wait_samples(struct th_bg *bg, unsigned long long n)
{
	if (!bg_wait(bg, (long long)n))
		cr_assert_fail("%s did not get %llu samples within %d s: %s", th_bin(), n,
			       TH_DEADLINE_S, bg_err(bg));
}

void th_wait_exit_0(pid_t pid)
{
	time_t deadline = time(NULL) + TH_DEADLINE_S;
	int status;

	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_assert_fail("process %d did not finish within %d s", (int)pid,
				       TH_DEADLINE_S);
		}
		usleep(20000);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process %d: status 0x%x",
		  (int)pid, status);
}

struct th_result th_bg_finish(struct th_bg *bg, bool interrupt, char **output)
{
	struct th_result r = {.status = -1};
	time_t deadline = time(NULL) + TH_DEADLINE_S;
	bool killed = false;
	int status = 0;

	if (interrupt)
		kill(bg->pid, SIGINT);
	while (waitpid(bg->pid, &status, WNOHANG) != bg->pid) {
		if (time(NULL) > deadline) {
			kill(-bg->pid, SIGKILL);
			kill(bg->pid, SIGKILL);
			waitpid(bg->pid, &status, 0);
			killed = true;
			break;
		}
		usleep(20000);
	}
	pthread_mutex_lock(&bg->lock);
	bg->stop = true;
	pthread_mutex_unlock(&bg->lock);
	pthread_join(bg->reader, NULL);
	pthread_mutex_destroy(&bg->lock);
	close(bg->pty);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.err = bg->err;
	r.err_len = bg->len;
	r.out = th_read_file(bg->stdout_path, &r.out_len);
	if (!r.out)
		r.out = xstrdup("");
	*output = th_read_file(bg->out, NULL);
	cr_assert(!killed, "%s did not finish within %d s: %s", th_bin(), TH_DEADLINE_S, r.err);
	free(bg->out);
	free(bg->stdout_path);
	free(bg);
	return r;
}

void th_go(pid_t pid)
{
	cr_assert_eq(kill(pid, SIGUSR1), 0, "kill %d: %s", (int)pid, strerror(errno));
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * Criterion's runner process leaks two small blocks of its own at exit in
 * some full runs, which LeakSanitizer turns into a failed run although
 * every test passed. Leaks inside a test process only ever gave warnings,
 * and resq-flame itself runs as its own process, checked in full.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	/* And libdw's own leak in dwarf_getscopes() on malformed DWARF (fuzz_targets.h). */
	return "leak:libcriterion.so\nleak:libdw.so\n";
}
#endif
