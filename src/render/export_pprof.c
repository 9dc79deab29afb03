// SPDX-License-Identifier: Apache-2.0
/*
 * pprof output: a gzipped protobuf (proto/profile.proto, encoded by the
 * protobuf-c code generated from it) that `go tool pprof` and the other
 * pprof tools read.
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
 * pprof values are integers: weights are rounded. A differential profile
 * gets two sample types, "<countname>_before" and the count name (the
 * default), so `go tool pprof -sample_index=` picks either.
 */
#include <errno.h>
#include <math.h>
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
#include "profile.pb-c.h"
#include "strbuf.h"
#include "xalloc.h"

struct strtab {
	ProtobufCBinaryData *v;
	size_t n, alloc;
	struct hashmap *ix; /* hash -> index; collisions probe hash + 1 */
};

struct out {
	const struct profile *p;
	bool diff;
	struct strtab st;
	uint32_t *str_of; /* profile string id -> pprof string index + 1 */

	Pprof__Function *fns;
	size_t nfns, fns_alloc;
	struct hashmap *fn_ix; /* name << 32 | file -> index */

	Pprof__Mapping *maps;
	size_t nmaps, maps_alloc;
	struct hashmap *map_ix; /* module string id -> index */

	/* Locations: frames (root first) of each in @loc_frames. */
	Pprof__Location *locs;
	size_t nlocs, locs_alloc;
	size_t *loc_first;
	uint32_t *loc_n;
	size_t locs_meta_alloc;
	uint32_t *loc_frames;
	size_t nloc_frames, loc_frames_alloc;
	struct hashmap *loc_ix; /* hash of frames -> index; collisions probe + 1 */

	Pprof__Sample *samples;
	size_t nsamples, samples_alloc;
	uint64_t *ids; /* every sample's location ids, back to back */
	size_t nids, ids_alloc;
	size_t *ids_first, ids_first_alloc;
	int64_t *values; /* 1 or 2 per sample */
	size_t values_alloc;
};

static int64_t strtab_add(struct strtab *st, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len), v;

	if (!len)
		return 0;
	while (hashmap__get(st->ix, h, &v)) {
		if (st->v[v].len == len && !memcmp(st->v[v].data, s, len))
			return (int64_t)v;
		h++;
	}
	ALLOC_GROW(st->v, st->n + 1, st->alloc);
	st->v[st->n].data = (uint8_t *)s;
	st->v[st->n].len = len;
	hashmap__put(st->ix, h, st->n);
	return (int64_t)st->n++;
}

/* pprof string index of profile string @id. */
static int64_t str_of(struct out *o, uint32_t id)
{
	if (!id)
		return 0;
	if (!o->str_of[id])
		o->str_of[id] = (uint32_t)strtab_add(&o->st, profile__str(o->p, id),
						     profile__str_len(o->p, id)) +
				1;
	return (int64_t)o->str_of[id] - 1;
}

static uint64_t function_of(struct out *o, const struct frame *f)
{
	uint64_t key = (uint64_t)f->name << 32 | f->file, v;
	Pprof__Function *fn;

	if (hashmap__get(o->fn_ix, key, &v))
		return v + 1;
	ALLOC_GROW(o->fns, o->nfns + 1, o->fns_alloc);
	fn = &o->fns[o->nfns];
	pprof__function__init(fn);
	fn->id = o->nfns + 1;
	fn->name = str_of(o, f->name);
	fn->system_name = fn->name;
	fn->filename = str_of(o, f->file);
	hashmap__put(o->fn_ix, key, o->nfns);
	return ++o->nfns;
}

static uint64_t mapping_of(struct out *o, uint32_t module)
{
	uint64_t v;
	Pprof__Mapping *m;

	if (!module)
		return 0;
	if (hashmap__get(o->map_ix, module, &v))
		return v + 1;
	ALLOC_GROW(o->maps, o->nmaps + 1, o->maps_alloc);
	m = &o->maps[o->nmaps];
	pprof__mapping__init(m);
	m->id = o->nmaps + 1;
	m->filename = str_of(o, module);
	m->has_functions = 1;
	hashmap__put(o->map_ix, module, o->nmaps);
	return ++o->nmaps;
}

/* Location id of frames @fr[0..n) (root first: physical, then inlined). */
static uint64_t location_of(struct out *o, const uint32_t *fr, size_t n)
{
	uint64_t h = hash_bytes(fr, n * sizeof(*fr)), v;
	size_t i;

	while (hashmap__get(o->loc_ix, h, &v)) {
		if (o->loc_n[v] == n &&
		    !memcmp(o->loc_frames + o->loc_first[v], fr, n * sizeof(*fr)))
			return v + 1;
		h++;
	}
	ALLOC_GROW(o->locs, o->nlocs + 1, o->locs_alloc);
	if (o->nlocs + 1 > o->locs_meta_alloc) {
		o->locs_meta_alloc = o->locs_alloc;
		o->loc_first =
			xreallocarray(o->loc_first, o->locs_meta_alloc, sizeof(*o->loc_first));
		o->loc_n = xreallocarray(o->loc_n, o->locs_meta_alloc, sizeof(*o->loc_n));
	}
	ALLOC_GROW(o->loc_frames, o->nloc_frames + n, o->loc_frames_alloc);
	memcpy(o->loc_frames + o->nloc_frames, fr, n * sizeof(*fr));
	o->loc_first[o->nlocs] = o->nloc_frames;
	o->loc_n[o->nlocs] = (uint32_t)n;
	o->nloc_frames += n;
	pprof__location__init(&o->locs[o->nlocs]);
	o->locs[o->nlocs].id = o->nlocs + 1;
	o->locs[o->nlocs].mapping_id = mapping_of(o, profile__frame_get(o->p, fr[0])->module);
	for (i = 0; i < n; i++)
		function_of(o, profile__frame_get(o->p, fr[i]));
	hashmap__put(o->loc_ix, h, o->nlocs);
	return ++o->nlocs;
}

static int64_t to_value(double w)
{
	if (!(w > 0))
		return 0;
	if (w >= 9.2e18)
		return INT64_MAX;
	return llround(w);
}

static int add_sample(const struct profile *p, const uint32_t *frames, size_t n, uint32_t node,
		      void *ctx)
{
	struct out *o = ctx;
	size_t first = o->nids, i, j, nv = o->diff ? 2 : 1;

	/* Locations root first into ids[], then reversed: pprof wants leaf first. */
	for (i = 0; i < n; i = j) {
		uint64_t id;

		for (j = i + 1;
		     j < n && profile__frame_get(p, frames[j])->kind == FRAME_KIND_INLINE; j++)
			;
		id = location_of(o, frames + i, j - i);
		ALLOC_GROW(o->ids, o->nids + 1, o->ids_alloc);
		o->ids[o->nids++] = id;
	}
	for (i = first, j = o->nids; i + 1 < j; i++, j--) {
		uint64_t t = o->ids[i];

		o->ids[i] = o->ids[j - 1];
		o->ids[j - 1] = t;
	}
	ALLOC_GROW(o->samples, o->nsamples + 1, o->samples_alloc);
	ALLOC_GROW(o->ids_first, o->nsamples + 1, o->ids_first_alloc);
	ALLOC_GROW(o->values, (o->nsamples + 1) * nv, o->values_alloc);
	pprof__sample__init(&o->samples[o->nsamples]);
	o->ids_first[o->nsamples] = first;
	if (o->diff)
		o->values[o->nsamples * nv] =
			to_value(profile__node_self(p, node, PROFILE_COL_BEFORE));
	o->values[o->nsamples * nv + nv - 1] =
		to_value(profile__node_self(p, node, PROFILE_COL_MAIN));
	o->nsamples++;
	return 0;
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

/* Fills the Line lists: innermost (leaf-most) first. */
static void fill_lines(struct out *o, Pprof__Line *lines, Pprof__Line **line_ptrs)
{
	size_t i, k, at = 0;

	for (i = 0; i < o->nlocs; i++) {
		size_t n = o->loc_n[i];

		o->locs[i].n_line = n;
		o->locs[i].line = line_ptrs + at;
		for (k = 0; k < n; k++, at++) {
			const struct frame *f = profile__frame_get(
				o->p, o->loc_frames[o->loc_first[i] + n - 1 - k]);
			uint64_t v;

			pprof__line__init(&lines[at]);
			hashmap__get(o->fn_ix, (uint64_t)f->name << 32 | f->file, &v);
			lines[at].function_id = v + 1;
			lines[at].line = f->line;
			line_ptrs[at] = &lines[at];
		}
	}
}

/* Writes @len bytes, gzipped when zlib is there (deterministic header). */
static int write_out(const uint8_t *buf, size_t len, FILE *f)
{
#ifdef HAVE_ZLIB
	z_stream zs;
	unsigned char chunk[65536];
	int zret, err = 0;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		pr_err("pprof output: cannot initialise zlib");
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)buf;
	zs.avail_in = 0;
	do {
		size_t step = len > UINT32_MAX ? UINT32_MAX : len;

		if (!zs.avail_in && len) {
			zs.avail_in = (uInt)step;
			len -= step;
		}
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zret = deflate(&zs, len || zs.avail_in ? Z_NO_FLUSH : Z_FINISH);
		if (zret == Z_STREAM_ERROR) {
			err = -EIO;
			break;
		}
		if (fwrite(chunk, 1, sizeof(chunk) - zs.avail_out, f) !=
		    sizeof(chunk) - zs.avail_out) {
			err = -EIO;
			break;
		}
	} while (zret != Z_STREAM_END);
	deflateEnd(&zs);
	return err;
#else
	return fwrite(buf, 1, len, f) == len ? 0 : -EIO;
#endif
}

int export__pprof(const struct profile *p, FILE *f)
{
	struct out o = {.p = p, .diff = profile__is_diff(p)};
	const char *countname = profile__countname(p);
	Pprof__ValueType types[2], *type_ptrs[2], period;
	Pprof__Function **fn_ptrs;
	Pprof__Mapping **map_ptrs;
	Pprof__Location **loc_ptrs;
	Pprof__Sample **sample_ptrs;
	Pprof__Line *lines, **line_ptrs;
	Pprof__Profile m = PPROF__PROFILE__INIT;
	char *before_name;
	uint8_t *buf;
	size_t len, i, nv = o.diff ? 2 : 1;
	int err;

	o.st.ix = hashmap__new();
	o.fn_ix = hashmap__new();
	o.map_ix = hashmap__new();
	o.loc_ix = hashmap__new();
	o.str_of = xcalloc((size_t)profile__nstrs(p) + 1, sizeof(*o.str_of));
	ALLOC_GROW(o.st.v, 1, o.st.alloc);
	o.st.v[0] = (ProtobufCBinaryData){0, (uint8_t *)""};
	o.st.n = 1;

	profile__walk_stacks(p, add_sample, &o);

	/* Sample types: [before,] main; the main one is the default. */
	before_name = xmalloc(strlen(countname) + 8);
	sprintf(before_name, "%s_before", countname);
	for (i = 0; i < nv; i++) {
		pprof__value_type__init(&types[i]);
		types[i].type = strtab_add(&o.st, i + 1 < nv ? before_name : countname,
					   strlen(i + 1 < nv ? before_name : countname));
		types[i].unit = strtab_add(&o.st, unit_for(countname), strlen(unit_for(countname)));
		type_ptrs[i] = &types[i];
	}
	pprof__value_type__init(&period);
	period.type = types[nv - 1].type;
	period.unit = types[nv - 1].unit;

	lines = xcalloc(o.nloc_frames + 1, sizeof(*lines));
	line_ptrs = xcalloc(o.nloc_frames + 1, sizeof(*line_ptrs));
	fill_lines(&o, lines, line_ptrs);
	fn_ptrs = xcalloc(o.nfns + 1, sizeof(*fn_ptrs));
	for (i = 0; i < o.nfns; i++)
		fn_ptrs[i] = &o.fns[i];
	map_ptrs = xcalloc(o.nmaps + 1, sizeof(*map_ptrs));
	for (i = 0; i < o.nmaps; i++)
		map_ptrs[i] = &o.maps[i];
	loc_ptrs = xcalloc(o.nlocs + 1, sizeof(*loc_ptrs));
	for (i = 0; i < o.nlocs; i++)
		loc_ptrs[i] = &o.locs[i];
	sample_ptrs = xcalloc(o.nsamples + 1, sizeof(*sample_ptrs));
	for (i = 0; i < o.nsamples; i++) {
		size_t end = i + 1 < o.nsamples ? o.ids_first[i + 1] : o.nids;

		o.samples[i].n_location_id = end - o.ids_first[i];
		o.samples[i].location_id = o.ids + o.ids_first[i];
		o.samples[i].n_value = nv;
		o.samples[i].value = o.values + i * nv;
		sample_ptrs[i] = &o.samples[i];
	}

	m.n_sample_type = nv;
	m.sample_type = type_ptrs;
	m.n_sample = o.nsamples;
	m.sample = sample_ptrs;
	m.n_mapping = o.nmaps;
	m.mapping = map_ptrs;
	m.n_location = o.nlocs;
	m.location = loc_ptrs;
	m.n_function = o.nfns;
	m.function = fn_ptrs;
	m.n_string_table = o.st.n;
	m.string_table = o.st.v;
	m.period_type = &period;
	m.period = 1;
	m.default_sample_type = types[nv - 1].type;

	len = pprof__profile__get_packed_size(&m);
	buf = xmalloc(len + 1);
	pprof__profile__pack(&m, buf);
	err = write_out(buf, len, f);

	free(buf);
	free(sample_ptrs);
	free(loc_ptrs);
	free(map_ptrs);
	free(fn_ptrs);
	free(line_ptrs);
	free(lines);
	free(before_name);
	free(o.str_of);
	free(o.st.v);
	free(o.fns);
	free(o.maps);
	free(o.locs);
	free(o.loc_first);
	free(o.loc_n);
	free(o.loc_frames);
	free(o.samples);
	free(o.ids);
	free(o.ids_first);
	free(o.values);
	hashmap__free(o.st.ix);
	hashmap__free(o.fn_ix);
	hashmap__free(o.map_ix);
	hashmap__free(o.loc_ix);
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
