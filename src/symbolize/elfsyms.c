// SPDX-License-Identifier: Apache-2.0
/*
 * One ELF module through libdw: a Dwfl of its own that holds the file at its
 * link-time addresses (bias 0), the PT_LOAD table that turns file offsets
 * into virtual addresses, our own sorted table of functions, and inline
 * chains with file:line from DWARF.
 *
 * dwfl_module_addrinfo() scans the symbol table linearly (about 200 us per
 * lookup in libc, 1.8 ms in node), so the FUNC symbols are copied once into
 * an array sorted by address (about 1 ms for libc) and searched in
 * O(log n). Display names (clone suffix cut, demangled) are made on first
 * use, not for every symbol.
 *
 * Inline chains: the CU of the pc (dwfl_module_addrdie()), the concrete
 * subprogram holding it from a per-CU index sorted by address, then a walk
 * down that subprogram's lexical blocks and DW_TAG_inlined_subroutines that
 * contain the pc. dwarf_getscopes() would do the same from the CU's root
 * for every pc, 50 us per pc in libc against a few us here; it remains the
 * fallback for pcs outside the index, with its two traps: scopes[0] may be a
 * lexical block, and past the first inlined_subroutine it continues in the
 * abstract origin's scopes, so the chain is restarted there with
 * dwarf_getscopes_die(), which follows the physical DIE tree. Each inline's
 * DW_AT_call_file/line is where its caller's frame stands.
 *
 * libdw 0.188 finds the CU of a pc through .debug_aranges only, which clang
 * does not emit (elfutils 0.189 builds them from the CUs): when
 * dwfl_module_addrdie() fails, a table of CU ranges made from the units
 * themselves is searched instead.
 */
#include "symbolize_internal.h"

#ifdef HAVE_LIBDW

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "debuginfo.h"
#include "hashmap.h"
#include "log.h"
#include "xalloc.h"

struct func {
	uint64_t start, size;
	const char *raw;     /* symbol table name, borrowed from libdw */
	const char *display; /* NULL until first used */
	uint8_t bind;
	bool label; /* STT_NOTYPE in code: an assembler label such as ld.so's _start */
};

struct cu_range {
	uint64_t lo, hi; /* Dwfl addresses */
	Dwarf_Die cu;
};

/* The concrete subprograms of one CU, by address. */
struct sub_range {
	uint64_t lo, hi; /* DWARF addresses */
	Dwarf_Die die;
};

struct cu_index {
	struct sub_range *subs;
	size_t n;
};

struct load_seg {
	uint64_t offset, filesz, vaddr, align;
};

struct elfmod {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias; /* Dwfl address = vaddr + bias; 0 as reported */
	struct load_seg *segs;
	size_t nsegs;
	struct func *funcs;
	size_t nfuncs;
	bool funcs_built;
	struct cu_range *cus;
	size_t ncus;
	bool cus_built;
	Dwarf_Addr dwbias;
	struct hashmap *cu_index; /* CU DIE offset -> index + 1 in cu_indexes */
	struct cu_index *cu_indexes;
	size_t ncu_indexes, cu_indexes_alloc;
	bool demangle;
	/* Strings we made (display names, demangled DWARF names). */
	char **owned;
	size_t nowned, owned_alloc;
	/* DW_AT_linkage_name string -> display name. */
	struct hashmap *linkage_names;
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = debuginfo__find,
	.section_address = dwfl_offline_section_address,
};

static const char *own(struct elfmod *em, char *s)
{
	ALLOC_GROW(em->owned, em->nowned + 1, em->owned_alloc);
	em->owned[em->nowned++] = s;
	return s;
}

/* @raw without clone suffix, demangled; @raw itself when nothing changes. */
static const char *display_name(struct elfmod *em, const char *raw)
{
	size_t len = symbol__base_len(raw);
	char *base = NULL, *dem;

	if (raw[len]) {
		base = xstrndup(raw, len);
		raw = base;
	}
	if (em->demangle && (dem = demangle__symbol(raw))) {
		free(base);
		base = dem;
		raw = dem;
	}
	if (base)
		own(em, base);
	return raw;
}

static int read_segments(struct elfmod *em)
{
	size_t phnum, i, alloc = 0;
	Elf *elf;

	elf = dwfl_module_getelf(em->mod, &em->bias);
	if (!elf || elf_getphdrnum(elf, &phnum) < 0)
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		ALLOC_GROW(em->segs, em->nsegs + 1, alloc);
		em->segs[em->nsegs++] = (struct load_seg){
			.offset = ph->p_offset,
			.filesz = ph->p_filesz,
			.vaddr = ph->p_vaddr,
			.align = ph->p_align > 1 ? ph->p_align : 1,
		};
	}
	return em->nsegs ? 0 : -ENOEXEC;
}

struct elfmod *elfmod__open(const char *path, int fd, const uint8_t *build_id, size_t build_id_size,
			    bool demangle)
{
	const unsigned char *bits;
	struct elfmod *em;
	GElf_Addr bvaddr;
	int len, err;

	em = xcalloc(1, sizeof(*em));
	em->demangle = demangle;
	em->dwfl = dwfl_begin(&offline_callbacks);
	if (!em->dwfl) {
		pr_warn("dwfl_begin: %s", dwfl_errmsg(-1));
		close(fd);
		err = ENOMEM;
		goto fail;
	}
	dwfl_report_begin(em->dwfl);
	/* add_p_vaddr with base 0: the module sits at its own p_vaddr, bias 0. */
	em->mod = dwfl_report_elf(em->dwfl, path, path, fd, 0, true);
	if (!em->mod) {
		pr_debug("dwfl_report_elf %s: %s", path, dwfl_errmsg(-1));
		close(fd);
		err = ENOEXEC;
		goto fail;
	}
	dwfl_report_end(em->dwfl, NULL, NULL);

	err = -read_segments(em);
	if (err)
		goto fail;
	if (build_id_size) {
		len = dwfl_module_build_id(em->mod, &bits, &bvaddr);
		if (len != (int)build_id_size || memcmp(bits, build_id, build_id_size)) {
			pr_debug("%s: build-id differs from the mapping's", path);
			err = ESTALE;
			goto fail;
		}
	}
	em->linkage_names = hashmap__new();
	em->cu_index = hashmap__new();
	return em;
fail:
	elfmod__free(em);
	errno = err;
	return NULL;
}

void elfmod__free(struct elfmod *em)
{
	size_t i;

	if (!em)
		return;
	if (em->dwfl)
		dwfl_end(em->dwfl);
	for (i = 0; i < em->nowned; i++)
		free(em->owned[i]);
	free(em->owned);
	free(em->segs);
	free(em->funcs);
	free(em->cus);
	for (i = 0; i < em->ncu_indexes; i++)
		free(em->cu_indexes[i].subs);
	free(em->cu_indexes);
	hashmap__free(em->cu_index);
	hashmap__free(em->linkage_names);
	free(em);
}

int elfmod__vaddr(const struct elfmod *em, uint64_t off, uint64_t *vaddr)
{
	size_t i;

	for (i = 0; i < em->nsegs; i++) {
		const struct load_seg *s = &em->segs[i];

		if (off >= s->offset && off - s->offset < s->filesz) {
			*vaddr = off - s->offset + s->vaddr;
			return 0;
		}
	}
	/* Mappings are page-rounded: accept the alignment slack around a segment. */
	for (i = 0; i < em->nsegs; i++) {
		const struct load_seg *s = &em->segs[i];
		uint64_t lo = s->offset & ~(s->align - 1);

		if (off >= lo && off < s->offset + s->filesz + s->align) {
			*vaddr = off - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

size_t elfmod__build_id(const struct elfmod *em, const uint8_t **bits)
{
	const unsigned char *b;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(em->mod, &b, &vaddr);

	if (len <= 0)
		return 0;
	*bits = b;
	return (size_t)len;
}

static unsigned underscores(const char *s)
{
	unsigned n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* Which alias names an address: sized, non-weak, global, fewer '_', longer. */
static bool better_alias(const struct func *a, const struct func *b)
{
	unsigned ua, ub;
	size_t la, lb;

	if (a->label != b->label)
		return !a->label;
	if (!a->size != !b->size)
		return a->size != 0;
	if ((a->bind == STB_WEAK) != (b->bind == STB_WEAK))
		return b->bind == STB_WEAK;
	if ((a->bind == STB_GLOBAL) != (b->bind == STB_GLOBAL))
		return a->bind == STB_GLOBAL;
	ua = underscores(a->raw);
	ub = underscores(b->raw);
	if (ua != ub)
		return ua < ub;
	la = strlen(a->raw);
	lb = strlen(b->raw);
	if (la != lb)
		return la > lb;
	return strcmp(a->raw, b->raw) < 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* The preferred alias first; total order keeps qsort deterministic. */
	if (better_alias(x, y))
		return -1;
	return better_alias(y, x) ? 1 : 0;
}

/*
 * Whether a STT_NOTYPE symbol names code, as perf takes it: a named label
 * in an executable section (hand-written assembly such as the dynamic
 * loader's _start and _dl_start_user), not a local ".L" one.
 */
static bool code_label(Elf *elf, GElf_Word shndx, const char *name)
{
	GElf_Shdr mem, *sh;

	if (!elf || name[0] == '.' || name[0] == '$')
		return false;
	sh = gelf_getshdr(elf_getscn(elf, shndx), &mem);
	return sh && (sh->sh_flags & SHF_EXECINSTR);
}

static void build_funcs(struct elfmod *em)
{
	size_t alloc = 0, i, j;
	uint64_t end;
	int n, k;

	em->funcs_built = true;
	n = dwfl_module_getsymtab(em->mod);
	if (n < 0) {
		pr_debug("dwfl_module_getsymtab %s: %s",
			 dwfl_module_info(em->mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
			 dwfl_errmsg(-1));
		return;
	}
	for (k = 1; k < n; k++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name;
		Elf *elf = NULL;
		int type;

		name = dwfl_module_getsym_info(em->mod, k, &sym, &addr, &shndx, &elf, NULL);
		if (!name || !name[0])
			continue;
		if (shndx == SHN_UNDEF || shndx == SHN_ABS || shndx == (GElf_Word)-1)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC &&
		    (type != STT_NOTYPE || !code_label(elf, shndx, name)))
			continue;
		ALLOC_GROW(em->funcs, em->nfuncs + 1, alloc);
		em->funcs[em->nfuncs++] = (struct func){
			.start = addr,
			.size = sym.st_size,
			.raw = name,
			.bind = GELF_ST_BIND(sym.st_info),
			.label = type == STT_NOTYPE,
		};
	}
	if (em->nfuncs > 1)
		qsort(em->funcs, em->nfuncs, sizeof(*em->funcs), cmp_func);
	/* One symbol an address; a label inside a sized function is no function. */
	for (i = 0, j = 0, end = 0; i < em->nfuncs; i++) {
		const struct func *f = &em->funcs[i];

		if ((j && em->funcs[j - 1].start == f->start) || (f->label && f->start < end))
			continue;
		if (!f->label && f->start + f->size > end)
			end = f->start + f->size;
		em->funcs[j++] = *f;
	}
	em->nfuncs = j;
}

static struct func *find_func(struct elfmod *em, uint64_t addr)
{
	size_t lo = 0, hi, i;

	if (!em->funcs_built)
		build_funcs(em);
	hi = em->nfuncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (em->funcs[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A sized symbol must cover addr; a nested one may precede it. */
	for (i = lo; i > 0 && lo - i < 4; i--) {
		struct func *f = &em->funcs[i - 1];

		if (!f->size ? i == lo : addr - f->start < f->size)
			return f;
	}
	return NULL;
}

static int cmp_cu_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void build_cu_ranges(struct elfmod *em)
{
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Half version;
	uint8_t unit_type;
	Dwarf_Die cudie;
	size_t alloc = 0;
	Dwarf *dw;

	em->cus_built = true;
	dw = dwfl_module_getdwarf(em->mod, &em->dwbias);
	if (!dw)
		return;
	for (; dwarf_get_units(dw, cu, &next, &version, &unit_type, &cudie, NULL) == 0; cu = next) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t it = 0;

		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial &&
		    unit_type != DW_UT_skeleton)
			continue;
		while ((it = dwarf_ranges(&cudie, it, &base, &lo, &hi)) > 0) {
			if (lo >= hi)
				continue;
			ALLOC_GROW(em->cus, em->ncus + 1, alloc);
			em->cus[em->ncus++] = (struct cu_range){
				.lo = lo + em->dwbias, .hi = hi + em->dwbias, .cu = cudie};
		}
	}
	if (em->ncus > 1)
		qsort(em->cus, em->ncus, sizeof(*em->cus), cmp_cu_range);
}

void elfmod__prepare(struct elfmod *em)
{
	Dwarf_Aranges *aranges;
	Dwarf_Addr bias;
	size_t naranges = 0;
	Dwarf *dw;

	if (!em->funcs_built)
		build_funcs(em);
	/* Finds and reads the debug info: separate files, decompressed sections. */
	dw = dwfl_module_getdwarf(em->mod, &bias);
	if (!dw)
		return;
	/* What find_cu() searches: .debug_aranges, or the units' own ranges. */
	if ((dwarf_getaranges(dw, &aranges, &naranges) != 0 || !naranges) && !em->cus_built)
		build_cu_ranges(em);
}

/* The CU DIE holding @pc and the bias of its DWARF addresses; NULL if none. */
static Dwarf_Die *find_cu(struct elfmod *em, Dwarf_Addr pc, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(em->mod, pc, bias);
	size_t lo = 0, hi;

	if (cu)
		return cu;
	if (!em->cus_built)
		build_cu_ranges(em);
	hi = em->ncus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (em->cus[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || pc >= em->cus[lo - 1].hi)
		return NULL;
	*bias = em->dwbias;
	return &em->cus[lo - 1].cu;
}

static int cmp_sub_range(const void *a, const void *b)
{
	const struct sub_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static bool lang_nests_functions(Dwarf_Die *cudie)
{
	switch (dwarf_srclang(cudie)) {
	case DW_LANG_C89:
	case DW_LANG_C:
	case DW_LANG_C99:
	case DW_LANG_C11: return false;
	default: return true;
	}
}

/* Adds the concrete subprograms below @die (namespaces, classes) to @ci. */
static void index_scope(struct cu_index *ci, Dwarf_Die *die, bool types, int depth, size_t *alloc)
{
	Dwarf_Addr base, lo, hi;
	Dwarf_Die child;
	ptrdiff_t it;

	if (dwarf_child(die, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			/* Declarations and abstract instances have no addresses. */
			for (it = 0; (it = dwarf_ranges(&child, it, &base, &lo, &hi)) > 0;) {
				if (lo >= hi)
					continue;
				ALLOC_GROW(ci->subs, ci->n + 1, *alloc);
				ci->subs[ci->n++] =
					(struct sub_range){.lo = lo, .hi = hi, .die = child};
			}
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
			if (depth < 32)
				index_scope(ci, &child, types, depth + 1, alloc);
			break;
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
			if (types && depth < 32)
				index_scope(ci, &child, types, depth + 1, alloc);
			break;
		default: break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/*
 * The concrete subprogram of @cudie holding @pc (a DWARF address). Each CU's
 * subprograms are indexed by address on first use: dwarf_getscopes() walks
 * the CU from its root for every pc (about 50 us per pc in libc).
 */
static Dwarf_Die *find_subprogram(struct elfmod *em, Dwarf_Die *cudie, Dwarf_Addr pc)
{
	uint64_t key = dwarf_dieoffset(cudie), v;
	struct cu_index *ci;
	size_t lo = 0, hi, i, alloc = 0;

	if (hashmap__get(em->cu_index, key, &v)) {
		ci = &em->cu_indexes[v - 1];
	} else {
		ALLOC_GROW(em->cu_indexes, em->ncu_indexes + 1, em->cu_indexes_alloc);
		ci = &em->cu_indexes[em->ncu_indexes++];
		memset(ci, 0, sizeof(*ci));
		index_scope(ci, cudie, lang_nests_functions(cudie), 0, &alloc);
		if (ci->n > 1)
			qsort(ci->subs, ci->n, sizeof(*ci->subs), cmp_sub_range);
		hashmap__put(em->cu_index, key, em->ncu_indexes);
	}
	hi = ci->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ci->subs[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i > 0 && lo - i < 4; i--) {
		if (pc < ci->subs[i - 1].hi)
			return &ci->subs[i - 1].die;
	}
	return NULL;
}

/* Display name of a subprogram or inlined_subroutine DIE. */
static const char *die_name(struct elfmod *em, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *link, *name;
	uint64_t v;

	link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!link)
		link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (link) {
		/* Same name as the function's own symbol gets when not inlined. */
		if (hashmap__get(em->linkage_names, (uintptr_t)link, &v))
			return (const char *)(uintptr_t)v;
		name = display_name(em, link);
		hashmap__put(em->linkage_names, (uintptr_t)link, (uintptr_t)name);
		return name;
	}
	name = dwarf_diename(die);
	return name ? name : "??";
}

/* The call site of inlined_subroutine @die: its caller's file and line. */
static void call_site(Dwarf_Die *die, const char **file, uint32_t *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx, ln;
	Dwarf_Files *files;
	Dwarf_Die cu;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &ln) == 0)
		*line = (uint32_t)ln;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &idx) == 0 &&
	    dwarf_diecu(die, &cu, NULL, NULL) && dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 &&
	    idx < nfiles)
		*file = dwarf_filesrc(files, idx, NULL, NULL);
}

/* File and line of @pc (a DWARF address) in @cudie's line table. */
static void pc_line(Dwarf_Die *cudie, Dwarf_Addr pc, const char **file, uint32_t *line)
{
	Dwarf_Line *l = cudie ? dwarf_getsrc_die(cudie, pc) : NULL;
	int ln = 0;

	*file = NULL;
	*line = 0;
	if (!l)
		return;
	*file = dwarf_linesrc(l, NULL, NULL);
	if (dwarf_lineno(l, &ln) == 0 && ln > 0)
		*line = (uint32_t)ln;
}

static struct sym_info frame(const char *name, const char *file, uint32_t line,
			     enum frame_kind kind)
{
	return (struct sym_info){.name = name, .file = file, .line = line, .kind = kind};
}

/* Inlined subroutines holding @pc below @die, appended outermost first. */
static int descend(Dwarf_Die *die, Dwarf_Addr pc, Dwarf_Die *chain, int n, int max)
{
	Dwarf_Die child;
	int tag, has, m;

	if (max < 1 || dwarf_child(die, &child) != 0)
		return n;
	do {
		tag = dwarf_tag(&child);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_lexical_block &&
		    tag != DW_TAG_try_block && tag != DW_TAG_catch_block)
			continue;
		has = dwarf_haspc(&child, pc);
		if (has > 0) {
			if (tag == DW_TAG_inlined_subroutine) {
				/* Past the limit, drop the outermost: the innermost matter most. */
				if (n == max)
					memmove(chain, chain + 1, --n * sizeof(*chain));
				chain[n++] = child;
			}
			return descend(&child, pc, chain, n, max);
		}
		/* A block without addresses of its own may still hold inlines. */
		if (has == 0 && tag != DW_TAG_inlined_subroutine &&
		    !dwarf_hasattr(&child, DW_AT_low_pc) && !dwarf_hasattr(&child, DW_AT_ranges)) {
			m = descend(&child, pc, chain, n, max);
			if (m != n)
				return m;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return n;
}

/*
 * The recipe of PLATFORM.md §3, for pcs outside the subprogram index: the
 * scopes at @pc, then the physical chain of the first inlined_subroutine.
 * Fills @chain outermost first like descend(); returns the subprogram.
 */
static bool scopes_chain(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *sub, Dwarf_Die *chain,
			 int *nchain, int max)
{
	Dwarf_Die *scopes = NULL, *path = NULL;
	int nscopes, npath = 0, i, first = -1;
	bool found = false;

	*nchain = 0;
	nscopes = dwarf_getscopes(cudie, pc, &scopes);
	for (i = 0; i < nscopes; i++) {
		int tag = dwarf_tag(&scopes[i]);

		/* scopes[0] may be a lexical block: look past it. */
		if (tag == DW_TAG_inlined_subroutine) {
			first = i;
			break;
		}
		if (tag == DW_TAG_subprogram) {
			*sub = scopes[i];
			found = true;
			break;
		}
	}
	/* Past an inline, dwarf_getscopes() follows the abstract origin: restart from the DIE. */
	if (first >= 0)
		npath = dwarf_getscopes_die(&scopes[first], &path);
	for (i = 0; i < npath; i++) {
		int tag = dwarf_tag(&path[i]);

		if (tag == DW_TAG_subprogram) {
			*sub = path[i];
			found = true;
			break;
		}
		if (tag == DW_TAG_inlined_subroutine && *nchain < max)
			chain[(*nchain)++] = path[i];
	}
	/* path is innermost first: turn it around. */
	for (i = 0; i < *nchain / 2; i++) {
		Dwarf_Die t = chain[i];

		chain[i] = chain[*nchain - 1 - i];
		chain[*nchain - 1 - i] = t;
	}
	free(path);
	free(scopes);
	return found;
}

int elfmod__resolve(struct elfmod *em, uint64_t vaddr, bool inlines, struct sym_info *out, int max)
{
	Dwarf_Die chain[SYMTAB_MAX_INLINE], subdie, *cudie, *sub = NULL;
	Dwarf_Addr pc = vaddr + em->bias, cubias = 0;
	const char *name = NULL, *file = NULL;
	int nchain = 0, n = 0, i, limit;
	struct func *f;
	uint32_t line = 0;

	if (max < 1)
		return 0;
	limit = max - 1 < SYMTAB_MAX_INLINE ? max - 1 : SYMTAB_MAX_INLINE;
	f = find_func(em, pc);
	if (f) {
		if (!f->display)
			f->display = display_name(em, f->raw);
		name = f->display;
	}

	cudie = find_cu(em, pc, &cubias);
	if (cudie) {
		sub = find_subprogram(em, cudie, pc - cubias);
		if (sub)
			nchain = descend(sub, pc - cubias, chain, 0, limit);
		else if (scopes_chain(cudie, pc - cubias, &subdie, chain, &nchain, limit))
			sub = &subdie;
		pc_line(cudie, pc - cubias, &file, &line);
	}
	if (!name && sub)
		name = die_name(em, sub);
	if (!name)
		return 0;

	/* chain is outermost first; frames go innermost first. */
	for (i = nchain - 1; i >= 0; i--) {
		if (inlines)
			out[n++] = frame(die_name(em, &chain[i]), file, line, FRAME_KIND_INLINE);
		call_site(&chain[i], &file, &line);
	}
	out[n++] = frame(name, file, line, FRAME_KIND_NATIVE);
	return n;
}

/* Our own word size's ELF headers: the vdso is mapped in this process. */
typedef ElfW(Ehdr) native_ehdr;
typedef ElfW(Phdr) native_phdr;

int vdso__memfd(void)
{
	const native_ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	const native_phdr *ph;
	size_t size, page = (size_t)sysconf(_SC_PAGESIZE), off;
	ssize_t w;
	int fd, i;

	if (!eh)
		return -ENOENT;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	/* The image ends with its section headers; the kernel maps whole pages. */
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	ph = (const void *)((const char *)eh + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	}
	size = (size + page - 1) & ~(page - 1);

	fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (off = 0; off < size; off += w) {
		w = write(fd, (const char *)eh + off, size - off);
		if (w < 0 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;

			close(fd);
			return err;
		}
	}
	return fd;
}

#endif /* HAVE_LIBDW */
