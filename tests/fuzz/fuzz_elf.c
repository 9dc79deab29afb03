// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the ELF/DWARF symbolizer (symtab.c, elfsyms.c) on an
 * input that is an ELF file, through the calls record makes: the file (a
 * memfd, opened by path) is mapped into a process as a loader maps its
 * PT_LOADs (procmaps__mmap(), as from MMAP2 records), then
 * symtab__prepare() and symtab__resolve_user() look up addresses spread
 * over every mapping. The padding bytes of the ELF header (e_ident[9..15],
 * which every reader ignores) pick the options, so a plain ELF file is a
 * seed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_support.h"
#include "procmaps.h"
#include "symtab.h"

#define LOOKUPS_PER_MAP 32

enum {
	SEL_NO_INLINE = 1 << 0,
	SEL_NO_DEMANGLE = 1 << 1,
	SEL_BUILD_ID = 1 << 2, /* the mapping carries a build-id (from the padding) */
	SEL_DELETED = 1 << 3,  /* the path ends in " (deleted)" */
	SEL_ALL_LOADS = 1 << 4,
	SEL_RETURNS = 1 << 5, /* every address is a return address */
	SEL_NO_PREPARE = 1 << 6,
};

/* Reads every string of @si, so that ASan checks them. */
static size_t touch(const struct sym_info *si, int n)
{
	size_t sum = 0;
	int i;

	if (n < 1 || n > SYMTAB_MAX_INLINE)
		abort();
	for (i = 0; i < n; i++) {
		if (!si[i].name)
			abort();
		sum += strlen(si[i].name) + si[i].line;
		if (si[i].module)
			sum += strlen(si[i].module);
		if (si[i].file)
			sum += strlen(si[i].file);
	}
	return sum;
}

static void lookup(struct symtab *st, struct procmaps *pm, uint64_t addr, bool is_return,
		   size_t *sum)
{
	struct sym_info si[SYMTAB_MAX_INLINE];
	const struct mapping *m = procmaps__find(pm, FUZZ_PID, addr, 2);

	*sum += touch(si, symtab__resolve_user(st, FUZZ_PID, m, addr, is_return, si));
}

int fuzz_elf(const uint8_t *data, size_t size)
{
	struct mapping maps[FUZZ_MAX_MAPS];
	char path[32], mpath[48];
	uint8_t pad[7] = {0};
	struct symtab_stats ss;
	struct procmaps *pm;
	struct symtab *st;
	volatile size_t sink;
	size_t sum = 0;
	uint64_t entry = 0;
	int fd, n, i, k;

	fuzz_quiet();
	if (size >= 16)
		memcpy(pad, data + EI_PAD, sizeof(pad));
	if (size >= sizeof(Elf64_Ehdr))
		memcpy(&entry, data + offsetof(Elf64_Ehdr, e_entry), sizeof(entry));
	fd = fuzz_memfd("fuzz-elf", data, size, path);
	if (fd < 0)
		return 0;
	snprintf(mpath, sizeof(mpath), "%s%s", path, (pad[0] & SEL_DELETED) ? " (deleted)" : "");

	pm = procmaps__new();
	st = symtab__new(&(struct symtab_opts){
		.no_inline = pad[0] & SEL_NO_INLINE,
		.no_demangle = pad[0] & SEL_NO_DEMANGLE,
	});
	n = fuzz_elf_mappings(data, size, FUZZ_MOD_BASE, mpath, !(pad[0] & SEL_ALL_LOADS), maps,
			      FUZZ_MAX_MAPS);
	for (i = 0; i < n; i++) {
		if (pad[0] & SEL_BUILD_ID) {
			maps[i].build_id_size = 1 + pad[1] % BUILD_ID_MAX;
			memset(maps[i].build_id, pad[2], maps[i].build_id_size);
		}
		procmaps__mmap(pm, FUZZ_PID, 1, &maps[i]);
	}
	/* As record: the module is prepared when it first shows up in a stack. */
	if (!(pad[0] & SEL_NO_PREPARE))
		symtab__prepare(st, FUZZ_PID, procmaps__find(pm, FUZZ_PID, maps[0].start, 2));
	for (i = 0; i < n; i++) {
		uint64_t len = maps[i].end - maps[i].start, skew = pad[3] | (uint64_t)pad[4] << 8;

		/* Code sits at the start of a segment: look there closely, beyond sparsely. */
		for (k = 0; k < LOOKUPS_PER_MAP; k++) {
			uint64_t step = k < LOOKUPS_PER_MAP / 2 ? 0x2b : 0x1ab,
				 a = maps[i].start + (skew + k * step) % len;

			lookup(st, pm, a, (pad[0] & SEL_RETURNS) || (k & 1), &sum);
		}
		lookup(st, pm, maps[i].end - 1, false, &sum);
		lookup(st, pm, maps[i].end, true, &sum);
		/* Again: from the result cache this time. */
		lookup(st, pm, maps[i].start + skew % 64, false, &sum);
	}
	lookup(st, pm, FUZZ_MOD_BASE + entry, false, &sum);
	symtab__stats(st, &ss);
	sink = sum + ss.lookups + ss.cache_hits + ss.unresolved;
	(void)sink;
	symtab__free(st);
	procmaps__free(pm);
	close(fd);
	return 0;
}

FUZZ_MAIN(fuzz_elf)
