// SPDX-License-Identifier: Apache-2.0
/*
 * The SVG writer: buffered output with a sticky error, number formatting
 * and the escaping every untrusted name goes through. Names come from the
 * profiled programs: besides the XML metacharacters they may hold bytes
 * that are not UTF-8 or characters XML forbids, and either would make the
 * whole document unreadable, so those become U+FFFD.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "render_internal.h"

#define FLUSH_AT (64 * 1024)

void svg__init(struct svg *s, FILE *out)
{
	s->out = out;
	strbuf__init(&s->sb);
	s->err = 0;
}

static void flush(struct svg *s)
{
	if (s->sb.len && !s->err && fwrite(s->sb.buf, 1, s->sb.len, s->out) != s->sb.len)
		s->err = -EIO;
	strbuf__reset(&s->sb);
}

void svg__maybe_flush(struct svg *s)
{
	if (s->sb.len >= FLUSH_AT)
		flush(s);
}

int svg__finish(struct svg *s)
{
	flush(s);
	if (!s->err && (fflush(s->out) || ferror(s->out)))
		s->err = -EIO;
	strbuf__release(&s->sb);
	return s->err;
}

void svg__raw(struct svg *s, const char *str)
{
	strbuf__adds(&s->sb, str);
}

void svg__printf(struct svg *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf__vaddf(&s->sb, fmt, ap);
	va_end(ap);
}

/* strbuf__add_xml() also replaces invalid UTF-8 and forbidden controls. */
void svg__add_text(struct strbuf *sb, const char *str, size_t len)
{
	strbuf__add_xml(sb, str, len);
}

void svg__text(struct svg *s, const char *str, size_t len)
{
	svg__add_text(&s->sb, str, len);
}

void svg__coord(struct svg *s, double v)
{
	long long t = llround(v * 10);
	long long a = t < 0 ? -t : t;

	if (t < 0)
		strbuf__addch(&s->sb, '-');
	if (a % 10)
		strbuf__addf(&s->sb, "%lld.%lld", a / 10, a % 10);
	else
		strbuf__addf(&s->sb, "%lld", a / 10);
}

void svg__add_count(struct strbuf *sb, double v)
{
	struct strbuf tmp = STRBUF_INIT;
	char text[PROFILE_WEIGHT_TEXT_MAX];
	size_t i, start, digits;

	/* Plain digits even past 2^53 ("4,611,686,018,427,387,904", not "4.6e+18"). */
	if (v >= 0 && isfinite(v))
		strbuf__add(&tmp, text, profile__weight_text(v, text));
	else
		strbuf__add_weight(&tmp, v);
	start = tmp.buf[0] == '-';
	for (digits = start; digits < tmp.len && tmp.buf[digits] >= '0' && tmp.buf[digits] <= '9';
	     digits++)
		;
	/* Exponent notation or non-numbers are written as they are. */
	if (memchr(tmp.buf, 'e', tmp.len) || memchr(tmp.buf, 'n', tmp.len) ||
	    memchr(tmp.buf, 'i', tmp.len)) {
		strbuf__add(sb, tmp.buf, tmp.len);
		strbuf__release(&tmp);
		return;
	}
	strbuf__add(sb, tmp.buf, start);
	for (i = start; i < digits; i++) {
		if (i > start && (digits - i) % 3 == 0)
			strbuf__addch(sb, ',');
		strbuf__addch(sb, tmp.buf[i]);
	}
	strbuf__add(sb, tmp.buf + digits, tmp.len - digits);
	strbuf__release(&tmp);
}

void svg__count(struct svg *s, double v)
{
	svg__add_count(&s->sb, v);
}

static bool cp_start(unsigned char c)
{
	return (c & 0xc0) != 0x80;
}

bool fg_label__fit(const char *name, size_t len, long chars, bool right, size_t *off, size_t *n)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i, cps = 0;
	long keep;

	*off = 0;
	*n = 0;
	if (chars < 3)
		return false;
	for (i = 0; i < len; i++)
		cps += cp_start(p[i]);
	if ((long)cps <= chars) {
		*n = len;
		return false;
	}
	keep = chars - 2;
	if (right) {
		for (i = 0; i < len; i++) {
			if (cp_start(p[i]) && keep-- == 0)
				break;
		}
		*n = i;
	} else {
		for (i = len; i > 0; i--) {
			if (cp_start(p[i - 1]) && --keep == 0) {
				i--;
				break;
			}
		}
		*off = i;
		*n = len - i;
	}
	return true;
}
