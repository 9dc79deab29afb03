// SPDX-License-Identifier: Apache-2.0
/*
 * The symbolize stage against real code: functions of this test runner,
 * libc and the vdso found through /proc/self/maps; the fixtures in
 * tests/workloads/ (symfix.c, symfix_cpp.cpp) compared with addr2line;
 * kallsyms, perf maps, fallbacks and the result cache.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "debuginfo.h"
#include "helpers/helpers.h"
#include "symtab.h"
#include "../src/symbolize/symbolize_internal.h"

#define FIXTURE	    RESQ_BUILDDIR "/workloads/symfix"
#define FIXTURE_CPP RESQ_BUILDDIR "/workloads/symfix_cpp"
#define FAKE_BASE   0x7f1200000000ull

/* A function of the runner itself; only its address is taken. */
static __attribute__((noinline, used)) int symtab_self_target(int x)
{
	return x * 3 + (int)getpid();
}

static char *map_path_buf;

/* The line of /proc/self/maps holding @addr, as a struct mapping. */
static bool self_mapping(uint64_t addr, struct mapping *m)
{
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, pgoff, ino;
		unsigned maj, min;
		char perms[8];
		int off = 0;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, perms, &pgoff, &maj,
			   &min, &ino, &off) < 7 ||
		    addr < start || addr >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		free(map_path_buf);
		map_path_buf = strdup(off ? line + off : "");
		*m = (struct mapping){.start = start,
				      .end = end,
				      .pgoff = pgoff,
				      .path = map_path_buf,
				      .maj = maj,
				      .min = min,
				      .ino = ino};
		found = true;
		break;
	}
	fclose(f);
	return found;
}

struct elf_file {
	Elf64_Phdr ph[32];
	int nph;
	uint8_t build_id[BUILD_ID_MAX];
	uint8_t build_id_size;
};

/* The program headers and GNU build-id of a 64-bit ELF file. */
static void read_elf(const char *path, struct elf_file *ef)
{
	size_t len;
	char *buf = th_read_file(path, &len);
	const Elf64_Ehdr *eh = (const void *)buf;
	int i;

	cr_assert_not_null(buf, "%s missing: build it with make", path);
	cr_assert(len > sizeof(*eh) && !memcmp(eh->e_ident, ELFMAG, SELFMAG));
	memset(ef, 0, sizeof(*ef));
	ef->nph = eh->e_phnum < 32 ? eh->e_phnum : 32;
	memcpy(ef->ph, buf + eh->e_phoff, ef->nph * sizeof(Elf64_Phdr));
	for (i = 0; i < ef->nph; i++) {
		const char *p = buf + ef->ph[i].p_offset, *end = p + ef->ph[i].p_filesz;

		while (ef->ph[i].p_type == PT_NOTE && p + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const void *)p;
			const char *desc = p + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(p + sizeof(*nh), "GNU", 4) && nh->n_descsz <= BUILD_ID_MAX) {
				memcpy(ef->build_id, desc, nh->n_descsz);
				ef->build_id_size = nh->n_descsz;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	free(buf);
}

/*
 * A mapping of @path as the loader would make it at FAKE_BASE (a PIE), for
 * the PT_LOAD holding @vaddr; the process address of @vaddr is FAKE_BASE + vaddr.
 */
static struct mapping fake_mapping(const char *path, const struct elf_file *ef, uint64_t vaddr)
{
	struct stat sb;
	int i;

	cr_assert_eq(stat(path, &sb), 0);
	for (i = 0; i < ef->nph; i++) {
		const Elf64_Phdr *ph = &ef->ph[i];

		if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr &&
		    vaddr < ph->p_vaddr + ph->p_memsz)
			return (struct mapping){
				.start = FAKE_BASE + (ph->p_vaddr & ~0xfffull),
				.end = FAKE_BASE +
				       ((ph->p_vaddr + ph->p_memsz + 0xfff) & ~0xfffull),
				.pgoff = ph->p_offset & ~0xfffull,
				.path = path,
				.prot = 5,
				.maj = major(sb.st_dev),
				.min = minor(sb.st_dev),
				.ino = sb.st_ino,
			};
	}
	cr_assert_fail("no PT_LOAD holds 0x%" PRIx64 " in %s", vaddr, path);
	return (struct mapping){0};
}

/* Address and size of symbol @name in @path, from nm. */
static void nm_symbol(const char *path, const char *name, uint64_t *addr, uint64_t *size)
{
	const char *argv[] = {"nm", "-S", "--defined-only", path, NULL};
	struct th_result r = th_run(argv, NULL, 0, 30);
	char *line, *save = NULL;
	bool found = false;

	cr_assert_eq(r.status, 0, "nm %s: %s", path, r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char type, sym[512];

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %c %511s", addr, size, &type, sym) == 4 &&
		    !strcmp(sym, name)) {
			found = true;
			break;
		}
	}
	th_result_free(&r);
	cr_assert(found, "%s not in nm output of %s", name, path);
}

struct a2l_frame {
	char name[256];
	unsigned line; /* 0 for "?" */
};

struct a2l {
	struct a2l_frame f[SYMTAB_MAX_INLINE];
	int n;
};

/* addr2line -a -f -i for @n addresses from @start; @extra is "-C" or NULL. */
static struct a2l *addr2line(const char *path, uint64_t start, int n, const char *extra)
{
	const char *argv[] = {"addr2line", "-a", "-f", "-i", "-e", path, extra, NULL};
	struct a2l *res = calloc(n, sizeof(*res));
	char *in = malloc(n * 24 + 1), *line, *save = NULL;
	size_t off = 0;
	struct th_result r;
	int i, cur = -1;
	bool want_name = true;

	for (i = 0; i < n; i++)
		off += sprintf(in + off, "0x%" PRIx64 "\n", start + i);
	r = th_run(argv, in, off, 60);
	cr_assert_eq(r.status, 0, "addr2line: %s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "0x", 2)) {
			cur++;
			want_name = true;
			continue;
		}
		cr_assert(cur >= 0 && cur < n);
		if (want_name) {
			struct a2l_frame *f = &res[cur].f[res[cur].n++];

			snprintf(f->name, sizeof(f->name), "%s", line);
		} else {
			const char *colon = strrchr(line, ':');

			res[cur].f[res[cur].n - 1].line = colon ? (unsigned)atoi(colon + 1) : 0;
		}
		want_name = !want_name;
	}
	cr_assert_eq(cur, n - 1);
	th_result_free(&r);
	free(in);
	return res;
}

static struct symtab *st;

/* Skips tests of user-space symbols in a build without libdw (NO_LIBDW=1). */
static void need_libdw(void)
{
#ifndef HAVE_LIBDW
	cr_skip_test("built without libdw: user addresses show as [module]");
#endif
}

static void setup(void)
{
	st = symtab__new(&(struct symtab_opts){0});
	cr_assert_not_null(st);
}

static void teardown(void)
{
	char path[64];

	symtab__free(st);
	st = NULL;
	free(map_path_buf);
	map_path_buf = NULL;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
}

TestSuite(symtab, .init = setup, .fini = teardown);

Test(symtab, resolves_own_function)
{
	uint64_t addr = (uintptr_t)&symtab_self_target + 4;
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct mapping m;
	int n;

	need_libdw();
	cr_assert(self_mapping(addr, &m));
	n = symtab__resolve_user(st, getpid(), &m, addr, false, out);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(out[0].name, "symtab_self_target");
	cr_assert_eq(out[0].kind, FRAME_KIND_NATIVE);
	cr_assert_str_eq(out[0].module, m.path);
	cr_assert_not_null(out[0].file);
	cr_assert(strstr(out[0].file, "test_symtab.c"), "file %s", out[0].file);
	cr_assert_gt(out[0].line, 0);
}

Test(symtab, resolves_libc_functions)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	const char *names[] = {"qsort", "malloc", "bsearch"};
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct mapping m;
	size_t i;
	int n;

	need_libdw();
	cr_assert_not_null(libc);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* dlsym on libc's handle: not the sanitizer's interceptor. */
		uint64_t addr = (uintptr_t)dlsym(libc, names[i]);

		cr_assert(addr && self_mapping(addr, &m), "%s", names[i]);
		n = symtab__resolve_user(st, getpid(), &m, addr + 1, false, out);
		cr_assert_geq(n, 1);
		cr_assert_str_eq(out[n - 1].name, names[i]);
		cr_assert(strstr(out[n - 1].module, "libc.so.6"), "%s", out[n - 1].module);
		cr_assert_eq(out[n - 1].kind, FRAME_KIND_NATIVE);

		/* A return address at a function's first byte belongs to the code before it. */
		n = symtab__resolve_user(st, getpid(), &m, addr, true, out);
		cr_assert_str_neq(out[n - 1].name, names[i]);
	}
	dlclose(libc);
}

Test(symtab, resolves_vdso)
{
	void *vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct mapping m;
	uint64_t addr;
	int n;

	need_libdw();
	cr_assert_not_null(vdso, "dlopen linux-vdso.so.1: %s", dlerror());
	addr = (uintptr_t)dlsym(vdso, "__vdso_clock_gettime");
	cr_assert(addr && self_mapping(addr, &m));
	cr_assert_str_eq(m.path, "[vdso]");
	n = symtab__resolve_user(st, getpid(), &m, addr + 8, false, out);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(out[0].name, "__vdso_clock_gettime");
	cr_assert_str_eq(out[0].module, "[vdso]");
	cr_assert_eq(out[0].kind, FRAME_KIND_NATIVE);
	dlclose(vdso);
}

/* Every address of sym_work() against addr2line -f -i: names and lines. */
Test(symtab, inline_chains_match_addr2line)
{
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint64_t start, size, i;
	struct elf_file ef;
	struct mapping m;
	struct a2l *ref;
	int n, k, deepest = 0;

	need_libdw();
	read_elf(FIXTURE, &ef);
	nm_symbol(FIXTURE, "sym_work", &start, &size);
	m = fake_mapping(FIXTURE, &ef, start);
	ref = addr2line(FIXTURE, start, (int)size, NULL);
	for (i = 0; i < size; i++) {
		n = symtab__resolve_user(st, 0, &m, FAKE_BASE + start + i, false, out);
		cr_assert_eq(n, ref[i].n, "0x%" PRIx64 ": %d frames, addr2line %d", start + i, n,
			     ref[i].n);
		for (k = 0; k < n; k++) {
			cr_assert_str_eq(out[k].name, ref[i].f[k].name, "0x%" PRIx64 " frame %d",
					 start + i, k);
			cr_assert_eq(out[k].line, ref[i].f[k].line, "0x%" PRIx64 " frame %d (%s)",
				     start + i, k, out[k].name);
			cr_assert_eq(out[k].kind,
				     k == n - 1 ? FRAME_KIND_NATIVE : FRAME_KIND_INLINE);
			if (out[k].line)
				cr_assert(strstr(out[k].file, "symfix.c"));
		}
		if (n > deepest)
			deepest = n;
	}
	/* sym_work -> mix_outer -> mix_inner somewhere. */
	cr_assert_eq(deepest, 3);
	free(ref);
}

/* Every address of [@start, @start + @size) of mapping @m: @a and @b agree. */
static void assert_same_frames(struct symtab *a, struct symtab *b, const struct mapping *m,
			       uint64_t start, uint64_t size)
{
	struct sym_info x[SYMTAB_MAX_INLINE], y[SYMTAB_MAX_INLINE];
	uint64_t i;
	int n, k;

	for (i = 0; i < size; i++) {
		n = symtab__resolve_user(a, getpid(), m, start + i, false, x);
		cr_assert_eq(symtab__resolve_user(b, getpid(), m, start + i, false, y), n,
			     "0x%" PRIx64, start + i);
		for (k = 0; k < n; k++) {
			cr_assert_str_eq(x[k].name, y[k].name, "0x%" PRIx64, start + i);
			cr_assert_eq(x[k].line, y[k].line, "0x%" PRIx64 " %s", start + i,
				     x[k].name);
			cr_assert_eq(x[k].kind, y[k].kind);
			cr_assert_eq(!x[k].file, !y[k].file);
			if (x[k].file)
				cr_assert_str_eq(x[k].file, y[k].file);
		}
	}
}

Test(symtab, prepared_modules_resolve_the_same)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	struct symtab *ready = symtab__new(&(struct symtab_opts){0});
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint64_t start, size, qsort_addr;
	struct elf_file ef;
	struct mapping m, lm;

	need_libdw();
	/* The fixture is built by clang: no .debug_aranges, the CU table is made. */
	read_elf(FIXTURE, &ef);
	nm_symbol(FIXTURE, "sym_work", &start, &size);
	m = fake_mapping(FIXTURE, &ef, start);
	symtab__prepare(ready, 0, &m);
	symtab__prepare(ready, 0, &m); /* twice: nothing changes */
	cr_assert_eq(symtab__resolve_user(ready, 0, &m, FAKE_BASE + start, false, out), 1);
	cr_assert_str_eq(out[0].name, "sym_work");
	assert_same_frames(ready, st, &m, FAKE_BASE + start, size);

	/* libc: its debug info comes from libc6-dbg, by build-id. */
	cr_assert_not_null(libc);
	qsort_addr = (uintptr_t)dlsym(libc, "qsort");
	cr_assert(qsort_addr && self_mapping(qsort_addr, &lm));
	symtab__prepare(ready, getpid(), &lm);
	assert_same_frames(ready, st, &lm, qsort_addr, 64);

	/* Mappings with no file: nothing to prepare, and no harm done. */
	symtab__prepare(ready, getpid(), NULL);
	symtab__prepare(ready, getpid(), &(struct mapping){.start = 1, .end = 2, .path = "//anon"});
	symtab__free(ready);
	dlclose(libc);
}

/* An untyped assembler label in code names the addresses after it, as perf does. */
Test(symtab, names_code_by_assembler_labels)
{
	const char *argv[] = {"nm", "--defined-only", FIXTURE, NULL};
	struct th_result r = th_run(argv, NULL, 0, 30);
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint64_t addr = 0;
	struct elf_file ef;
	struct mapping m;
	char *p;
	int n;

	need_libdw();
	cr_assert_eq(r.status, 0, "nm: %s", r.err);
	p = strstr(r.out, " T symfix_label\n");
	cr_assert_not_null(p, "%s", r.out);
	while (p > r.out && p[-1] != '\n')
		p--;
	cr_assert_eq(sscanf(p, "%" SCNx64, &addr), 1);
	th_result_free(&r);
	read_elf(FIXTURE, &ef);
	m = fake_mapping(FIXTURE, &ef, addr);
	cr_assert_eq(symtab__resolve_user(st, 0, &m, FAKE_BASE + addr + 1, false, out), 1);
	cr_assert_str_eq(out[0].name, "symfix_label");
	/* The next function is its own again. */
	nm_symbol(FIXTURE, "sym_work", &addr, &(uint64_t){0});
	n = symtab__resolve_user(st, 0, &m, FAKE_BASE + addr + 1, false, out);
	cr_assert_str_eq(out[n - 1].name, "sym_work");
}

Test(symtab, no_inline_gives_the_containing_function)
{
	struct symtab *flat = symtab__new(&(struct symtab_opts){.no_inline = true});
	struct sym_info out[SYMTAB_MAX_INLINE], full[SYMTAB_MAX_INLINE];
	uint64_t start, size, i;
	struct elf_file ef;
	struct mapping m;
	int n, nfull, checked = 0;

	need_libdw();
	read_elf(FIXTURE, &ef);
	nm_symbol(FIXTURE, "sym_work", &start, &size);
	m = fake_mapping(FIXTURE, &ef, start);
	for (i = 0; i < size; i++) {
		nfull = symtab__resolve_user(st, 0, &m, FAKE_BASE + start + i, false, full);
		n = symtab__resolve_user(flat, 0, &m, FAKE_BASE + start + i, false, out);
		cr_assert_eq(n, 1);
		cr_assert_str_eq(out[0].name, "sym_work");
		cr_assert_eq(out[0].kind, FRAME_KIND_NATIVE);
		/* The line in sym_work is the outermost call site. */
		cr_assert_eq(out[0].line, full[nfull - 1].line);
		checked += nfull > 1;
	}
	cr_assert_gt(checked, 0);
	symtab__free(flat);
}

Test(symtab, resolves_a_process_that_has_exited)
{
	const char *argv[] = {FIXTURE, "--where", NULL};
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct th_result r = th_run(argv, NULL, 0, 30);
	unsigned long addr, start, end, pgoff;
	struct elf_file ef;
	struct mapping m;
	char path[4096];
	struct stat sb;
	int pid, n;

	need_libdw();
	cr_assert_eq(r.status, 0);
	cr_assert_eq(
		sscanf(r.out, "%d %lx %lx %lx %lx %4095s", &pid, &addr, &start, &end, &pgoff, path),
		6);
	th_result_free(&r);
	cr_assert_eq(stat(path, &sb), 0);
	m = (struct mapping){.start = start,
			     .end = end,
			     .pgoff = pgoff,
			     .path = path,
			     .maj = major(sb.st_dev),
			     .min = minor(sb.st_dev),
			     .ino = sb.st_ino};
	n = symtab__resolve_user(st, pid, &m, addr + 2, false, out);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(out[0].name, "sym_work");

	/* Keyed by build-id: the right one resolves, a wrong one refuses the file. */
	read_elf(FIXTURE, &ef);
	cr_assert_gt(ef.build_id_size, 0);
	memcpy(m.build_id, ef.build_id, ef.build_id_size);
	m.build_id_size = ef.build_id_size;
	n = symtab__resolve_user(st, pid, &m, addr + 2, false, out);
	cr_assert_str_eq(out[n - 1].name, "sym_work");
	m.build_id[0] ^= 0xff;
	n = symtab__resolve_user(st, pid, &m, addr + 2, false, out);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(out[0].name, "[symfix]");
}

/* One file seen by path (a maps snapshot) and by build-id (MMAP2): one module. */
Test(symtab, shares_modules_by_build_id)
{
	struct sym_info a[SYMTAB_MAX_INLINE], b[SYMTAB_MAX_INLINE];
	struct symtab_stats s;
	uint64_t start, size;
	struct elf_file ef;
	struct mapping m;
	int na, nb;

	need_libdw();
	read_elf(FIXTURE, &ef);
	nm_symbol(FIXTURE, "sym_work", &start, &size);
	m = fake_mapping(FIXTURE, &ef, start);
	na = symtab__resolve_user(st, 0, &m, FAKE_BASE + start + 1, false, a);
	memcpy(m.build_id, ef.build_id, ef.build_id_size);
	m.build_id_size = ef.build_id_size;
	m.ino = 0;
	m.path = "/some/other/path/symfix";
	nb = symtab__resolve_user(st, 0, &m, FAKE_BASE + start + 1, false, b);
	cr_assert_eq(na, nb);
	cr_assert_eq(a[na - 1].name, b[nb - 1].name);
	cr_assert_str_eq(b[nb - 1].module, FIXTURE);
	symtab__stats(st, &s);
	cr_assert_eq(s.cache_hits, 1);
}

Test(symtab, demangles_cpp_function_and_inline_frames)
{
	struct symtab *raw = symtab__new(&(struct symtab_opts){.no_demangle = true});
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint64_t start, size, i;
	struct elf_file ef;
	struct mapping m;
	int n, inlined = 0;

	need_libdw();
	read_elf(FIXTURE_CPP, &ef);
	nm_symbol(FIXTURE_CPP, "_ZN2ns6WorkerIiE3runEi", &start, &size);
	m = fake_mapping(FIXTURE_CPP, &ef, start);
	for (i = 0; i < size; i++) {
		n = symtab__resolve_user(st, 0, &m, FAKE_BASE + start + i, false, out);
#ifdef HAVE_LIBIBERTY
		cr_assert_str_eq(out[n - 1].name, "ns::Worker<int>::run(int)");
		if (n == 2) {
			cr_assert_str_eq(out[0].name, "int ns::scale<int>(int, int)");
			cr_assert_eq(out[0].kind, FRAME_KIND_INLINE);
			inlined++;
		}
#else
		cr_assert_str_eq(out[n - 1].name, "_ZN2ns6WorkerIiE3runEi");
		inlined += n == 2;
#endif
		n = symtab__resolve_user(raw, 0, &m, FAKE_BASE + start + i, false, out);
		cr_assert_str_eq(out[n - 1].name, "_ZN2ns6WorkerIiE3runEi");
		if (n == 2)
			cr_assert_str_eq(out[0].name, "_ZN2nsL5scaleIiEET_S1_i");
	}
	cr_assert_gt(inlined, 0);
	symtab__free(raw);
}

Test(symtab, demangles_cpp_and_rust_names)
{
#ifdef HAVE_LIBIBERTY
	static const char *const cases[][2] = {
		{"_ZN2ns6WorkerIiE3runEi", "ns::Worker<int>::run(int)"},
		{"_ZNK3foo3BarclERKSt6vectorIiSaIiEE",
		 "foo::Bar::operator()(std::vector<int, std::allocator<int> > const&) const"},
		/* Rust legacy: the hash goes. */
		{"_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write"},
		{"_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h1a2b3c4d5e6f7a8bE",
		 "std::rt::lang_start::{{closure}}"},
		/* Rust v0. */
		{"_RNvNtCs1234_7mycrate3bar3baz", "mycrate::bar::baz"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = demangle__symbol(cases[i][0]);

		cr_assert_not_null(d, "%s", cases[i][0]);
		cr_assert_str_eq(d, cases[i][1]);
		free(d);
	}
#endif
	cr_assert_null(demangle__symbol("main"));
	cr_assert_null(demangle__symbol("_start"));
	cr_assert_null(demangle__symbol("_Znot_really"));
}

Test(symtab, strips_clone_suffixes)
{
	static const struct {
		const char *in;
		size_t len;
	} cases[] = {
		{"static_fn.constprop.0", 9},
		{"foo.isra.0", 3},
		{"foo.part.0.cold", 3},
		{"foo.cold", 3},
		{"foo.lto_priv.0", 3},
		{"_ZN3foo3barEv.llvm.1234567", 13},
		{"plain", 5},
		{"", 0},
		{".annobin_init.c", 15},
		{"foo.bar", 7},
		{"coldfoo", 7},
		{"glob64@@GLIBC_2.27", 6},
		{"memcpy@GLIBC_2.2.5", 6},
		{"foo.cold@@V1", 3},
		{"_ZN4core3ptr49drop_in_place$LT$std..part..Foo$GT$17h0123456789abcdefE", 69},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(symbol__base_len(cases[i].in), cases[i].len, "%s: %zu", cases[i].in,
			     symbol__base_len(cases[i].in));
}

static uint64_t kallsyms_addr(const char *name)
{
	size_t len;
	char *buf = th_read_file("/proc/kallsyms", &len), *line, *save = NULL;
	uint64_t addr = 0;

	cr_assert_not_null(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char type, sym[256];
		uint64_t a;

		if (sscanf(line, "%" SCNx64 " %c %255s", &a, &type, sym) == 3 &&
		    (type == 'T' || type == 't') && !strcmp(sym, name) && !strchr(line, '[')) {
			addr = a;
			break;
		}
	}
	free(buf);
	return addr;
}

Test(symtab, resolves_kernel_symbols)
{
	uint64_t addr = kallsyms_addr("schedule");
	struct sym_info out;
	struct symtab_stats s;

	if (!addr)
		cr_skip_test("/proc/kallsyms hides addresses (not root, or kptr_restrict)");
	cr_assert_eq(symtab__resolve_kernel(st, addr + 8, false, &out), 1);
	cr_assert_str_eq(out.name, "schedule");
	cr_assert_str_eq(out.module, "[kernel.kallsyms]");
	cr_assert_eq(out.kind, FRAME_KIND_KERNEL);
	cr_assert_null(out.file);
	/* As a return address, the first byte belongs to the symbol before. */
	cr_assert_eq(symtab__resolve_kernel(st, addr, true, &out), 1);
	cr_assert_str_neq(out.name, "schedule");
	cr_assert_eq(symtab__resolve_kernel(st, addr, false, &out), 1);
	cr_assert_str_eq(out.name, "schedule");

	cr_assert_eq(symtab__resolve_kernel(st, 16, false, &out), 1);
	cr_assert_str_eq(out.name, "[unknown]");
	cr_assert_eq(out.kind, FRAME_KIND_KERNEL);
	symtab__stats(st, &s);
	cr_assert_eq(s.lookups, 4);
	cr_assert_eq(s.unresolved, 1);

	cr_assert_eq(symtab__reload_kernel(st), 0);
	cr_assert_eq(symtab__resolve_kernel(st, addr + 8, false, &out), 1);
	cr_assert_str_eq(out.name, "schedule");
}

Test(symtab, parses_kallsyms_files)
{
	static const char text[] = "0000000000000000 A fixed_percpu_data\n"
				   "ffffffff81000000 T _stext\n"
				   "ffffffff81000000 T startup_64\n"
				   "ffffffff81001000 t helper.isra.0\n"
				   "ffffffff81002000 D some_data\n"
				   "ffffffff81003000 W weak_fn\n"
				   "ffffffffc0001000 t ext4_thing\t[ext4]\n"
				   "ffffffffc0002000 t bpf_prog_6deef7357e7b4530_sd_fw\t[bpf]\n";
	static const char hidden[] = "0000000000000000 T _stext\n0000000000000000 t foo\n";
	char *dir = th_tmpdir(), *path = th_path(dir, "kallsyms");
	const struct ksym *k;
	struct ksyms *ks;

	th_write_file(path, text, sizeof(text) - 1);
	ks = ksyms__load(path);
	cr_assert_not_null(ks);
	cr_assert_eq(ksyms__count(ks), 5);
	cr_assert_null(ksyms__find(ks, 0xffffffff80ffffffull));
	k = ksyms__find(ks, 0xffffffff81000010ull);
	cr_assert_str_eq(k->name, "startup_64"); /* fewer underscores among aliases */
	cr_assert_null(k->module);
	cr_assert_str_eq(ksyms__find(ks, 0xffffffff81001fffull)->name, "helper");
	cr_assert_str_eq(ksyms__find(ks, 0xffffffff81002800ull)->name, "helper");
	cr_assert_str_eq(ksyms__find(ks, 0xffffffff81003000ull)->name, "weak_fn");
	k = ksyms__find(ks, 0xffffffffc0001004ull);
	cr_assert_str_eq(k->name, "ext4_thing");
	cr_assert_str_eq(k->module, "[ext4]");
	k = ksyms__find(ks, 0xffffffffc0002040ull);
	cr_assert_str_eq(k->name, "bpf_prog_6deef7357e7b4530_sd_fw");
	cr_assert_str_eq(k->module, "[bpf]");
	/* Far past the last symbol: nothing. */
	cr_assert_null(ksyms__find(ks, 0xffffffffc1000000ull));
	ksyms__free(ks);

	/* Hidden addresses (kptr_restrict): refused with EPERM. */
	th_write_file(path, hidden, sizeof(hidden) - 1);
	cr_assert_null(ksyms__load(path));
	cr_assert_eq(errno, EPERM);
	th_rmtree(dir);
	free(path);
	free(dir);
}

static char *perf_map_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	return path;
}

Test(symtab, reads_the_perf_map_of_a_process)
{
	static const char first[] = "7f0000001000 100 JS:*fib /tmp/fib.js:3:13\n"
				    "7f0000001100 80 Builtin:InterpreterEntryTrampoline\n"
				    "7f0000000800 10 old\n"
				    "7f0000000800 20 py::replaced:/x.py\r\n"
				    "garbage line\n";
	static const char more[] = "7f0000002000 40 LazyCompile:~late /tmp/l.js:1:1\n";
	struct mapping anon = {
		.start = 0x7f0000000000ull, .end = 0x7f0000100000ull, .path = "//anon", .prot = 7};
	struct sym_info out[SYMTAB_MAX_INLINE];
	const char *path = perf_map_path(), *fib;
	char *all;
	int n;

	th_write_file(path, first, sizeof(first) - 1);
	n = symtab__resolve_user(st, getpid(), NULL, 0x7f0000001010ull, false, out);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(out[0].name, "JS:*fib /tmp/fib.js:3:13");
	cr_assert_eq(out[0].kind, FRAME_KIND_JIT);
	cr_assert_str_eq(out[0].module, path);
	fib = out[0].name;
	n = symtab__resolve_user(st, getpid(), &anon, 0x7f0000001101ull, true, out);
	cr_assert_str_eq(out[0].name, "Builtin:InterpreterEntryTrampoline");
	n = symtab__resolve_user(st, getpid(), &anon, 0x7f0000000818ull, false, out);
	cr_assert_str_eq(out[0].name, "py::replaced:/x.py");
	n = symtab__resolve_user(st, getpid(), &anon, 0x7f0000001180ull, false, out);
	cr_assert_str_eq(out[0].name, "[unknown]");

	/* JIT code keeps coming: a grown file is read again after a miss. */
	all = malloc(sizeof(first) + sizeof(more));
	strcpy(all, first);
	strcat(all, more);
	th_write_file(path, all, strlen(all));
	free(all);
	usleep(150 * 1000);
	n = symtab__resolve_user(st, getpid(), &anon, 0x7f0000002020ull, false, out);
	cr_assert_str_eq(out[0].name, "LazyCompile:~late /tmp/l.js:1:1");
	/* Names handed out before stay valid. */
	cr_assert_str_eq(fib, "JS:*fib /tmp/fib.js:3:13");
}

Test(symtab, refuses_perf_maps_of_other_owners)
{
	static const char text[] = "7f0000001000 100 JS:*fib\n";
	struct sym_info out[SYMTAB_MAX_INLINE];
	const char *path = perf_map_path();
	char *dir = th_tmpdir(), *target = th_path(dir, "real.map");
	int fd;

	if (geteuid() != 0)
		cr_skip_test("needs root to chown the map file");
	th_write_file(path, text, sizeof(text) - 1);
	cr_assert_eq(chown(path, 4242, 4242), 0);
	fd = perfmap__open_checked(getpid(), path);
	cr_assert_eq(fd, -EPERM);
	symtab__resolve_user(st, getpid(), NULL, 0x7f0000001010ull, false, out);
	cr_assert_str_eq(out[0].name, "[unknown]");

	/* A symlink is refused even when its target is fine. */
	unlink(path);
	th_write_file(target, text, sizeof(text) - 1);
	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(perfmap__open_checked(getpid(), path), -ELOOP);

	/* Root's own file is accepted. */
	unlink(path);
	th_write_file(path, text, sizeof(text) - 1);
	fd = perfmap__open_checked(getpid(), path);
	cr_assert_geq(fd, 0);
	close(fd);
	th_rmtree(dir);
	free(target);
	free(dir);
}

Test(symtab, unresolved_addresses_name_their_mapping)
{
	struct mapping lib = {.start = 0x10000,
			      .end = 0x20000,
			      .path = "/nonexistent/dir/libfoo.so",
			      .prot = 5,
			      .ino = 1};
	struct mapping del = {.start = 0x30000,
			      .end = 0x40000,
			      .path = "/nonexistent/libbar.so (deleted)",
			      .prot = 5,
			      .ino = 2};
	struct mapping heap = {.start = 0x50000, .end = 0x60000, .path = "[heap]", .prot = 7};
	struct sym_info out[SYMTAB_MAX_INLINE];
	char *dir = th_tmpdir(), *text = th_path(dir, "notelf.so");
	struct mapping txt = {.start = 0x70000, .end = 0x80000, .path = text, .prot = 5};
	struct symtab_stats s;

	th_write_file(text, "not an ELF file\n", 16);
	cr_assert_eq(symtab__resolve_user(st, 0, &lib, 0x10010, false, out), 1);
	cr_assert_str_eq(out[0].name, "[libfoo.so]");
	cr_assert_str_eq(out[0].module, "/nonexistent/dir/libfoo.so");
	cr_assert_eq(symtab__resolve_user(st, 0, &del, 0x30010, false, out), 1);
	cr_assert_str_eq(out[0].name, "[libbar.so]");
	cr_assert_str_eq(out[0].module, "/nonexistent/libbar.so");
	cr_assert_eq(symtab__resolve_user(st, 0, &heap, 0x50010, false, out), 1);
	cr_assert_str_eq(out[0].name, "[heap]");
	cr_assert_eq(symtab__resolve_user(st, 0, NULL, 0x90010, false, out), 1);
	cr_assert_str_eq(out[0].name, "[unknown]");
	cr_assert_null(out[0].module);
	cr_assert_eq(out[0].kind, FRAME_KIND_UNKNOWN);
	cr_assert_eq(symtab__resolve_user(st, 0, &txt, 0x70010, false, out), 1);
	cr_assert_str_eq(out[0].name, "[notelf.so]");

	symtab__stats(st, &s);
	cr_assert_eq(s.lookups, 5);
	cr_assert_eq(s.unresolved, 5);
	th_rmtree(dir);
	free(text);
	free(dir);
}

Test(symtab, addresses_outside_functions_name_the_module)
{
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct elf_file ef;
	struct mapping m;
	struct symtab_stats s;

	need_libdw();
	/* vaddr 0x40 is in the ELF header's segment: no function there. */
	read_elf(FIXTURE, &ef);
	m = fake_mapping(FIXTURE, &ef, 0x40);
	cr_assert_eq(symtab__resolve_user(st, 0, &m, FAKE_BASE + 0x40, false, out), 1);
	cr_assert_str_eq(out[0].name, "[symfix]");
	cr_assert_str_eq(out[0].module, FIXTURE);
	symtab__stats(st, &s);
	cr_assert_eq(s.unresolved, 1);
}

Test(symtab, caches_each_address_once)
{
	uint64_t addr = (uintptr_t)&symtab_self_target + 4;
	struct sym_info a[SYMTAB_MAX_INLINE], b[SYMTAB_MAX_INLINE];
	struct symtab_stats s;
	struct mapping m;
	int na, nb;

	need_libdw();
	cr_assert(self_mapping(addr, &m));
	na = symtab__resolve_user(st, getpid(), &m, addr, false, a);
	nb = symtab__resolve_user(st, getpid(), &m, addr, false, b);
	cr_assert_eq(na, nb);
	cr_assert_eq(a[0].name, b[0].name); /* the same string, not a copy */
	symtab__stats(st, &s);
	cr_assert_eq(s.lookups, 2);
	cr_assert_eq(s.cache_hits, 1);
	cr_assert_eq(s.unresolved, 0);

	/* addr - 1 as a return address is another address. */
	symtab__resolve_user(st, getpid(), &m, addr, true, b);
	symtab__stats(st, &s);
	cr_assert_eq(s.cache_hits, 1);
	cr_assert_str_eq(b[0].name, "symtab_self_target");
}

#ifndef HAVE_LIBDW
Test(symtab, without_libdw_user_frames_name_the_module)
{
	uint64_t addr = (uintptr_t)&symtab_self_target + 4;
	struct sym_info out[SYMTAB_MAX_INLINE];
	struct mapping m;
	const char *base;

	cr_assert(self_mapping(addr, &m));
	base = strrchr(m.path, '/') + 1;
	cr_assert_eq(symtab__resolve_user(st, getpid(), &m, addr, false, out), 1);
	cr_assert_eq(strlen(out[0].name), strlen(base) + 2);
	cr_assert(!strncmp(out[0].name + 1, base, strlen(base)));
	cr_assert_eq(out[0].kind, FRAME_KIND_NATIVE);
}
#endif

Test(symtab, free_accepts_null)
{
	symtab__free(NULL);
	ksyms__free(NULL);
	perfmaps__free(NULL);
}

/*
 * A stripped copy of the fixture in a fresh directory, with a .gnu_debuglink
 * to prog.debug, whose debug info is left in @dir/.debug/prog.debug.
 */
static char *stripped_fixture(char **dirp)
{
	char *dir = th_tmpdir(), *dbgdir = th_path(dir, ".debug");
	char *dbg = th_path(dbgdir, "prog.debug"), *prog = th_path(dir, "prog");
	char link[PATH_MAX + 32];
	const char *keep[] = {"objcopy", "--only-keep-debug", FIXTURE, dbg, NULL};
	const char *strip[] = {"objcopy", "--strip-all", link, FIXTURE, prog, NULL};

	snprintf(link, sizeof(link), "--add-gnu-debuglink=%s", dbg);
	cr_assert_eq(mkdir(dbgdir, 0755), 0);
	free(th_run_ok(keep));
	free(th_run_ok(strip));
	free(dbgdir);
	free(dbg);
	*dirp = dir;
	return prog;
}

/* The binary's debug link is followed: a stripped binary gets its lines back. */
Test(symtab, finds_debug_info_through_the_debug_link)
{
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint64_t start, size;
	struct elf_file ef;
	struct mapping m;
	char *dir, *prog;
	int n;

	need_libdw();
	prog = stripped_fixture(&dir);
	nm_symbol(FIXTURE, "sym_work", &start, &size);
	read_elf(prog, &ef);
	m = fake_mapping(prog, &ef, start);
	n = symtab__resolve_user(st, 0, &m, FAKE_BASE + start, false, out);
	cr_assert_geq(n, 1);
	cr_assert_str_eq(out[n - 1].name, "sym_work");
	cr_assert_not_null(out[n - 1].file, "no line info: the debug file was not found");
	cr_assert_gt(out[n - 1].line, 0);
	th_rmtree(dir);
	free(dir);
	free(prog);
}

/*
 * A profiled binary names its own debug file: one that is a FIFO (opening it
 * would block the profiler for ever) or a device is never opened, and the
 * binary is still symbolized from what it has.
 */
Test(symtab, debug_link_to_a_fifo_or_device_is_never_opened, .timeout = 120)
{
	const char *names[] = {"prog.debug", ".debug/prog.debug"};
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint64_t start, size;
	struct elf_file ef;
	struct mapping m;
	char *dir, *prog, *p;
	int n, i;

	need_libdw();
	prog = stripped_fixture(&dir);
	for (i = 0; i < 2; i++) {
		p = th_path(dir, names[i]);
		unlink(p);
		cr_assert_eq(mkfifo(p, 0644), 0);
		free(p);
	}
	cr_assert_eq(debuginfo__open_regular(names[0]), -ENOENT);
	p = th_path(dir, names[0]);
	cr_assert_eq(debuginfo__open_regular(p), -EINVAL);
	free(p);
	cr_assert_eq(debuginfo__open_regular("/dev/null"), -EINVAL);

	nm_symbol(FIXTURE, "sym_work", &start, &size);
	read_elf(prog, &ef);
	m = fake_mapping(prog, &ef, start);
	/* Before the fix this blocked in open() of the FIFO. */
	n = symtab__resolve_user(st, 0, &m, FAKE_BASE + start, false, out);
	cr_assert_geq(n, 1);
	cr_assert_null(out[n - 1].file, "line info from a FIFO?");
	th_rmtree(dir);
	free(dir);
	free(prog);
}

Test(symtab, debug_link_crc_is_the_ieee_crc32)
{
	/* The check value of CRC-32/ISO-HDLC, which .gnu_debuglink uses. */
	cr_assert_eq(debuginfo__crc32(0, "123456789", 9), 0xcbf43926u);
	cr_assert_eq(debuginfo__crc32(debuginfo__crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}
