// SPDX-License-Identifier: Apache-2.0
/*
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 *
 *   {"$schema": "...", "shared": {"frames": [{"name", "file", "line", "col"}]},
 *    "profiles": [{"type": "sampled", "name", "unit", "samples": [[frame
 *    indices, root first]], "weights": [...]} or {"type": "evented", "name",
 *    "unit", "events": [{"type": "O" or "C", "frame", "at"}]}]}
 *
 * Frames are named "NAME (FILE:LINE:COL)" (json_internal.h); kind from the
 * file's extension (Python, JS). py-spy writes nulls that the schema does
 * not allow ("file", "line", "col", "activeProfileIndex"): a null is read as
 * an absent member. Evented profiles are checked as speedscope checks them:
 * events in time order, each close matching the innermost open frame,
 * nothing left open; the time between two events belongs to the stack open
 * between them. With several profiles, each one's stacks sit under a root
 * frame named after the profile.
 *
 * Units become the count name (none: samples, nanoseconds: ns, microseconds:
 * us, milliseconds: ms, seconds: s, bytes: bytes). When profiles mix time
 * units, all are converted to the finest of them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"
#include "log.h"
#include "xalloc.h"

enum unit {
	UNIT_NONE = 0,
	UNIT_NS,
	UNIT_US,
	UNIT_MS,
	UNIT_S,
	UNIT_BYTES,
};

static const struct {
	const char *schema_name;
	const char *countname;
	double ns; /* nanoseconds per unit; 0 when not a time */
} units[] = {
	[UNIT_NONE] = {"none", "samples", 0},	 [UNIT_NS] = {"nanoseconds", "ns", 1},
	[UNIT_US] = {"microseconds", "us", 1e3}, [UNIT_MS] = {"milliseconds", "ms", 1e6},
	[UNIT_S] = {"seconds", "s", 1e9},	 [UNIT_BYTES] = {"bytes", "bytes", 0},
};

struct ss {
	const struct json_doc *d;
	const struct json_value *top, *profiles;
	uint32_t *frames; /* shared.frames[i] -> frame id */
	uint32_t nframes;
	enum unit *unit; /* per profile, then the result's unit at [profiles->len] */
	uint32_t *buf;	 /* one stack */
	size_t buf_alloc;
};

bool speedscope__detect(const char *buf, size_t len)
{
	return json__sniff(buf, len) == JSON_SNIFF_SPEEDSCOPE;
}

/* A member that may be absent or null; NULL for both. */
static const struct json_value *member(const struct ss *s, const struct json_value *obj,
				       const char *key)
{
	const struct json_value *m = json__get(s->d, obj, key);

	return m && m->type != JSON_NULL ? m : NULL;
}

static enum frame_kind kind_of_file(const char *f, size_t n)
{
	static const struct {
		const char *ext;
		enum frame_kind kind;
	} exts[] = {
		{".py", FRAME_KIND_PYTHON}, {".pyx", FRAME_KIND_PYTHON}, {".js", FRAME_KIND_JS},
		{".mjs", FRAME_KIND_JS},    {".cjs", FRAME_KIND_JS},	 {".ts", FRAME_KIND_JS},
		{".jsx", FRAME_KIND_JS},    {".tsx", FRAME_KIND_JS},
	};
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i].ext);

		if (n > e && !memcmp(f + n - e, exts[i].ext, e))
			return exts[i].kind;
	}
	return FRAME_KIND_UNKNOWN;
}

/* A 1-based line or column; anything else (absent, null, 0, fractions) is unknown. */
static int position(const struct ss *s, const struct json_value *fr, const char *key, uint32_t i,
		    uint32_t *out)
{
	const struct json_value *m = member(s, fr, key);
	int64_t x;

	*out = 0;
	if (!m)
		return 0;
	if (m->type != JSON_NUMBER)
		return json__error(s->d, m,
				   "expected a number or null for shared.frames[%u].%s, found %s",
				   i, key, json__type_name(m));
	if (json__int(m, &x) && x > 0 && x < UINT32_MAX)
		*out = x;
	return 0;
}

static int read_frames(struct ss *s, struct profile *t)
{
	const struct json_value *shared = member(s, s->top, "shared"), *frames, *it;
	uint32_t i;
	int err;

	if (!shared || shared->type != JSON_OBJECT)
		return json__error(s->d, shared ? shared : s->top,
				   "expected \"shared\" (an object holding \"frames\") in a "
				   "speedscope file, found %s",
				   shared ? json__type_name(shared) : "none");
	frames = member(s, shared, "frames");
	if (!frames || frames->type != JSON_ARRAY)
		return json__error(s->d, frames ? frames : shared,
				   "expected an array for shared.frames, found %s",
				   frames ? json__type_name(frames) : "none");
	s->nframes = frames->len;
	s->frames = xmalloc(((size_t)frames->len + 1) * sizeof(*s->frames));
	json_for_each(s->d, frames, it, i) {
		const struct json_value *name, *file;
		uint32_t line, col;

		if (it->type != JSON_OBJECT)
			return json__error(s->d, it,
					   "expected an object for shared.frames[%u], found %s", i,
					   json__type_name(it));
		name = member(s, it, "name");
		if (!name || name->type != JSON_STRING)
			return json__error(s->d, name ? name : it,
					   "expected a string for shared.frames[%u].name, found %s",
					   i, name ? json__type_name(name) : "none");
		file = member(s, it, "file");
		if (file && file->type != JSON_STRING)
			return json__error(
				s->d, file,
				"expected a string or null for shared.frames[%u].file, found %s", i,
				json__type_name(file));
		if ((err = position(s, it, "line", i, &line)) ||
		    (err = position(s, it, "col", i, &col)))
			return err;
		s->frames[i] = json__location_frame(
			t, name->u.str, name->len, file ? file->u.str : "", file ? file->len : 0,
			line, col,
			file ? kind_of_file(file->u.str, file->len) : FRAME_KIND_UNKNOWN);
	}
	return 0;
}

/* Reads every profile's unit and picks the common scale and count name. */
static int read_units(struct ss *s, struct profile *t)
{
	const struct json_value *it;
	enum unit finest = UNIT_NONE;
	bool all_time = true, mixed = false;
	uint32_t i;

	s->unit = xcalloc((size_t)s->profiles->len + 1, sizeof(*s->unit));
	json_for_each(s->d, s->profiles, it, i) {
		const struct json_value *u;
		size_t k;

		if (it->type != JSON_OBJECT)
			return json__error(s->d, it,
					   "expected an object for profiles[%u], found %s", i,
					   json__type_name(it));
		u = member(s, it, "unit");
		if (u) {
			for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
				if (json__str_eq(u, units[k].schema_name))
					break;
			if (k == sizeof(units) / sizeof(units[0]))
				return json__error(
					s->d, u,
					"expected a unit (none, nanoseconds, microseconds, "
					"milliseconds, seconds or bytes) for profiles[%u].unit",
					i);
			s->unit[i] = k;
		}
		if (!units[s->unit[i]].ns)
			all_time = false;
		else if (!finest || units[s->unit[i]].ns < units[finest].ns)
			finest = s->unit[i];
		if (s->unit[i] != s->unit[0])
			mixed = true;
	}
	if (mixed && all_time) {
		s->unit[s->profiles->len] = finest;
	} else {
		if (mixed)
			pr_warn("%s: the profiles have different units (%s and others); weights "
				"are added as they are, counted in %s",
				s->d->name, units[s->unit[0]].schema_name,
				units[s->unit[0]].countname);
		s->unit[s->profiles->len] = s->unit[0];
	}
	profile__set_countname(t, units[s->unit[s->profiles->len]].countname);
	return 0;
}

/* Factor from profile @i's unit to the unit of the result (a whole number: the finest unit). */
static int64_t unit_scale(const struct ss *s, uint32_t i)
{
	enum unit from = s->unit[i], to = s->unit[s->profiles->len];

	if (units[from].ns && units[to].ns)
		return (int64_t)(units[from].ns / units[to].ns);
	return 1;
}

/* Reports that the weights of profile @pi add up to more than 64 bits hold, at @v. */
static int too_large(const struct ss *s, const struct json_value *v, uint32_t pi)
{
	json__error(s->d, v,
		    "the weights of profiles[%u] add up to more than %" PRId64
		    " %s (2^63 - 1), the most a 64-bit count holds",
		    pi, PROFILE_WEIGHT_MAX, units[s->unit[s->profiles->len]].countname);
	return -EOVERFLOW;
}

static void push(struct ss *s, size_t n, uint32_t frame)
{
	ALLOC_GROW(s->buf, n + 1, s->buf_alloc);
	s->buf[n] = frame;
}

/* Element @k of stack @i of profile @pi: a frame index. */
static int frame_index(const struct ss *s, const struct json_value *v, uint32_t pi, uint32_t i,
		       uint32_t k, uint32_t *out)
{
	int64_t x;

	if (!json__int(v, &x) || x < 0 || x >= s->nframes)
		return json__error(s->d, v,
				   "expected a frame index from 0 to %lld for "
				   "profiles[%u].samples[%u][%u], found %s",
				   (long long)s->nframes - 1, pi, i, k,
				   v->type == JSON_NUMBER ? "a number out of range"
							  : json__type_name(v));
	*out = s->frames[x];
	return 0;
}

static int import_sampled(struct ss *s, struct profile *t, const struct json_value *prof,
			  uint32_t pi, uint32_t root)
{
	const struct json_value *samples = member(s, prof, "samples"), *weights, *it, *w, *f;
	const struct json_value *wv = NULL;
	int64_t scale = unit_scale(s, pi);
	uint32_t i, k;
	int err;

	if (!samples || samples->type != JSON_ARRAY)
		return json__error(s->d, samples ? samples : prof,
				   "expected an array of stacks for profiles[%u].samples, found %s",
				   pi, samples ? json__type_name(samples) : "none");
	weights = member(s, prof, "weights");
	if (weights && (weights->type != JSON_ARRAY || weights->len != samples->len))
		return json__error(s->d, weights,
				   "expected an array of %u numbers for profiles[%u].weights (one "
				   "per sample), found %s of %u",
				   samples->len, pi, json__type_name(weights),
				   weights->type == JSON_ARRAY ? weights->len : 0);
	w = weights ? weights + 1 : NULL;
	json_for_each(s->d, samples, it, i) {
		struct count weight = {.i = 1, .f = 1};
		size_t n = 0;

		if (it->type != JSON_ARRAY)
			return json__error(s->d, it,
					   "expected an array of frame indices for "
					   "profiles[%u].samples[%u], found %s",
					   pi, i, json__type_name(it));
		if (w) {
			wv = w;
			if (!json__count(w, &weight))
				return json__error(s->d, w,
						   "expected a weight of 0 or more for "
						   "profiles[%u].weights[%u], found %s",
						   pi, i,
						   w->type == JSON_NUMBER ? "a negative number"
									  : json__type_name(w));
			w = s->d->v + w->next;
		}
		if (root != PROFILE_NONE)
			push(s, n++, root);
		json_for_each(s->d, it, f, k) {
			uint32_t fid = 0;

			if ((err = frame_index(s, f, pi, i, k, &fid)))
				return err;
			push(s, n++, fid);
		}
		if (weight.f > 0 && n &&
		    (count__scale(&weight, scale) ||
		     count__add(t, profile__stack_node(t, s->buf, n), PROFILE_COL_MAIN, &weight)))
			return too_large(s, w ? wv : it, pi);
	}
	return 0;
}

struct open_frame {
	uint32_t index;		     /* into shared.frames */
	uint32_t event;		     /* index of the "O" event */
	const struct json_value *ev; /* the "O" event */
	uint32_t node;		     /* profile node of the stack down to this frame */
};

static int import_evented(struct ss *s, struct profile *t, const struct json_value *prof,
			  uint32_t pi, uint32_t root)
{
	const struct json_value *events = member(s, prof, "events"), *it;
	struct open_frame *open = NULL;
	size_t nopen = 0, alloc = 0;
	int64_t scale = unit_scale(s, pi), last_i = 0;
	double last = 0;
	bool last_exact = true;
	uint32_t base = PROFILE_ROOT, i;
	int err = 0;

	if (!events || events->type != JSON_ARRAY)
		return json__error(s->d, events ? events : prof,
				   "expected an array of events for profiles[%u].events, found %s",
				   pi, events ? json__type_name(events) : "none");
	if (root != PROFILE_NONE)
		base = profile__child(t, PROFILE_ROOT, root);
	json_for_each(s->d, events, it, i) {
		const struct json_value *type, *frame, *at;
		int64_t fi, when_i = 0;
		double when;
		bool when_exact, exact;
		uint32_t fid;

		if (it->type != JSON_OBJECT) {
			err = json__error(
				s->d, it,
				"expected an object for profiles[%u].events[%u], found %s", pi, i,
				json__type_name(it));
			break;
		}
		type = member(s, it, "type");
		frame = member(s, it, "frame");
		at = member(s, it, "at");
		if (!json__str_eq(type, "O") && !json__str_eq(type, "C")) {
			err = json__error(
				s->d, type ? type : it,
				"expected \"O\" or \"C\" for profiles[%u].events[%u].type", pi, i);
			break;
		}
		if (!at || !json__finite(at, &when)) {
			err = json__error(
				s->d, at ? at : it,
				"expected a number for profiles[%u].events[%u].at, found %s", pi, i,
				at ? json__type_name(at) : "none");
			break;
		}
		if (!frame || !json__int(frame, &fi) || fi < 0 || fi >= s->nframes) {
			err = json__error(s->d, frame ? frame : it,
					  "expected a frame index from 0 to %d for "
					  "profiles[%u].events[%u].frame",
					  (int)s->nframes - 1, pi, i);
			break;
		}
		/* Integer times (ns since the epoch pass 2^53) compare and subtract exactly. */
		when_exact = json__int(at, &when_i);
		exact = when_exact && last_exact;
		if (i && (exact ? when_i < last_i : when < last)) {
			err = json__error(
				s->d, it,
				"expected events in time order, but profiles[%u].events[%u] at "
				"%.17g comes after an event at %.17g",
				pi, i, when, last);
			break;
		}
		/* The time since the previous event belongs to the open stack. */
		if (nopen && (exact ? when_i > last_i : when > last)) {
			struct count c;

			if (exact && !__builtin_sub_overflow(when_i, last_i, &c.i)) {
				c.f = (double)c.i;
				c.frac = false;
			} else {
				count__from_double(&c, when - last);
			}
			if (count__scale(&c, scale) ||
			    count__add(t, open[nopen - 1].node, PROFILE_COL_MAIN, &c)) {
				err = too_large(s, at, pi);
				break;
			}
		}
		last = when;
		last_i = when_i;
		last_exact = when_exact;
		fid = s->frames[fi];
		if (json__str_eq(type, "O")) {
			ALLOC_GROW(open, nopen + 1, alloc);
			open[nopen].index = fi;
			open[nopen].event = i;
			open[nopen].ev = it;
			open[nopen].node =
				profile__child(t, nopen ? open[nopen - 1].node : base, fid);
			nopen++;
			continue;
		}
		if (!nopen) {
			err = json__error(s->d, it,
					  "expected an \"O\" event before profiles[%u].events[%u], "
					  "which closes frame %lld (%s) while no frame is open",
					  pi, i, (long long)fi, profile__frame_name(t, fid));
			break;
		}
		if (open[nopen - 1].index != fi) {
			err = json__error(s->d, it,
					  "expected profiles[%u].events[%u] to close the innermost "
					  "open frame %u (%s), but it closes frame %lld (%s)",
					  pi, i, open[nopen - 1].index,
					  profile__frame_name(t, s->frames[open[nopen - 1].index]),
					  (long long)fi, profile__frame_name(t, fid));
			break;
		}
		nopen--;
	}
	if (!err && nopen)
		err = json__error(
			s->d, open[0].ev,
			"expected every opened frame to be closed, but frame %u (%s) opened by "
			"profiles[%u].events[%u] is still open at the end (%zu frame%s open)",
			open[0].index, profile__frame_name(t, s->frames[open[0].index]), pi,
			open[0].event, nopen, nopen == 1 ? "" : "s");
	free(open);
	return err;
}

static int import_doc(struct ss *s, struct profile *t)
{
	const struct json_value *it;
	uint32_t i;
	int err;

	if (s->top->type != JSON_OBJECT)
		return json__error(s->d, s->top, "expected a speedscope object, found %s",
				   json__type_name(s->top));
	if ((err = read_frames(s, t)))
		return err;
	s->profiles = member(s, s->top, "profiles");
	if (!s->profiles || s->profiles->type != JSON_ARRAY)
		return json__error(
			s->d, s->profiles ? s->profiles : s->top,
			"expected an array for \"profiles\" in a speedscope file, found %s",
			s->profiles ? json__type_name(s->profiles) : "none");
	if ((err = read_units(s, t)))
		return err;
	json_for_each(s->d, s->profiles, it, i) {
		const struct json_value *type = member(s, it, "type"), *name;
		uint32_t root = PROFILE_NONE;

		if (s->profiles->len > 1) {
			char fallback[32];

			name = member(s, it, "name");
			if (name && name->type == JSON_STRING && name->len) {
				root = profile__frame_named(t, name->u.str, name->len,
							    FRAME_KIND_ROOT);
			} else {
				snprintf(fallback, sizeof(fallback), "profile %u", i + 1);
				root = profile__frame_named(t, fallback, strlen(fallback),
							    FRAME_KIND_ROOT);
			}
		}
		if (json__str_eq(type, "sampled"))
			err = import_sampled(s, t, it, i, root);
		else if (json__str_eq(type, "evented"))
			err = import_evented(s, t, it, i, root);
		else
			err = json__error(
				s->d, type ? type : it,
				"expected \"sampled\" or \"evented\" for profiles[%u].type", i);
		if (err)
			return err;
	}
	return 0;
}

int speedscope__import(struct profile *p, const char *name, const char *buf, size_t len,
		       const struct import_opts *o)
{
	struct json_doc d;
	struct ss s = {.d = &d};
	struct profile *t = NULL;
	int err;

	err = json_doc__parse(&d, name, buf, len, 0);
	if (err)
		goto out;
	s.top = &d.v[0];
	/* Build aside and merge only a complete import: no partial results. */
	t = profile__new();
	profile__set_chart_mode(t, profile__chart_mode(p));
	err = import_doc(&s, t);
	if (!err) {
		err = import_absorb(p, t, name); /* frees @t */
		t = NULL;
	}
out:
	profile__free(t);
	free(s.frames);
	free(s.unit);
	free(s.buf);
	json_doc__release(&d);
	return err;
}
