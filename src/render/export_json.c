// SPDX-License-Identifier: Apache-2.0
/*
 * JSON outputs: speedscope's file format and V8's .cpuprofile.
 *
 * A frame that carries a source location is named "FUNCTION (FILE:LINE:COL)"
 * with frame.file = FILE and frame.line = LINE (the importers' convention);
 * such names are split back into function, file, line and column, so that
 * the other tools show them as they would their own. Other names are
 * written whole.
 *
 * speedscope: one "sampled" profile, one sample per stack with its weight;
 * the unit follows the count name (ns/us/ms/s, bytes, else "none").
 *
 * cpuprofile: V8 has no weights, only samples and the time between them.
 *  - Count names that are time units (ns, us, ms, s and their long forms):
 *    one sample per stack, and the stack's weight, in microseconds, is the
 *    time until the next sample (timeDeltas[i + 1], endTime for the last),
 *    which is how the V8 importer's --time-weights reads it back.
 *  - Anything else (samples, ...): each stack is repeated as many times as
 *    its weight, 1 ms apart. Past CPUPROFILE_MAX_SAMPLES samples, or with
 *    fractional weights, counts are scaled and rounded (running totals, so
 *    the sum is kept; every stack keeps at least one sample) and a warning
 *    says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

#define CPUPROFILE_MAX_SAMPLES 2000000
#define CPUPROFILE_INTERVAL_US 1000

struct loc {
	const char *fn, *file;
	size_t fn_len, file_len;
	uint32_t line, col; /* 1-based; 0 when absent */
};

/* Splits the name of frame @fid into its parts (see the top of the file). */
static void split_frame(const struct profile *p, uint32_t fid, struct loc *l)
{
	const struct frame *f = profile__frame_get(p, fid);
	const char *name = profile__str(p, f->name), *file = profile__str(p, f->file);
	size_t n = profile__str_len(p, f->name), fl = profile__str_len(p, f->file);
	int k;

	memset(l, 0, sizeof(*l));
	l->fn = name;
	l->fn_len = n;
	if (!fl || n < fl + 3 || name[n - 1] != ')')
		return;
	/* Try FILE:LINE:COL, then FILE:LINE, then FILE. */
	for (k = 2; k >= 0; k--) {
		const char *q = name + n - 1; /* the ')' */
		uint32_t v[2] = {0, 0};
		bool ok = true;
		int j;

		for (j = k - 1; j >= 0 && ok; j--) {
			const char *d = q;
			uint64_t x = 0;

			while (d > name && d[-1] >= '0' && d[-1] <= '9')
				d--;
			if (d == q || q - d > 9 || d == name || d[-1] != ':') {
				ok = false;
				break;
			}
			for (const char *c = d; c < q; c++)
				x = x * 10 + (*c - '0');
			v[j] = x;
			q = d - 1;
		}
		if (!ok || (k ? v[0] != f->line : f->line != 0))
			continue;
		if ((size_t)(q - name) < fl + 2)
			continue;
		q -= fl; /* where FILE should start, after " (" */
		if (!memcmp(q, file, fl) && q[-1] == '(' && q[-2] == ' ') {
			l->fn_len = q - 2 - name;
			l->file = file;
			l->file_len = fl;
			l->line = v[0];
			l->col = v[1];
			return;
		}
	}
}

/* Microseconds per unit of the count name; 0 when it is not a time. */
static double time_unit_us(const char *countname)
{
	static const struct {
		const char *name;
		double us;
	} t[] = {
		{"ns", 1e-3}, {"nanoseconds", 1e-3}, {"us", 1},	 {"µs", 1},    {"microseconds", 1},
		{"ms", 1e3},  {"milliseconds", 1e3}, {"s", 1e6}, {"sec", 1e6}, {"seconds", 1e6},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(countname, t[i].name))
			return t[i].us;
	return 0;
}

static const char *speedscope_unit(const char *countname)
{
	double us = time_unit_us(countname);

	if (us == 1e-3)
		return "nanoseconds";
	if (us == 1)
		return "microseconds";
	if (us == 1e3)
		return "milliseconds";
	if (us == 1e6)
		return "seconds";
	if (!strcmp(countname, "bytes") || !strcmp(countname, "B"))
		return "bytes";
	return "none";
}

static void add_json_str(struct strbuf *sb, const char *s, size_t len)
{
	strbuf__addch(sb, '"');
	strbuf__add_json(sb, s, len);
	strbuf__addch(sb, '"');
}

/* Appends a weight exactly, in plain digits (JSON numbers have no size limit). */
static void add_weight(struct strbuf *sb, const struct profile *p, int64_t wi, double wf)
{
	char buf[PROFILE_WEIGHT_TEXT_MAX];

	if (profile__fractional(p))
		strbuf__add(sb, buf, profile__weight_text(wf, buf));
	else
		strbuf__addf(sb, "%" PRId64, wi);
}

/* The self weight of @node, exactly. */
static void add_self(struct strbuf *sb, const struct profile *p, uint32_t node)
{
	add_weight(sb, p, profile__node_self_int(p, node, PROFILE_COL_MAIN),
		   profile__node_self(p, node, PROFILE_COL_MAIN));
}

/* Writes out what is buffered once it is large; returns -EIO on a write error. */
static int flush(struct strbuf *sb, FILE *out, bool force)
{
	int err = 0;

	if (!force && sb->len < (1 << 20))
		return 0;
	if (sb->len && fwrite(sb->buf, 1, sb->len, out) != sb->len)
		err = -EIO;
	strbuf__reset(sb);
	return err;
}

static void warn_diff(const struct profile *p, const char *fmt)
{
	if (profile__is_diff(p))
		pr_warn("%s output holds one profile: the differential profile's BEFORE counts are "
			"left out",
			fmt);
}

/* speedscope */

struct ss_ctx {
	struct strbuf *sb;
	FILE *out;
	uint32_t *index; /* frame id -> speedscope frame index + 1 (0: none yet) */
	uint32_t nused;	 /* frames numbered so far */
	struct strbuf weights;
	size_t nsamples;
	int err;
};

static int ss_stack(const struct profile *p, const uint32_t *frames, size_t n, uint32_t node,
		    void *arg)
{
	struct ss_ctx *c = arg;
	double w = profile__node_self(p, node, PROFILE_COL_MAIN);
	size_t i;

	if (!(w > 0) || !n)
		return 0;
	strbuf__adds(c->sb, c->nsamples ? ",[" : "[");
	for (i = 0; i < n; i++)
		strbuf__addf(c->sb, i ? ",%u" : "%u", c->index[frames[i]] - 1);
	strbuf__addch(c->sb, ']');
	if (c->nsamples++)
		strbuf__addch(&c->weights, ',');
	add_self(&c->weights, p, node);
	if ((c->err = flush(c->sb, c->out, false)))
		return c->err;
	return 0;
}

/* Numbers the frames that stacks use, in first-use order. */
static int ss_number(const struct profile *p, const uint32_t *frames, size_t n, uint32_t node,
		     void *arg)
{
	struct ss_ctx *c = arg;
	size_t i;

	if (!(profile__node_self(p, node, PROFILE_COL_MAIN) > 0))
		return 0;
	for (i = 0; i < n; i++)
		if (!c->index[frames[i]])
			c->index[frames[i]] = ++c->nused;
	return 0;
}

int export__speedscope(const struct profile *p, const char *name, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	struct ss_ctx c = {.sb = &sb, .out = out, .weights = STRBUF_INIT};
	uint32_t nframes = profile__nframes(p), *order, i, nused;
	double total = profile__total(p, PROFILE_COL_MAIN);
	int err;

	warn_diff(p, "speedscope");
	if (!name)
		name = "resq-flame";
	c.index = xcalloc((size_t)nframes + 1, sizeof(*c.index));
	profile__walk_stacks(p, ss_number, &c);
	nused = c.nused;
	order = xmalloc(((size_t)nused + 1) * sizeof(*order));
	for (i = 0; i < nframes; i++)
		if (c.index[i])
			order[c.index[i] - 1] = i;

	strbuf__adds(&sb, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
			  "\"shared\":{\"frames\":[");
	for (i = 0; i < nused; i++) {
		struct loc l;

		split_frame(p, order[i], &l);
		strbuf__adds(&sb, i ? ",\n{\"name\":" : "\n{\"name\":");
		add_json_str(&sb, l.fn, l.fn_len);
		if (l.file_len) {
			strbuf__adds(&sb, ",\"file\":");
			add_json_str(&sb, l.file, l.file_len);
			if (l.line)
				strbuf__addf(&sb, ",\"line\":%u", l.line);
			if (l.line && l.col)
				strbuf__addf(&sb, ",\"col\":%u", l.col);
		}
		strbuf__addch(&sb, '}');
		if ((err = flush(&sb, out, false)))
			goto out;
	}
	strbuf__adds(&sb, "]},\n\"profiles\":[{\"type\":\"sampled\",\"name\":");
	add_json_str(&sb, name, strlen(name));
	strbuf__addf(&sb, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":",
		     speedscope_unit(profile__countname(p)));
	add_weight(&sb, p, profile__total_int(p, PROFILE_COL_MAIN), total);
	strbuf__adds(&sb, ",\n\"samples\":[");
	err = profile__walk_stacks(p, ss_stack, &c);
	if (err)
		goto out;
	strbuf__adds(&sb, "],\n\"weights\":[");
	strbuf__add(&sb, c.weights.buf, c.weights.len);
	strbuf__adds(&sb, "]}],\n\"name\":");
	add_json_str(&sb, name, strlen(name));
	strbuf__addf(&sb, ",\"activeProfileIndex\":0,\"exporter\":\"resq-flame %s\"}\n",
		     RESQ_VERSION);
	err = flush(&sb, out, true);
out:
	free(order);
	free(c.index);
	strbuf__release(&c.weights);
	strbuf__release(&sb);
	return err;
}

/* cpuprofile */

/* The duration of one sample of @node, in microseconds. */
static double sample_us(const struct profile *p, uint32_t node, double unit_us)
{
	return unit_us ? profile__node_self(p, node, PROFILE_COL_MAIN) * unit_us
		       : CPUPROFILE_INTERVAL_US;
}

/*
 * The same, exactly, when an integer profile's unit is a whole number of
 * microseconds (or samples). Returns false when it does not fit in 64 bits.
 */
static bool sample_us_int(const struct profile *p, uint32_t node, double unit_us, int64_t *out)
{
	if (!unit_us) {
		*out = CPUPROFILE_INTERVAL_US;
		return true;
	}
	return !__builtin_mul_overflow(profile__node_self_int(p, node, PROFILE_COL_MAIN),
				       (int64_t)unit_us, out);
}

int export__cpuprofile(const struct profile *p, FILE *out)
{
	struct profile_index *ix = profile_index__new(p);
	struct strbuf sb = STRBUF_INIT;
	double unit_us = time_unit_us(profile__countname(p));
	double total = profile__total(p, PROFILE_COL_MAIN), scale = 1, cum = 0;
	uint32_t *ids = NULL, *stack = NULL, *script_of = NULL, nnodes, nscripts = 0;
	uint64_t *hits = NULL, written;
	uint32_t *order = NULL;
	size_t norder = 0, sp = 0, i;
	bool integral = true, exact;
	int err = 0;

	if (!ix)
		return -errno;
	/* Whole microseconds of an integer profile are written exactly. */
	exact = !profile__fractional(p) && (!unit_us || unit_us >= 1);
	if (exact && unit_us) {
		int64_t end_us = 0, d;
		uint32_t n;

		for (n = 1; n < ix->nnodes; n++) {
			if (!sample_us_int(p, n, unit_us, &d) ||
			    __builtin_add_overflow(end_us, d, &end_us)) {
				pr_err("cpuprofile output: the profile lasts more than %" PRId64
				       " us, more than 64 bits hold; write another format",
				       INT64_MAX);
				profile_index__free(ix);
				return -EOVERFLOW;
			}
		}
	}
	warn_diff(p, "cpuprofile");
	nnodes = ix->nnodes;
	ids = xcalloc(nnodes, sizeof(*ids));
	hits = xcalloc(nnodes, sizeof(*hits));
	script_of = xcalloc((size_t)profile__nstrs(p) + 1, sizeof(*script_of));
	order = xmalloc((size_t)nnodes * sizeof(*order));
	stack = xmalloc(((size_t)nnodes + 1) * sizeof(*stack));

	/* Pre-order walk over nodes with weight below them: ids 1, 2, ... */
	stack[sp++] = PROFILE_ROOT;
	while (sp) {
		uint32_t n = stack[--sp], k;

		ids[n] = norder + 1;
		order[norder++] = n;
		for (k = ix->child_off[n + 1]; k-- > ix->child_off[n];) {
			uint32_t c = ix->children[k];

			if (ix->total[c] > 0)
				stack[sp++] = c;
		}
	}

	/* Samples per node. */
	if (!unit_us) {
		for (i = 0; i < norder; i++) {
			double w = profile__node_self(p, order[i], PROFILE_COL_MAIN);

			if (w > 0 && w != floor(w))
				integral = false;
		}
		if (!integral || total > CPUPROFILE_MAX_SAMPLES) {
			scale = total > CPUPROFILE_MAX_SAMPLES ? CPUPROFILE_MAX_SAMPLES / total : 1;
			pr_warn("cpuprofile: %s weights (%.17g %s in all) are written as %s "
				"samples: counts are rounded, proportions kept",
				integral ? "large" : "fractional", total, profile__countname(p),
				scale < 1 ? "scaled" : "rounded");
		}
		for (i = 0; i < norder; i++) {
			double w = profile__node_self(p, order[i], PROFILE_COL_MAIN);
			double before = cum;

			if (!(w > 0))
				continue;
			cum += w * scale;
			/*
			 * Running totals: the rounded counts add up to the rounded
			 * sum; a stack with any weight keeps at least one sample.
			 */
			hits[order[i]] = (uint64_t)llround(cum) - (uint64_t)llround(before);
			if (!hits[order[i]])
				hits[order[i]] = 1;
		}
	} else {
		for (i = 0; i < norder; i++)
			if (profile__node_self(p, order[i], PROFILE_COL_MAIN) > 0)
				hits[order[i]] = 1;
	}

	/* Nodes. */
	strbuf__adds(&sb, "{\"nodes\":[");
	for (i = 0; i < norder; i++) {
		uint32_t n = order[i], k, nkids = 0;
		struct loc l = {.fn = "(root)", .fn_len = 6};
		uint32_t script = 0;

		if (n != PROFILE_ROOT) {
			uint32_t fid = profile__node_frame(p, n);

			split_frame(p, fid, &l);
			if (l.file_len) {
				uint32_t file = profile__frame_get(p, fid)->file;

				if (!script_of[file])
					script_of[file] = ++nscripts;
				script = script_of[file];
			}
		}
		strbuf__addf(&sb, "%s\n{\"id\":%u,\"callFrame\":{\"functionName\":", i ? "," : "",
			     ids[n]);
		/* V8 names anonymous functions "" and shows them as (anonymous). */
		if (l.file_len && l.fn_len == 11 && !memcmp(l.fn, "(anonymous)", 11))
			l.fn_len = 0;
		add_json_str(&sb, l.fn, l.fn_len);
		strbuf__addf(&sb, ",\"scriptId\":\"%u\",\"url\":\"", script);
		if (l.file_len && l.file[0] == '/')
			strbuf__adds(&sb, "file://");
		strbuf__add_json(&sb, l.file ? l.file : "", l.file_len);
		strbuf__addf(&sb, "\",\"lineNumber\":%lld,\"columnNumber\":%lld},\"hitCount\":%llu",
			     (long long)l.line - 1, l.line ? (long long)l.col - 1 : -1LL,
			     (unsigned long long)hits[n]);
		for (k = ix->child_off[n]; k < ix->child_off[n + 1]; k++) {
			uint32_t c = ix->children[k];

			if (!(ix->total[c] > 0))
				continue;
			strbuf__addf(&sb, "%s%u", nkids++ ? "," : ",\"children\":[", ids[c]);
		}
		strbuf__adds(&sb, nkids ? "]}" : "}");
		if ((err = flush(&sb, out, false)))
			goto out;
	}

	/* Samples in node order, then the time between them. */
	strbuf__adds(&sb, "],\n\"startTime\":0,\"endTime\":");
	if (exact) {
		/* Checked above: the sum fits. */
		int64_t t = 0, d;

		for (i = 0; i < norder; i++) {
			sample_us_int(p, order[i], unit_us, &d);
			t += (int64_t)hits[order[i]] * d;
		}
		strbuf__addf(&sb, "%" PRId64, t);
	} else {
		/* Summed exactly as the timeDeltas below are. */
		double t = 0;
		uint64_t h;

		for (i = 0; i < norder; i++)
			for (h = 0; h < hits[order[i]]; h++)
				t += sample_us(p, order[i], unit_us);
		strbuf__addf(&sb, "%lld", llround(t));
	}
	strbuf__adds(&sb, ",\n\"samples\":[");
	written = 0;
	for (i = 0; i < norder; i++) {
		uint32_t n = order[i];
		uint64_t h;

		for (h = 0; h < hits[n]; h++) {
			strbuf__addf(&sb, written++ ? ",%u" : "%u", ids[n]);
			if ((err = flush(&sb, out, false)))
				goto out;
		}
	}
	strbuf__adds(&sb, "],\n\"timeDeltas\":[");
	{
		double t = 0;
		long long prev = 0;
		int64_t dur_i = 0, prev_dur_i = 0;

		written = 0;
		for (i = 0; i < norder; i++) {
			uint32_t n = order[i];
			double dur = sample_us(p, n, unit_us);
			uint64_t h;

			if (exact)
				sample_us_int(p, n, unit_us, &dur_i);
			/* Sample k is at the rounded running time before it. */
			for (h = 0; h < hits[n]; h++) {
				long long at = llround(t);

				if (exact)
					strbuf__addf(&sb, written++ ? ",%" PRId64 : "%" PRId64,
						     prev_dur_i);
				else
					strbuf__addf(&sb, written++ ? ",%lld" : "%lld", at - prev);
				/* Exactly: each delta is the duration of the sample before. */
				prev_dur_i = dur_i;
				prev = at;
				t += dur;
				if ((err = flush(&sb, out, false)))
					goto out;
			}
		}
	}
	strbuf__adds(&sb, "]}\n");
	err = flush(&sb, out, true);
out:
	profile_index__free(ix);
	free(ids);
	free(hits);
	free(script_of);
	free(order);
	free(stack);
	strbuf__release(&sb);
	return err;
}
