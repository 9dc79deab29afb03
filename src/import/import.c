// SPDX-License-Identifier: Apache-2.0
/*
 * Import dispatch: read a file or stdin, undo gzip, detect the format from
 * the content and hand the bytes to that format's parser
 * (format sniffing as in jonhoo/inferno src/collapse/guess.rs).
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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

/* Decompressed inputs larger than this are refused (gzip bombs). */
#define MAX_INFLATED ((size_t)8 << 30)

/* One format: how to recognise it and how to read it. */
struct importer {
	enum profile_format fmt; /* PROFILE_FMT_UNKNOWN: recognised only to be refused */
	const char *name;	 /* as --input-format takes it */
	const char *alias;	 /* another name --input-format takes; NULL: none */
	bool (*detect)(const char *buf, size_t len);
	int (*parse)(struct profile *p, const char *name, const char *buf, size_t len,
		     const struct import_opts *o);
};

/*
 * In the order detection tries them (jonhoo/inferno src/collapse/guess.rs):
 * JSON first, since the text formats' line tests can match a JSON line;
 * then binary protobuf (the whole outer message must parse as a pprof
 * one); then the most specific text format first: perf script text also
 * has lines ending in numbers, and folded would take bpftrace's
 * "a, b: 3" as the frame "a, b:".
 */
static const struct importer importers[] = {
	{PROFILE_FMT_V8_CPUPROFILE, "cpuprofile", "v8", v8_cpuprofile__detect,
	 v8_cpuprofile__import},
	{PROFILE_FMT_SPEEDSCOPE, "speedscope", NULL, speedscope__detect, speedscope__import},
	/* Other JSON ("{\"..." or "[{..."): refused as such, with the reason. */
	{PROFILE_FMT_UNKNOWN, "json", NULL, json__detect_other, NULL},
	{PROFILE_FMT_PPROF, "pprof", NULL, pprof__detect, pprof__import},
	{PROFILE_FMT_PERF_SCRIPT, "perf-script", "perf", perf_script__detect, perf_script__import},
	{PROFILE_FMT_BPFTRACE, "bpftrace", NULL, bpftrace__detect, bpftrace__import},
	{PROFILE_FMT_FOLDED, "folded", NULL, folded__detect, folded__import},
};

#define NIMPORTERS (sizeof(importers) / sizeof(importers[0]))

/* The importer of @fmt; NULL for PROFILE_FMT_UNKNOWN and values out of range. */
static const struct importer *importer_of(enum profile_format fmt)
{
	size_t i;

	for (i = 0; i < NIMPORTERS; i++)
		if (importers[i].fmt == fmt && importers[i].parse)
			return &importers[i];
	return NULL;
}

const char *import__format_name(enum profile_format fmt)
{
	const struct importer *im = importer_of(fmt);

	return im ? im->name : "unknown";
}

int import__parse_format(const char *name, enum profile_format *fmt)
{
	size_t i;

	for (i = 0; i < NIMPORTERS; i++) {
		const struct importer *im = &importers[i];

		if (im->parse && (!strcmp(name, im->name) || (im->alias && !strcmp(name, im->alias)))) {
			*fmt = im->fmt;
			return 0;
		}
	}
	return -EINVAL;
}

enum profile_format import__detect(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < NIMPORTERS; i++)
		if (importers[i].detect(buf, len))
			return importers[i].fmt;
	return PROFILE_FMT_UNKNOWN;
}

static bool is_gzip(const char *buf, size_t len)
{
	return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

#ifdef HAVE_ZLIB
/*
 * Inflates every gzip member of @buf into a NUL-terminated malloc'd buffer.
 * Returns 0 or -EINVAL after naming the byte offset of the damage.
 */
static int gunzip(const char *name, const char *buf, size_t len, char **out, size_t *out_len)
{
	z_stream zs;
	size_t cap = len * 4 + 4096, used = 0;
	char *dst = xmalloc(cap + 1);
	int zret, err = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(dst);
		pr_err("%s: cannot initialise zlib", name);
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)buf;
	zs.avail_in = len;
	for (;;) {
		if (cap - used < 65536) {
			if (cap >= MAX_INFLATED) {
				pr_err("%s: decompressed size exceeds %zu GiB; refusing", name,
				       MAX_INFLATED >> 30);
				err = -EFBIG;
				break;
			}
			cap *= 2;
			dst = xrealloc(dst, cap + 1);
		}
		zs.next_out = (unsigned char *)dst + used;
		zs.avail_out = cap - used;
		zret = inflate(&zs, Z_NO_FLUSH);
		used = cap - zs.avail_out;
		if (zret == Z_STREAM_END) {
			/* Concatenated members; trailing zero padding is tolerated. */
			size_t off = len - zs.avail_in;

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
			zs.avail_in = len - off;
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
			       (size_t)(len - zs.avail_in), zs.msg ? zs.msg : "inflate failed");
			err = -EINVAL;
			break;
		}
	}
	inflateEnd(&zs);
	if (err) {
		free(dst);
		return err;
	}
	dst[used] = '\0';
	*out = dst;
	*out_len = used;
	return 0;
}
#else
static int gunzip(const char *name, const char *buf, size_t len, char **out, size_t *out_len)
{
	pr_err("%s: gzip input needs zlib: rebuild after installing zlib1g-dev", name);
	return -EOPNOTSUPP;
}
#endif

static int parse(struct profile *p, const char *name, const char *buf, size_t len,
		 const struct import_opts *o)
{
	enum profile_format fmt = o->format ? o->format : import__detect(buf, len);
	const struct importer *im = importer_of(fmt);
	double before = profile__total(p, PROFILE_COL_MAIN) + profile__total(p, PROFILE_COL_BEFORE);
	int err;

	pr_debug("%s: reading as %s", name, import__format_name(fmt));
	if (im) {
		err = im->parse(p, name, buf, len, o);
	} else {
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
	if (profile__total(p, PROFILE_COL_MAIN) + profile__total(p, PROFILE_COL_BEFORE) == before) {
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
	if (is_gzip(buf, len)) {
		err = gunzip(name, buf, len, &plain, &plain_len);
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

/* Reads all of @fd into a malloc'd buffer with one spare byte for a NUL. */
static int read_all(int fd, const char *name, char **out, size_t *out_len)
{
	struct stat st;
	size_t cap = 1 << 16, used = 0;
	char *buf;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (used == cap) {
			cap *= 2;
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
	err = read_all(fd, name, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (err)
		return err;
	if (is_gzip(buf, len)) {
		err = gunzip(name, buf, len, &plain, &plain_len);
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
