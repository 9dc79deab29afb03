// SPDX-License-Identifier: Apache-2.0
/*
 * Counts read from text and added to a profile exactly: 64-bit integers
 * while they fit and have no fraction, doubles otherwise; overflow past
 * 2^63 - 1 is an error, reported once with where it happened.
 */
#include "count.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

static locale_t c_locale(void)
{
	static locale_t loc;

	/* strtod must read '.' whatever locale the program set (the TUI sets one). */
	if (!loc)
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	return loc;
}

int count__parse(const char *s, const char *e, struct count *c)
{
	const char *p = s;
	uint64_t v = 0;
	bool big = false, frac = false;
	char tmp[64], *text;
	locale_t loc;

	if (p == e || *p < '0' || *p > '9')
		return -EINVAL;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		unsigned d = *p - '0';

		if (v > (uint64_t)(PROFILE_WEIGHT_MAX - d) / 10)
			big = true;
		else if (!big)
			v = v * 10 + d;
	}
	if (p < e && *p == '.')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++)
			frac |= *p != '0';
	if (p != e)
		return -EINVAL;
	if (big)
		return -EOVERFLOW;
	c->i = (int64_t)v;
	c->f = (double)v;
	c->frac = frac;
	if (!frac)
		return 0;
	text = (size_t)(e - s) < sizeof(tmp) ? tmp : xmalloc((size_t)(e - s) + 1);
	memcpy(text, s, (size_t)(e - s));
	text[e - s] = '\0';
	loc = c_locale();
	c->f = loc ? strtod_l(text, NULL, loc) : strtod(text, NULL);
	if (text != tmp)
		free(text);
	return c->f < 9223372036854775808.0 ? 0 : -EOVERFLOW;
}

void count__from_double(struct count *c, double f)
{
	c->f = f;
	c->frac = !(f < 9223372036854775808.0 && f == floor(f));
	c->i = c->frac ? 0 : (int64_t)f;
}

int count__scale(struct count *c, int64_t k)
{
	if (k == 1)
		return 0;
	if (c->frac) {
		c->f *= (double)k;
		return c->f < 9223372036854775808.0 ? 0 : -EOVERFLOW;
	}
	if (__builtin_mul_overflow(c->i, k, &c->i))
		return -EOVERFLOW;
	c->f = (double)c->i;
	return 0;
}

int count__sum(struct count *acc, const struct count *x)
{
	int64_t sum;

	if (!acc->frac && !x->frac) {
		if (__builtin_add_overflow(acc->i, x->i, &sum))
			return -EOVERFLOW;
		acc->i = sum;
		acc->f = (double)sum;
		return 0;
	}
	if (acc->f + x->f >= 9223372036854775808.0)
		return -EOVERFLOW;
	acc->f += x->f;
	acc->frac = true;
	return 0;
}

int count__add(struct profile *p, uint32_t node, enum profile_col col, const struct count *c)
{
	return c->frac ? profile__add_weight(p, node, col, c->f)
		       : profile__add_weight_int(p, node, col, c->i);
}

int weight_error(const char *name, const char *unit, size_t pos, int err, const char *text,
		 size_t len)
{
	if (err == -EOVERFLOW && text)
		pr_err("%s: %s %zu: count %.*s is larger than %" PRId64
		       " (2^63 - 1), the most a 64-bit count holds",
		       name, unit, pos, (int)len, text, PROFILE_WEIGHT_MAX);
	else if (err == -EOVERFLOW)
		pr_err("%s: %s %zu: the counts add up to more than %" PRId64
		       " (2^63 - 1), the most a 64-bit count holds",
		       name, unit, pos, PROFILE_WEIGHT_MAX);
	else
		pr_err("%s: %s %zu: expected a count of 0 or more", name, unit, pos);
	return err;
}

int import_absorb(struct profile *p, struct profile *t, const char *name)
{
	int err = profile__absorb(p, t);

	if (err)
		pr_err("%s: its weights and those read before add up to more than %" PRId64
		       " (2^63 - 1), the most a 64-bit count holds",
		       name, PROFILE_WEIGHT_MAX);
	return err;
}
