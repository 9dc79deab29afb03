// SPDX-License-Identifier: Apache-2.0
/*
 * Capture targets from /proc: liveness, thread to process, processes by
 * name (with near matches for a name that matches nothing), /proc
 * snapshots of the targets, and the launched command held before its exec.
 */
#include "targets.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

/* Near matches listed for a name that matches nothing. */
#define MAX_SIMILAR 5

bool targets__alive(pid_t pid)
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

pid_t targets__tgid(pid_t tid)
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

/* Calls @fn for every process in /proc; a non-zero return stops the walk. */
static int each_process(int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int ret = 0;

	while (d && !ret && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (end != de->d_name && !*end && pid > 0)
			ret = fn((pid_t)pid, ctx);
	}
	if (d)
		closedir(d);
	return ret;
}

struct snap {
	struct procmaps *pm;
	uint64_t time;
};

static int snapshot_one(pid_t pid, void *ctx)
{
	struct snap *s = ctx;

	procmaps__snapshot(s->pm, pid, s->time);
	return 0;
}

void targets__snapshot(struct procmaps *pm, const pid_t *ids, size_t n, bool tids, uint64_t time)
{
	struct snap s = {.pm = pm, .time = time};
	size_t i;

	if (!n) {
		each_process(snapshot_one, &s);
		return;
	}
	for (i = 0; i < n; i++)
		procmaps__snapshot(pm, tids ? targets__tgid(ids[i]) : ids[i], time);
}

/* --- processes by name ---------------------------------------------------- */

/* The command name and the executable's basename of @pid ("" when unreadable). */
static void names_of(pid_t pid, char comm[32], char exe[NAME_MAX + 1])
{
	char path[64], buf[PATH_MAX];
	const char *base;
	ssize_t n;
	FILE *f;

	comm[0] = exe[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, 32, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		if (n > 10 && !strcmp(buf + n - 10, " (deleted)"))
			buf[n - 10] = '\0';
		base = strrchr(buf, '/');
		base = base ? base + 1 : buf;
		n = (ssize_t)strnlen(base, NAME_MAX);
		memcpy(exe, base, (size_t)n);
		exe[n] = '\0';
	}
}

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

/* Levenshtein distance of @a and @b, case-insensitive, capped at 9. */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned row[64], diag, up;

	if (la > 60 || lb > 60)
		return 9;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			bool same = tolower((unsigned char)a[i - 1]) ==
				    tolower((unsigned char)b[j - 1]);

			up = row[j];
			row[j] = min3(up + 1, row[j - 1] + 1, diag + !same);
			diag = up;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

/* How close @have is to the wanted @want: 0 for not similar, higher for closer. */
static unsigned similarity(const char *want, const char *have)
{
	size_t lw = strlen(want);
	unsigned d;

	if (!have[0])
		return 0;
	if (!strcasecmp(want, have))
		return 10;
	if (strcasestr(have, want) || strcasestr(want, have))
		return 8;
	d = distance(want, have);
	if (strchr(have, '/')) { /* kernel threads: "kworker/0:1" is a kworker */
		char base[64];
		size_t n = strcspn(have, "/");

		snprintf(base, sizeof(base), "%.*s", (int)(n < 63 ? n : 63), have);
		if (distance(want, base) < d)
			d = distance(want, base);
	}
	if (d <= (lw < 6 ? 1u : lw < 12 ? 2u : 3u))
		return 8 - d;
	return 0;
}

struct similar {
	char name[NAME_MAX + 1];
	pid_t pid;
	unsigned score;
};

struct by_name {
	const char *const *names;
	size_t nnames;
	bool *found;
	pid_t **pids;
	size_t *n, alloc;
	pid_t self;
	struct similar *sim; /* MAX_SIMILAR per name, best first */
};

static void note_similar(struct similar *s, const char *name, pid_t pid, unsigned score)
{
	size_t i, j;

	for (i = 0; i < MAX_SIMILAR && s[i].score; i++)
		if (!strcmp(s[i].name, name))
			return; /* listed with its first process */
	for (i = 0; i < MAX_SIMILAR && s[i].score >= score; i++)
		;
	if (i == MAX_SIMILAR)
		return;
	for (j = MAX_SIMILAR - 1; j > i; j--)
		s[j] = s[j - 1];
	snprintf(s[i].name, sizeof(s[i].name), "%s", name);
	s[i].pid = pid;
	s[i].score = score;
}

static int match_one(pid_t pid, void *ctx)
{
	struct by_name *b = ctx;
	char comm[32], exe[NAME_MAX + 1];
	bool hit = false;
	size_t i;

	if (pid == b->self)
		return 0;
	names_of(pid, comm, exe);
	for (i = 0; i < b->nnames; i++) {
		const char *want = b->names[i];
		unsigned sc, se;

		if ((comm[0] && !strcmp(comm, want)) || (exe[0] && !strcmp(exe, want))) {
			b->found[i] = hit = true;
			continue;
		}
		sc = similarity(want, comm);
		se = similarity(want, exe);
		if (sc)
			note_similar(b->sim + i * MAX_SIMILAR, comm, pid, sc);
		if (se && strcmp(exe, comm))
			note_similar(b->sim + i * MAX_SIMILAR, exe, pid, se);
	}
	if (hit) {
		ALLOC_GROW(*b->pids, *b->n + 1, b->alloc);
		(*b->pids)[(*b->n)++] = pid;
	}
	return 0;
}

int targets__by_name(const char *const *names, size_t nnames, pid_t **pids, size_t *n)
{
	struct by_name b = {
		.names = names,
		.nnames = nnames,
		.found = xcalloc(nnames ? nnames : 1, sizeof(bool)),
		.pids = pids,
		.n = n,
		.alloc = *n,
		.self = getpid(),
		.sim = xcalloc((nnames ? nnames : 1) * MAX_SIMILAR, sizeof(struct similar)),
	};
	int err = 0;
	size_t i, j;

	each_process(match_one, &b);
	for (i = 0; i < nnames; i++) {
		const struct similar *s = b.sim + i * MAX_SIMILAR;
		char list[512] = "";
		size_t len = 0;

		if (b.found[i])
			continue;
		err = -ESRCH;
		for (j = 0; j < MAX_SIMILAR && s[j].score && len < sizeof(list); j++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s (%d)",
						j ? ", " : "", s[j].name, (int)s[j].pid);
		if (s[0].score)
			pr_err("no process is named '%s' (command name or executable); similar: %s",
			       names[i], list);
		else
			pr_err("no process is named '%s' (command name or executable), and none "
			       "has a similar name; `ps -e` lists what runs",
			       names[i]);
	}
	free(b.found);
	free(b.sim);
	return err;
}

/* --- the launched command ------------------------------------------------- */

int child__start(struct child *c, char *const *argv)
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

bool child__exited(struct child *c)
{
	if (!c->exited && c->pid > 0 && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = true;
	return c->exited;
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
