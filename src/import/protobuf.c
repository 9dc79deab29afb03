// SPDX-License-Identifier: Apache-2.0
/*
 * Protobuf wire-format checking ahead of protobuf-c's unpacker: the same
 * rules it applies (varints of at most 10 bytes, tags and lengths of at most
 * 5, no groups, packed arrays of whole elements), but with the byte offset
 * and a reason for the first violation, and a memory estimate.
 */
#ifdef HAVE_PROTOBUF_C
#include "protobuf_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

/* Wire types (the low three bits of a tag). */
enum {
	WT_VARINT = 0,
	WT_I64 = 1,
	WT_LEN = 2,
	WT_SGROUP = 3,
	WT_EGROUP = 4,
	WT_I32 = 5,
};

#define MAX_FIELD_NUMBER ((1u << 29) - 1)
/* malloc bookkeeping and protobuf-c's per-field scan records, per item. */
#define ALLOC_OVERHEAD 32
#define SCAN_RECORD    40

struct walker {
	const uint8_t *base;
	size_t max_depth;
	pb_field_fn on_top;
	void *ctx;
	size_t decoded;
	struct pb_error *err;
};

/*
 * Reads a varint of at most @max bytes. Returns its length, 0 when the
 * input ends inside it, or -1 when it is longer than @max bytes.
 */
static int read_varint(const uint8_t *p, const uint8_t *end, int max, uint64_t *v)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < max; i++) {
		if (p + i >= end)
			return 0;
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return -1;
}

static int fail(struct walker *w, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct walker *w, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;

	w->err->off = (size_t)(at - w->base);
	va_start(ap, fmt);
	vsnprintf(w->err->what, sizeof(w->err->what), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int wire_type_of(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return WT_I64;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT: return WT_I32;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE: return WT_LEN;
	default: return WT_VARINT;
	}
}

/* Size of one element of a repeated field in protobuf-c's C structs. */
static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
	default: return 4;
	}
}

static const char *wire_type_name(unsigned wt)
{
	static const char *const names[] = {"varint",	   "64-bit",	 "length-delimited",
					    "group start", "group end",	 "32-bit",
					    "invalid (6)", "invalid (7)"};

	return names[wt & 7];
}

/* Checks the packed array of field @fd in [p, end). */
static int walk_packed(struct walker *w, const uint8_t *p, const uint8_t *end,
		       const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *fd)
{
	int wt = wire_type_of(fd->type);
	size_t count = 0;

	if (wt == WT_VARINT) {
		while (p < end) {
			uint64_t v;
			int n = read_varint(p, end, 10, &v);

			if (n == 0)
				return fail(
					w, p,
					"truncated varint at the end of packed field %u (%s.%s)",
					fd->id, d->short_name, fd->name);
			if (n < 0)
				return fail(w, p,
					    "bad varint (more than 10 bytes) in packed field %u "
					    "(%s.%s)",
					    fd->id, d->short_name, fd->name);
			p += n;
			count++;
		}
	} else {
		size_t sz = wt == WT_I64 ? 8 : 4, len = (size_t)(end - p);

		if (len % sz)
			return fail(w, p,
				    "packed field %u (%s.%s): length %zu is not a multiple of %zu",
				    fd->id, d->short_name, fd->name, len, sz);
		count = len / sz;
	}
	w->decoded += count * elem_size(fd->type);
	return 0;
}

static int walk(struct walker *w, const uint8_t *p, const uint8_t *end,
		const ProtobufCMessageDescriptor *d, size_t depth)
{
	w->decoded += d->sizeof_message + ALLOC_OVERHEAD;
	while (p < end) {
		const uint8_t *field = p, *payload = NULL;
		const ProtobufCFieldDescriptor *fd;
		uint64_t tag, v = 0;
		uint32_t num;
		unsigned wt;
		int n, err;

		n = read_varint(p, end, 5, &tag);
		if (n == 0)
			return fail(w, p, "truncated field tag: the %s message ends inside it",
				    d->short_name);
		if (n < 0)
			return fail(w, p, "bad varint in a field tag of %s (more than 5 bytes)",
				    d->short_name);
		if ((tag >> 3) == 0 || (tag >> 3) > MAX_FIELD_NUMBER)
			return fail(w, p, "invalid field number %llu in %s",
				    (unsigned long long)(tag >> 3), d->short_name);
		num = (uint32_t)(tag >> 3);
		wt = tag & 7;
		if (depth == 0 && w->on_top)
			w->on_top(num, (size_t)(field - w->base), w->ctx);
		p += n;
		w->decoded += SCAN_RECORD;
		fd = protobuf_c_message_descriptor_get_field(d, num);

		switch (wt) {
		case WT_VARINT:
			n = read_varint(p, end, 10, &v);
			if (n == 0)
				return fail(w, p, "truncated varint in field %u of %s", num,
					    d->short_name);
			if (n < 0)
				return fail(w, p,
					    "bad varint (more than 10 bytes) in field %u of %s",
					    num, d->short_name);
			p += n;
			break;
		case WT_I64:
		case WT_I32: {
			size_t sz = wt == WT_I64 ? 8 : 4;

			if ((size_t)(end - p) < sz)
				return fail(w, p,
					    "truncated field %u of %s: a %s value needs %zu bytes, "
					    "%zu left",
					    num, d->short_name, wire_type_name(wt), sz,
					    (size_t)(end - p));
			p += sz;
			break;
		}
		case WT_LEN:
			n = read_varint(p, end, 5, &v);
			if (n == 0)
				return fail(w, p, "truncated length of field %u of %s", num,
					    d->short_name);
			if (n < 0 || v > UINT32_MAX)
				return fail(w, p, "bad varint in the length of field %u of %s", num,
					    d->short_name);
			if (v > (uint64_t)(end - (p + n)))
				return fail(w, field,
					    "truncated field %u of %s: length %llu, but only %zu "
					    "bytes are left",
					    num, d->short_name, (unsigned long long)v,
					    (size_t)(end - (p + n)));
			payload = p + n;
			p = payload + v;
			break;
		case WT_SGROUP:
		case WT_EGROUP:
			return fail(w, field, "unsupported wire type %s in field %u of %s",
				    wire_type_name(wt), num, d->short_name);
		default:
			return fail(w, field, "invalid wire type %u in field %u of %s", wt, num,
				    d->short_name);
		}

		if (!fd) {
			/* protobuf-c keeps a copy of every unknown field. */
			w->decoded += sizeof(ProtobufCMessageUnknownField) + (size_t)(p - field) +
				      ALLOC_OVERHEAD;
			continue;
		}
		if ((int)wt == wire_type_of(fd->type)) {
			if (fd->label == PROTOBUF_C_LABEL_REPEATED)
				w->decoded += elem_size(fd->type);
			if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (depth + 1 >= w->max_depth)
					return fail(w, field, "messages nested more than %zu deep",
						    w->max_depth);
				err = walk(w, payload, p, fd->descriptor, depth + 1);
				if (err)
					return err;
			} else if (wt == WT_LEN) {
				w->decoded += (size_t)v + 1 + ALLOC_OVERHEAD;
			}
			continue;
		}
		if (wt == WT_LEN && fd->label == PROTOBUF_C_LABEL_REPEATED) {
			err = walk_packed(w, payload, p, d, fd);
			if (err)
				return err;
			continue;
		}
		return fail(w, field, "field %u (%s.%s) has wire type %s, expected %s", num,
			    d->short_name, fd->name, wire_type_name(wt),
			    wire_type_name(wire_type_of(fd->type)));
	}
	return 0;
}

int pb__check(const uint8_t *buf, size_t len, const ProtobufCMessageDescriptor *desc,
	      const struct pb_check_opts *o, size_t *decoded, struct pb_error *err)
{
	struct walker w = {
		.base = buf,
		.max_depth = o && o->max_depth ? o->max_depth : 16,
		.on_top = o ? o->on_top : NULL,
		.ctx = o ? o->ctx : NULL,
		.err = err,
	};
	int ret = walk(&w, buf, buf + len, desc, 0);

	if (!ret)
		*decoded = w.decoded;
	return ret;
}

bool pb__scan_top(const uint8_t *buf, size_t len, const ProtobufCMessageDescriptor *desc,
		  uint64_t *seen, size_t *ntags)
{
	const uint8_t *p = buf, *end = buf + len;

	*seen = 0;
	*ntags = 0;

	while (p < end) {
		const ProtobufCFieldDescriptor *fd;
		uint64_t tag, v;
		unsigned wt;
		int n = read_varint(p, end, 5, &tag);

		if (n <= 0 || (tag >> 3) == 0 || (tag >> 3) > MAX_FIELD_NUMBER)
			return false;
		fd = protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3));
		wt = tag & 7;
		if (!fd || !((int)wt == wire_type_of(fd->type) ||
			     (wt == WT_LEN && fd->label == PROTOBUF_C_LABEL_REPEATED)))
			return false;
		if (fd->id < 64)
			*seen |= 1ull << fd->id;
		++*ntags;
		p += n;
		switch (wt) {
		case WT_VARINT:
			n = read_varint(p, end, 10, &v);
			if (n <= 0)
				return false;
			p += n;
			break;
		case WT_I64:
		case WT_I32:
			if ((size_t)(end - p) < (wt == WT_I64 ? 8u : 4u))
				return false;
			p += wt == WT_I64 ? 8 : 4;
			break;
		default: /* WT_LEN: wire_type_of() never returns the others */
			n = read_varint(p, end, 5, &v);
			if (n <= 0 || v > (uint64_t)(end - (p + n)))
				return false;
			p += n + v;
			break;
		}
	}
	return true;
}
#endif
