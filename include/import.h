/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Importers: read a profile file in any supported format, detected from its
 * content, and add its stacks to a profile. Gzip-compressed input is
 * decompressed first.
 *
 * Errors are logged (naming the file and the line or byte offset) and
 * returned as a negative errno: -EINVAL for malformed structured input,
 * -ENODATA when the input holds no stacks, -EFBIG for an input beyond the
 * size limit (import_opts.max_input), -EOVERFLOW for counts beyond 64 bits
 * (profile.h), -EIO/-ENOENT for I/O. Text formats skip unparsable lines
 * with one warning that counts them.
 *
 * Resources: a gzip input past its size limit (max_input below) is refused
 * having stored no more than its limit, and no more than 64 MiB or 32 times
 * its compressed size if that is larger; nothing at all when its trailer
 * already says it is too large. Importing and writing any output need at
 * most about 40 times the decompressed input (tests/test_import.c, suite
 * memory).
 */
#ifndef RESQ_IMPORT_H
#define RESQ_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

enum profile_format {
	PROFILE_FMT_UNKNOWN = 0,
	PROFILE_FMT_FOLDED,
	PROFILE_FMT_PERF_SCRIPT,
	PROFILE_FMT_PPROF,
	PROFILE_FMT_BPFTRACE,
	PROFILE_FMT_V8_CPUPROFILE,
	PROFILE_FMT_SPEEDSCOPE,
	PROFILE_FMT__COUNT,
};

struct import_opts {
	enum profile_format format; /* 0: detect from content */
	/* perf script, stackcollapse-perf.pl semantics and option names */
	bool pid;         /* root frames comm-PID */
	bool tid;         /* root frames comm-PID/TID */
	bool kernel;      /* _[k] on kernel frames */
	bool jit;         /* _[j] on JIT (perf map) frames */
	bool addrs;       /* [dso <addr>] for unknown symbols */
	bool no_demangle; /* keep Rust symbols as perf printed them */
	bool no_inline;   /* do not split perf's a->b inline chains */
	const char *event_filter; /* only this event; default: the first seen */
	/* pprof: the sample type to read (by type name); default: the profile's
	 * default_sample_type, else its last type */
	const char *sample_type;
	/* V8 .cpuprofile: weight by time (timeDeltas, in us) instead of samples */
	bool time_weights;
	/*
	 * The largest input in bytes, after decompression (--max-input). 0:
	 * IMPORT_MAX_INPUT or 32 times the compressed size, whichever is
	 * larger, for gzip input, and no limit for plain input. Set, it also
	 * bounds the bytes read, compressed or not.
	 */
	size_t max_input;
};

/* The default limit of a decompressed input (see import_opts.max_input). */
#define IMPORT_MAX_INPUT ((size_t)1 << 30)
/* ... or this many times the compressed size, when that is larger. */
#define IMPORT_MAX_RATIO 32

/* Guesses the format of @len bytes of @buf; PROFILE_FMT_UNKNOWN if none fits. */
enum profile_format import__detect(const char *buf, size_t len);
/* "folded", "perf-script", ...; "unknown" for anything else. */
const char *import__format_name(enum profile_format fmt);
/*
 * The format named @name ("folded", "perf-script" or "perf", "cpuprofile"
 * or "v8", "speedscope", "pprof", "bpftrace"). 0, or -EINVAL.
 */
int import__parse_format(const char *name, enum profile_format *fmt);

/*
 * Parses @len bytes of @buf (need not be NUL-terminated; may be gzip) named
 * @name in messages, and adds its stacks to @p. @o may be NULL for defaults.
 */
int import__buffer(struct profile *p, const char *name, const char *buf, size_t len,
		   const struct import_opts *o);

/* Reads @path ("-" is stdin) and imports it as import__buffer() does. */
int import__path(struct profile *p, const char *path, const struct import_opts *o);

/*
 * Parses a size for --max-input: a number of bytes, with an optional k, M,
 * G or T suffix (powers of 1024; "KiB", "MB" and "B" forms accepted, a
 * fraction such as "1.5G" too). Returns 0 and sets *@out; -EINVAL when
 * @s is no size or is 0; -ERANGE when it does not fit in a size_t.
 */
int import__parse_size(const char *s, size_t *out);

#endif
