// SPDX-License-Identifier: Apache-2.0
/*
 * A strict JSON reader for the structured importers. One pass, no
 * recursion: an explicit stack of open containers (bounded by the depth
 * limit) and a flat array of values in document order. Strings without
 * escapes are not copied; escaped ones are decoded into one arena that can
 * never outgrow the input, because decoding only shrinks a string.
 */
#include "json_internal.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

struct open_container {
	uint32_t idx; /* the container's value */
	uint32_t key; /* objects: the key of the member being read */
};

struct parser {
	struct json_doc *d;
	const char *buf, *p, *end;
	struct open_container *stack;
	unsigned int depth, max_depth;
};

static void set_error(struct json_doc *d, size_t off, const char *fmt, va_list ap)
{
	d->err_off = off;
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	pr_err("%s: byte offset %zu: %s", d->name, off, d->err);
}

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(ps->d, at - ps->buf, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "expected WHAT, found X" where X describes the byte at @at. */
static int expected(struct parser *ps, const char *at, const char *what)
{
	unsigned char c = at < ps->end ? (unsigned char)*at : 0;

	if (at >= ps->end)
		return fail(ps, at,
			    "expected %s, found the end of the input (is the file truncated?)",
			    what);
	if (c >= 0x20 && c < 0x7f)
		return fail(ps, at, "expected %s, found '%c'", what, c);
	return fail(ps, at, "expected %s, found byte 0x%02x", what, c);
}

int json__error(const struct json_doc *d, const struct json_value *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s: byte offset %u: %s", d->name, v ? v->off : 0, msg);
	return -EINVAL;
}

static void skip_ws(struct parser *ps)
{
	const char *p = ps->p;

	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	ps->p = p; /* buf[len] is NUL, so the loop stops at the end */
}

static uint32_t add_value(struct parser *ps, enum json_type type, const char *at)
{
	struct json_doc *d = ps->d;
	struct json_value *v;

	ALLOC_GROW(d->v, d->n + 1, d->alloc);
	v = &d->v[d->n];
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->off = at - ps->buf;
	v->next = d->n + 1;
	return d->n++;
}

/* Length of the valid UTF-8 sequence at @s (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = cp;
	} else if (cp < 0x800) {
		*o++ = 0xc0 | cp >> 6;
		*o++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*o++ = 0xe0 | cp >> 12;
		*o++ = 0x80 | (cp >> 6 & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	} else {
		*o++ = 0xf0 | cp >> 18;
		*o++ = 0x80 | (cp >> 12 & 0x3f);
		*o++ = 0x80 | (cp >> 6 & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	}
	return o;
}

static int hex4_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads 4 hex digits at @s, stopping at the first non-digit; -1 then. */
static int32_t hex4(const char *s)
{
	int32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int x = hex4_digit(s[i]);

		if (x < 0)
			return -1;
		v = v << 4 | x;
	}
	return v;
}

/* At a byte that cannot continue a string: end of input, control byte, bad UTF-8. */
static int bad_string_byte(struct parser *ps, const char *s, const char *open)
{
	unsigned char c = *s;

	if (s >= ps->end)
		return fail(ps, s,
			    "expected '\"' to close the string opened at byte offset %zu, found "
			    "the end of the input (is the file truncated?)",
			    (size_t)(open - ps->buf));
	if (c < 0x20)
		return fail(ps, s,
			    "expected a printable character or an escape in a string, found "
			    "control byte 0x%02x",
			    c);
	return fail(ps, s, "expected UTF-8 text in a string, found the invalid byte 0x%02x", c);
}

/* Decodes the string at ps->p (the opening quote) that holds escapes. */
static int parse_escaped(struct parser *ps, const char *open, const char *s, struct json_value *v)
{
	struct json_doc *d = ps->d;
	char *o, *start;

	if (!d->strs)
		d->strs = xmalloc(ps->end - ps->buf + 1);
	start = o = d->strs + d->strs_used;
	memcpy(o, open + 1, s - (open + 1));
	o += s - (open + 1);
	for (;;) {
		unsigned char c = *s;

		if (c == '"')
			break;
		if (c == '\\') {
			int32_t cp, lo;

			switch (s[1]) {
			case '"':
				*o++ = '"';
				s += 2;
				continue;
			case '\\':
				*o++ = '\\';
				s += 2;
				continue;
			case '/':
				*o++ = '/';
				s += 2;
				continue;
			case 'b':
				*o++ = '\b';
				s += 2;
				continue;
			case 'f':
				*o++ = '\f';
				s += 2;
				continue;
			case 'n':
				*o++ = '\n';
				s += 2;
				continue;
			case 'r':
				*o++ = '\r';
				s += 2;
				continue;
			case 't':
				*o++ = '\t';
				s += 2;
				continue;
			case 'u': break;
			default:
				if (s + 1 >= ps->end)
					return bad_string_byte(ps, s + 1, open);
				return fail(ps, s,
					    "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t "
					    "or \\uXXXX) after '\\', found '\\%c'",
					    s[1] >= 0x20 && s[1] < 0x7f ? s[1] : '?');
			}
			cp = hex4(s + 2); /* stops at buf[len], a NUL */
			if (cp < 0) {
				const char *q = s + 2;

				while (q < s + 6 && hex4_digit(*q) >= 0)
					q++;
				return expected(ps, q, "four hex digits after \\u");
			}
			s += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate pairs with an escaped low one. */
				if (ps->end - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
				    (lo = hex4(s + 2)) >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				} else {
					cp = 0xfffd;
				}
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			o = put_utf8(o, cp);
			continue;
		}
		if (c < 0x20)
			return bad_string_byte(ps, s, open);
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)s, ps->end - s);

			if (!n)
				return bad_string_byte(ps, s, open);
			memcpy(o, s, n);
			o += n;
			s += n;
			continue;
		}
		*o++ = c;
		s++;
	}
	*o++ = '\0';
	d->strs_used = o - d->strs;
	v->u.str = start;
	v->len = o - start - 1;
	ps->p = s + 1;
	return 0;
}

static int parse_string(struct parser *ps, uint32_t idx)
{
	const char *open = ps->p, *s = open + 1;
	struct json_value *v = &ps->d->v[idx];

	for (;;) {
		unsigned char c = *s;

		if (c == '"') {
			v->u.str = open + 1;
			v->len = s - (open + 1);
			ps->p = s + 1;
			return 0;
		}
		if (c == '\\')
			return parse_escaped(ps, open, s, v);
		if (c < 0x20)
			return bad_string_byte(ps, s, open);
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)s, ps->end - s);

			if (!n)
				return bad_string_byte(ps, s, open);
			s += n;
			continue;
		}
		s++;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static locale_t c_locale(void)
{
	static locale_t loc;

	/* strtod must read '.' whatever locale the program set (the TUI sets one). */
	if (!loc)
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	return loc;
}

static int parse_number(struct parser *ps, uint32_t idx)
{
	const char *s = ps->p, *digits;
	bool neg = false, simple = true;

	if (*s == '-') {
		neg = true;
		s++;
	}
	digits = s;
	if (*s == '0')
		s++;
	else if (is_digit(*s))
		while (is_digit(*s))
			s++;
	else
		return expected(ps, s, "a digit after '-'");
	if (*s == '.') {
		simple = false;
		if (!is_digit(*++s))
			return expected(ps, s, "a digit after the decimal point");
		while (is_digit(*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		simple = false;
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return expected(ps, s, "a digit in the exponent");
		while (is_digit(*s))
			s++;
	}
	if (simple && s - digits <= 19) {
		/* An integer: kept exactly (see struct json_value) when it fits. */
		uint64_t v = 0;
		const char *q;

		for (q = digits; q < s; q++)
			v = v * 10 + (*q - '0');
		if (s - digits <= 18 || v <= (uint64_t)INT64_MAX) {
			int64_t x = neg ? -(int64_t)v : (int64_t)v;

			ps->d->v[idx].u.num = (double)x;
			ps->d->v[idx].len = (uint32_t)(uint64_t)x;
			ps->d->v[idx].exact = true;
			ps->p = s;
			return 0;
		}
	}
	{
		locale_t loc = c_locale();

		ps->d->v[idx].u.num = loc ? strtod_l(ps->p, NULL, loc) : strtod(ps->p, NULL);
	}
	ps->p = s;
	return 0;
}

static int parse_literal(struct parser *ps, const char *word, enum json_type type)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return expected(ps, ps->p,
				"a value (object, array, string, number, true, false or null)");
	add_value(ps, type, ps->p);
	ps->p += n;
	return 0;
}

static int open_container(struct parser *ps, enum json_type type)
{
	uint32_t idx;

	if (ps->depth >= ps->max_depth)
		return fail(ps, ps->p,
			    "expected at most %u nested arrays and objects; this input nests "
			    "deeper, refusing it",
			    ps->max_depth);
	idx = add_value(ps, type, ps->p);
	ps->stack[ps->depth].idx = idx;
	ps->stack[ps->depth].key = 0;
	ps->depth++;
	ps->p++;
	return 0;
}

/* Reads "KEY" ':' of an object member; leaves ps->p at the value. */
static int parse_key(struct parser *ps, bool after_comma)
{
	uint32_t key;
	int err;

	skip_ws(ps);
	if (*ps->p != '"')
		return expected(ps, ps->p,
				after_comma ? "a string key after ',' (JSON has no trailing commas)"
					    : "a string key or '}'");
	key = add_value(ps, JSON_STRING, ps->p);
	err = parse_string(ps, key);
	if (err)
		return err;
	ps->stack[ps->depth - 1].key = key;
	skip_ws(ps);
	if (*ps->p != ':')
		return expected(ps, ps->p, "':' after an object key");
	ps->p++;
	return 0;
}

static int parse_all(struct parser *ps)
{
	struct json_doc *d = ps->d;
	int err;

value:
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		if ((err = open_container(ps, JSON_OBJECT)))
			return err;
		skip_ws(ps);
		if (*ps->p == '}') {
			ps->p++;
			goto close;
		}
		if ((err = parse_key(ps, false)))
			return err;
		goto value;
	case '[':
		if ((err = open_container(ps, JSON_ARRAY)))
			return err;
		skip_ws(ps);
		if (*ps->p == ']') {
			ps->p++;
			goto close;
		}
		goto value;
	case '"':
		if ((err = parse_string(ps, add_value(ps, JSON_STRING, ps->p))))
			return err;
		goto done_value;
	case 't':
		if ((err = parse_literal(ps, "true", JSON_TRUE)))
			return err;
		goto done_value;
	case 'f':
		if ((err = parse_literal(ps, "false", JSON_FALSE)))
			return err;
		goto done_value;
	case 'n':
		if ((err = parse_literal(ps, "null", JSON_NULL)))
			return err;
		goto done_value;
	default:
		if (*ps->p == '-' || is_digit(*ps->p)) {
			if ((err = parse_number(ps, add_value(ps, JSON_NUMBER, ps->p))))
				return err;
			goto done_value;
		}
		if (ps->depth && d->v[ps->stack[ps->depth - 1].idx].type == JSON_ARRAY &&
		    *ps->p == ']')
			return expected(ps, ps->p,
					"a value after ',' (JSON has no trailing commas)");
		return expected(ps, ps->p,
				"a value (object, array, string, number, true, false or null)");
	}

close:
	/* The container on top of the stack has just been closed. */
	d->v[ps->stack[--ps->depth].idx].next = d->n;

done_value:
	if (!ps->depth)
		return 0;
	{
		struct open_container *top = &ps->stack[ps->depth - 1];
		struct json_value *c = &d->v[top->idx];

		c->len++;
		skip_ws(ps);
		if (c->type == JSON_OBJECT) {
			d->v[top->key].next = d->n;
			if (*ps->p == ',') {
				ps->p++;
				if ((err = parse_key(ps, true)))
					return err;
				goto value;
			}
			if (*ps->p == '}') {
				ps->p++;
				goto close;
			}
			return expected(ps, ps->p, "',' or '}' after an object member");
		}
		if (*ps->p == ',') {
			ps->p++;
			goto value;
		}
		if (*ps->p == ']') {
			ps->p++;
			goto close;
		}
		return expected(ps, ps->p, "',' or ']' after an array element");
	}
}

int json_doc__parse(struct json_doc *d, const char *name, const char *buf, size_t len,
		    unsigned int max_depth)
{
	struct parser ps = {
		.d = d,
		.buf = buf,
		.p = buf,
		.end = buf + len,
		.max_depth = max_depth ? max_depth : JSON_MAX_DEPTH,
	};
	int err;

	memset(d, 0, sizeof(*d));
	d->name = name;
	if (len > JSON_MAX_LEN) {
		snprintf(d->err, sizeof(d->err), "JSON input larger than 4 GiB is not supported");
		pr_err("%s: %s", name, d->err);
		return -EFBIG;
	}
	/* A UTF-8 byte order mark is not JSON, but editors write one. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		ps.p += 3;
	ps.stack = xmalloc(ps.max_depth * sizeof(*ps.stack));
	err = parse_all(&ps);
	if (!err) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			err = expected(&ps, ps.p, "the end of the input after the top-level value");
	}
	free(ps.stack);
	return err;
}

void json_doc__release(struct json_doc *d)
{
	free(d->v);
	free(d->strs);
	d->v = NULL;
	d->strs = NULL;
	d->n = d->alloc = d->strs_used = 0;
}

bool json__str_eq(const struct json_value *v, const char *s)
{
	size_t n = strlen(s);

	return v && v->type == JSON_STRING && v->len == n && !memcmp(v->u.str, s, n);
}

const struct json_value *json__get(const struct json_doc *d, const struct json_value *obj,
				   const char *key)
{
	const struct json_value *it, *found = NULL;
	uint32_t i;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	/* The last of repeated keys wins, as in JavaScript's JSON.parse. */
	json_for_each(d, obj, it, i)
		if (json__str_eq(it, key))
			found = it + 1;
	return found;
}

const char *json__type_name(const struct json_value *v)
{
	static const char *const names[] = {
		[JSON_NULL] = "null",	     [JSON_FALSE] = "false",	 [JSON_TRUE] = "true",
		[JSON_NUMBER] = "a number",  [JSON_STRING] = "a string", [JSON_ARRAY] = "an array",
		[JSON_OBJECT] = "an object",
	};

	return v ? names[v->type] : "nothing";
}

bool json__int(const struct json_value *v, int64_t *out)
{
	double x;

	if (!v || v->type != JSON_NUMBER)
		return false;
	x = v->u.num;
	if (v->exact) {
		/* The double is within 2^10 of the integer: its low 32 bits fix the rest. */
		int64_t base = x >= 9223372036854775807.0 ? INT64_MAX : (int64_t)x;
		int32_t delta = (int32_t)(v->len - (uint32_t)(uint64_t)base);

		*out = (int64_t)((uint64_t)base + (uint64_t)(int64_t)delta);
		return true;
	}
	if (!(x >= -9007199254740992.0 && x <= 9007199254740992.0) || x != floor(x))
		return false;
	*out = (int64_t)x;
	return true;
}

bool json__finite(const struct json_value *v, double *out)
{
	if (!v || v->type != JSON_NUMBER || !isfinite(v->u.num))
		return false;
	*out = v->u.num;
	return true;
}

bool json__count(const struct json_value *v, struct count *c)
{
	int64_t i;
	double f;

	if (json__int(v, &i)) {
		if (i < 0)
			return false;
		c->i = i;
		c->f = (double)i;
		c->frac = false;
		return true;
	}
	if (!json__finite(v, &f) || f < 0)
		return false;
	count__from_double(c, f);
	return true;
}

uint32_t json__location_frame(struct profile *p, const char *fn, size_t fn_len, const char *file,
			      size_t file_len, uint32_t line, uint32_t col, enum frame_kind kind)
{
	struct strbuf sb = STRBUF_INIT;
	struct frame f = {.kind = kind};
	uint32_t id;

	if (!file_len)
		return profile__frame_named(p, fn, fn_len, kind);
	strbuf__add(&sb, fn, fn_len);
	strbuf__add(&sb, " (", 2);
	strbuf__add(&sb, file, file_len);
	if (line) {
		strbuf__addf(&sb, ":%u", line);
		if (col)
			strbuf__addf(&sb, ":%u", col);
	}
	strbuf__addch(&sb, ')');
	f.name = profile__intern(p, sb.buf, sb.len);
	f.file = profile__intern(p, file, file_len);
	f.line = line;
	id = profile__frame(p, &f);
	strbuf__release(&sb);
	return id;
}

/* Detection: a light scan of the top-level keys, no allocation. */

static const char *sniff_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* Skips a string starting at its opening quote; returns the byte after it. */
static const char *sniff_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return end;
}

/* Skips one value of any kind, loosely (detection never fails). */
static const char *sniff_value(const char *p, const char *end)
{
	size_t depth = 0;

	while (p < end) {
		char c = *p;

		if (c == '"') {
			p = sniff_string(p, end);
		} else if (c == '{' || c == '[') {
			depth++;
			p++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return p;
			depth--;
			p++;
		} else if (c == ',' && !depth) {
			return p;
		} else {
			p++;
		}
		if (!depth && (c == '"' || c == '}' || c == ']'))
			return p;
	}
	return end;
}

static bool raw_key_is(const char *s, const char *e, const char *key)
{
	size_t n = strlen(key);

	return (size_t)(e - s) == n && !memcmp(s, key, n);
}

/*
 * The top-level keys of the object at @p ('{'). A V8 profile may come
 * wrapped as the inspector's Profiler.stop returns it, {"profile": {...}}:
 * unless @nested, such a member is looked into.
 */
static enum json_sniff sniff_object(const char *p, const char *end, bool nested)
{
	bool profiles = false, shared = false;

	p = sniff_ws(p + 1, end);
	if (p == end || (*p != '"' && *p != '}'))
		return JSON_SNIFF_NONE; /* e.g. a folded frame "{{closure}}" */
	while (p < end && *p == '"') {
		const char *ks = p + 1, *ke;

		p = sniff_string(p, end);
		ke = p - 1;
		p = sniff_ws(p, end);
		if (p == end || *p != ':')
			break;
		p = sniff_ws(p + 1, end);
		if (raw_key_is(ks, ke, "nodes") || raw_key_is(ks, ke, "head"))
			return JSON_SNIFF_V8;
		if (!nested && raw_key_is(ks, ke, "profile") && p < end && *p == '{' &&
		    sniff_object(p, end, true) == JSON_SNIFF_V8)
			return JSON_SNIFF_V8;
		if (raw_key_is(ks, ke, "$schema") && p < end && *p == '"') {
			const char *vs = p + 1, *ve = sniff_string(p, end);

			if (memmem(vs, ve - vs, "speedscope", 10))
				return JSON_SNIFF_SPEEDSCOPE;
		}
		if (raw_key_is(ks, ke, "profiles"))
			profiles = true;
		if (raw_key_is(ks, ke, "shared"))
			shared = true;
		if (profiles && shared)
			return JSON_SNIFF_SPEEDSCOPE;
		p = sniff_value(p, end);
		p = sniff_ws(p, end);
		if (p == end || *p != ',')
			break;
		p = sniff_ws(p + 1, end);
	}
	return JSON_SNIFF_OTHER;
}

enum json_sniff json__sniff(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		p += 3;
	p = sniff_ws(p, end);
	if (p == end)
		return JSON_SNIFF_NONE;
	if (*p == '[') {
		/* "[{" or "[]": folded frames like "[unknown]" also start with '['. */
		p = sniff_ws(p + 1, end);
		return p < end && (*p == '{' || *p == ']') ? JSON_SNIFF_OTHER : JSON_SNIFF_NONE;
	}
	if (*p != '{')
		return JSON_SNIFF_NONE;
	return sniff_object(p, end, false);
}

bool json__detect_other(const char *buf, size_t len)
{
	return json__sniff(buf, len) == JSON_SNIFF_OTHER;
}

/* Reports the syntax error if there is one, else that the shape is unknown. */
int json__reject_unknown(const char *name, const char *buf, size_t len)
{
	struct json_doc d;
	const struct json_value *top;
	int err;

	err = json_doc__parse(&d, name, buf, len, 0);
	if (err)
		goto out;
	top = &d.v[0];
	err = -EINVAL;
	if (json__get(&d, top, "traceEvents") ||
	    (top->type == JSON_ARRAY && top->len && json__get(&d, top + 1, "ph"))) {
		json__error(&d, top,
			    "expected a V8 .cpuprofile or a speedscope file, found a Chrome "
			    "trace-event file, which is not supported; save a .cpuprofile instead "
			    "(node --cpu-prof, or DevTools' JavaScript Profiler)");
		goto out;
	}
	json__error(&d, top,
		    "expected a V8 .cpuprofile (an object with \"nodes\" or \"head\") or a "
		    "speedscope file (an object with \"$schema\", \"shared\" and \"profiles\"), "
		    "found %s with neither",
		    json__type_name(top));
out:
	json_doc__release(&d);
	return err;
}
