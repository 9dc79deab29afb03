// SPDX-License-Identifier: Apache-2.0
/*
 * Growable NUL-terminated byte strings, plus the escaping every writer of
 * untrusted names needs (XML for SVG, JSON for the JSON formats).
 */
#include "strbuf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

char strbuf_empty[1];

void strbuf__init(struct strbuf *sb)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
}

void strbuf__release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf__init(sb);
}

char *strbuf__detach(struct strbuf *sb, size_t *len)
{
	char *res;

	strbuf__grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf__init(sb);
	return res;
}

void strbuf__reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void strbuf__grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;

	if (want <= sb->alloc)
		return;
	if (want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	if (!sb->alloc) {
		sb->buf = xmalloc(want);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, want);
	}
	sb->alloc = want;
}

void strbuf__add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf__grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf__adds(struct strbuf *sb, const char *s)
{
	strbuf__add(sb, s, strlen(s));
}

void strbuf__addch(struct strbuf *sb, char c)
{
	strbuf__grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void strbuf__vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc ? sb->alloc - sb->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if (sb->len + n + 1 > sb->alloc) {
		strbuf__grow(sb, n);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += n;
}

void strbuf__addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf__vaddf(sb, fmt, ap);
	va_end(ap);
}

/*
 * Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 when
 * the bytes there are not valid UTF-8 (overlong, surrogate, truncated).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

#define REPLACEMENT_CHAR "\xef\xbf\xbd"

void strbuf__add_xml(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	strbuf__grow(sb, len);
	while (i < len) {
		unsigned char c = u[i];
		const char *rep;
		size_t n = 1;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (c >= 0x80) {
				n = utf8_len(u + i, len - i);
				if (n) {
					i += n;
					continue;
				}
				/* Invalid UTF-8 would make the whole document unparsable. */
				n = 1;
				rep = REPLACEMENT_CHAR;
			} else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				/* XML 1.0 forbids most C0 controls even as references. */
				rep = REPLACEMENT_CHAR;
			} else if (c == 0x7f) {
				rep = "&#127;";
			} else {
				i++;
				continue;
			}
		}
		strbuf__add(sb, s + run, i - run);
		strbuf__adds(sb, rep);
		i += n;
		run = i;
	}
	strbuf__add(sb, s + run, len - run);
}

size_t strbuf__add_utf8(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, bad = 0;

	strbuf__grow(sb, len);
	while (i < len) {
		size_t n = u[i] < 0x80 ? 1 : utf8_len(u + i, len - i);

		if (n) {
			i += n;
			continue;
		}
		strbuf__add(sb, s + run, i - run);
		strbuf__adds(sb, REPLACEMENT_CHAR);
		bad++;
		run = ++i;
	}
	strbuf__add(sb, s + run, len - run);
	return bad;
}

void strbuf__add_json(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	strbuf__grow(sb, len);
	while (i < len) {
		unsigned char c = u[i];

		if (c >= 0x80) {
			size_t n = utf8_len(u + i, len - i);

			if (n) {
				i += n;
				continue;
			}
			strbuf__add(sb, s + run, i - run);
			strbuf__adds(sb, "\\ufffd");
			run = ++i;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		strbuf__add(sb, s + run, i - run);
		switch (c) {
		case '"': strbuf__adds(sb, "\\\""); break;
		case '\\': strbuf__adds(sb, "\\\\"); break;
		case '\n': strbuf__adds(sb, "\\n"); break;
		case '\r': strbuf__adds(sb, "\\r"); break;
		case '\t': strbuf__adds(sb, "\\t"); break;
		default: strbuf__addf(sb, "\\u%04x", c); break;
		}
		run = ++i;
	}
	strbuf__add(sb, s + run, len - run);
}

void strbuf__add_weight(struct strbuf *sb, double w)
{
	char tmp[40];
	int prec;

	if (w == floor(w) && fabs(w) < 9007199254740992.0) {
		strbuf__addf(sb, "%.0f", w);
		return;
	}
	/* Shortest representation that reads back as the same double. */
	for (prec = 6; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, w);
		if (strtod(tmp, NULL) == w)
			break;
	}
	if (prec == 17)
		snprintf(tmp, sizeof(tmp), "%.17g", w);
	strbuf__adds(sb, tmp);
}
