/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counts as the text and JSON importers read them (folded, perf script,
 * bpftrace, V8, speedscope): exact 64-bit integers while they fit, doubles
 * when they have a fraction, and the one error message when they overflow.
 */
#ifndef RESQ_IMPORT_COUNT_H
#define RESQ_IMPORT_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

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

#endif
