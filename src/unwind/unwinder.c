// SPDX-License-Identifier: Apache-2.0
/*
 * The unwind stage's frame: picks the backend from the ops table, takes the
 * kernel part of every stack from the kernel's callchain, and keeps what
 * the DWARF backends share: per-process module tables built from procmaps
 * (each executable mapping's ELF file at its load bias), the ELF images
 * themselves (mmapped once per file, shared by every process), and the
 * memory reader that serves the copied stack and read-only file segments.
 *
 * Caching decides the cost (docs/PLATFORM.md §2: a fresh Dwfl per sample
 * costs ~165 us, a kept one ~4 us), so a process's state lives until its
 * mappings change (procmaps__generation()) or it has exited and gone
 * unsampled for a while. A rebuilt table keeps the backend's data for every
 * module that stayed where it was.
 *
 * Load bias: with mmap_data=0 the kernel reports only the executable
 * segment (e.g. pgoff 0x26000 for libc), so the bias comes from the PT_LOAD
 * that holds that file offset: bias = start - (p_vaddr + pgoff - p_offset).
 */
#include "unwind_internal.h"

#include <elf.h>
#include <errno.h>
#ifdef HAVE_LIBELF
#include <gelf.h>
#endif
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "debuginfo.h"
#include "hashmap.h"
#include "log.h"
#include "xalloc.h"

/* Samples between sweeps that free the state of exited processes. */
#define SWEEP_EVERY  4096
#define PAGE_MASK_4K 0xfffULL
/*
 * How far past an ELF's entry point its entry code is taken to reach. The
 * dynamic loader's _start and _dl_start_user are hand-written without CFI
 * (about 80 bytes in glibc 2.36): no unwinder gets past them, and nothing
 * called them.
 */
#define ENTRY_CODE_MAX 128

struct unwinder {
	struct unwinder_opts o;
	const struct unwind_ops *ops;
	const struct procmaps *pm;
	struct hashmap *procs; /* pid -> struct uw_proc * (0: freed) */
	struct uw_proc **proc;
	size_t nprocs, procs_alloc;
	struct hashmap *elf_index; /* key string (uw_elf.key) -> index in elfs */
	struct uw_elf **elfs;
	size_t nelfs, elfs_alloc;
	uint64_t since_sweep;
	struct unwinder_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const struct unwind_ops *ops_of(enum unwinder_kind kind)
{
	switch (kind) {
#ifdef HAVE_LIBDW
	case UNWINDER_LIBDW: return &unwind_libdw_ops;
#endif
#ifdef HAVE_LIBUNWIND
	case UNWINDER_LIBUNWIND: return &unwind_libunwind_ops;
#endif
	case UNWINDER_FP: return &unwind_fp_ops;
	default: return NULL;
	}
}

bool unwinder__available(enum unwinder_kind kind)
{
	if (kind != UNWINDER_FP && !arch__perf_regs_mask())
		return false;
	return ops_of(kind) != NULL;
}

const char *unwinder__name(enum unwinder_kind kind)
{
	switch (kind) {
	case UNWINDER_LIBDW: return "libdw";
	case UNWINDER_LIBUNWIND: return "libunwind";
	case UNWINDER_FP: return "fp";
	}
	return "?";
}

int unwinder__parse(const char *name, enum unwinder_kind *kind)
{
	static const enum unwinder_kind all[] = {UNWINDER_LIBDW, UNWINDER_LIBUNWIND, UNWINDER_FP};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(name, unwinder__name(all[i]))) {
			*kind = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t unwinder__perf_regs_mask(void)
{
	return arch__perf_regs_mask();
}

void addr_stack__release(struct addr_stack *st)
{
	free(st->frames);
	st->frames = NULL;
	st->n = st->alloc = 0;
	st->truncated = false;
}

bool addr_stack__equal(const struct addr_stack *a, const struct addr_stack *b)
{
	uint32_t i;

	if (a->n != b->n || a->truncated != b->truncated)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->frames[i].addr != b->frames[i].addr ||
		    a->frames[i].flags != b->frames[i].flags)
			return false;
	return true;
}

bool uw_push(struct addr_stack *out, uint64_t addr, uint32_t flags)
{
	if (out->n >= UNWIND_MAX_FRAMES + 1)
		return false;
	if (out->n == out->alloc) {
		size_t alloc = out->alloc;

		ALLOC_GROW(out->frames, (size_t)out->n + 1, alloc);
		out->alloc = (uint32_t)alloc;
	}
	out->frames[out->n++] = (struct frame_addr){.addr = addr, .flags = flags};
	return true;
}

/* ---- ELF images ---------------------------------------------------------- */

static void elf_free(struct uw_elf *e)
{
	if (!e)
		return;
#ifdef HAVE_LIBELF
	elf_end(e->elf);
#endif
	if (e->unmap && e->data)
		munmap((void *)e->data, e->size);
	if (e->fd >= 0)
		close(e->fd);
	free(e->segs);
	free(e->key);
	free(e->path);
	free(e);
}

#ifdef HAVE_LIBELF
/*
 * Reads the program headers of the image in e->data through libelf, kept
 * open on the image (e->elf) for the notes. Returns 0 or -ENOEXEC.
 */
static int elf_parse(struct uw_elf *e)
{
	size_t i, n, alloc = 0;
	bool first = true;
	GElf_Ehdr eh;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)e->data, e->size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64 ||
	    !gelf_getehdr(elf, &eh) || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    elf_getphdrnum(elf, &n)) {
		elf_end(elf);
		return -ENOEXEC;
	}
	e->elf = elf;
	e->entry = eh.e_entry;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;
		uint64_t filesz;

		if (!gelf_getphdr(elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_GNU_EH_FRAME) {
			e->eh_hdr = ph.p_vaddr;
			e->eh_hdr_size = ph.p_memsz;
			continue;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		/* A truncated file keeps what it has. */
		filesz = ph.p_offset > e->size ? 0 : e->size - ph.p_offset;
		if (ph.p_filesz < filesz)
			filesz = ph.p_filesz;
		ALLOC_GROW(e->segs, e->nsegs + 1, alloc);
		e->segs[e->nsegs++] = (struct uw_seg){
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.offset = ph.p_offset,
			.filesz = filesz,
			.exec = ph.p_flags & PF_X,
			.writable = ph.p_flags & PF_W,
		};
		if (first || (ph.p_vaddr & ~PAGE_MASK_4K) < e->lo)
			e->lo = ph.p_vaddr & ~PAGE_MASK_4K;
		if (first || ph.p_vaddr + ph.p_memsz > e->hi)
			e->hi = ph.p_vaddr + ph.p_memsz;
		first = false;
	}
	return e->nsegs ? 0 : -ENOEXEC;
}

/* The GNU build-id note of the image (in a PT_NOTE segment); 0 when it has none. */
static size_t elf_build_id(const struct uw_elf *e, const uint8_t **id)
{
	size_t i, n;

	if (!e->elf || elf_getphdrnum(e->elf, &n))
		return 0;
	for (i = 0; i < n; i++) {
		size_t off = 0, next, name, desc;
		GElf_Phdr ph;
		GElf_Nhdr nh;
		Elf_Data *d;

		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_NOTE ||
		    !(d = elf_getdata_rawchunk(e->elf, (int64_t)ph.p_offset, ph.p_filesz,
					       ELF_T_NHDR)))
			continue;
		for (; (next = gelf_getnote(d, off, &nh, &name, &desc)) > 0; off = next) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((const char *)d->d_buf + name, "GNU", 4)) {
				*id = (const uint8_t *)d->d_buf + desc;
				return nh.n_descsz;
			}
		}
	}
	return 0;
}
#else
/* No DWARF unwinder is built in: images are never read. */
static int elf_parse(struct uw_elf *e)
{
	(void)e;
	return -EOPNOTSUPP;
}

static size_t elf_build_id(const struct uw_elf *e, const uint8_t **id)
{
	(void)e, (void)id;
	return 0;
}
#endif

/* Maps @path into @e. Returns 0 or a negative errno. */
static int elf_map_file(struct uw_elf *e, const char *path)
{
	struct stat st;
	void *p;
	int fd = debuginfo__open_regular(path), err;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return -ENOEXEC;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	e->fd = fd;
	e->data = p;
	e->size = (size_t)st.st_size;
	e->unmap = true;
	e->path = xstrdup(path);
	err = elf_parse(e);
	if (err) {
#ifdef HAVE_LIBELF
		elf_end(e->elf);
		e->elf = NULL;
#endif
		munmap(p, e->size);
		close(fd);
		e->fd = -1;
		e->data = NULL;
		free(e->path);
		e->path = NULL;
	}
	return err;
}

/* Our own vdso: the same kernel maps the same image into every 64-bit process. */
static int elf_map_vdso(struct uw_elf *e)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Phdr *ph;
	size_t size;
	int i;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOENT;
	/* The image ends with its section headers; the kernel maps whole pages. */
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	ph = (const void *)((const char *)eh + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	e->data = (const uint8_t *)eh;
	e->size = size;
	e->vdso = true;
	e->path = xstrdup("[vdso]");
	return elf_parse(e);
}

int uw_elf__fd(struct uw_elf *e)
{
	size_t off = 0;
	int fd;

	if (e->fd >= 0) {
		fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	if (!e->vdso || !e->data)
		return -ENOENT;
	fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < e->size) {
		ssize_t w = write(fd, e->data + off, e->size - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;

			close(fd);
			return err;
		}
		off += (size_t)w;
	}
	e->fd = fd; /* kept: later callers get duplicates */
	fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static bool same_build_id(const struct uw_elf *e, const struct mapping *m)
{
	const uint8_t *id = NULL;
	size_t n = elf_build_id(e, &id);

	return n == m->build_id_size && !memcmp(id, m->build_id, n);
}

/*
 * The image of the file mapped by @m in @pid, opened on first use and
 * cached by build-id (path when the mapping has none); failures are cached
 * too. NULL when it cannot be read.
 */
static struct uw_elf *elf_get(struct unwinder *uw, pid_t pid, const struct mapping *m)
{
	char key[2 * BUILD_ID_MAX + 8];
	const char *k = key;
	struct uw_elf *e;
	uint64_t v;
	size_t i;
	int err;

	if (!strcmp(m->path, "[vdso]")) {
		k = "[vdso]";
	} else if (m->path[0] != '/') {
		return NULL; /* anonymous, [heap], JIT code, ... */
	} else if (m->build_id_size) {
		for (i = 0; i < m->build_id_size; i++)
			snprintf(key + 2 * i, 3, "%02x", m->build_id[i]);
	} else {
		k = m->path;
	}
	if (hashmap__get(uw->elf_index, (uintptr_t)k, &v)) {
		e = uw->elfs[v];
		return e->data ? e : NULL;
	}

	e = xcalloc(1, sizeof(*e));
	e->fd = -1;
	e->key = xstrdup(k);
	if (k == key || k == m->path) {
		err = elf_map_file(e, m->path);
		if (!err && m->build_id_size && !same_build_id(e, m)) {
			/* Replaced on disk, or another mount namespace's file. */
			char alt[4200];

			snprintf(alt, sizeof(alt), "/proc/%d/root%s", (int)pid, m->path);
			elf_free(e);
			e = xcalloc(1, sizeof(*e));
			e->fd = -1;
			e->key = xstrdup(k);
			err = elf_map_file(e, alt);
			if (!err && !same_build_id(e, m))
				err = -ESTALE;
		}
	} else {
		err = elf_map_vdso(e);
	}
	if (err) {
		pr_debug("unwind: cannot use %s: %s", m->path, strerror(-err));
#ifdef HAVE_LIBELF
		elf_end(e->elf);
		e->elf = NULL;
#endif
		if (e->unmap && e->data)
			munmap((void *)e->data, e->size);
		if (e->fd >= 0)
			close(e->fd);
		e->data = NULL;
		e->unmap = false;
		e->fd = -1;
	}
	ALLOC_GROW(uw->elfs, uw->nelfs + 1, uw->elfs_alloc);
	hashmap__put(uw->elf_index, (uintptr_t)e->key, uw->nelfs);
	uw->elfs[uw->nelfs++] = e;
	return e->data ? e : NULL;
}

/* ---- module tables ------------------------------------------------------- */

struct build {
	struct unwinder *uw;
	struct uw_proc *p;
	struct uw_module *mods;
	size_t n, alloc;
};

/* The load bias of @e mapped at @m->start from file offset @m->pgoff. */
static bool mapping_bias(const struct uw_elf *e, const struct mapping *m, uint64_t *bias)
{
	const struct uw_seg *best = NULL;
	size_t i;

	for (i = 0; i < e->nsegs; i++) {
		const struct uw_seg *s = &e->segs[i];

		if (m->pgoff < (s->offset & ~PAGE_MASK_4K) || m->pgoff >= s->offset + s->filesz)
			continue;
		if (!best || (s->exec && !best->exec))
			best = s;
	}
	if (!best)
		return false;
	*bias = m->start - (best->vaddr + m->pgoff - best->offset);
	return true;
}

static int add_mapping(const struct mapping *m, void *arg)
{
	struct build *b = arg;
	struct uw_elf *e;
	uint64_t bias;
	size_t i;

	if (!(m->prot & PROT_EXEC) || !m->path)
		return 0;
	e = elf_get(b->uw, b->p->pid, m);
	if (!e || !mapping_bias(e, m, &bias))
		return 0;
	for (i = 0; i < b->n; i++) {
		struct uw_module *o = &b->mods[i];

		if (o->elf == e && o->bias == bias) { /* another executable segment */
			if (m->start < o->start)
				o->start = m->start;
			if (m->end > o->end)
				o->end = m->end;
			return 0;
		}
	}
	ALLOC_GROW(b->mods, b->n + 1, b->alloc);
	b->mods[b->n++] = (struct uw_module){
		.start = m->start,
		.end = m->end,
		.lo = e->lo + bias,
		.hi = e->hi + bias,
		.bias = bias,
		.elf = e,
	};
	return 0;
}

static int cmp_module(const void *a, const void *b)
{
	const struct uw_module *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Rebuilds @p's module table from procmaps. Modules that stayed (same file,
 * bias and range) keep their backend data; the backend is told whether any
 * went away or moved.
 */
static void rebuild(struct unwinder *uw, struct uw_proc *p)
{
	struct build b = {.uw = uw, .p = p};
	bool replaced = false;
	size_t i, j;

	p->gen = procmaps__generation(uw->pm, p->pid);
	procmaps__for_each(uw->pm, p->pid, UINT64_MAX, add_mapping, &b);
	if (b.n > 1)
		qsort(b.mods, b.n, sizeof(*b.mods), cmp_module);
	for (i = 0; i < p->nmods; i++) {
		struct uw_module *o = &p->mods[i];
		bool kept = false;

		for (j = 0; j < b.n && !kept; j++) {
			struct uw_module *n = &b.mods[j];

			if (n->elf == o->elf && n->bias == o->bias && n->lo == o->lo &&
			    n->hi == o->hi) {
				n->priv = o->priv;
				kept = true;
			}
		}
		replaced |= !kept;
	}
	free(p->mods);
	p->mods = b.mods;
	p->nmods = b.n;
	p->mods_alloc = b.alloc;
	p->last = 0;
	p->init_failed = false;
	if (p->built)
		uw->st.rebuilds++;
	p->built = true;
	if (p->priv && uw->ops->proc_update(p, replaced)) {
		uw->ops->proc_release(p);
		p->priv = NULL;
		for (i = 0; i < p->nmods; i++)
			p->mods[i].priv = NULL;
	}
}

struct uw_module *uw_find_module(struct uw_proc *p, uint64_t addr)
{
	size_t i;

	if (p->last < p->nmods && addr >= p->mods[p->last].start && addr < p->mods[p->last].end)
		return &p->mods[p->last];
	for (i = 0; i < p->nmods; i++) {
		if (addr >= p->mods[i].start && addr < p->mods[i].end) {
			p->last = i;
			return &p->mods[i];
		}
	}
	for (i = 0; i < p->nmods; i++)
		if (addr >= p->mods[i].lo && addr < p->mods[i].hi)
			return &p->mods[i];
	return NULL;
}

bool uw_read_word(struct uw_ctx *c, uint64_t addr, uint64_t *val)
{
	const struct uw_module *m;
	const struct uw_elf *e;
	uint64_t vaddr;
	size_t i;

	if (addr >= c->sp && addr - c->sp < c->stack_size && c->stack_size - (addr - c->sp) >= 8) {
		memcpy(val, c->stack + (addr - c->sp), 8);
		return true;
	}
	m = uw_find_module(c->proc, addr);
	if (!m)
		return false;
	e = m->elf;
	vaddr = addr - m->bias;
	for (i = 0; i < e->nsegs; i++) {
		const struct uw_seg *s = &e->segs[i];
		uint64_t off, avail;

		if (s->writable || vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz)
			continue;
		/* An aligned word may run past the segment's end: the rest reads as 0. */
		off = s->offset + (vaddr - s->vaddr);
		avail = e->size - off < 8 ? e->size - off : 8;
		*val = 0;
		memcpy(val, e->data + off, avail);
		return true;
	}
	return false;
}

/* ---- processes ----------------------------------------------------------- */

static void proc_free(struct unwinder *uw, struct uw_proc *p)
{
	if (!p)
		return;
	if (p->priv)
		uw->ops->proc_release(p);
	free(p->mods);
	free(p);
}

static struct uw_proc *proc_get(struct unwinder *uw, pid_t pid)
{
	struct uw_proc *p;
	uint64_t v;

	if (hashmap__get(uw->procs, (uint32_t)pid, &v) && v)
		return (struct uw_proc *)(uintptr_t)v;
	p = xcalloc(1, sizeof(*p));
	p->uw = uw;
	p->pid = pid;
	ALLOC_GROW(uw->proc, uw->nprocs + 1, uw->procs_alloc);
	uw->proc[uw->nprocs++] = p;
	hashmap__put(uw->procs, (uint32_t)pid, (uintptr_t)p);
	uw->st.processes++;
	return p;
}

/* Frees the state of processes that exited and were not sampled since the last sweep. */
static void sweep(struct unwinder *uw)
{
	size_t i, j;

	for (i = 0, j = 0; i < uw->nprocs; i++) {
		struct uw_proc *p = uw->proc[i];

		if (!p->used && procmaps__exited(uw->pm, p->pid)) {
			hashmap__put(uw->procs, (uint32_t)p->pid, 0);
			proc_free(uw, p);
			continue;
		}
		p->used = false;
		uw->proc[j++] = p;
	}
	uw->nprocs = j;
}

struct unwinder *unwinder__new(const struct unwinder_opts *o, const struct procmaps *pm)
{
	const struct unwind_ops *ops = ops_of(o->kind);
	struct unwinder *uw;

	if (!ops || !unwinder__available(o->kind)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	uw = xcalloc(1, sizeof(*uw));
	uw->o = *o;
	uw->ops = ops;
	uw->pm = pm;
	uw->procs = hashmap__new();
	uw->elf_index = hashmap__new_keyed(hashmap_str_hash, hashmap_str_equal, NULL);
	return uw;
}

void unwinder__free(struct unwinder *uw)
{
	size_t i;

	if (!uw)
		return;
	for (i = 0; i < uw->nprocs; i++)
		proc_free(uw, uw->proc[i]);
	for (i = 0; i < uw->nelfs; i++)
		elf_free(uw->elfs[i]);
	free(uw->proc);
	free(uw->elfs);
	hashmap__free(uw->procs);
	hashmap__free(uw->elf_index);
	free(uw);
}

void unwinder__stats(const struct unwinder *uw, struct unwinder_stats *out)
{
	*out = uw->st;
}

/* The kernel part of the callchain, up to its user context. */
static void kernel_frames(const struct raw_sample *s, struct addr_stack *out)
{
	bool kernel = false, first = true;
	uint32_t i;

	for (i = 0; i < s->nr_callchain; i++) {
		uint64_t a = s->callchain[i];

		if (a >= (uint64_t)PERF_CONTEXT_MAX) {
			if (a == (uint64_t)PERF_CONTEXT_USER)
				return;
			kernel = a == (uint64_t)PERF_CONTEXT_KERNEL;
			first = true;
			continue;
		}
		if (!kernel)
			continue;
		if (!uw_push(out, a, FRAME_ADDR_KERNEL | (first ? 0 : FRAME_ADDR_RETURN)))
			return;
		first = false;
	}
}

/* Whether frame @f is in the entry code of its module: the outermost frame. */
static bool at_entry(struct uw_proc *p, const struct frame_addr *f)
{
	uint64_t pc = f->addr - !!(f->flags & FRAME_ADDR_RETURN);
	const struct uw_module *m = uw_find_module(p, pc);

	return m && m->elf->entry && pc - m->bias >= m->elf->entry &&
	       pc - m->bias - m->elf->entry < ENTRY_CODE_MAX;
}

static enum uw_end unwind_user(struct unwinder *uw, const struct raw_sample *s,
			       struct addr_stack *out, bool *no_module, bool *cold)
{
	struct uw_ctx c = {.s = s, .out = out};
	struct uw_proc *p;
	enum uw_end end;

	if (!arch__dwarf_regs(s, c.regs)) { /* e.g. a 32-bit process */
		if (s->user_mode)
			uw_push(out, s->ip, 0);
		return UW_END_FAILED;
	}
	c.sp = c.regs[ARCH_DWARF_SP];
	c.stack = s->stack;
	c.stack_size = s->stack ? s->stack_size : 0;
	p = proc_get(uw, (pid_t)s->pid);
	p->used = true;
	if (!p->built || p->gen != procmaps__generation(uw->pm, p->pid)) {
		rebuild(uw, p);
		*cold = true;
	}
	if (!p->priv && p->nmods && !p->init_failed) {
		*cold = true;
		if (uw->ops->proc_init(p)) { /* not again before the mappings change */
			p->init_failed = true;
			p->priv = NULL;
			for (size_t i = 0; i < p->nmods; i++)
				p->mods[i].priv = NULL;
		}
	}
	c.proc = p;
	c.no_rule_cache = uw->o.no_rule_cache;
	if (!p->priv) { /* nothing known about the process: the sampled IP alone */
		uw_push(out, c.regs[ARCH_DWARF_IP], 0);
		*no_module = true;
		return UW_END_FAILED;
	}
	end = uw->ops->unwind(&c);
	uw->st.from_rules += c.from_rules;
	if (end == UW_END_FAILED && out->n && at_entry(p, &out->frames[out->n - 1]))
		end = UW_END_COMPLETE;
	if (end == UW_END_FAILED && out->n) {
		const struct frame_addr *f = &out->frames[out->n - 1];

		*no_module = !uw_find_module(p, f->addr - !!(f->flags & FRAME_ADDR_RETURN));
	}
	return end;
}

/*
 * The user part of the kernel's callchain (frame pointers, or the BPF
 * program's user stack), and the sampled IP alone when there is no chain.
 */
static void callchain_frames(const struct raw_sample *s, struct addr_stack *out)
{
	unwind_fp_ops.unwind(&(struct uw_ctx){.s = s, .out = out});
	if (out->n > UNWIND_MAX_FRAMES) { /* uw_push() keeps one more to tell */
		out->n = UNWIND_MAX_FRAMES;
		out->truncated = true;
	}
	if (!out->n && s->ip)
		uw_push(out, s->ip, s->user_mode ? 0 : FRAME_ADDR_KERNEL);
}

int unwinder__unwind(struct unwinder *uw, const struct raw_sample *s, struct addr_stack *out,
		     unsigned int flags)
{
	uint64_t t0 = mono_ns(), dt;
	bool no_module = false, cold = false;
	uint32_t nk;
	enum uw_end end;

	out->n = 0;
	out->truncated = false;
	kernel_frames(s, out);
	nk = out->n;
	/* No registers: a kernel thread, or a sample of the frame-pointer kind. */
	if (uw->o.kind == UNWINDER_FP || !s->abi || !s->regs) {
		callchain_frames(s, out);
		if (uw->o.kind == UNWINDER_FP)
			uw->st.ns += mono_ns() - t0;
		return 0;
	}
	end = unwind_user(uw, s, out, &no_module, &cold);
	if (out->n > UNWIND_MAX_FRAMES) {
		out->n = UNWIND_MAX_FRAMES;
		end = UW_END_CAPPED;
	}
	if (end == UW_END_FAILED && no_module && !(flags & UNWIND_F_FINAL)) {
		out->truncated = true;
		uw->st.ns += mono_ns() - t0;
		return -EAGAIN;
	}
	uw->st.samples++;
	uw->st.frames += out->n - nk;
	if (end == UW_END_COMPLETE) {
		uw->st.complete++;
	} else {
		out->truncated = true;
		if (end == UW_END_CAPPED) {
			uw->st.failed++;
			uw->st.capped++;
		} else if (s->stack_requested && s->stack_size >= s->stack_requested) {
			uw->st.truncated_copy++;
		} else {
			uw->st.failed++;
		}
	}
	if (++uw->since_sweep >= SWEEP_EVERY) {
		uw->since_sweep = 0;
		sweep(uw);
	}
	dt = mono_ns() - t0;
	uw->st.ns += dt;
	if (cold) {
		uw->st.cold_samples++;
		uw->st.cold_ns += dt;
	}
	return 0;
}
