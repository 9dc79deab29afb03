// SPDX-License-Identifier: Apache-2.0
/*
 * Import dispatch: read a file or stdin, undo gzip, detect the format from
 * the content and hand the bytes to that format's parser
 * (format sniffing as in jonhoo/inferno src/collapse/guess.rs).
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

#include "import_internal.h"
#include "log.h"
#include "xalloc.h"

static const char *const format_names[PROFILE_FMT__COUNT] = {
	[PROFILE_FMT_UNKNOWN] = "unknown",
	[PROFILE_FMT_FOLDED] = "folded",
	[PROFILE_FMT_PERF_SCRIPT] = "perf-script",
	[PROFILE_FMT_V8_CPUPROFILE] = "cpuprofile",
	[PROFILE_FMT_SPEEDSCOPE] = "speedscope",
	[PROFILE_FMT_PPROF] = "pprof",
	[PROFILE_FMT_BPFTRACE] = "bpftrace",
};

const char *import__format_name(enum profile_format fmt)
{
	if (fmt < 0 || fmt >= PROFILE_FMT__COUNT || !format_names[fmt])
		return "unknown";
	return format_names[fmt];
}

void bad_lines__report(const struct bad_lines *bl, const char *name)
{
	if (!bl->count)
		return;
	pr_warn("ignored %zu line%s with invalid format in %s, first at line %zu", bl->count,
		bl->count == 1 ? "" : "s", name, bl->first);
}

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

enum profile_format import__detect(const char *buf, size_t len)
{
	/* JSON first: the text formats' line tests can match a JSON line. */
	if (v8_cpuprofile__detect(buf, len))
		return PROFILE_FMT_V8_CPUPROFILE;
	if (speedscope__detect(buf, len))
		return PROFILE_FMT_SPEEDSCOPE;
	/* Other JSON ("{\"..." or "[{..."): reported as such by parse(). */
	if (json__detect_other(buf, len))
		return PROFILE_FMT_UNKNOWN;
	/* Binary protobuf: the whole outer message must parse as a pprof one. */
	if (pprof__detect(buf, len))
		return PROFILE_FMT_PPROF;
	/* Most specific first: perf script text also has lines ending in numbers. */
	if (perf_script__detect(buf, len))
		return PROFILE_FMT_PERF_SCRIPT;
	/* Before folded, which would take "a, b: 3" as the frame "a, b:". */
	if (bpftrace__detect(buf, len))
		return PROFILE_FMT_BPFTRACE;
	if (folded__detect(buf, len))
		return PROFILE_FMT_FOLDED;
	return PROFILE_FMT_UNKNOWN;
}

static bool is_gzip(const char *buf, size_t len)
{
	return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

/* "1.5 GiB" for messages. */
static void human_size(size_t n, char *buf, size_t size)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, size, "%zu bytes", n);
	else
		snprintf(buf, size, "%.*f %s", v == floor(v) ? 0 : 1, v, units[u]);
}

/* Reports that input @name (@gz: once decompressed) is larger than @limit; returns -EFBIG. */
static int too_large(const char *name, size_t limit, bool gz, const struct import_opts *o)
{
	char h[32];

	human_size(limit, h, sizeof(h));
	if (o->max_input)
		pr_err("%s: the input %s more than %s (%zu bytes), the limit --max-input sets; "
		       "raise it with --max-input SIZE",
		       name, gz ? "decompresses to" : "holds", h, limit);
	else
		pr_err("%s: the input decompresses to more than %s (%zu bytes), the limit for it "
		       "(1 GiB, or %d times the compressed size if that is larger: a guard against "
		       "gzip bombs); raise it with --max-input SIZE",
		       name, h, limit, IMPORT_MAX_RATIO);
	return -EFBIG;
}

#ifdef HAVE_ZLIB
/* Of a gzip bomb, at most this much is stored (or 32 times the compressed size). */
#define INFLATE_KEEP ((size_t)64 << 20)

/*
 * Inflates every gzip member of @buf. The first @keep bytes of output go
 * into *@dst (grown as needed, capacity *@cap plus one byte); the rest is
 * only counted: *@total is the whole output. Returns 0; -EFBIG as soon as
 * the output passes @limit; -EINVAL after naming the byte offset of damage.
 */
static int inflate_all(const char *name, const char *buf, size_t len, size_t limit, size_t keep,
		       char **dst, size_t *cap, size_t *total)
{
	unsigned char scratch[65536];
	z_stream zs;
	int zret, err = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		pr_err("%s: cannot initialise zlib", name);
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)buf;
	zs.avail_in = len > UINT32_MAX ? UINT32_MAX : len;
	*total = 0;
	for (;;) {
		size_t room;

		if (*total < keep) {
			if (*cap - *total < sizeof(scratch) && *cap < keep) {
				*cap = *cap * 2 > keep ? keep : *cap * 2;
				*dst = xrealloc(*dst, *cap + 1);
			}
			zs.next_out = (unsigned char *)*dst + *total;
			room = *cap - *total;
		} else {
			zs.next_out = scratch;
			room = sizeof(scratch);
		}
		zs.avail_out = room > UINT32_MAX ? UINT32_MAX : room;
		room = zs.avail_out;
		zret = inflate(&zs, Z_NO_FLUSH);
		*total += room - zs.avail_out;
		if (*total > limit) {
			err = -EFBIG;
			break;
		}
		/* Inputs past 4 GiB are fed to zlib in pieces. */
		if (!zs.avail_in && (size_t)((const char *)zs.next_in - buf) < len) {
			size_t off = (const char *)zs.next_in - buf;

			zs.avail_in = len - off > UINT32_MAX ? UINT32_MAX : len - off;
		}
		if (zret == Z_STREAM_END) {
			/* Concatenated members; trailing zero padding is tolerated. */
			size_t off = (const char *)zs.next_in - buf;

			while (off < len && buf[off] == 0)
				off++;
			if (off >= len)
				break;
			if (!is_gzip(buf + off, len - off)) {
				pr_err("%s: byte offset %zu: expected a gzip member or end of file after the compressed data",
				       name, off);
				err = -EINVAL;
				break;
			}
			inflateReset(&zs);
			zs.next_in = (unsigned char *)buf + off;
			zs.avail_in = len - off > UINT32_MAX ? UINT32_MAX : len - off;
			continue;
		}
		if (zret == Z_OK)
			continue;
		if (zret == Z_BUF_ERROR && zs.avail_in == 0) {
			pr_err("%s: byte offset %zu: truncated gzip stream, expected more compressed data",
			       name, len);
			err = -EINVAL;
			break;
		}
		if (zret != Z_BUF_ERROR) {
			pr_err("%s: byte offset %zu: corrupt gzip data (%s)", name,
			       (size_t)((const char *)zs.next_in - buf),
			       zs.msg ? zs.msg : "inflate failed");
			err = -EINVAL;
			break;
		}
	}
	inflateEnd(&zs);
	return err;
}

/*
 * Inflates @buf into a NUL-terminated malloc'd buffer of at most @limit
 * bytes. Output past INFLATE_KEEP (or 32 times @len) is first only
 * counted, so that a gzip bomb fails without being stored; an input that
 * does fit is then inflated a second time, into a buffer of its size.
 * Returns 0, -EFBIG after saying so, or -EINVAL after naming the byte
 * offset of the damage.
 */
static int gunzip(const char *name, const char *buf, size_t len, const struct import_opts *o,
		  size_t limit, char **out, size_t *out_len)
{
	size_t keep = len > INFLATE_KEEP / IMPORT_MAX_RATIO ? len * IMPORT_MAX_RATIO : INFLATE_KEEP;
	size_t cap, total, total2;
	char *dst;
	int err;

	if (len > SIZE_MAX / IMPORT_MAX_RATIO)
		keep = SIZE_MAX;
	if (keep > limit)
		keep = limit;
	/*
	 * A gzip member ends with its size modulo 2^32, which no member is
	 * smaller than: when the last one says more than the limit, it is a
	 * bomb (or damage, which inflating reports): count, store nothing.
	 */
	if (len >= 18) {
		const unsigned char *t = (const unsigned char *)buf + len - 4;
		uint32_t isize =
			t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;

		if (isize > limit)
			keep = 0;
	}
	cap = len < keep / 4 ? len * 4 + 4096 : keep;
	if (cap > keep)
		cap = keep;
	if (!cap)
		cap = 1;
	dst = xmalloc(cap + 1);
	err = inflate_all(name, buf, len, limit, keep, &dst, &cap, &total);
	if (!err && total > keep) {
		cap = total;
		dst = xrealloc(dst, cap + 1);
		err = inflate_all(name, buf, len, limit, total, &dst, &cap, &total2);
	}
	if (err) {
		free(dst);
		return err == -EFBIG ? too_large(name, limit, true, o) : err;
	}
	dst[total] = '\0';
	*out = dst;
	*out_len = total;
	return 0;
}
#else
static int gunzip(const char *name, const char *buf, size_t len, const struct import_opts *o,
		  size_t limit, char **out, size_t *out_len)
{
	pr_err("%s: gzip input needs zlib: rebuild after installing zlib1g-dev", name);
	return -EOPNOTSUPP;
}
#endif

/* The limit of the decompressed form of @len compressed bytes (import_opts.max_input). */
static size_t input_limit(const struct import_opts *o, size_t len)
{
	if (o->max_input)
		return o->max_input;
	if (len > SIZE_MAX / IMPORT_MAX_RATIO)
		return SIZE_MAX;
	return len * IMPORT_MAX_RATIO > IMPORT_MAX_INPUT ? len * IMPORT_MAX_RATIO
							 : IMPORT_MAX_INPUT;
}

static int parse(struct profile *p, const char *name, const char *buf, size_t len,
		 const struct import_opts *o)
{
	enum profile_format fmt = o->format ? o->format : import__detect(buf, len);
	uint64_t before = profile__nweights(p);
	int err;

	pr_debug("%s: reading as %s", name, import__format_name(fmt));
	switch (fmt) {
	case PROFILE_FMT_FOLDED:
		err = folded__import(p, name, buf, len, o);
		break;
	case PROFILE_FMT_PERF_SCRIPT:
		err = perf_script__import(p, name, buf, len, o);
		break;
	case PROFILE_FMT_V8_CPUPROFILE:
		err = v8_cpuprofile__import(p, name, buf, len, o);
		break;
	case PROFILE_FMT_SPEEDSCOPE:
		err = speedscope__import(p, name, buf, len, o);
		break;
	case PROFILE_FMT_PPROF:
		err = pprof__import(p, name, buf, len, o);
		break;
	case PROFILE_FMT_BPFTRACE:
		err = bpftrace__import(p, name, buf, len, o);
		break;
	default:
		if (json__detect_other(buf, len))
			return json__reject_unknown(name, buf, len);
		if (!len || strspn(buf, " \t\r\n") == len) {
			pr_err("no stack counts found in %s (the input is empty)", name);
			return -ENODATA;
		}
		pr_err("%s: unrecognised profile format: expected folded stacks (\"a;b;c 12\"), perf script text, pprof protobuf, bpftrace map output, V8 .cpuprofile or speedscope JSON",
		       name);
		return -EINVAL;
	}
	if (err)
		return err;
	if (profile__nweights(p) == before) {
		pr_err("no stack counts found in %s", name);
		return -ENODATA;
	}
	return 0;
}

int import__buffer(struct profile *p, const char *name, const char *buf, size_t len,
		   const struct import_opts *o)
{
	static const struct import_opts defaults;
	char *copy = NULL, *plain = NULL;
	size_t plain_len;
	int err;

	if (!o)
		o = &defaults;
	if (o->max_input && len > o->max_input)
		return too_large(name, o->max_input, false, o);
	if (is_gzip(buf, len)) {
		err = gunzip(name, buf, len, o, input_limit(o, len), &plain, &plain_len);
		if (err)
			return err;
		err = parse(p, name, plain, plain_len, o);
		free(plain);
		return err;
	}
	/* Parsers rely on buf[len] == '\0'. */
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	err = parse(p, name, copy, len, o);
	free(copy);
	return err;
}

/*
 * Reads all of @fd, at most @limit bytes, into a malloc'd buffer with one
 * spare byte for a NUL. Returns 0, -EIO, or -EFBIG (nothing logged) when
 * there is more.
 */
static int read_all(int fd, const char *name, size_t limit, char **out, size_t *out_len)
{
	struct stat st;
	size_t cap = 1 << 16, used = 0;
	char *buf;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > limit)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (used == cap) {
			if (cap > limit) {
				free(buf);
				return -EFBIG;
			}
			cap = cap > limit / 2 ? limit + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("cannot read %s: %s", name, strerror(errno));
			free(buf);
			return -EIO;
		}
		if (n == 0)
			break;
		used += n;
	}
	if (used > limit) {
		free(buf);
		return -EFBIG;
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return 0;
}

int import__path(struct profile *p, const char *path, const struct import_opts *o)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	char *buf, *plain;
	size_t len, plain_len;
	struct stat st;
	int fd, err;

	if (!o) {
		static const struct import_opts defaults;

		o = &defaults;
	}
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot open %s: %s", path, strerror(errno));
		return err;
	}
	if (!fstat(fd, &st) && S_ISDIR(st.st_mode)) {
		pr_err("cannot read %s: it is a directory, expected a profile file", path);
		if (!is_stdin)
			close(fd);
		return -EISDIR;
	}
	err = read_all(fd, name, o->max_input ? o->max_input : SIZE_MAX, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (err == -EFBIG)
		return too_large(name, o->max_input, false, o);
	if (err)
		return err;
	if (is_gzip(buf, len)) {
		err = gunzip(name, buf, len, o, input_limit(o, len), &plain, &plain_len);
		free(buf);
		if (err)
			return err;
		buf = plain;
		len = plain_len;
	}
	err = parse(p, name, buf, len, o);
	free(buf);
	return err;
}

int import__parse_size(const char *s, size_t *out)
{
	static const struct {
		const char *suffix;
		int shift;
	} units[] = {
		{"", 0},     {"B", 0},	{"k", 10},  {"K", 10},	 {"KB", 10}, {"KiB", 10},
		{"kB", 10},  {"M", 20}, {"MB", 20}, {"MiB", 20}, {"G", 30},  {"GB", 30},
		{"GiB", 30}, {"T", 40}, {"TB", 40}, {"TiB", 40},
	};
	const char *p = s;
	uint64_t whole = 0;
	double frac = 0, scale = 0.1;
	size_t i;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == ' ')
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v;

		if (strcmp(p, units[i].suffix))
			continue;
		v = ((double)whole + frac) * (double)((uint64_t)1 << units[i].shift);
		if (v >= (double)SIZE_MAX || whole > (SIZE_MAX >> units[i].shift))
			return -ERANGE;
		/* Whole bytes: exact for integers, a fraction rounds down. */
		*out = (size_t)(whole << units[i].shift) +
		       (size_t)(frac * (double)((uint64_t)1 << units[i].shift));
		return *out ? 0 : -EINVAL;
	}
	return -EINVAL;
}
