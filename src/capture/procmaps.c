// SPDX-License-Identifier: Apache-2.0
/*
 * Per-process mapping and name history with time-aware lookups.
 *
 * Nothing is ever removed: every mapping and name carries the time it
 * appeared, and each process keeps a list of "resets", the times its address
 * space was replaced (exec) or created (fork, with the parent it copied).
 * A lookup at time T takes the last reset R <= T and searches the mappings
 * created between R and T, newest first; when none holds the address and R
 * is a fork, it asks the parent at the fork's time, since a forked child
 * gets no MMAP2 records for what it inherited. Because nothing depends on
 * the order in which records were added, records from different CPU rings
 * can be fed in any order, and a process that exited during the run is
 * still resolved after capture.
 */
#include "procmaps.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hashmap.h"
#include "strbuf.h"
#include "xalloc.h"

/* Forks followed through parents in one lookup, against pid-reuse cycles. */
#define MAX_FORK_DEPTH 32

struct pm_map {
	struct mapping m;
	uint64_t time;
	bool snap; /* from /proc: existed before the snapshot time too */
};

struct pm_reset {
	uint64_t time;
	pid_t ppid; /* fork: the parent whose mappings were copied; 0 for exec */
	bool fork;
};

struct pm_name {
	uint64_t time;
	const char *name; /* interned */
};

/* A thread; a process is the thread whose tid is its pid. */
struct pm_task {
	pid_t tid;
	struct pm_map **maps; /* stable pointers: lookups hand them out */
	size_t nmaps, maps_alloc;
	struct pm_reset *resets; /* sorted by time */
	size_t nresets, resets_alloc;
	struct pm_name *names; /* sorted by time */
	size_t nnames, names_alloc;
	uint64_t exit_time;
	uint32_t gen; /* bumped by every change of the mappings */
};

struct procmaps {
	struct hashmap *tasks; /* tid -> index + 1 */
	struct pm_task **task;
	size_t ntasks, tasks_alloc;
	struct hashmap *strs; /* string keys (owned, in str) */
	char **str;
	size_t nstrs, strs_alloc;
};

static const char *intern(struct procmaps *pm, const char *s)
{
	uint64_t v;

	if (hashmap__get(pm->strs, (uintptr_t)s, &v))
		return (const char *)(uintptr_t)v;
	ALLOC_GROW(pm->str, pm->nstrs + 1, pm->strs_alloc);
	pm->str[pm->nstrs] = xstrdup(s);
	hashmap__put(pm->strs, (uintptr_t)pm->str[pm->nstrs], (uintptr_t)pm->str[pm->nstrs]);
	return pm->str[pm->nstrs++];
}

static struct pm_task *get_task(const struct procmaps *pm, pid_t tid)
{
	uint64_t v;

	return hashmap__get(pm->tasks, (uint64_t)(uint32_t)tid, &v) ? pm->task[v - 1] : NULL;
}

static struct pm_task *task(struct procmaps *pm, pid_t tid)
{
	struct pm_task *t = get_task(pm, tid);

	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->tid = tid;
	ALLOC_GROW(pm->task, pm->ntasks + 1, pm->tasks_alloc);
	pm->task[pm->ntasks++] = t;
	hashmap__put(pm->tasks, (uint64_t)(uint32_t)tid, pm->ntasks);
	return t;
}

struct procmaps *procmaps__new(void)
{
	struct procmaps *pm = xcalloc(1, sizeof(*pm));

	pm->tasks = hashmap__new();
	pm->strs = hashmap__new_keyed(hashmap_str_hash, hashmap_str_equal, NULL);
	return pm;
}

void procmaps__free(struct procmaps *pm)
{
	size_t i, j;

	if (!pm)
		return;
	for (i = 0; i < pm->ntasks; i++) {
		struct pm_task *t = pm->task[i];

		for (j = 0; j < t->nmaps; j++)
			free(t->maps[j]);
		free(t->maps);
		free(t->resets);
		free(t->names);
		free(t);
	}
	for (i = 0; i < pm->nstrs; i++)
		free(pm->str[i]);
	free(pm->task);
	free(pm->str);
	hashmap__free(pm->tasks);
	hashmap__free(pm->strs);
	free(pm);
}

static void add_map(struct procmaps *pm, pid_t pid, uint64_t time, const struct mapping *m,
		    bool snap)
{
	struct pm_task *t = task(pm, pid);
	struct pm_map *e = xmalloc(sizeof(*e));

	e->m = *m;
	e->m.path = intern(pm, m->path ? m->path : "//anon");
	e->time = time;
	e->snap = snap;
	ALLOC_GROW(t->maps, t->nmaps + 1, t->maps_alloc);
	t->maps[t->nmaps++] = e;
	t->gen++;
}

static void add_reset(struct pm_task *t, uint64_t time, bool fork, pid_t ppid)
{
	size_t i;

	for (i = 0; i < t->nresets; i++)
		if (t->resets[i].time == time && t->resets[i].fork == fork)
			return; /* the same record seen twice */
	ALLOC_GROW(t->resets, t->nresets + 1, t->resets_alloc);
	for (i = t->nresets; i > 0 && t->resets[i - 1].time > time; i--)
		t->resets[i] = t->resets[i - 1];
	t->resets[i] = (struct pm_reset){.time = time, .fork = fork, .ppid = ppid};
	t->nresets++;
	t->gen++;
}

static void add_name(struct procmaps *pm, pid_t tid, uint64_t time, const char *name)
{
	struct pm_task *t = task(pm, tid);
	const char *s = intern(pm, name);
	size_t i;

	ALLOC_GROW(t->names, t->nnames + 1, t->names_alloc);
	for (i = t->nnames; i > 0 && t->names[i - 1].time > time; i--)
		t->names[i] = t->names[i - 1];
	t->names[i] = (struct pm_name){.time = time, .name = s};
	t->nnames++;
}

/* The last reset of @t at or before @time; NULL if none. */
static const struct pm_reset *last_reset(const struct pm_task *t, uint64_t time)
{
	const struct pm_reset *r = NULL;
	size_t i;

	for (i = 0; i < t->nresets && t->resets[i].time <= time; i++)
		r = &t->resets[i];
	return r;
}

/* Parses one /proc/PID/maps line; false for non-executable or odd lines. */
static bool parse_maps_line(char *line, struct mapping *m)
{
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[8];
	int n = 0;
	char *path;
	size_t len;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) < 7 ||
	    !n)
		return false;
	if (strlen(perms) < 4 || perms[2] != 'x')
		return false;
	path = line + n;
	len = strlen(path);
	while (len && (path[len - 1] == '\n' || path[len - 1] == ' '))
		path[--len] = '\0';
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = off;
	m->maj = maj;
	m->min = min;
	m->ino = ino;
	m->path = *path ? path : "//anon";
	m->prot =
		(perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | PROT_EXEC;
	return true;
}

static void snapshot_comm(struct procmaps *pm, const char *path, pid_t tid, uint64_t time)
{
	FILE *f = fopen(path, "r");
	char buf[64];

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		add_name(pm, tid, time, buf);
	}
	fclose(f);
}

int procmaps__snapshot(struct procmaps *pm, pid_t pid, uint64_t time)
{
	struct strbuf text = STRBUF_INIT;
	char path[64], buf[8192];
	struct dirent *de;
	size_t n;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	/* Whole, then parsed as procmaps__parse_maps() parses any such text. */
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf__add(&text, buf, n);
	fclose(f);
	procmaps__parse_maps(pm, pid, time, text.buf, text.len);
	strbuf__release(&text);

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	snapshot_comm(pm, path, pid, time);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end || tid == pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%ld/comm", (int)pid, tid);
		snapshot_comm(pm, path, (pid_t)tid, time);
	}
	if (d)
		closedir(d);
	return 0;
}

int procmaps__parse_maps(struct procmaps *pm, pid_t pid, uint64_t time, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t alloc = 0, n;
	char *line = NULL;
	struct mapping m;
	int added = 0;

	task(pm, pid);
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		/* A copy: the line is cut in place, and @buf need not end in a NUL. */
		n = nl - p;
		ALLOC_GROW(line, n + 1, alloc);
		memcpy(line, p, n);
		line[n] = '\0';
		if (parse_maps_line(line, &m)) {
			add_map(pm, pid, time, &m, true);
			added++;
		}
	}
	free(line);
	return added;
}

void procmaps__mmap(struct procmaps *pm, pid_t pid, uint64_t time, const struct mapping *m)
{
	add_map(pm, pid, time, m, false);
}

void procmaps__comm(struct procmaps *pm, pid_t pid, pid_t tid, uint64_t time, const char *comm,
		    bool exec)
{
	add_name(pm, tid, time, comm);
	if (exec)
		add_reset(task(pm, pid), time, false, 0);
}

void procmaps__fork(struct procmaps *pm, pid_t pid, pid_t ppid, pid_t tid, uint64_t time)
{
	/* A new process copies its parent's address space; a new thread shares it. */
	if (pid != ppid && pid == tid)
		add_reset(task(pm, pid), time, true, ppid);
	else
		add_reset(task(pm, tid), time, true, 0);
}

void procmaps__exit(struct procmaps *pm, pid_t pid, pid_t tid, uint64_t time)
{
	task(pm, tid)->exit_time = time;
}

const struct mapping *procmaps__find(const struct procmaps *pm, pid_t pid, uint64_t addr,
				     uint64_t time)
{
	int depth;

	for (depth = 0; depth < MAX_FORK_DEPTH; depth++) {
		const struct pm_task *t = get_task(pm, pid);
		const struct pm_reset *r;
		const struct pm_map *best = NULL;
		size_t i;

		if (!t)
			return NULL;
		r = last_reset(t, time);
		for (i = 0; i < t->nmaps; i++) {
			const struct pm_map *e = t->maps[i];

			if (addr < e->m.start || addr >= e->m.end)
				continue;
			if (r && e->time < r->time)
				continue; /* replaced by the exec or fork */
			if (e->time > time && !e->snap)
				continue; /* mapped later */
			if (!best || e->time > best->time || (e->time == best->time && !e->snap))
				best = e;
		}
		if (best)
			return &best->m;
		if (!r || !r->fork || !r->ppid || r->ppid == pid)
			return NULL;
		pid = r->ppid;
		time = r->time;
	}
	return NULL;
}

int procmaps__for_each(const struct procmaps *pm, pid_t pid, uint64_t time,
		       int (*fn)(const struct mapping *m, void *ctx), void *ctx)
{
	const pid_t pid0 = pid;
	const uint64_t time0 = time;
	int depth, ret;

	/* The process's own mappings, then its fork parents' at the fork's time. */
	for (depth = 0; depth < MAX_FORK_DEPTH; depth++) {
		const struct pm_task *t = get_task(pm, pid);
		const struct pm_reset *r;
		size_t i;

		if (!t)
			return 0;
		r = last_reset(t, time);
		for (i = 0; i < t->nmaps; i++) {
			const struct pm_map *e = t->maps[i];

			if (r && e->time < r->time)
				continue;
			if (e->time > time && !e->snap)
				continue;
			/* Listed once, by the lookup's own choice among overlaps. */
			if (procmaps__find(pm, pid0, e->m.start, time0) != &e->m)
				continue;
			ret = fn(&e->m, ctx);
			if (ret)
				return ret;
		}
		if (!r || !r->fork || !r->ppid || r->ppid == pid)
			return 0;
		pid = r->ppid;
		time = r->time;
	}
	return 0;
}

uint32_t procmaps__generation(const struct procmaps *pm, pid_t pid)
{
	const struct pm_task *t = get_task(pm, pid);

	return t ? t->gen : 0;
}

bool procmaps__exited(const struct procmaps *pm, pid_t pid)
{
	const struct pm_task *t = get_task(pm, pid);

	return t && t->exit_time;
}

/*
 * The name of @t at @time: the newest at or before @time and not older than
 * the task's last birth (a pid can be reused); with @any, the earliest known
 * otherwise.
 */
static const char *name_at(const struct pm_task *t, uint64_t time, bool any)
{
	uint64_t born = 0;
	const char *best = NULL;
	size_t i;

	for (i = 0; i < t->nresets && t->resets[i].time <= time; i++)
		if (t->resets[i].fork)
			born = t->resets[i].time;
	for (i = 0; i < t->nnames && t->names[i].time <= time; i++)
		if (t->names[i].time >= born)
			best = t->names[i].name;
	if (!best && any && t->nnames)
		best = t->names[0].name;
	return best;
}

const char *procmaps__name(const struct procmaps *pm, pid_t pid, pid_t tid, uint64_t time)
{
	const struct pm_task *t = get_task(pm, tid), *p = get_task(pm, pid);
	const char *n = NULL;
	int depth;

	if (t && (n = name_at(t, time, false)))
		return n;
	if (p && p != t && (n = name_at(p, time, false)))
		return n;
	/* A forked child keeps its parent's name until it execs. */
	for (depth = 0; p && depth < MAX_FORK_DEPTH; depth++) {
		const struct pm_reset *r = last_reset(p, time);
		const struct pm_task *parent;

		if (!r || !r->fork || !r->ppid || r->ppid == p->tid)
			break;
		parent = get_task(pm, r->ppid);
		time = r->time;
		if (parent && (n = name_at(parent, time, false)))
			return n;
		p = parent;
	}
	if (t && (n = name_at(t, UINT64_MAX, true)))
		return n;
	p = get_task(pm, pid);
	return p ? name_at(p, UINT64_MAX, true) : NULL;
}
