// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: diff's inputs. Two profiles of any formats are split
 * from one input, imported (format detection, gzip, every parser), and
 * combined as `resq-flame diff` combines them with the library: AFTER's
 * stacks in the main column, BEFORE's (optionally scaled to AFTER's total,
 * --normalize) in the before column, frames matched by name; then every
 * output writes the differential profile. The input is
 *
 *	u8  sel       bit 0: normalize; bit 1: negate; bit 2: inverted;
 *	              bit 3: chart mode; bit 4: BEFORE and AFTER swapped
 *	u32 before    length of BEFORE (cut to what is there)
 *	BEFORE, then AFTER (the rest)
 *
 * Seeds are pairs of the fixtures under tests/data (tools/fuzz.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "flamegraph.h"
#include "fuzz_support.h"
#include "hashmap.h"
#include "import.h"
#include "profile.h"

struct differ {
	struct profile *d;
	struct hashmap *by_name; /* name id in d -> frame id in d */
	uint32_t *fmap;		 /* source frame id -> frame id in d */
	uint32_t *buf;
	size_t alloc;
	enum profile_col col;
	double scale;
};

static uint32_t map_frame(struct differ *df, const struct profile *src, uint32_t fid)
{
	const struct frame *sf = profile__frame_get(src, fid);
	struct frame f = {.kind = sf->kind};
	uint32_t sid;
	uint64_t v;

	if (df->fmap[fid] != PROFILE_NONE)
		return df->fmap[fid];
	sid = profile__intern(df->d, profile__str(src, sf->name), profile__str_len(src, sf->name));
	if (hashmap__get(df->by_name, sid, &v))
		return df->fmap[fid] = (uint32_t)v;
	f.name = sid;
	f.module = profile__intern_str(df->d, profile__str(src, sf->module));
	df->fmap[fid] = profile__frame(df->d, &f);
	hashmap__put(df->by_name, sid, df->fmap[fid]);
	return df->fmap[fid];
}

static int add_one(const struct profile *src, const uint32_t *frames, size_t n, uint32_t node,
		   void *arg)
{
	struct differ *df = arg;
	double w = profile__node_self(src, node, PROFILE_COL_MAIN) * df->scale;
	size_t i;

	if (w == 0)
		return 0;
	if (n > df->alloc) {
		df->buf = realloc(df->buf, n * sizeof(*df->buf));
		if (!df->buf)
			abort();
		df->alloc = n;
	}
	for (i = 0; i < n; i++)
		df->buf[i] = map_frame(df, src, frames[i]);
	profile__add_stack(df->d, df->buf, n, df->col, w);
	return 0;
}

static void add_profile(struct differ *df, const struct profile *src, enum profile_col col,
			double scale)
{
	uint32_t i, n = profile__nframes(src);

	free(df->fmap);
	df->fmap = malloc(((size_t)n + 1) * sizeof(*df->fmap));
	if (!df->fmap)
		abort();
	for (i = 0; i <= n; i++)
		df->fmap[i] = PROFILE_NONE;
	df->col = col;
	df->scale = scale;
	profile__walk_stacks(src, add_one, df);
}

int fuzz_diff(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct profile *p[2] = {profile__new(), profile__new()}, *before, *after;
	struct differ df = {0};
	const uint8_t *part[2];
	size_t len[2];
	char *copy[2];
	FILE *null;
	uint8_t sel;
	double tb, ta, scale = 1;
	int i, err = 0;

	fuzz_quiet();
	sel = (uint8_t)fuzz_take(&in, 1);
	part[0] = fuzz_take_bytes(&in, fuzz_take(&in, 4), &len[0]);
	part[1] = fuzz_take_bytes(&in, in.left, &len[1]);
	for (i = 0; i < 2; i++) {
		/* Each alone in an allocation of its size: no reading into the other. */
		copy[i] = fuzz_dup(part[i], len[i]);
		profile__set_chart_mode(p[i], sel & 8);
		err |= import__buffer(p[i], i ? "after" : "before", copy[i], len[i], NULL);
		free(copy[i]);
	}
	before = p[(sel >> 4) & 1];
	after = p[!((sel >> 4) & 1)];
	null = fopen("/dev/null", "w");
	if (!err && null) {
		struct fg_opts fg = {.negate = sel & 2, .inverted = sel & 4, .flamechart = sel & 8};

		tb = profile__total(before, PROFILE_COL_MAIN);
		ta = profile__total(after, PROFILE_COL_MAIN);
		if ((sel & 1) && tb > 0)
			scale = ta / tb;
		df.d = profile__new();
		df.by_name = hashmap__new();
		profile__set_chart_mode(df.d, sel & 8);
		add_profile(&df, after, PROFILE_COL_MAIN, 1);
		add_profile(&df, before, PROFILE_COL_BEFORE, scale);
		profile__set_countname(df.d, profile__countname(after));
		export__folded(df.d, null);
		export__pprof(df.d, null);
		export__speedscope(df.d, NULL, null);
		export__cpuprofile(df.d, null);
		flamegraph__write(df.d, &fg, null);
	}
	if (null)
		fclose(null);
	profile__free(df.d);
	hashmap__free(df.by_name);
	free(df.fmap);
	free(df.buf);
	profile__free(p[0]);
	profile__free(p[1]);
	return 0;
}

FUZZ_MAIN(fuzz_diff)
