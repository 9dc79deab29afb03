/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A checker for the protobuf wire encoding, guided by protobuf-c's message
 * descriptors. protobuf-c's unpacker only says "failed"; this walks the same
 * bytes first and says where and why (bad varint, truncated field, wrong
 * wire type), and estimates how much memory unpacking will take so that
 * hostile input can be refused before it is decoded.
 *
 * Only compiled with libprotobuf-c (HAVE_PROTOBUF_C).
 */
#ifndef RESQ_PROTOBUF_INTERNAL_H
#define RESQ_PROTOBUF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Where the first problem is and what was expected there. */
struct pb_error {
	size_t off;
	char what[200];
};

/* Called for each field of the outermost message, before it is checked. */
typedef void (*pb_field_fn)(uint32_t number, size_t off, void *ctx);

struct pb_check_opts {
	size_t max_depth;   /* nesting limit; 0 means 16 */
	pb_field_fn on_top; /* may be NULL */
	void *ctx;
};

/*
 * Checks that @len bytes at @buf are a well-formed encoding of message @desc
 * as protobuf-c decodes it: every varint at most 10 bytes (5 for tags and
 * lengths), every length inside its enclosing message, wire types matching
 * the declared field types, packed arrays made of whole elements, groups
 * absent, nesting within the limit. Unknown fields are checked structurally.
 * On success returns 0 and sets *@decoded to an upper estimate of the bytes
 * protobuf_c_message_unpack() will allocate. Returns -EINVAL with @err
 * filled on the first problem.
 */
int pb__check(const uint8_t *buf, size_t len, const ProtobufCMessageDescriptor *desc,
	      const struct pb_check_opts *o, size_t *decoded, struct pb_error *err);

/*
 * Cheap detection: true when the outermost level of @buf is a complete
 * sequence of fields that @desc declares, with matching wire types. Sets
 * bit N of *@seen for each field number N < 64 that occurs, and *@ntags to
 * the number of such field tags read before the end or the first problem.
 */
bool pb__scan_top(const uint8_t *buf, size_t len, const ProtobufCMessageDescriptor *desc,
		  uint64_t *seen, size_t *ntags);

#endif
