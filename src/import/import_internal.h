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

/* Lines a text parser could not read: counted, the first one remembered. */
struct bad_lines {
	size_t count;
	size_t first; /* 1-based line number of the first bad line */
};

static inline void bad_lines__note(struct bad_lines *bl, size_t lineno)
{
	if (!bl->count++)
		bl->first = lineno;
}

/* Warns "ignored N lines with invalid format in NAME, first at line L". */
void bad_lines__report(const struct bad_lines *bl, const char *name);

/*
 * A count read from text ("\d+(\.\d*)?"): exact in @i when it has no
 * fraction (or only zeros after the point), else @f.
 */
struct count {
	int64_t i;
	double f;
	bool frac;
};

/*
 * Parses the count filling [@s, @e). Returns 0; -EINVAL when the text is no
 * count; -EOVERFLOW when it is one but beyond PROFILE_WEIGHT_MAX.
 */
int count__parse(const char *s, const char *e, struct count *c);
/* Sets @c to @f (>= 0): exact when @f is integral and below 2^63. */
void count__from_double(struct count *c, double f);
/* Multiplies @c by @k (a unit conversion). Returns 0 or -EOVERFLOW (beyond 2^63 - 1). */
int count__scale(struct count *c, int64_t k);
/* Adds @x to @acc. Returns 0 or -EOVERFLOW (@acc then unchanged). */
int count__sum(struct count *acc, const struct count *x);
/* Adds @c to @node in @col (profile__add_weight_int() or _add_weight()). */
int count__add(struct profile *p, uint32_t node, enum profile_col col, const struct count *c);
/*
 * Logs why a weight of input @name at @unit @pos ("line" 12, "byte offset"
 * 345) could not be added and returns @err (-EOVERFLOW or -EINVAL, from
 * count__parse() or profile__add_weight()). With @text, the count there
 * (@len bytes) is itself too large; without, the sum of the counts is.
 */
int weight_error(const char *name, const char *unit, size_t pos, int err, const char *text,
		 size_t len);

/*
 * Moves the complete import @t into @p (profile__absorb(), which frees @t)
 * and logs an overflow of their summed weights as an error of input @name.
 * Returns 0 or -EOVERFLOW (@p then unchanged).
 */
int import_absorb(struct profile *p, struct profile *t, const char *name);

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
