/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON reader behind the JSON importers (V8 .cpuprofile, speedscope):
 * a strict RFC 8259 parser into a flat array of values in document order
 * (a container is followed by its descendants), bounded in nesting depth.
 *
 * Strings are UTF-8 checked; \uXXXX escapes, surrogate pairs included, are
 * decoded (a lone surrogate becomes U+FFFD). Every value keeps its byte
 * offset, so importers can say where a file has the wrong shape.
 *
 * Frames that carry a source location are named "FUNCTION (FILE:LINE:COL)",
 * "FUNCTION (FILE:LINE)" or "FUNCTION (FILE)", with frame.file = FILE and
 * frame.line = LINE (1-based; 0 when unknown): py-spy names its folded
 * frames the same way, and exporters split the name back into its parts.
 */
#ifndef RESQ_JSON_INTERNAL_H
#define RESQ_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "count.h"
#include "import_internal.h"

/* Nesting deeper than this is refused: no legitimate profile needs it. */
#define JSON_MAX_DEPTH 512
/* Inputs are addressed with 32-bit offsets and indices. */
#define JSON_MAX_LEN ((size_t)UINT32_MAX - 1)

enum json_type {
	JSON_NULL = 0,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * One value. An object's members are stored as key (a JSON_STRING), then
 * value; the key's @next skips the whole member, so the same loop walks
 * array elements and object keys (json_for_each).
 */
struct json_value {
	union {
		double num;	 /* nearest double; json__int() gives integers exactly */
		const char *str; /* not NUL-terminated: use @len */
	} u;
	uint32_t len;  /* string: bytes; array: elements; object: members; an exact
			  integer: its low 32 bits (with @num, all of it) */
	uint32_t next; /* index of the value after this one (and its member value) */
	uint32_t off;  /* byte offset of the value in the input */
	uint8_t type;  /* enum json_type */
	bool exact;    /* a number written as an integer that fits in an int64_t */
};

struct json_doc {
	struct json_value *v; /* v[0] is the top-level value */
	size_t n, alloc;
	char *strs; /* decoded strings that held escapes */
	size_t strs_used;
	const char *name; /* the input's name in messages (borrowed) */
	/* The last error: byte offset and message without the name/offset prefix. */
	size_t err_off;
	char err[200];
};

/*
 * Parses @len bytes of @buf, which must be NUL-terminated at buf[len], into
 * @d. Strings without escapes point into @buf, so @buf must outlive @d.
 * Nesting deeper than @max_depth (0: JSON_MAX_DEPTH) is an error. Returns 0,
 * or -EINVAL after logging "NAME: byte offset N: expected X" (and keeping
 * the offset and message in d->err_off and d->err). Release @d with
 * json_doc__release() either way.
 */
int json_doc__parse(struct json_doc *d, const char *name, const char *buf, size_t len,
		    unsigned int max_depth);
void json_doc__release(struct json_doc *d);

/* Iterates the elements of an array, or the keys of an object (value = it + 1). */
#define json_for_each(d, parent, it, i)                                                            \
	for ((i) = 0, (it) = (parent) + 1; (i) < (parent)->len; (i)++, (it) = (d)->v + (it)->next)

/* The member @key of object @obj (the last one if repeated), or NULL. */
const struct json_value *json__get(const struct json_doc *d, const struct json_value *obj,
				   const char *key);
/* True when @v is a string equal to the NUL-terminated @s. */
bool json__str_eq(const struct json_value *v, const char *s);
/* The name of a type for messages: "an object", "a string", ... */
const char *json__type_name(const struct json_value *v);

/*
 * Logs "NAME: byte offset N: " and the formatted message, about @v, and
 * returns -EINVAL. For shape errors found by importers.
 */
int json__error(const struct json_doc *d, const struct json_value *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Number accessors: false unless @v is a number of that kind in range.
 * json__int() gives an integer literal exactly over the whole int64_t
 * range, and other integral numbers up to 2^53.
 */
bool json__int(const struct json_value *v, int64_t *out);
bool json__finite(const struct json_value *v, double *out);
/* A count: a number of 0 or more, exact when written as an integer. */
bool json__count(const struct json_value *v, struct count *c);

/*
 * Frames with a source location (see the top of this file). @line and @col
 * are 1-based; 0 leaves them out (a @col without a @line is ignored). An
 * empty @file gives a frame named just @fn.
 */
uint32_t json__location_frame(struct profile *p, const char *fn, size_t fn_len, const char *file,
			      size_t file_len, uint32_t line, uint32_t col, enum frame_kind kind);

/*
 * Detection for the JSON importers: @buf holds an object whose top-level
 * keys say which format it is. json__sniff() scans only the top level.
 */
enum json_sniff {
	JSON_SNIFF_NONE = 0,   /* not a JSON object */
	JSON_SNIFF_OTHER,      /* JSON of no known profile shape */
	JSON_SNIFF_V8,	       /* an object with "nodes" or "head" */
	JSON_SNIFF_SPEEDSCOPE, /* "$schema" naming speedscope, or "shared" and "profiles" */
};
enum json_sniff json__sniff(const char *buf, size_t len);
/* json__detect_other() and json__reject_unknown() are in import_internal.h. */

#endif
