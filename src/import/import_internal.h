/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the importers. Every parser gets a buffer that is
 * NUL-terminated at buf[len] (import.c guarantees it), already decompressed,
 * and adds stacks to the profile. import.c reports "no stack counts found"
 * when a parser added no weight, so parsers need not.
 */
#ifndef RESQ_IMPORT_INTERNAL_H
#define RESQ_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"
#include "profile.h"

/* Per-format detection: true when @buf looks like that format. */
bool folded__detect(const char *buf, size_t len);
bool perf_script__detect(const char *buf, size_t len);
bool v8_cpuprofile__detect(const char *buf, size_t len);
bool speedscope__detect(const char *buf, size_t len);
bool pprof__detect(const char *buf, size_t len);
bool bpftrace__detect(const char *buf, size_t len);
/* JSON that is no known profile: reports why (syntax or shape); -EINVAL. */
bool json__detect_other(const char *buf, size_t len);
int json__reject_unknown(const char *name, const char *buf, size_t len);

/* Parsers: return 0, or a negative errno after logging why. */
int folded__import(struct profile *p, const char *name, const char *buf, size_t len,
		   const struct import_opts *o);
int perf_script__import(struct profile *p, const char *name, const char *buf, size_t len,
			const struct import_opts *o);
int v8_cpuprofile__import(struct profile *p, const char *name, const char *buf, size_t len,
			  const struct import_opts *o);
int speedscope__import(struct profile *p, const char *name, const char *buf, size_t len,
		       const struct import_opts *o);
int pprof__import(struct profile *p, const char *name, const char *buf, size_t len,
		  const struct import_opts *o);
int bpftrace__import(struct profile *p, const char *name, const char *buf, size_t len,
		     const struct import_opts *o);

#endif
