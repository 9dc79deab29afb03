// SPDX-License-Identifier: Apache-2.0
/*
 * pprof output: a gzipped protobuf (proto/profile.proto) that `go tool
 * pprof` and the other pprof tools read.
 *
 * One Function per distinct (name, file); one Mapping per distinct module,
 * marked as already symbolized. Locations have no addresses; each is a
 * physical frame together with the inlined frames (FRAME_KIND_INLINE) that
 * follow it towards the leaf, written as its Line list innermost first,
 * which is how pprof itself represents inlining, so an imported pprof
 * profile keeps its inline structure through a round trip. An inline frame
 * with no physical frame above it starts a location of its own.
 *
 * The sample type is the count name with a unit derived from it
 * ("samples"/count, "nanoseconds"/nanoseconds, "us"/microseconds, ...).
 * pprof values are 64-bit integers: an integer profile's weights are
 * written exactly, a fractional one's rounded. Strings are UTF-8, invalid
 * bytes replaced by U+FFFD. A differential profile gets two sample types,
 * "<countname>_before" and the count name (the default), so `go tool pprof
 * -sample_index=` picks either.
 *
 * The message is encoded here, each string, function, location and sample
 * as soon as it is known, and compressed as it goes: protobuf fields may
 * come in any order, and a whole profile in protobuf-c's structs takes ten
 * times the memory of the profile, the samples' location lists the square
 * of its depth. What stays is what deduplication needs: an index per
 * string and per frame, and a map per function, module and inline group.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "log.h"

#ifdef HAVE_PROTOBUF_C
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

#include "hashmap.h"
#include "strbuf.h"
#include "xalloc.h"

/* Field numbers of proto/profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	WIRE_VARINT = 0,
	WIRE_BYTES = 2,
};

/* Output to a FILE, gzipped when zlib is there (deterministic header); the first error sticks. */
struct gzw {
	FILE *f;
	int err;
#ifdef HAVE_ZLIB
	z_stream zs;
	unsigned char chunk[65536];
#endif
};

/* A location of several frames (a physical one and what was inlined into it). */
struct group {
	uint64_t id;
	size_t first; /* its frames: out.group_frames[first .. first + n) */
	uint32_t n;
};

struct out {
	const struct profile *p;
	bool diff;
	struct gzw gz;
	struct strbuf buf; /* encoded messages waiting for the compressor */
	struct strbuf msg, sub, tmp;
	uint64_t *ids; /* the current sample's location ids, leaf first */
	size_t nids, ids_alloc;

	int64_t nstrs;	  /* string_table entries written */
	uint32_t *str_of; /* profile string id -> string index + 1 */
	struct hashmap *fn_ix; /* name << 32 | file -> function id */
	uint64_t nfns;
	struct hashmap *map_ix; /* module string id -> mapping id */
	uint64_t nmaps;
	uint64_t nlocs;
	uint32_t *loc_of;	/* frame id -> id of the location of that frame alone */
	struct hashmap *grp_ix; /* hash of frames -> index in @groups; collisions probe + 1 */
	struct group *groups;
	size_t ngroups, groups_alloc;
	uint32_t *group_frames;
	size_t ngroup_frames, group_frames_alloc;
};

static int gzw_init(struct gzw *gz, FILE *f)
{
	memset(gz, 0, sizeof(*gz));
	gz->f = f;
#ifdef HAVE_ZLIB
	if (deflateInit2(&gz->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		pr_err("pprof output: cannot initialise zlib");
		return -ENOMEM;
	}
#endif
	return 0;
}

#ifdef HAVE_ZLIB
static void gzw_deflate(struct gzw *gz, int flush)
{
	int zret;

	do {
		gz->zs.next_out = gz->chunk;
		gz->zs.avail_out = sizeof(gz->chunk);
		zret = deflate(&gz->zs, flush);
		if (zret == Z_STREAM_ERROR) {
			gz->err = -EIO;
			return;
		}
		if (fwrite(gz->chunk, 1, sizeof(gz->chunk) - gz->zs.avail_out, gz->f) !=
		    sizeof(gz->chunk) - gz->zs.avail_out) {
			gz->err = -EIO;
			return;
		}
	} while (flush == Z_FINISH ? zret != Z_STREAM_END : gz->zs.avail_out == 0);
}
#endif

static void gzw_write(struct gzw *gz, const void *buf, size_t len)
{
#ifdef HAVE_ZLIB
	const unsigned char *b = buf;

	while (len && !gz->err) {
		size_t step = len > UINT32_MAX ? UINT32_MAX : len;

		gz->zs.next_in = (unsigned char *)b;
		gz->zs.avail_in = (uInt)step;
		gzw_deflate(gz, Z_NO_FLUSH);
		b += step;
		len -= step;
	}
#else
	if (!gz->err && fwrite(buf, 1, len, gz->f) != len)
		gz->err = -EIO;
#endif
}

/* Ends the output; returns the first error. */
static int gzw_finish(struct gzw *gz)
{
#ifdef HAVE_ZLIB
	if (!gz->err) {
		gz->zs.next_in = NULL;
		gz->zs.avail_in = 0;
		gzw_deflate(gz, Z_FINISH);
	}
	deflateEnd(&gz->zs);
#endif
	return gz->err;
}

/* ---- protobuf encoding ---- */

static void put_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	do {
		b[n++] = (v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
		v >>= 7;
	} while (v);
	strbuf__add(sb, b, n);
}

/* A varint field; proto3 leaves zeros out. */
static void put_uint(struct strbuf *sb, unsigned field, uint64_t v)
{
	if (!v)
		return;
	put_varint(sb, field << 3 | WIRE_VARINT);
	put_varint(sb, v);
}

static void put_bytes(struct strbuf *sb, unsigned field, const void *data, size_t len)
{
	put_varint(sb, field << 3 | WIRE_BYTES);
	put_varint(sb, len);
	strbuf__add(sb, data, len);
}

/* Appends the top-level field @field holding @msg, and hands full buffers to the compressor. */
static void emit(struct out *o, unsigned field, const struct strbuf *msg)
{
	put_bytes(&o->buf, field, msg->buf, msg->len);
	if (o->buf.len >= (1 << 16)) {
		gzw_write(&o->gz, o->buf.buf, o->buf.len);
		strbuf__reset(&o->buf);
	}
}

/* Writes a string_table entry: @len bytes of @s, invalid UTF-8 as U+FFFD. Returns its index. */
static int64_t text_of(struct out *o, const char *s, size_t len)
{
	strbuf__reset(&o->tmp);
	strbuf__add_utf8(&o->tmp, s, len);
	put_bytes(&o->buf, PROFILE_STRING_TABLE, o->tmp.buf, o->tmp.len);
	return o->nstrs++;
}

/* String index of profile string @id ("" is index 0). */
static int64_t str_of(struct out *o, uint32_t id)
{
	if (!id)
		return 0;
	if (!o->str_of[id])
		o->str_of[id] =
			(uint32_t)text_of(o, profile__str(o->p, id), profile__str_len(o->p, id)) +
			1;
	return (int64_t)o->str_of[id] - 1;
}

static uint64_t function_of(struct out *o, const struct frame *f)
{
	uint64_t key = (uint64_t)f->name << 32 | f->file, v;
	int64_t name, file;

	if (hashmap__get(o->fn_ix, key, &v))
		return v;
	name = str_of(o, f->name);
	file = str_of(o, f->file);
	hashmap__put(o->fn_ix, key, ++o->nfns);
	strbuf__reset(&o->msg);
	put_uint(&o->msg, 1, o->nfns); /* id */
	put_uint(&o->msg, 2, name);
	put_uint(&o->msg, 3, name); /* system_name */
	put_uint(&o->msg, 4, file);
	emit(o, PROFILE_FUNCTION, &o->msg);
	return o->nfns;
}

static uint64_t mapping_of(struct out *o, uint32_t module)
{
	uint64_t v;
	int64_t file;

	if (!module)
		return 0;
	if (hashmap__get(o->map_ix, module, &v))
		return v;
	file = str_of(o, module);
	hashmap__put(o->map_ix, module, ++o->nmaps);
	strbuf__reset(&o->msg);
	put_uint(&o->msg, 1, o->nmaps); /* id */
	put_uint(&o->msg, 5, file);
	put_uint(&o->msg, 7, 1); /* has_functions */
	emit(o, PROFILE_MAPPING, &o->msg);
	return o->nmaps;
}

/* Writes a new Location for frames @fr[0..n) (physical, then inlined); returns its id. */
static uint64_t new_location(struct out *o, const uint32_t *fr, size_t n)
{
	uint64_t fns[64], *fn = n <= 64 ? fns : xmalloc(n * sizeof(*fn));
	uint64_t map = mapping_of(o, profile__frame_get(o->p, fr[0])->module);
	size_t k;

	/* Functions and strings go out first: the Location is built in o->msg. */
	for (k = 0; k < n; k++)
		fn[k] = function_of(o, profile__frame_get(o->p, fr[k]));
	strbuf__reset(&o->msg);
	put_uint(&o->msg, 1, ++o->nlocs); /* id */
	put_uint(&o->msg, 2, map);
	/* Lines innermost first. */
	for (k = n; k-- > 0;) {
		strbuf__reset(&o->sub);
		put_uint(&o->sub, 1, fn[k]); /* function_id */
		put_uint(&o->sub, 2, profile__frame_get(o->p, fr[k])->line);
		put_bytes(&o->msg, 4, o->sub.buf, o->sub.len);
	}
	emit(o, PROFILE_LOCATION, &o->msg);
	if (fn != fns)
		free(fn);
	return o->nlocs;
}

/* Location id of frames @fr[0..n) (root first: physical, then inlined). */
static uint64_t location_of(struct out *o, const uint32_t *fr, size_t n)
{
	uint64_t h, v;
	struct group *g;

	if (n == 1) {
		if (!o->loc_of[fr[0]])
			o->loc_of[fr[0]] = (uint32_t)new_location(o, fr, 1);
		return o->loc_of[fr[0]];
	}
	h = hash_bytes(fr, n * sizeof(*fr));
	while (hashmap__get(o->grp_ix, h, &v)) {
		g = &o->groups[v];
		if (g->n == n && !memcmp(o->group_frames + g->first, fr, n * sizeof(*fr)))
			return g->id;
		h++;
	}
	ALLOC_GROW(o->groups, o->ngroups + 1, o->groups_alloc);
	ALLOC_GROW(o->group_frames, o->ngroup_frames + n, o->group_frames_alloc);
	memcpy(o->group_frames + o->ngroup_frames, fr, n * sizeof(*fr));
	g = &o->groups[o->ngroups];
	g->first = o->ngroup_frames;
	g->n = (uint32_t)n;
	o->ngroup_frames += n;
	hashmap__put(o->grp_ix, h, o->ngroups++);
	g->id = new_location(o, fr, n);
	return g->id;
}

/*
 * Each stack: its new locations, then its Sample (location_id leaf first,
 * value: [before,] main), both packed. Exact in an integer profile (every
 * weight fits, profile.h), rounded in a fractional one.
 */
static int write_sample(const struct profile *p, const uint32_t *frames, size_t n, uint32_t node,
			void *ctx)
{
	struct out *o = ctx;
	size_t i, j;

	o->nids = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1;
		     j < n && profile__frame_get(p, frames[j])->kind == FRAME_KIND_INLINE; j++)
			;
		ALLOC_GROW(o->ids, o->nids + 1, o->ids_alloc);
		o->ids[o->nids++] = location_of(o, frames + i, j - i);
	}
	strbuf__reset(&o->sub);
	for (i = o->nids; i-- > 0;)
		put_varint(&o->sub, o->ids[i]);
	strbuf__reset(&o->msg);
	put_bytes(&o->msg, 1, o->sub.buf, o->sub.len);
	strbuf__reset(&o->sub);
	if (o->diff)
		put_varint(&o->sub, (uint64_t)profile__node_self_int(p, node, PROFILE_COL_BEFORE));
	put_varint(&o->sub, (uint64_t)profile__node_self_int(p, node, PROFILE_COL_MAIN));
	put_bytes(&o->msg, 2, o->sub.buf, o->sub.len);
	emit(o, PROFILE_SAMPLE, &o->msg);
	return o->gz.err;
}

static const char *unit_for(const char *countname)
{
	static const struct {
		const char *name, *unit;
	} units[] = {
		{"ns", "nanoseconds"},	{"nanoseconds", "nanoseconds"},
		{"us", "microseconds"}, {"microseconds", "microseconds"},
		{"ms", "milliseconds"}, {"milliseconds", "milliseconds"},
		{"s", "seconds"},	{"seconds", "seconds"},
		{"bytes", "bytes"},
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(countname, units[i].name))
			return units[i].unit;
	return "count";
}

/* A ValueType message of @type and @unit (string indices) into o->msg. */
static void value_type(struct out *o, int64_t type, int64_t unit)
{
	strbuf__reset(&o->msg);
	put_uint(&o->msg, 1, type);
	put_uint(&o->msg, 2, unit);
}

int export__pprof(const struct profile *p, FILE *f)
{
	struct out o = {.p = p, .diff = profile__is_diff(p)};
	const char *countname = profile__countname(p), *unit = unit_for(countname);
	int64_t type[2], unit_ix;
	char *before_name;
	size_t i, nv = o.diff ? 2 : 1;
	int err;

	err = gzw_init(&o.gz, f);
	if (err)
		return err;
	strbuf__init(&o.buf);
	strbuf__init(&o.msg);
	strbuf__init(&o.sub);
	strbuf__init(&o.tmp);
	o.str_of = xcalloc((size_t)profile__nstrs(p) + 1, sizeof(*o.str_of));
	o.loc_of = xcalloc((size_t)profile__nframes(p) + 1, sizeof(*o.loc_of));
	o.fn_ix = hashmap__new();
	o.map_ix = hashmap__new();
	o.grp_ix = hashmap__new();

	/* string_table[0] is "". Sample types: [before,] main; the main one is the default. */
	text_of(&o, "", 0);
	before_name = xmalloc(strlen(countname) + 8);
	sprintf(before_name, "%s_before", countname);
	unit_ix = text_of(&o, unit, strlen(unit));
	for (i = 0; i < nv; i++) {
		const char *t = i + 1 < nv ? before_name : countname;

		type[i] = text_of(&o, t, strlen(t));
		value_type(&o, type[i], unit_ix);
		emit(&o, PROFILE_SAMPLE_TYPE, &o.msg);
	}
	value_type(&o, type[nv - 1], unit_ix);
	emit(&o, PROFILE_PERIOD_TYPE, &o.msg);
	put_uint(&o.buf, PROFILE_PERIOD, 1);
	put_uint(&o.buf, PROFILE_DEFAULT_SAMPLE_TYPE, type[nv - 1]);

	profile__walk_stacks(p, write_sample, &o);
	gzw_write(&o.gz, o.buf.buf, o.buf.len);
	err = gzw_finish(&o.gz);

	free(before_name);
	free(o.str_of);
	free(o.loc_of);
	free(o.ids);
	free(o.groups);
	free(o.group_frames);
	hashmap__free(o.fn_ix);
	hashmap__free(o.map_ix);
	hashmap__free(o.grp_ix);
	strbuf__release(&o.buf);
	strbuf__release(&o.msg);
	strbuf__release(&o.sub);
	strbuf__release(&o.tmp);
	return err;
}

#else /* !HAVE_PROTOBUF_C */

int export__pprof(const struct profile *p, FILE *f)
{
	pr_err("pprof output needs libprotobuf-c: install the Debian packages libprotobuf-c-dev "
	       "and protobuf-c-compiler and rebuild");
	return -EOPNOTSUPP;
}
#endif
