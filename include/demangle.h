/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Symbol names for display: C++ and Rust names demangled by libiberty, and
 * the suffixes of compiler-made clones removed. For symbolization and for
 * importers of text that carries mangled names (perf script). Without
 * libiberty (NO_LIBIBERTY=1) nothing is demangled.
 */
#ifndef RESQ_DEMANGLE_H
#define RESQ_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Demangled form of a C++ (_Z...) or Rust (legacy _ZN...17h<hash>E, v0 _R...)
 * symbol, with C++ parameter lists. Returns a malloc'd string the caller
 * free()s, or NULL when @name is not mangled or libiberty is missing.
 */
char *demangle__symbol(const char *name);

/*
 * Demangles the Rust symbol @name (legacy or v0) without allocating: @out
 * gets the demangled name in pieces, with @ctx. Returns false (after
 * perhaps some pieces: discard them) when @name is no Rust symbol or
 * libiberty is missing.
 */
bool demangle__rust(const char *name, void (*out)(const char *s, size_t len, void *ctx), void *ctx);

/*
 * Length of @name without a symbol version (@GLIBC_2.2.5, @@GLIBC_2.34) and
 * without the suffixes GCC and LLVM give to clones of a function
 * (.constprop.0, .isra.0, .part.0, .cold, .lto_priv.0, .llvm.N, ...), so
 * that a clone shows under its source function's name.
 */
size_t symbol__base_len(const char *name);

#endif
