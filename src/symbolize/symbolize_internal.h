/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the files of the symbolize stage: the kallsyms table
 * (ksyms.c), perf maps of JIT compilers (perfmap.c) and ELF modules read
 * through libdw (elfsyms.c). Symbol name clean-up is util's (demangle.h).
 * Nothing here is thread-safe; the symtab that owns these objects is not.
 */
#ifndef RESQ_SYMBOLIZE_INTERNAL_H
#define RESQ_SYMBOLIZE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "demangle.h" /* symbol names: demangling, clone suffixes */
#include "symtab.h"

/* ---- ksyms.c ---- */

struct ksym {
	uint64_t addr;
	const char *name;   /* clone suffixes removed */
	const char *module; /* "[ext4]", "[bpf]", ...; NULL for the kernel image */
};

struct ksyms;

/*
 * Reads the text symbols (t, T, w, W) of a kallsyms file (normally
 * "/proc/kallsyms"). Returns NULL and sets errno on failure; EPERM when every
 * address reads as zero (kptr_restrict, or not root).
 */
struct ksyms *ksyms__load(const char *path);
void ksyms__free(struct ksyms *ks);
/* The symbol with the greatest address <= @addr; NULL when none is close enough. */
const struct ksym *ksyms__find(const struct ksyms *ks, uint64_t addr);
size_t ksyms__count(const struct ksyms *ks);

/* ---- perfmap.c ---- */

struct perfmap_entry {
	uint64_t start, end;
	const char *name; /* as written in the map file */
	uint32_t seq;	  /* line number: later lines win where ranges overlap */
};

struct perfmaps;

/* Per-process perf maps, /tmp/perf-PID.map, read on first use. */
struct perfmaps *perfmaps__new(void);
/* Frees every map ever read; NULL does nothing. */
void perfmaps__free(struct perfmaps *pms);
/*
 * The entry of @pid's perf map holding @addr, or NULL. The map is read on
 * first use and read again (at most every 100 ms) when a lookup misses and
 * the file has grown. Entries and names stay valid until perfmaps__free().
 * *@path, when not NULL, receives the map's path (borrowed likewise).
 */
const struct perfmap_entry *perfmaps__find(struct perfmaps *pms, pid_t pid, uint64_t addr,
					   const char **path);

/*
 * Opens perf map @path for @pid, refusing (-EPERM) a file that is not a
 * regular file (symlinks included: -ELOOP) or that is owned by someone other
 * than root, us, or the owner of /proc/@pid. Returns an fd or a negative errno.
 */
int perfmap__open_checked(pid_t pid, const char *path);

/* ---- elfsyms.c (libdw) ---- */

struct elfmod;

#ifdef HAVE_LIBDW
/*
 * Reports the ELF file open on @fd (consumed, also on failure) to a Dwfl of
 * its own at its link-time addresses. @path is where the file was found
 * (debuglink lookups start there). With @build_id_size, a file whose
 * build-id differs is refused with ESTALE. Returns NULL and sets errno.
 */
struct elfmod *elfmod__open(const char *path, int fd, const uint8_t *build_id, size_t build_id_size,
			    bool demangle);
void elfmod__free(struct elfmod *em);
/* The ELF virtual address of file offset @off (through the PT_LOADs); -ENOENT if none. */
int elfmod__vaddr(const struct elfmod *em, uint64_t off, uint64_t *vaddr);
/* Length of the file's GNU build-id, set in *@bits (borrowed); 0 if it has none. */
size_t elfmod__build_id(const struct elfmod *em, const uint8_t **bits);
/*
 * Resolves @vaddr into @out, innermost inlined function first (only the
 * containing function when !@inlines). Names and files are borrowed from
 * @em. Returns the number of frames, 0 when no function holds @vaddr.
 */
int elfmod__resolve(struct elfmod *em, uint64_t vaddr, bool inlines, struct sym_info *out, int max);
/*
 * Does now the expensive part of the first lookups: the function table,
 * the debug info (found, read, decompressed) and the CU lookup table.
 */
void elfmod__prepare(struct elfmod *em);
/* An fd holding a copy of our own vdso image (the same kernel's); -errno. */
int vdso__memfd(void);
#else
static inline struct elfmod *elfmod__open(const char *path, int fd, const uint8_t *build_id,
					  size_t build_id_size, bool demangle)
{
	close(fd);
	errno = EOPNOTSUPP;
	return NULL;
}
static inline void elfmod__free(struct elfmod *em)
{
}
static inline int elfmod__vaddr(const struct elfmod *em, uint64_t off, uint64_t *vaddr)
{
	return -EOPNOTSUPP;
}
static inline size_t elfmod__build_id(const struct elfmod *em, const uint8_t **bits)
{
	return 0;
}
static inline int elfmod__resolve(struct elfmod *em, uint64_t vaddr, bool inlines,
				  struct sym_info *out, int max)
{
	return 0;
}
static inline void elfmod__prepare(struct elfmod *em)
{
}
static inline int vdso__memfd(void)
{
	return -EOPNOTSUPP;
}
#endif

#endif
