// SPDX-License-Identifier: Apache-2.0
/*
 * The symtab: turns raw addresses into function names after capture.
 *
 * User addresses go through the mapping that held them: file-backed
 * mappings lead to an ELF module (elfsyms.c). A mapping is known by its
 * build-id when it has one (MMAP2 records), else by path, device and inode
 * (/proc/PID/maps snapshots); modules are shared by build-id, so that both
 * kinds of mapping of one file share one Dwfl (loading libc's debug info
 * costs 50-90 ms). The address becomes a file offset, then an ELF virtual
 * address, and each unique (module, vaddr) is resolved once and kept in a
 * result cache. Anonymous memory (and files that are no readable ELF) is
 * looked up in the process's perf map: JIT code. The vdso is not a file:
 * our own process's image stands in for it, the kernel being the same.
 * Kernel addresses go through kallsyms (ksyms.c), read on first use.
 *
 * Not thread-safe: one symtab per thread, or a lock around it.
 *
 * Every string handed out stays valid until symtab__free(): names come from
 * the modules (kept open), from perf maps and kallsyms tables (kept when
 * re-read), or from a set of strings here. The keyed tables (strings,
 * mapping identities, modules by build-id, results) are content-keyed
 * hashmaps whose keys are indices into the arrays that hold the content.
 */
#include "symtab.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo.h"
#include "hashmap.h"
#include "log.h"
#include "xalloc.h"
#include "symbolize_internal.h"

#define KERNEL_MODULE  "[kernel.kallsyms]"
#define UNKNOWN_NAME   "[unknown]"
#define DELETED_SUFFIX " (deleted)"

/* A mapping identity: build-id when known, else path + device + inode. */
struct map_key {
	uint8_t build_id[BUILD_ID_MAX];
	uint8_t build_id_size;
	bool vdso;
	uint32_t maj, min;
	uint64_t ino;
	const char *path; /* the mapping's path, as seen */
	uint32_t module;
};

/* One file's symbols. */
struct module {
	uint8_t build_id[BUILD_ID_MAX];
	uint8_t build_id_size;
	const char *path;     /* without " (deleted)": the frames' module */
	const char *fallback; /* "[basename]" */
	struct elfmod *em;    /* NULL: no ELF could be opened */
};

struct result {
	uint64_t vaddr;
	uint32_t module;
	uint32_t first; /* index in frames */
	uint8_t n;
	bool unresolved;
};

struct dyn_ksym {
	uint64_t addr, len;
	const char *name, *module; /* interned */
};

struct symtab {
	struct symtab_opts opts;

	struct hashmap *str_set; /* string keys (owned, in strs) */
	char **strs;
	size_t nstrs, strs_alloc;

	/*
	 * Content-keyed by index; a lookup puts its candidate at the end of
	 * the array (room kept by ALLOC_GROW) and passes that index.
	 */
	struct hashmap *key_index; /* mapping identity: index in keys */
	struct map_key *keys;
	size_t nkeys, keys_alloc;
	struct hashmap *bid_index; /* build-id: index in modules (those with symbols) */
	struct module *modules;
	size_t nmodules, modules_alloc;

	struct hashmap *result_index; /* (module, vaddr): index in results */
	struct result *results;
	size_t nresults, results_alloc;
	struct sym_info *frames;
	size_t nframes, frames_alloc;

	struct ksyms *ksyms;
	bool ksyms_tried;
	struct ksyms **old_ksyms; /* replaced by a reload; names may be borrowed */
	size_t nold_ksyms, old_ksyms_alloc;

	struct dyn_ksym *dyn_ksyms; /* from PERF_RECORD_KSYMBOL, newest last */
	size_t ndyn_ksyms, dyn_ksyms_alloc;

	struct perfmaps *perfmaps;
	struct symtab_stats stats;
};

/* The kept copy of @len bytes of @s. */
static const char *intern(struct symtab *st, const char *s, size_t len)
{
	char *copy = s[len] ? xstrndup(s, len) : NULL;
	uint64_t found;

	if (!hashmap__get(st->str_set, (uintptr_t)(copy ? copy : s), &found)) {
		if (!copy)
			copy = xstrndup(s, len);
		ALLOC_GROW(st->strs, st->nstrs + 1, st->strs_alloc);
		st->strs[st->nstrs++] = copy;
		hashmap__put(st->str_set, (uintptr_t)copy, (uintptr_t)copy);
		return copy;
	}
	free(copy);
	return (const char *)(uintptr_t)found;
}

static const char *intern_fmt(struct symtab *st, const char *pre, const char *s, size_t len,
			      const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *buf = xmalloc(a + len + b + 1);
	const char *r;

	memcpy(buf, pre, a);
	memcpy(buf + a, s, len);
	memcpy(buf + a + len, post, b + 1);
	r = intern(st, buf, a + len + b);
	free(buf);
	return r;
}

static size_t path_len_undeleted(const char *path)
{
	size_t len = strlen(path), sl = strlen(DELETED_SUFFIX);

	if (len > sl && !strcmp(path + len - sl, DELETED_SUFFIX))
		return len - sl;
	return len;
}

static bool is_vdso(const struct mapping *m)
{
	return m->path && !strcmp(m->path, "[vdso]");
}

static bool is_file(const struct mapping *m)
{
	return m->path && m->path[0] == '/' && m->path[1] != '/';
}

/* A mapping identity: the vdso, a build-id, else path, device and inode. */
static uint64_t key_hash(uint64_t key, void *ctx)
{
	const struct map_key *k = &((struct symtab *)ctx)->keys[key];

	if (k->vdso)
		return hash_u64(1);
	if (k->build_id_size)
		return hash_bytes(k->build_id, k->build_id_size);
	return hash_bytes(k->path, strlen(k->path)) ^
	       hash_u64(k->ino ^ ((uint64_t)k->maj << 44) ^ ((uint64_t)k->min << 24));
}

static bool key_equal(uint64_t a, uint64_t b, void *ctx)
{
	const struct map_key *x = &((struct symtab *)ctx)->keys[a];
	const struct map_key *y = &((struct symtab *)ctx)->keys[b];

	if (x->vdso || y->vdso)
		return x->vdso && y->vdso;
	if (x->build_id_size || y->build_id_size)
		return x->build_id_size == y->build_id_size &&
		       !memcmp(x->build_id, y->build_id, x->build_id_size);
	return x->ino == y->ino && x->maj == y->maj && x->min == y->min &&
	       !strcmp(x->path, y->path);
}

static uint64_t bid_hash(uint64_t key, void *ctx)
{
	const struct module *mod = &((struct symtab *)ctx)->modules[key];

	return hash_bytes(mod->build_id, mod->build_id_size);
}

static bool bid_equal(uint64_t a, uint64_t b, void *ctx)
{
	const struct module *x = &((struct symtab *)ctx)->modules[a];
	const struct module *y = &((struct symtab *)ctx)->modules[b];

	return x->build_id_size == y->build_id_size &&
	       !memcmp(x->build_id, y->build_id, x->build_id_size);
}

static uint64_t result_hash(uint64_t key, void *ctx)
{
	const struct result *r = &((struct symtab *)ctx)->results[key];

	return hash_u64(r->vaddr ^ hash_u64((uint64_t)r->module + 1));
}

static bool result_equal(uint64_t a, uint64_t b, void *ctx)
{
	const struct result *x = &((struct symtab *)ctx)->results[a];
	const struct result *y = &((struct symtab *)ctx)->results[b];

	return x->vaddr == y->vaddr && x->module == y->module;
}

/* The module holding build-id @bid, or -1. */
static int64_t module_by_build_id(struct symtab *st, const uint8_t *bid, size_t size)
{
	struct module *cand;
	uint64_t v;

	if (!size || size > BUILD_ID_MAX)
		return -1;
	ALLOC_GROW(st->modules, st->nmodules + 1, st->modules_alloc);
	cand = &st->modules[st->nmodules];
	memcpy(cand->build_id, bid, size);
	cand->build_id_size = (uint8_t)size;
	return hashmap__get(st->bid_index, st->nmodules, &v) ? (int64_t)v : -1;
}

static uint32_t add_module(struct symtab *st, const char *path, size_t len, struct elfmod *em,
			   const uint8_t *bid, size_t bid_size)
{
	struct module *mod;
	const char *base;

	ALLOC_GROW(st->modules, st->nmodules + 1, st->modules_alloc);
	mod = &st->modules[st->nmodules++];
	memset(mod, 0, sizeof(*mod));
	mod->em = em;
	mod->path = intern(st, path, len);
	if (path[0] == '[') {
		mod->fallback = mod->path;
	} else {
		base = memrchr(mod->path, '/', len);
		base = base ? base + 1 : mod->path;
		mod->fallback = intern_fmt(st, "[", base, mod->path + len - base, "]");
	}
	/* Only modules with symbols are shared: a failed open is retried elsewhere. */
	if (em && bid_size && bid_size <= BUILD_ID_MAX) {
		memcpy(mod->build_id, bid, bid_size);
		mod->build_id_size = (uint8_t)bid_size;
		hashmap__add(st->bid_index, st->nmodules - 1, st->nmodules - 1, NULL, NULL);
	}
	return st->nmodules - 1;
}

/* Opens @m's file: in the process's root first, then by path. */
static struct elfmod *open_file(struct symtab *st, pid_t pid, const struct mapping *m,
				const char *path)
{
	bool deleted = path_len_undeleted(m->path) != strlen(m->path);
	struct elfmod *em = NULL;
	const char *cands[2];
	char root[PATH_MAX + 32];
	struct stat sb;
	int nc = 0, i, fd;

	if (pid > 0 &&
	    snprintf(root, sizeof(root), "/proc/%d/root%s", (int)pid, path) < (int)sizeof(root))
		cands[nc++] = root;
	cands[nc++] = path;
	for (i = 0; i < nc && !em; i++) {
		fd = debuginfo__open_regular(cands[i]);
		if (fd < 0)
			continue;
		/* A deleted file's path may now hold another file: check the inode. */
		if (deleted && !m->build_id_size && m->ino &&
		    (fstat(fd, &sb) < 0 || sb.st_ino != m->ino)) {
			close(fd);
			continue;
		}
		em = elfmod__open(cands[i], fd, m->build_id, m->build_id_size,
				  !st->opts.no_demangle);
		if (!em && errno == EOPNOTSUPP)
			break;
	}
	if (!em)
		pr_debug("%s: no symbols", m->path);
	return em;
}

/* The module of file-backed or vdso mapping @m, opened on first sight. */
static uint32_t module_get(struct symtab *st, pid_t pid, const struct mapping *m)
{
	const uint8_t *bid = m->build_id;
	size_t len, bid_size = m->build_id_size;
	struct elfmod *em = NULL;
	struct map_key *k;
	int64_t found;
	uint64_t v;
	char *path;
	int fd;

	ALLOC_GROW(st->keys, st->nkeys + 1, st->keys_alloc);
	k = &st->keys[st->nkeys];
	memset(k, 0, sizeof(*k));
	k->vdso = is_vdso(m);
	if (!k->vdso && bid_size) {
		k->build_id_size = bid_size > BUILD_ID_MAX ? BUILD_ID_MAX : (uint8_t)bid_size;
		memcpy(k->build_id, bid, k->build_id_size);
	}
	k->maj = m->maj;
	k->min = m->min;
	k->ino = m->ino;
	k->path = m->path; /* the candidate's; kept ones point to an interned copy */
	if (!hashmap__add(st->key_index, st->nkeys, st->nkeys, NULL, &v))
		return st->keys[v].module;
	k->path = intern(st, m->path, strlen(m->path));
	st->nkeys++;

	if (k->vdso) {
		fd = vdso__memfd();
		if (fd >= 0)
			em = elfmod__open("[vdso]", fd, NULL, 0, !st->opts.no_demangle);
		else
			pr_debug("vdso image: %s", strerror(-fd));
		k->module = add_module(st, "[vdso]", 6, em, NULL, 0);
		return k->module;
	}
	found = module_by_build_id(st, bid, bid_size);
	if (found >= 0) {
		k->module = (uint32_t)found;
		return k->module;
	}
	len = path_len_undeleted(m->path);
	path = xstrndup(m->path, len);
	em = open_file(st, pid, m, path);
	if (em && !bid_size) {
		/* Known by path: the same file may already be open by build-id. */
		bid_size = elfmod__build_id(em, &bid);
		found = module_by_build_id(st, bid, bid_size);
		if (found >= 0) {
			elfmod__free(em);
			free(path);
			k->module = (uint32_t)found;
			return k->module;
		}
	}
	k->module = add_module(st, path, len, em, bid, bid_size);
	free(path);
	return k->module;
}

/* The frame of an address nothing resolves. */
static int unresolved(struct symtab *st, const struct mapping *m, const struct module *mod,
		      struct sym_info *out)
{
	st->stats.unresolved++;
	if (mod) {
		out[0] = (struct sym_info){
			.name = mod->fallback, .module = mod->path, .kind = FRAME_KIND_NATIVE};
	} else if (m && m->path && m->path[0] == '[') {
		/* [heap], [stack], [anon:name]: the name says what it is. */
		const char *p = intern(st, m->path, strlen(m->path));

		out[0] = (struct sym_info){.name = p, .module = p, .kind = FRAME_KIND_UNKNOWN};
	} else {
		out[0] = (struct sym_info){.name = UNKNOWN_NAME, .kind = FRAME_KIND_UNKNOWN};
	}
	return 1;
}

static int copy_result(struct symtab *st, const struct result *r, struct sym_info *out)
{
	memcpy(out, &st->frames[r->first], r->n * sizeof(*out));
	if (r->unresolved)
		st->stats.unresolved++;
	return r->n;
}

static int resolve_cached(struct symtab *st, uint32_t mi, uint64_t vaddr, struct sym_info *out)
{
	struct module *mod = &st->modules[mi];
	struct sym_info tmp[SYMTAB_MAX_INLINE];
	struct result *r;
	uint64_t v;
	int n, i;

	ALLOC_GROW(st->results, st->nresults + 1, st->results_alloc);
	r = &st->results[st->nresults];
	*r = (struct result){.vaddr = vaddr, .module = mi};
	if (!hashmap__add(st->result_index, st->nresults, st->nresults, NULL, &v)) {
		st->stats.cache_hits++;
		return copy_result(st, &st->results[v], out);
	}
	st->nresults++;
	n = elfmod__resolve(mod->em, vaddr, !st->opts.no_inline, tmp, SYMTAB_MAX_INLINE);
	if (n <= 0) {
		tmp[0] = (struct sym_info){.name = mod->fallback, .kind = FRAME_KIND_NATIVE};
		r->unresolved = true;
		n = 1;
	}
	for (i = 0; i < n; i++)
		tmp[i].module = mod->path;
	ALLOC_GROW(st->frames, st->nframes + n, st->frames_alloc);
	memcpy(&st->frames[st->nframes], tmp, n * sizeof(*tmp));
	r->first = (uint32_t)st->nframes;
	r->n = (uint8_t)n;
	st->nframes += n;
	return copy_result(st, r, out);
}

struct symtab *symtab__new(const struct symtab_opts *o)
{
	struct symtab *st = xcalloc(1, sizeof(*st));

	if (o)
		st->opts = *o;
	st->str_set = hashmap__new_keyed(hashmap_str_hash, hashmap_str_equal, NULL);
	st->key_index = hashmap__new_keyed(key_hash, key_equal, st);
	st->bid_index = hashmap__new_keyed(bid_hash, bid_equal, st);
	st->result_index = hashmap__new_keyed(result_hash, result_equal, st);
	st->perfmaps = perfmaps__new();
	return st;
}

void symtab__free(struct symtab *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nmodules; i++)
		elfmod__free(st->modules[i].em);
	free(st->modules);
	free(st->keys);
	for (i = 0; i < st->nstrs; i++)
		free(st->strs[i]);
	free(st->strs);
	free(st->results);
	free(st->frames);
	free(st->dyn_ksyms);
	ksyms__free(st->ksyms);
	for (i = 0; i < st->nold_ksyms; i++)
		ksyms__free(st->old_ksyms[i]);
	free(st->old_ksyms);
	perfmaps__free(st->perfmaps);
	hashmap__free(st->str_set);
	hashmap__free(st->key_index);
	hashmap__free(st->bid_index);
	hashmap__free(st->result_index);
	free(st);
}

int symtab__resolve_user(struct symtab *st, pid_t pid, const struct mapping *m, uint64_t addr,
			 bool is_return, struct sym_info out[SYMTAB_MAX_INLINE])
{
	uint64_t a = is_return ? addr - 1 : addr, vaddr;
	const struct perfmap_entry *je;
	const char *map_path;
	struct module *mod = NULL;
	uint32_t mi;

	st->stats.lookups++;
	if (m && (is_file(m) || is_vdso(m))) {
		mi = module_get(st, pid, m);
		mod = &st->modules[mi];
		if (mod->em) {
			if (a >= m->start &&
			    elfmod__vaddr(mod->em, a - m->start + m->pgoff, &vaddr) == 0)
				return resolve_cached(st, mi, vaddr, out);
			return unresolved(st, m, mod, out);
		}
	}
	/* Anonymous memory, or a file that is no ELF we can read: JIT code? */
	je = perfmaps__find(st->perfmaps, pid, a, &map_path);
	if (je) {
		out[0] = (struct sym_info){
			.name = je->name, .module = map_path, .kind = FRAME_KIND_JIT};
		return 1;
	}
	return unresolved(st, m, mod, out);
}

void symtab__prepare(struct symtab *st, pid_t pid, const struct mapping *m)
{
	uint32_t mi;

	if (!m || !(is_file(m) || is_vdso(m)))
		return;
	mi = module_get(st, pid, m); /* may move st->modules */
	if (st->modules[mi].em)
		elfmod__prepare(st->modules[mi].em);
}

static struct ksyms *kernel_syms(struct symtab *st)
{
	if (!st->ksyms && !st->ksyms_tried) {
		st->ksyms_tried = true;
		st->ksyms = ksyms__load("/proc/kallsyms");
		if (!st->ksyms && errno == EPERM)
			pr_warn("/proc/kallsyms hides kernel addresses: kernel frames stay "
				"unresolved; run as root or set kernel.kptr_restrict=0");
		else if (!st->ksyms)
			pr_warn("reading /proc/kallsyms: %s; kernel frames stay unresolved",
				strerror(errno));
	}
	return st->ksyms;
}

void symtab__add_kernel_symbol(struct symtab *st, uint64_t addr, uint64_t len, const char *name,
			       bool bpf)
{
	ALLOC_GROW(st->dyn_ksyms, st->ndyn_ksyms + 1, st->dyn_ksyms_alloc);
	st->dyn_ksyms[st->ndyn_ksyms++] = (struct dyn_ksym){
		.addr = addr,
		.len = len,
		.name = intern(st, name, strlen(name)),
		.module = bpf ? intern(st, "[bpf]", 5) : KERNEL_MODULE,
	};
}

int symtab__resolve_kernel(struct symtab *st, uint64_t addr, bool is_return, struct sym_info *out)
{
	uint64_t a = is_return ? addr - 1 : addr;
	const struct ksym *k = NULL;
	struct ksyms *ks;
	size_t i;

	st->stats.lookups++;
	/* Newest first: a program loaded where an unloaded one was. */
	for (i = st->ndyn_ksyms; i-- > 0;) {
		const struct dyn_ksym *d = &st->dyn_ksyms[i];

		if (a - d->addr < d->len) {
			*out = (struct sym_info){
				.name = d->name, .module = d->module, .kind = FRAME_KIND_KERNEL};
			return 1;
		}
	}
	ks = kernel_syms(st);
	if (ks)
		k = ksyms__find(ks, a);
	if (!k) {
		st->stats.unresolved++;
		*out = (struct sym_info){
			.name = UNKNOWN_NAME, .module = KERNEL_MODULE, .kind = FRAME_KIND_KERNEL};
		return 1;
	}
	*out = (struct sym_info){.name = k->name,
				 .module = k->module ? k->module : KERNEL_MODULE,
				 .kind = FRAME_KIND_KERNEL};
	return 1;
}

int symtab__reload_kernel(struct symtab *st)
{
	struct ksyms *ks = ksyms__load("/proc/kallsyms");

	if (!ks)
		return -errno;
	if (st->ksyms) {
		ALLOC_GROW(st->old_ksyms, st->nold_ksyms + 1, st->old_ksyms_alloc);
		st->old_ksyms[st->nold_ksyms++] = st->ksyms;
	}
	st->ksyms = ks;
	st->ksyms_tried = true;
	return 0;
}

void symtab__stats(const struct symtab *st, struct symtab_stats *out)
{
	*out = st->stats;
}
