// SPDX-License-Identifier: Apache-2.0
/*
 * Perf maps of JIT compilers: /tmp/perf-PID.map, one "START SIZE NAME" line
 * per code object, hexadecimal without 0x (Node --perf-basic-prof, Python
 * -X perf, the JVM's perf-map-agent). JIT code lives in anonymous memory
 * and keeps being added, so a map is read on first use and read again when
 * a lookup misses and the file has grown.
 *
 * Names are kept exactly as the map writes them, as perf does: Node's
 * "JS:*fib /app/fib.js:3:13" stays whole, so the tier marker (* optimized,
 * ~ interpreted, ^ baseline) and the source position remain visible.
 *
 * /tmp is writable by everyone: a map is read only when it is a regular file
 * (not a symlink) owned by root, by us, or by the owner of the process.
 */
#include "symbolize_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hashmap.h"
#include "log.h"
#include "xalloc.h"

#define RECHECK_NS (100 * 1000 * 1000ull)
/* Entries starting this far before an address are not searched for overlaps. */
#define OVERLAP_SCAN 16

struct perfmap {
	char *buf; /* the file; names are cut out of it */
	struct perfmap_entry *e;
	size_t n;
};

struct pid_map {
	pid_t pid;
	char *path;
	struct perfmap *cur; /* NULL: no usable map (yet) */
	off_t size;	     /* bytes read into cur */
	uint64_t checked_ns; /* last open + fstat */
	bool refused;	     /* warned once about ownership */
};

struct perfmaps {
	struct hashmap *by_pid; /* pid -> index + 1 in maps */
	struct pid_map *maps;
	size_t n, alloc;
	/* Maps replaced by a newer read: their names may still be borrowed. */
	struct perfmap **old;
	size_t nold, old_alloc;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void perfmap_free(struct perfmap *pm)
{
	if (!pm)
		return;
	free(pm->e);
	free(pm->buf);
	free(pm);
}

int perfmap__open_checked(pid_t pid, const char *path)
{
	char proc[32];
	struct stat st, pst;
	int fd;

	/* O_NOFOLLOW: a symlink planted in /tmp fails with ELOOP. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EPERM;
	}
	if (st.st_uid == 0 || st.st_uid == geteuid())
		return fd;
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (pid > 0 && stat(proc, &pst) == 0 && pst.st_uid == st.st_uid)
		return fd;
	close(fd);
	return -EPERM;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct perfmap_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parses the complete lines of @buf (@len bytes, NUL-terminated); names cut in place. */
static struct perfmap *parse(char *buf, size_t len)
{
	struct perfmap *pm = xcalloc(1, sizeof(*pm));
	size_t alloc = 0, i, j;
	char *line = buf, *nl, *p, *end;
	uint32_t seq = 0;

	pm->buf = buf;
	for (; line < buf + len && (nl = memchr(line, '\n', buf + len - line)); line = nl + 1) {
		struct perfmap_entry e = {.seq = seq++};
		uint64_t size;

		*nl = '\0';
		e.start = strtoull(line, &end, 16);
		if (end == line || *end != ' ')
			continue;
		p = end + 1;
		size = strtoull(p, &end, 16);
		if (end == p || *end != ' ' || !size || e.start + size < e.start)
			continue;
		e.end = e.start + size;
		e.name = end + 1;
		while (nl > e.name && (nl[-1] == '\r' || nl[-1] == ' '))
			*--nl = '\0';
		if (!e.name[0])
			continue;
		ALLOC_GROW(pm->e, pm->n + 1, alloc);
		pm->e[pm->n++] = e;
	}
	if (pm->n > 1) /* an empty map has no array: qsort(NULL) is undefined */
		qsort(pm->e, pm->n, sizeof(*pm->e), cmp_entry);
	/* Code reused at the same start address: the last line wins. */
	for (i = 0, j = 0; i < pm->n; i++) {
		if (j && pm->e[j - 1].start == pm->e[i].start)
			j--;
		pm->e[j++] = pm->e[i];
	}
	pm->n = j;
	return pm;
}

/* Reads the whole map on @fd (closed); NULL on a read error. */
static struct perfmap *read_map(int fd, off_t *size)
{
	size_t n = 0, alloc = 0;
	char *buf = NULL;
	ssize_t r;

	for (;;) {
		ALLOC_GROW(buf, n + 65536 + 1, alloc);
		r = read(fd, buf + n, alloc - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*size = n;
	return parse(buf, n);
}

/* (Re)reads @m's file when it changed size; keeps the old map for borrowed names. */
static void refresh(struct perfmaps *pms, struct pid_map *m)
{
	struct perfmap *pm;
	struct stat st;
	off_t size;
	int fd;

	m->checked_ns = now_ns();
	fd = perfmap__open_checked(m->pid, m->path);
	if (fd < 0) {
		if (fd != -ENOENT && !m->refused) {
			pr_warn("ignoring %s: %s; it must be a regular file owned by root or by "
				"the process's user",
				m->path, strerror(-fd));
			m->refused = true;
		}
		return;
	}
	if (m->cur && fstat(fd, &st) == 0 && st.st_size == m->size) {
		close(fd);
		return;
	}
	pm = read_map(fd, &size);
	if (!pm)
		return;
	if (m->cur) {
		ALLOC_GROW(pms->old, pms->nold + 1, pms->old_alloc);
		pms->old[pms->nold++] = m->cur;
	}
	m->cur = pm;
	m->size = size;
	pr_debug("%s: %zu entries", m->path, pm->n);
}

static const struct perfmap_entry *find(const struct perfmap *pm, uint64_t addr)
{
	size_t lo = 0, hi, i;

	if (!pm)
		return NULL;
	hi = pm->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges may overlap: look back a little for one that still covers addr. */
	for (i = lo; i > 0 && lo - i < OVERLAP_SCAN; i--) {
		if (addr < pm->e[i - 1].end)
			return &pm->e[i - 1];
	}
	return NULL;
}

struct perfmaps *perfmaps__new(void)
{
	struct perfmaps *pms = xcalloc(1, sizeof(*pms));

	pms->by_pid = hashmap__new();
	return pms;
}

void perfmaps__free(struct perfmaps *pms)
{
	size_t i;

	if (!pms)
		return;
	for (i = 0; i < pms->n; i++) {
		perfmap_free(pms->maps[i].cur);
		free(pms->maps[i].path);
	}
	for (i = 0; i < pms->nold; i++)
		perfmap_free(pms->old[i]);
	free(pms->maps);
	free(pms->old);
	hashmap__free(pms->by_pid);
	free(pms);
}

const struct perfmap_entry *perfmaps__find(struct perfmaps *pms, pid_t pid, uint64_t addr,
					   const char **path)
{
	const struct perfmap_entry *e;
	struct pid_map *m;
	uint64_t idx;
	char buf[64];

	if (pid <= 0)
		return NULL;
	if (!hashmap__get(pms->by_pid, (uint64_t)pid, &idx)) {
		ALLOC_GROW(pms->maps, pms->n + 1, pms->alloc);
		m = &pms->maps[pms->n];
		memset(m, 0, sizeof(*m));
		m->pid = pid;
		snprintf(buf, sizeof(buf), "/tmp/perf-%d.map", (int)pid);
		m->path = xstrdup(buf);
		hashmap__put(pms->by_pid, (uint64_t)pid, ++pms->n);
		refresh(pms, m);
	} else {
		m = &pms->maps[idx - 1];
	}

	e = find(m->cur, addr);
	if (!e && now_ns() - m->checked_ns >= RECHECK_NS) {
		refresh(pms, m);
		e = find(m->cur, addr);
	}
	if (e && path)
		*path = m->path;
	return e;
}
