/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Symbolization: user addresses through libdw (own sorted function tables
 * per module, inline chains, file:line; caches keyed by build-id, path as
 * fallback), JIT addresses through /tmp/perf-PID.map, kernel addresses
 * through /proc/kallsyms. Each unique (module, offset) is resolved once.
 */
#ifndef RESQ_SYMTAB_H
#define RESQ_SYMTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"
#include "sample.h"

struct symtab_opts {
	bool no_inline;   /* one frame per address: the outermost function */
	bool no_demangle; /* keep C++ and Rust names mangled */
};

#define SYMTAB_MAX_INLINE 32

struct symtab;

/* Returns NULL and sets errno on failure. */
struct symtab *symtab__new(const struct symtab_opts *o);
void symtab__free(struct symtab *st);

/*
 * Resolves user address @addr of @pid, inside mapping @m (NULL when none
 * holds it), into @out: the innermost inlined function first, the
 * containing function last (one entry with no_inline or no debug info).
 * @is_return: @addr is a return address, looked up at @addr - 1.
 * Returns the number of entries (>= 1: unresolved addresses give one
 * "[dso-basename]" or "[unknown]" frame).
 */
int symtab__resolve_user(struct symtab *st, pid_t pid, const struct mapping *m, uint64_t addr,
			 bool is_return, struct sym_info out[SYMTAB_MAX_INLINE]);

/*
 * Opens the module of mapping @m and loads its symbols and debug info now,
 * so that later lookups in it are fast: for use while sampling, when a
 * module first shows up in a stack, instead of after the capture. Lookups
 * give the same results with or without it.
 */
void symtab__prepare(struct symtab *st, pid_t pid, const struct mapping *m);

/* Resolves a kernel address (kallsyms); returns 1 (or "[unknown]" in *out). */
int symtab__resolve_kernel(struct symtab *st, uint64_t addr, bool is_return, struct sym_info *out);

/* Re-reads /proc/kallsyms (after BPF programs were loaded). */
int symtab__reload_kernel(struct symtab *st);

/*
 * Adds kernel code that appeared after kallsyms was read: a BPF program
 * (module "[bpf]") or other code at [@addr, @addr + @len), from a
 * PERF_RECORD_KSYMBOL. Such symbols are looked up before kallsyms.
 */
void symtab__add_kernel_symbol(struct symtab *st, uint64_t addr, uint64_t len, const char *name,
			       bool bpf);

struct symtab_stats {
	uint64_t lookups, cache_hits, unresolved;
};
void symtab__stats(const struct symtab *st, struct symtab_stats *out);

#endif
