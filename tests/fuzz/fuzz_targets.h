/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entry of every fuzz target, one per tests/fuzz/fuzz_<name>.c, named
 * fuzz_<name>(). Each file ends in FUZZ_MAIN(fuzz_<name>), which makes it
 * the libFuzzer entry point in the fuzz build (make fuzz); the test runner
 * compiles the same files with RESQ_FUZZ_NO_MAIN and replays the inputs
 * kept under tests/data/fuzz-regressions/<name>/ through the same
 * functions (tests/test_fuzz_regressions.c).
 *
 * Each entry takes any bytes, never fails and returns 0; a bug shows as a
 * crash, a sanitizer report or an abort() on a broken invariant.
 */
#ifndef RESQ_FUZZ_TARGETS_H
#define RESQ_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* Importers: each parses the input as one format, then writes every output. */
int fuzz_bpftrace(const uint8_t *data, size_t size);
int fuzz_detect(const uint8_t *data, size_t size);
int fuzz_folded(const uint8_t *data, size_t size);
int fuzz_json(const uint8_t *data, size_t size);
int fuzz_perf_script(const uint8_t *data, size_t size);
int fuzz_pprof(const uint8_t *data, size_t size);
int fuzz_speedscope(const uint8_t *data, size_t size);
int fuzz_v8(const uint8_t *data, size_t size);

/* What record reads from the profiled machine. */
int fuzz_elf(const uint8_t *data, size_t size);	      /* ELF/DWARF symbolizer */
int fuzz_unwind(const uint8_t *data, size_t size);    /* DWARF unwinders */
int fuzz_procmaps(const uint8_t *data, size_t size);  /* /proc/PID/maps */
int fuzz_perfmap(const uint8_t *data, size_t size);   /* /tmp/perf-PID.map */
int fuzz_ksyms(const uint8_t *data, size_t size);     /* /proc/kallsyms */
int fuzz_perf_ring(const uint8_t *data, size_t size); /* perf ring records */

/* diff: two profiles of any formats, compared. */
int fuzz_diff(const uint8_t *data, size_t size);

#ifdef RESQ_FUZZ_NO_MAIN
#define FUZZ_MAIN(fn)
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
/*
 * libdw's dwarf_getscopes() leaks its partial scope list when it fails on
 * malformed DWARF (elfutils 0.188, Debian 12): 32-byte blocks allocated and
 * lost inside libdw, with nothing of ours to free. libdw is built without
 * frame pointers, so LeakSanitizer's fast unwinder sees no frame past libdw
 * and the suppression can only name the library: leaks of blocks libdw
 * allocated are ignored here. make valgrind, with full stacks, still sees
 * a libdw object we forget to free (a missing dwfl_end()).
 */
#define FUZZ_LSAN_SUPPRESSIONS "leak:libdw.so\n"
#define FUZZ_MAIN(fn)                                                                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		return fn(data, size);                                                             \
	}                                                                                          \
	const char *__lsan_default_suppressions(void)                                              \
	{                                                                                          \
		return FUZZ_LSAN_SUPPRESSIONS;                                                     \
	}
#endif

#endif
