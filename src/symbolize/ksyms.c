// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel symbols from /proc/kallsyms: the text symbols of the kernel image,
 * of loaded modules ("[ext4]") and of JITed BPF programs ("bpf_prog_<tag>_<name>
 * [bpf]", present when net.core.bpf_jit_kallsyms=1), sorted by address for a
 * binary search. kallsyms gives no sizes: an address belongs to the symbol
 * with the greatest address at or below it. Clone suffixes go as they do
 * for user code ("finish_task_switch.isra.0" shows as finish_task_switch),
 * and of aliases at one address the global one with fewest leading
 * underscores names it.
 *
 * The file is read whole into one buffer and the names are cut out of it in
 * place, so a table is two allocations (about 6 MB and 3 MB for 122k text
 * symbols). Reading it costs 40-60 ms, mostly in the kernel.
 */
#include "symbolize_internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

/* No kernel function is this long: farther addresses are not resolved. */
#define KSYM_MAX_DISTANCE (1u << 20)

struct ksyms {
	char *buf;
	struct ksym *syms;
	size_t n;
};

/* Sort key: address, then the preferred name of aliases first. */
struct ksym_sort {
	struct ksym sym;
	char type;
};

static int read_all(const char *path, char **out, size_t *len)
{
	size_t n = 0, alloc = 0;
	char *buf = NULL;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ALLOC_GROW(buf, n + 65536 + 1, alloc);
		r = read(fd, buf + n, alloc - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			free(buf);
			return r;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static unsigned underscores(const char *s)
{
	unsigned n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* Among aliases at one address: global before local, fewer leading underscores. */
static int alias_rank(const struct ksym_sort *k)
{
	int r = (k->type == 'T') ? 0 : (k->type == 't') ? 1 : 2;

	return r * 64 + (int)(underscores(k->sym.name) < 63 ? underscores(k->sym.name) : 63);
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym_sort *x = a, *y = b;
	int rx, ry;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	rx = alias_rank(x);
	ry = alias_rank(y);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x->sym.name, y->sym.name);
}

/* Parses "ADDR TYPE NAME[\t[MODULE]]" lines in place. */
static size_t parse(char *buf, struct ksym_sort **out, bool *any_addr)
{
	struct ksym_sort *v = NULL;
	size_t n = 0, alloc = 0;
	char *line = buf, *next, *p, *end;

	*any_addr = false;
	for (; *line; line = next) {
		struct ksym_sort k = {0};

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);

		k.sym.addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		k.type = end[1];
		if (k.type != 't' && k.type != 'T' && k.type != 'w' && k.type != 'W')
			continue;
		if (k.sym.addr)
			*any_addr = true;
		k.sym.name = end + 3;
		p = strchr(k.sym.name, '\t');
		if (p) {
			*p++ = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '[')
				k.sym.module = p;
		}
		/* "foo.isra.0" and "foo.cold" show as foo; cut in place. */
		((char *)k.sym.name)[symbol__base_len(k.sym.name)] = '\0';
		if (!k.sym.name[0])
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = k;
	}
	*out = v;
	return n;
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksym_sort *tmp = NULL;
	struct ksyms *ks;
	size_t len, n, i, j;
	char *buf = NULL;
	bool any_addr;
	int err;

	err = read_all(path, &buf, &len);
	if (err) {
		errno = -err;
		return NULL;
	}
	n = parse(buf, &tmp, &any_addr);
	if (!any_addr) {
		free(tmp);
		free(buf);
		errno = n ? EPERM : ENOENT;
		return NULL;
	}
	if (n > 1) /* no array at all when no line was kept: qsort(NULL) is undefined */
		qsort(tmp, n, sizeof(*tmp), cmp_ksym);

	ks = xcalloc(1, sizeof(*ks));
	ks->buf = buf;
	ks->syms = xcalloc(n ? n : 1, sizeof(*ks->syms));
	for (i = 0, j = 0; i < n; i++) {
		/* Keep one name per address: the first after sorting. */
		if (j && ks->syms[j - 1].addr == tmp[i].sym.addr)
			continue;
		ks->syms[j++] = tmp[i].sym;
	}
	ks->n = j;
	free(tmp);
	pr_debug("kallsyms: %zu text symbols from %s", ks->n, path);
	return ks;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->buf);
	free(ks);
}

const struct ksym *ksyms__find(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n;

	/* Greatest symbol address <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (addr - ks->syms[lo - 1].addr >= KSYM_MAX_DISTANCE)
		return NULL;
	return &ks->syms[lo - 1];
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks->n;
}
