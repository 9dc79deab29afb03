// SPDX-License-Identifier: Apache-2.0
/*
 * pprof protobuf profiles (Go's runtime/pprof and net/http/pprof, pprof-rs,
 * @datadog/pprof), decoded by the protobuf-c code generated from
 * proto/profile.proto after protobuf.c has checked the bytes, so that
 * damage is reported with its byte offset.
 *
 * Each sample's locations are leaf first; each location's lines are
 * innermost first, the last one being the physical frame and the ones
 * before it functions inlined into it. Stacks are built root first, so a
 * location contributes its lines last to first, the inlined ones as
 * FRAME_KIND_INLINE. A location without lines is named after its mapping
 * ("[libc.so.6]") or, without one, its address.
 *
 * The weight is one column of Sample.value: --sample-type by name, else
 * default_sample_type, else the last type (pprof's own choice). Its unit
 * becomes the count name; "count" units use the type name ("samples").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"
#include "log.h"

#ifdef HAVE_PROTOBUF_C
#include "hashmap.h"
#include "profile.pb-c.h"
#include "protobuf_internal.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * Memory stays within a multiple of the input (README: 40 times, all
 * told). Decoding is refused past DECODED_RATIO times the input (or
 * DECODED_MIN), never past MAX_DECODED: protobuf-c's structs are far
 * larger than the bytes they come from (an empty Sample is 2 bytes, its
 * struct about 100), while real profiles need less than 20 times.
 */
#define DECODED_RATIO 32
#define DECODED_MIN   ((size_t)16 << 20)
#define MAX_DECODED   ((size_t)2 << 30)
/* Frames kept per stack after inline expansion; deeper ones are dropped. */
#define MAX_DEPTH 16384
/*
 * Stack tree nodes one profile may add, against hostile inline expansion
 * (a few bytes of location ids can name thousands of inlined frames): one
 * per NODE_BYTES bytes of input, at least MIN_NODES, never more than
 * MAX_NODES. Real profiles add far fewer: a new node needs a new path.
 */
#define NODE_BYTES 4
#define MIN_NODES  (1u << 18)
#define MAX_NODES  (1u << 26)

/* Top-level fields whose element offsets are remembered for messages. */
#define NFIELDS 16

struct offsets {
	size_t *v;
	size_t n, alloc;
};

struct pp {
	struct profile *p;
	const char *name;
	const Pprof__Profile *m;
	struct offsets off[NFIELDS];
	uint32_t *str_ids; /* profile string id per string index; 0 = not yet */
	struct hashmap *fn_ix, *map_ix, *loc_ix; /* id -> index */
	/* Per location: its frames, root first, in @frames. */
	uint32_t *loc_first, *loc_n;
	uint32_t *frames;
	size_t nframes, frames_alloc;
	uint32_t max_nodes; /* stack tree nodes the samples may add */
};

static void note_field(uint32_t number, size_t off, void *ctx)
{
	struct pp *pp = ctx;
	struct offsets *o;

	if (number >= NFIELDS)
		return;
	o = &pp->off[number];
	ALLOC_GROW(o->v, o->n + 1, o->alloc);
	o->v[o->n++] = off;
}

/* Byte offset of element @i of top-level field @field (0 if unknown). */
static size_t off_of(const struct pp *pp, unsigned field, size_t i)
{
	if (field >= NFIELDS || !pp->off[field].n)
		return 0;
	if (i >= pp->off[field].n)
		i = pp->off[field].n - 1;
	return pp->off[field].v[i];
}

static int bad(const struct pp *pp, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(const struct pp *pp, size_t off, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pr_err("%s: byte offset %zu: %s", pp->name, off, what);
	return -EINVAL;
}

/*
 * Checks string index @idx, referenced by element @i of top-level field
 * @field as @what. Returns 0 or -EINVAL after a message.
 */
static int check_str(const struct pp *pp, int64_t idx, unsigned field, size_t i, const char *what)
{
	if (idx == 0 || (idx > 0 && (uint64_t)idx < pp->m->n_string_table))
		return 0;
	return bad(pp, off_of(pp, field, i),
		   "%s is string %" PRId64 ", but the string table has %zu entries", what, idx,
		   pp->m->n_string_table);
}

/* Length and bytes of string @idx (already checked); "" for 0. */
static const char *str_at(const struct pp *pp, int64_t idx, size_t *len)
{
	if (idx <= 0 || (uint64_t)idx >= pp->m->n_string_table) {
		*len = 0;
		return "";
	}
	*len = pp->m->string_table[idx].len;
	return (const char *)pp->m->string_table[idx].data;
}

/* Profile string id of string @idx (already checked); 0 for "". */
static uint32_t str_id(struct pp *pp, int64_t idx)
{
	const char *s;
	size_t len;

	if (idx <= 0 || (uint64_t)idx >= pp->m->n_string_table)
		return 0;
	if (!pp->str_ids[idx]) {
		s = str_at(pp, idx, &len);
		pp->str_ids[idx] = profile__intern(pp->p, s, len);
	}
	return pp->str_ids[idx];
}

static bool str_is(const struct pp *pp, int64_t idx, const char *s)
{
	size_t len;
	const char *t = str_at(pp, idx, &len);

	return len == strlen(s) && !memcmp(t, s, len);
}

/* Every string index the profile holds, outside locations and samples. */
static int check_strings(struct pp *pp)
{
	const Pprof__Profile *m = pp->m;
	size_t i, j;
	int err = 0;

	if (m->n_string_table && m->string_table[0].len)
		return bad(pp, off_of(pp, 6, 0),
			   "the first string of the string table must be empty");
	for (i = 0; i < m->n_sample_type && !err; i++) {
		err = check_str(pp, m->sample_type[i]->type, 1, i, "a sample type");
		if (!err)
			err = check_str(pp, m->sample_type[i]->unit, 1, i, "a sample unit");
	}
	for (i = 0; i < m->n_mapping && !err; i++) {
		err = check_str(pp, m->mapping[i]->filename, 3, i, "a mapping's file name");
		if (!err)
			err = check_str(pp, m->mapping[i]->build_id, 3, i, "a mapping's build id");
	}
	for (i = 0; i < m->n_function && !err; i++) {
		const Pprof__Function *f = m->function[i];

		err = check_str(pp, f->name, 5, i, "a function name");
		if (!err)
			err = check_str(pp, f->system_name, 5, i, "a function's system name");
		if (!err)
			err = check_str(pp, f->filename, 5, i, "a function's file name");
	}
	for (i = 0; i < m->n_sample && !err; i++)
		for (j = 0; j < m->sample[i]->n_label && !err; j++) {
			const Pprof__Label *l = m->sample[i]->label[j];

			err = check_str(pp, l->key, 2, i, "a label key");
			if (!err)
				err = check_str(pp, l->str, 2, i, "a label value");
			if (!err)
				err = check_str(pp, l->num_unit, 2, i, "a label unit");
		}
	for (i = 0; i < m->n_comment && !err; i++)
		err = check_str(pp, m->comment[i], 13, i, "a comment");
	if (!err)
		err = check_str(pp, m->drop_frames, 7, 0, "drop_frames");
	if (!err)
		err = check_str(pp, m->keep_frames, 8, 0, "keep_frames");
	if (!err)
		err = check_str(pp, m->default_sample_type, 14, 0, "default_sample_type");
	if (!err)
		err = check_str(pp, m->doc_url, 15, 0, "doc_url");
	if (!err && m->period_type) {
		err = check_str(pp, m->period_type->type, 11, 0, "the period type");
		if (!err)
			err = check_str(pp, m->period_type->unit, 11, 0, "the period unit");
	}
	return err;
}

/* Maps the ids of @n objects to their index; 0 and repeats are errors. */
static int index_ids(struct pp *pp, struct hashmap **map, size_t n, unsigned field,
		     const char *what, uint64_t (*id_of)(const Pprof__Profile *, size_t))
{
	size_t i;
	uint64_t dummy;

	*map = hashmap__new();
	for (i = 0; i < n; i++) {
		uint64_t id = id_of(pp->m, i);

		if (!id)
			return bad(pp, off_of(pp, field, i), "%s %zu has id 0", what, i);
		if (hashmap__get(*map, id, &dummy))
			return bad(pp, off_of(pp, field, i), "%s id %" PRIu64 " is defined twice",
				   what, id);
		hashmap__put(*map, id, i);
	}
	return 0;
}

static uint64_t function_id(const Pprof__Profile *m, size_t i)
{
	return m->function[i]->id;
}

static uint64_t mapping_id(const Pprof__Profile *m, size_t i)
{
	return m->mapping[i]->id;
}

static uint64_t location_id(const Pprof__Profile *m, size_t i)
{
	return m->location[i]->id;
}

/* Picks the Sample.value column; -1 after a message when none fits. */
static int pick_sample_type(const struct pp *pp, const char *want)
{
	const Pprof__Profile *m = pp->m;
	size_t i;

	if (!m->n_sample_type) {
		bad(pp, 0, "the profile declares no sample types");
		return -1;
	}
	if (want) {
		struct strbuf names = STRBUF_INIT;

		for (i = 0; i < m->n_sample_type; i++)
			if (str_is(pp, m->sample_type[i]->type, want))
				return (int)i;
		for (i = 0; i < m->n_sample_type; i++) {
			size_t len;
			const char *s = str_at(pp, m->sample_type[i]->type, &len);

			strbuf__adds(&names, i ? ", " : "");
			strbuf__add(&names, s, len);
		}
		pr_err("%s: no sample type '%s' in this profile (it has: %s)", pp->name, want,
		       names.buf);
		strbuf__release(&names);
		return -1;
	}
	if (m->default_sample_type)
		for (i = 0; i < m->n_sample_type; i++)
			if (m->sample_type[i]->type == m->default_sample_type)
				return (int)i;
	return (int)m->n_sample_type - 1;
}

static bool is_kernel_module(const char *s, size_t len)
{
	return (len >= 7 && !memcmp(s, "[kernel", 7)) || (len >= 8 && !memcmp(s, "[vmlinux", 8));
}

static void push_frame(struct pp *pp, uint32_t fid)
{
	ALLOC_GROW(pp->frames, pp->nframes + 1, pp->frames_alloc);
	pp->frames[pp->nframes++] = fid;
}

/* The frame of a location without symbols: "[basename]" or its address. */
static uint32_t unsymbolized_frame(struct pp *pp, const Pprof__Location *loc,
				   const Pprof__Mapping *map)
{
	struct frame f = {0};
	char buf[32];
	size_t len = 0;
	const char *file = map ? str_at(pp, map->filename, &len) : "";

	if (len) {
		const char *base = memrchr(file, '/', len);
		struct strbuf sb = STRBUF_INIT;

		base = base ? base + 1 : file;
		strbuf__addch(&sb, '[');
		strbuf__add(&sb, base, len - (size_t)(base - file));
		strbuf__addch(&sb, ']');
		f.name = profile__intern(pp->p, sb.buf, sb.len);
		strbuf__release(&sb);
		f.module = str_id(pp, map->filename);
		f.kind = is_kernel_module(file, len) ? FRAME_KIND_KERNEL : FRAME_KIND_NATIVE;
	} else if (loc->address) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, loc->address);
		f.name = profile__intern_str(pp->p, buf);
		f.kind = FRAME_KIND_UNKNOWN;
	} else {
		f.name = profile__intern_str(pp->p, "[unknown]");
	}
	return profile__frame(pp->p, &f);
}

/* Computes the frames (root first) of every location. */
static int build_locations(struct pp *pp)
{
	const Pprof__Profile *m = pp->m;
	size_t i;

	pp->loc_first = xcalloc(m->n_location + 1, sizeof(*pp->loc_first));
	pp->loc_n = xcalloc(m->n_location + 1, sizeof(*pp->loc_n));
	for (i = 0; i < m->n_location; i++) {
		const Pprof__Location *loc = m->location[i];
		const Pprof__Mapping *map = NULL;
		enum frame_kind base = FRAME_KIND_UNKNOWN;
		uint32_t module = 0;
		bool named = false;
		uint64_t ix;
		size_t k;

		if (loc->mapping_id) {
			size_t len;
			const char *file;

			if (!hashmap__get(pp->map_ix, loc->mapping_id, &ix))
				return bad(pp, off_of(pp, 4, i),
					   "location %" PRIu64 " refers to mapping id %" PRIu64
					   ", which the profile does not define",
					   loc->id, loc->mapping_id);
			map = m->mapping[ix];
			module = str_id(pp, map->filename);
			file = str_at(pp, map->filename, &len);
			base = is_kernel_module(file, len) ? FRAME_KIND_KERNEL : FRAME_KIND_NATIVE;
		}
		pp->loc_first[i] = (uint32_t)pp->nframes;
		for (k = loc->n_line; k-- > 0;) {
			const Pprof__Line *ln = loc->line[k];
			const Pprof__Function *fn;
			struct frame f = {.module = module};
			int64_t name;

			if (!ln->function_id)
				continue;
			if (!hashmap__get(pp->fn_ix, ln->function_id, &ix))
				return bad(pp, off_of(pp, 4, i),
					   "location %" PRIu64 " refers to function id %" PRIu64
					   ", which the profile does not define",
					   loc->id, ln->function_id);
			fn = m->function[ix];
			name = str_id(pp, fn->name) ? fn->name : fn->system_name;
			if (!str_id(pp, name))
				continue;
			f.name = str_id(pp, name);
			f.file = str_id(pp, fn->filename);
			f.kind = k + 1 < loc->n_line ? FRAME_KIND_INLINE : base;
			/* The outermost line is the physical frame even without a mapping. */
			if (f.kind == FRAME_KIND_UNKNOWN)
				f.kind = FRAME_KIND_NATIVE;
			push_frame(pp, profile__frame(pp->p, &f));
			named = true;
		}
		if (!named)
			push_frame(pp, unsymbolized_frame(pp, loc, map));
		pp->loc_n[i] = (uint32_t)(pp->nframes - pp->loc_first[i]);
		if (pp->nframes > MAX_NODES)
			return bad(pp, off_of(pp, 4, i), "locations expand to more than %u frames",
				   MAX_NODES);
	}
	return 0;
}

struct sample_stats {
	size_t skipped_zero, skipped_negative, empty, truncated;
};

static int add_samples(struct pp *pp, int vi, struct sample_stats *st)
{
	const Pprof__Profile *m = pp->m;
	bool chart = profile__chart_mode(pp->p);
	/* (node, location index) -> node: stacks share prefixes. */
	struct hashmap *cache = chart ? NULL : hashmap__new();
	uint32_t start_nodes = profile__nnodes(pp->p);
	size_t i;
	int err = 0;

	for (i = 0; i < m->n_sample && !err; i++) {
		const Pprof__Sample *s = m->sample[i];
		uint32_t node = PROFILE_ROOT;
		size_t depth = 0, j;
		bool cut = false;
		int64_t v;

		if (s->n_value != m->n_sample_type) {
			err = bad(pp, off_of(pp, 2, i),
				  "sample %zu has %zu values, but the profile has %zu sample types",
				  i, s->n_value, m->n_sample_type);
			break;
		}
		v = s->value[vi];
		if (v <= 0) {
			if (v < 0)
				st->skipped_negative++;
			else
				st->skipped_zero++;
			continue;
		}
		if (!s->n_location_id) {
			st->empty++;
			continue;
		}
		for (j = s->n_location_id; j-- > 0 && !cut;) {
			uint64_t li, key, cached;
			uint32_t k, n;

			if (!hashmap__get(pp->loc_ix, s->location_id[j], &li)) {
				err = bad(pp, off_of(pp, 2, i),
					  "sample %zu refers to location id %" PRIu64
					  ", which the profile does not define",
					  i, s->location_id[j]);
				break;
			}
			n = pp->loc_n[li];
			key = (uint64_t)node << 32 | li;
			if (cache && depth + n <= MAX_DEPTH && hashmap__get(cache, key, &cached)) {
				node = (uint32_t)cached;
				depth += n;
				continue;
			}
			for (k = 0; k < n; k++) {
				if (depth == MAX_DEPTH) {
					cut = true;
					break;
				}
				node = profile__child(pp->p, node,
						      pp->frames[pp->loc_first[li] + k]);
				depth++;
			}
			if (cache && !cut)
				hashmap__put(cache, key, node);
		}
		if (err)
			break;
		st->truncated += cut;
		if (profile__add_weight_int(pp->p, node, PROFILE_COL_MAIN, v)) {
			bad(pp, off_of(pp, 2, i),
			    "sample %zu: the values add up to more than %" PRId64
			    " (2^63 - 1), the most a 64-bit count holds",
			    i, PROFILE_WEIGHT_MAX);
			err = -EOVERFLOW;
			break;
		}
		if (profile__nnodes(pp->p) - start_nodes > pp->max_nodes)
			err = bad(pp, off_of(pp, 2, i),
				  "the stacks expand to more than %u frames, one per %d bytes of "
				  "input (against hostile inline expansion)",
				  pp->max_nodes, NODE_BYTES);
	}
	hashmap__free(cache);
	return err;
}

static void set_countname(struct pp *pp, int vi)
{
	const Pprof__ValueType *t = pp->m->sample_type[vi];
	size_t ulen, tlen;
	const char *unit = str_at(pp, t->unit, &ulen);
	const char *type = str_at(pp, t->type, &tlen);
	char *name;

	/* "count" says nothing in a tooltip; the type ("samples") does. */
	if ((!ulen || (ulen == 5 && !memcmp(unit, "count", 5))) && tlen)
		name = xstrndup(type, tlen);
	else if (ulen)
		name = xstrndup(unit, ulen);
	else
		return;
	profile__set_countname(pp->p, name);
	free(name);
}

/* Bytes that text formats never hold (ESC excepted: coloured terminal output). */
static bool has_control_bytes(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 4096; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
		    c != 0x1b)
			return true;
	}
	return false;
}

bool pprof__detect(const char *buf, size_t len)
{
	uint64_t seen;
	size_t ntags;

	/* Every pprof writer emits a string table and sample types or samples. */
	if (pb__scan_top((const uint8_t *)buf, len, &pprof__profile__descriptor, &seen, &ntags))
		return (seen & (1u << 6)) && (seen & (1u << 1 | 1u << 2));
	/* Damaged: binary data that starts with a few well-formed profile
	 * fields goes to the parser, which says where the damage is. */
	return ntags >= 3 && has_control_bytes(buf, len);
}

int pprof__import(struct profile *p, const char *name, const char *buf, size_t len,
		  const struct import_opts *o)
{
	struct pp pp = {.p = p, .name = name};
	struct pb_check_opts co = {.max_depth = 8, .on_top = note_field, .ctx = &pp};
	struct sample_stats st = {0};
	struct pb_error perr;
	Pprof__Profile *m = NULL;
	size_t decoded, limit, i;
	int vi, err;

	pp.max_nodes = len / NODE_BYTES > MAX_NODES ? MAX_NODES : (uint32_t)(len / NODE_BYTES);
	if (pp.max_nodes < MIN_NODES)
		pp.max_nodes = MIN_NODES;

	err = pb__check((const uint8_t *)buf, len, &pprof__profile__descriptor, &co, &decoded,
			&perr);
	if (err) {
		pr_err("%s: byte offset %zu: damaged pprof protobuf: %s", name, perr.off,
		       perr.what);
		goto out;
	}
	limit = len > DECODED_MIN / DECODED_RATIO ? len * DECODED_RATIO : DECODED_MIN;
	if (limit > MAX_DECODED)
		limit = MAX_DECODED;
	if (decoded > limit) {
		pr_err("%s: decoding this pprof profile would need about %zu MiB, more than %d "
		       "times its size (limit %zu MiB); refusing",
		       name, decoded >> 20, DECODED_RATIO, limit >> 20);
		err = -EFBIG;
		goto out;
	}
	m = pprof__profile__unpack(NULL, len, (const uint8_t *)buf);
	if (!m) {
		pr_err("%s: byte offset 0: protobuf-c could not decode the pprof profile", name);
		err = -EINVAL;
		goto out;
	}
	pp.m = m;
	pp.str_ids = xcalloc(m->n_string_table + 1, sizeof(*pp.str_ids));
	err = check_strings(&pp);
	if (!err)
		err = index_ids(&pp, &pp.fn_ix, m->n_function, 5, "function", function_id);
	if (!err)
		err = index_ids(&pp, &pp.map_ix, m->n_mapping, 3, "mapping", mapping_id);
	if (!err)
		err = index_ids(&pp, &pp.loc_ix, m->n_location, 4, "location", location_id);
	if (err)
		goto out;
	vi = pick_sample_type(&pp, o->sample_type);
	if (vi < 0) {
		err = -EINVAL;
		goto out;
	}
	err = build_locations(&pp);
	if (!err)
		err = add_samples(&pp, vi, &st);
	if (err)
		goto out;
	set_countname(&pp, vi);
	if (st.truncated)
		pr_warn("%s: %zu stack%s deeper than %d frames cut at that depth", name,
			st.truncated, st.truncated == 1 ? "" : "s", MAX_DEPTH);
	if (st.skipped_negative)
		pr_warn("%s: ignored %zu sample%s with a negative value", name, st.skipped_negative,
			st.skipped_negative == 1 ? "" : "s");
	if (st.empty)
		pr_debug("%s: ignored %zu sample%s without locations", name, st.empty,
			 st.empty == 1 ? "" : "s");
	if (st.skipped_zero)
		pr_debug("%s: skipped %zu sample%s whose value is 0", name, st.skipped_zero,
			 st.skipped_zero == 1 ? "" : "s");
out:
	for (i = 0; i < NFIELDS; i++)
		free(pp.off[i].v);
	free(pp.str_ids);
	free(pp.loc_first);
	free(pp.loc_n);
	free(pp.frames);
	hashmap__free(pp.fn_ix);
	hashmap__free(pp.map_ix);
	hashmap__free(pp.loc_ix);
	if (m)
		pprof__profile__free_unpacked(m, NULL);
	return err;
}

#else /* !HAVE_PROTOBUF_C */

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		uint8_t c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
		shift += 7;
	}
	return false;
}

bool pprof__detect(const char *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)buf, *end = p + len;
	bool strings = false;

	/* Without a decoder, a well-formed outer level with a string table
	 * (field 6) is enough to say why it cannot be read. */
	while (p < end) {
		uint64_t tag, v;
		size_t n;

		if (!read_varint(&p, end, &tag) || (tag >> 3) < 1 || (tag >> 3) > 15)
			return false;
		switch (tag & 7) {
		case 0:
			if (!read_varint(&p, end, &v))
				return false;
			break;
		case 1:
		case 5:
			n = (tag & 7) == 1 ? 8 : 4;
			if ((size_t)(end - p) < n)
				return false;
			p += n;
			break;
		case 2:
			if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return false;
			p += v;
			strings |= (tag >> 3) == 6;
			break;
		default: return false;
		}
	}
	return strings;
}

int pprof__import(struct profile *p, const char *name, const char *buf, size_t len,
		  const struct import_opts *o)
{
	pr_err("%s: pprof input needs libprotobuf-c: install the Debian packages libprotobuf-c-dev "
	       "and protobuf-c-compiler and rebuild",
	       name);
	return -EOPNOTSUPP;
}
#endif
