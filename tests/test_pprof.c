// SPDX-License-Identifier: Apache-2.0
/*
 * pprof import and export: a real Go net/http/pprof CPU profile compared
 * with what `go tool pprof -top` says about it (saved beside it, and live
 * when go is installed), inline lines, unsymbolized locations, sample type
 * choice, round trips through the exporter, `go tool pprof` reading our
 * output, and damaged input through the real binary (offsets, exit codes,
 * nothing written).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "helpers/helpers.h"
#include "import.h"
#include "profile.h"

#define DATA RESQ_SRCDIR "/tests/data/pprof"

static void setup(void)
{
	th_dir_setup();
#ifndef HAVE_PROTOBUF_C
	cr_skip_test("built without libprotobuf-c: install libprotobuf-c-dev and protobuf-c-compiler");
#endif
}

TestSuite(pprof, .init = setup, .fini = th_dir_teardown, .timeout = 120);

/* --- a small protobuf writer for hand-made profiles ---------------------- */

struct pbw {
	uint8_t b[8192];
	size_t len;
};

static void pb_varint(struct pbw *w, uint64_t v)
{
	do {
		cr_assert_lt(w->len, sizeof(w->b));
		w->b[w->len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void pb_uint(struct pbw *w, unsigned field, uint64_t v)
{
	pb_varint(w, (uint64_t)field << 3);
	pb_varint(w, v);
}

static void pb_bytes(struct pbw *w, unsigned field, const void *data, size_t len)
{
	pb_varint(w, (uint64_t)field << 3 | 2);
	pb_varint(w, len);
	cr_assert_leq(w->len + len, sizeof(w->b));
	memcpy(w->b + w->len, data, len);
	w->len += len;
}

static void pb_msg(struct pbw *w, unsigned field, const struct pbw *m)
{
	pb_bytes(w, field, m->b, m->len);
}

static void pb_str(struct pbw *w, const char *s)
{
	pb_bytes(w, 6, s, strlen(s));
}

/* Profile fields. */
enum {
	F_SAMPLE_TYPE = 1,
	F_SAMPLE,
	F_MAPPING,
	F_LOCATION,
	F_FUNCTION,
	F_STRING,
	F_DEFAULT_TYPE = 14
};

static void add_type(struct pbw *w, int64_t type, int64_t unit)
{
	struct pbw m = {.len = 0};

	pb_uint(&m, 1, (uint64_t)type);
	pb_uint(&m, 2, (uint64_t)unit);
	pb_msg(w, F_SAMPLE_TYPE, &m);
}

static void add_function(struct pbw *w, uint64_t id, int64_t name)
{
	struct pbw m = {.len = 0};

	pb_uint(&m, 1, id);
	pb_uint(&m, 2, (uint64_t)name);
	pb_msg(w, F_FUNCTION, &m);
}

/* A location with lines of the given function ids, innermost first. */
static void add_location(struct pbw *w, uint64_t id, uint64_t mapping, uint64_t addr,
			 const uint64_t *fns, size_t nfns)
{
	struct pbw m = {.len = 0};
	size_t i;

	pb_uint(&m, 1, id);
	if (mapping)
		pb_uint(&m, 2, mapping);
	if (addr)
		pb_uint(&m, 3, addr);
	for (i = 0; i < nfns; i++) {
		struct pbw l = {.len = 0};

		pb_uint(&l, 1, fns[i]);
		pb_uint(&l, 2, 10 + i);
		pb_msg(&m, 4, &l);
	}
	pb_msg(w, F_LOCATION, &m);
}

/* A sample: location ids leaf first (packed) and values (packed). */
static void add_sample(struct pbw *w, const uint64_t *locs, size_t nlocs, const int64_t *vals,
		       size_t nvals)
{
	struct pbw m = {.len = 0}, packed = {.len = 0};
	size_t i;

	for (i = 0; i < nlocs; i++)
		pb_varint(&packed, locs[i]);
	pb_msg(&m, 1, &packed);
	packed.len = 0;
	for (i = 0; i < nvals; i++)
		pb_varint(&packed, (uint64_t)vals[i]);
	pb_msg(&m, 2, &packed);
	pb_msg(w, F_SAMPLE, &m);
}

static struct profile *import_bytes(const void *buf, size_t len, const struct import_opts *o,
				    int *err)
{
	struct profile *p = profile__new();

	*err = import__buffer(p, "test.pb", buf, len, o);
	return p;
}

/* --- shares ---------------------------------------------------------------- */

/* Flat and cumulative share (percent) of frames named @name, as pprof counts. */
static void shares(const struct profile *p, const char *name, double *flat, double *cum)
{
	struct profile_index *ix = profile_index__new(p);
	double f = 0, c = 0, total;
	uint32_t n;

	cr_assert_not_null(ix);
	total = ix->total[PROFILE_ROOT];
	for (n = 1; n < ix->nnodes; n++) {
		uint32_t a;
		bool outer = true;

		if (strcmp(profile__frame_name(p, profile__node_frame(p, n)), name))
			continue;
		f += profile__node_self(p, n, PROFILE_COL_MAIN);
		for (a = profile__node_parent(p, n); a != PROFILE_ROOT;
		     a = profile__node_parent(p, a))
			if (!strcmp(profile__frame_name(p, profile__node_frame(p, a)), name))
				outer = false;
		if (outer)
			c += ix->total[n];
	}
	*flat = 100 * f / total;
	*cum = 100 * c / total;
	profile_index__free(ix);
}

/*
 * Reads the flat% and cum% of @name from `go tool pprof -top` output.
 * Returns false when the function is not listed.
 */
static bool top_shares(const char *top, const char *name, double *flat, double *cum)
{
	const char *line = top;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512], *tok[6], *save = NULL, *rest;
		int i;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			tok[0] = strtok_r(buf, " ", &save);
			for (i = 1; i < 5 && tok[i - 1]; i++)
				tok[i] = strtok_r(NULL, " ", &save);
			rest = save;
			while (rest && *rest == ' ')
				rest++;
			if (tok[0] && tok[4] && strchr(tok[1], '%') && strchr(tok[4], '%') &&
			    rest &&
			    (!strcmp(rest, name) || (!strncmp(rest, name, strlen(name)) &&
						     !strcmp(rest + strlen(name), " (inline)")))) {
				*flat = strtod(tok[1], NULL);
				*cum = strtod(tok[4], NULL);
				return true;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool have_go(void)
{
	return !access("/usr/bin/go", X_OK) || !access("/usr/local/go/bin/go", X_OK);
}

/* Runs `go tool pprof MODE FILE` (-top, -raw) offline with a private GOCACHE. */
static struct th_result go_pprof(const char *mode, const char *file)
{
	char home[4200], cache[4200], gopath[4200];
	const char *argv[] = {"env",
			      home,
			      cache,
			      gopath,
			      "GOFLAGS=-mod=mod",
			      "GOPROXY=off",
			      "GOTOOLCHAIN=local",
			      "GOTELEMETRY=off",
			      "go",
			      "tool",
			      "pprof",
			      mode,
			      file,
			      NULL};

	snprintf(home, sizeof(home), "HOME=%s", th_dir);
	snprintf(cache, sizeof(cache), "GOCACHE=%s/gocache", th_dir);
	snprintf(gopath, sizeof(gopath), "GOPATH=%s/gopath", th_dir);
	return th_run(argv, NULL, 0, 100);
}

static const char *const go_funcs[] = {"main.hotLoop", "main.warmLoop", "main.coolLoop",
				       "main.spin",    "main.scaled",	"main.runBatch"};

static void check_against_top(const struct profile *p, const char *top, const char *what)
{
	size_t i;

	for (i = 0; i < sizeof(go_funcs) / sizeof(go_funcs[0]); i++) {
		double f, c, tf, tc;

		cr_assert(top_shares(top, go_funcs[i], &tf, &tc), "%s: %s not in:\n%s", what,
			  go_funcs[i], top);
		shares(p, go_funcs[i], &f, &c);
		cr_assert(fabs(f - tf) <= 3 && fabs(c - tc) <= 3,
			  "%s: %s flat %.2f%% cum %.2f%%, go tool pprof says %.2f%% / %.2f%%", what,
			  go_funcs[i], f, c, tf, tc);
	}
}

/* --- the real Go profile --------------------------------------------------- */

Test(pprof, go_profile_matches_saved_go_tool_pprof_top)
{
	struct profile *p = profile__new();
	char *top = th_read_file(DATA "/top.txt", NULL);
	double f, c;

	cr_assert_not_null(top);
	cr_assert_eq(import__path(p, DATA "/cpu.pb.gz", NULL), 0);
	cr_assert_str_eq(profile__countname(p), "nanoseconds");
	check_against_top(p, top, "saved top.txt");
	/* The workload's design: about 60/30/10. */
	shares(p, "main.hotLoop", &f, &c);
	cr_assert(c > 50 && c < 70, "hotLoop %.1f%%", c);
	free(top);
	profile__free(p);
}

Test(pprof, go_tool_pprof_agrees_live)
{
	struct profile *p = profile__new();
	struct th_result r;

	if (!have_go())
		cr_skip_test("go is not installed (Debian package golang-go)");
	r = go_pprof("-top", DATA "/cpu.pb.gz");
	cr_assert_eq(r.status, 0, "go tool pprof: %s", r.err);
	cr_assert_eq(import__path(p, DATA "/cpu.pb.gz", NULL), 0);
	check_against_top(p, r.out, "live go tool pprof -top");
	th_result_free(&r);
	profile__free(p);
}

Test(pprof, go_inline_frames_are_inline_and_under_their_caller)
{
	struct profile *p = profile__new();
	uint32_t n, seen = 0;

	cr_assert_eq(import__path(p, DATA "/cpu.pb.gz", NULL), 0);
	for (n = 1; n < profile__nnodes(p); n++) {
		const struct frame *f = profile__frame_get(p, profile__node_frame(p, n));
		uint32_t parent = profile__node_parent(p, n);

		if (strcmp(profile__str(p, f->name), "main.scaled"))
			continue;
		seen++;
		cr_assert_eq(f->kind, FRAME_KIND_INLINE);
		cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, parent)),
				 "main.spin");
		cr_assert_eq(profile__frame_get(p, profile__node_frame(p, parent))->kind,
			     FRAME_KIND_NATIVE);
		cr_assert_not_null(strstr(profile__str(p, f->file), "main.go"));
	}
	cr_assert_gt(seen, 0);
	profile__free(p);
}

/* --- hand-made profiles ------------------------------------------------------ */

/* Strings: 0 "", 1 samples, 2 count, 3 cpu, 4 nanoseconds, 5 outer, 6 mid,
 * 7 inner, 8 /usr/lib/libfoo.so, 9 leaf */
static void base_profile(struct pbw *w, bool two_types)
{
	static const char *const strs[] = {"",	  "samples",	 "count",
					   "cpu", "nanoseconds", "outer",
					   "mid", "inner",	 "/usr/lib/libfoo.so",
					   "leaf"};
	size_t i;

	w->len = 0;
	add_type(w, 1, 2);
	if (two_types)
		add_type(w, 3, 4);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		pb_str(w, strs[i]);
}

Test(pprof, inline_lines_expand_with_innermost_at_the_leaf_end)
{
	struct pbw w;
	uint64_t lines[] = {3, 2, 1}, leaf_fn[] = {4}, locs[] = {2, 1};
	int64_t vals[] = {7};
	struct profile *p;
	char *folded;
	int err;

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_function(&w, 2, 6);
	add_function(&w, 3, 7);
	add_function(&w, 4, 9);
	add_location(&w, 1, 0, 0, lines, 3);
	add_location(&w, 2, 0, 0, leaf_fn, 1);
	add_sample(&w, locs, 2, vals, 1);
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, 0);
	folded = th_folded(p);
	cr_assert_str_eq(folded, "outer;mid;inner;leaf 7\n");
	cr_assert_eq(profile__frame_get(p, profile__node_frame(p, 1))->kind, FRAME_KIND_NATIVE);
	cr_assert_eq(profile__frame_get(p, profile__node_frame(p, 2))->kind, FRAME_KIND_INLINE);
	cr_assert_eq(profile__frame_get(p, profile__node_frame(p, 3))->kind, FRAME_KIND_INLINE);
	cr_assert_eq(profile__frame_get(p, profile__node_frame(p, 4))->kind, FRAME_KIND_NATIVE);
	cr_assert_str_eq(profile__countname(p), "samples");
	free(folded);
	profile__free(p);
}

Test(pprof, unsymbolized_locations_use_mapping_basename_or_address)
{
	struct pbw w, m = {.len = 0};
	uint64_t fn[] = {1}, locs[] = {2, 3, 1};
	int64_t vals[] = {4};
	struct profile *p;
	char *folded;
	int err;

	base_profile(&w, false);
	pb_uint(&m, 1, 9);
	pb_uint(&m, 5, 8);
	pb_msg(&w, F_MAPPING, &m);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fn, 1);
	add_location(&w, 2, 0, 0x7f0012345678ull, NULL, 0);
	add_location(&w, 3, 9, 0x1000, NULL, 0);
	add_sample(&w, locs, 3, vals, 1);
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, 0);
	folded = th_folded(p);
	cr_assert_str_eq(folded, "outer;[libfoo.so];0x7f0012345678 4\n");
	free(folded);
	profile__free(p);
}

Test(pprof, sample_type_default_then_last_then_by_name)
{
	struct pbw w;
	uint64_t fn[] = {1}, locs[] = {1};
	int64_t vals[] = {3, 3000};
	struct import_opts o = {.sample_type = "samples"};
	struct profile *p;
	size_t base;
	int err;

	base_profile(&w, true);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fn, 1);
	add_sample(&w, locs, 1, vals, 2);
	base = w.len;

	/* No default_sample_type: the last type, its unit as the count name. */
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, 0);
	cr_assert_eq(profile__total(p, PROFILE_COL_MAIN), 3000);
	cr_assert_str_eq(profile__countname(p), "nanoseconds");
	profile__free(p);

	/* default_sample_type = "samples" (string 1). */
	pb_uint(&w, F_DEFAULT_TYPE, 1);
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, 0);
	cr_assert_eq(profile__total(p, PROFILE_COL_MAIN), 3);
	cr_assert_str_eq(profile__countname(p), "samples");
	profile__free(p);

	/* --sample-type wins. */
	w.len = base;
	p = import_bytes(w.b, w.len, &o, &err);
	cr_assert_eq(err, 0);
	cr_assert_eq(profile__total(p, PROFILE_COL_MAIN), 3);
	profile__free(p);

	o.sample_type = "alloc_space";
	p = import_bytes(w.b, w.len, &o, &err);
	cr_assert_eq(err, -EINVAL);
	profile__free(p);
}

Test(pprof, detection)
{
	struct pbw w;
	uint64_t fn[] = {1}, locs[] = {1};
	int64_t vals[] = {1};

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fn, 1);
	add_sample(&w, locs, 1, vals, 1);
	cr_assert_eq(import__detect((const char *)w.b, w.len), PROFILE_FMT_PPROF);
	cr_assert_neq(import__detect("main;a 1\n", 9), PROFILE_FMT_PPROF);
	cr_assert_neq(import__detect("\nmain;a 1\n", 10), PROFILE_FMT_PPROF);
}

Test(pprof, deep_inline_expansion_is_cut)
{
	static struct pbw w;
	uint64_t locs[40];
	int64_t vals[] = {1};
	struct profile *p;
	size_t i;
	int err;

	/* A sample of 40 times the location with 600 lines: 24000 frames, more
	 * than the 16384 a stack keeps. */
	for (i = 0; i < 40; i++)
		locs[i] = 1;
	base_profile(&w, false);
	add_function(&w, 1, 5);
	{
		struct pbw m = {.len = 0}, l = {.len = 0};

		pb_uint(&m, 1, 1);
		pb_uint(&l, 1, 1);
		for (i = 0; i < 600; i++)
			pb_msg(&m, 4, &l);
		pb_msg(&w, F_LOCATION, &m);
	}
	add_sample(&w, locs, 40, vals, 1);
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, 0);
	cr_assert_eq(profile__nnodes(p), 16384 + 1);
	profile__free(p);
}

/* --- export and round trips -------------------------------------------------- */

static const char *const round_trip_text = "main;a;b 10\n"
					   "main;a;c 5\n"
					   "main;d 1\n"
					   "other;x_[k];y_[i] 7\n"
					   "solo 3\n";

Test(pprof, folded_to_pprof_to_folded_is_identical)
{
	char *in = th_path(th_dir, "in.folded"), *pb = th_path(th_dir, "out.pb.gz"),
	     *back = th_path(th_dir, "back.folded"), *direct = th_path(th_dir, "direct.folded");
	const char *a1[] = {th_bin(), "render", in, "-o", pb, NULL};
	const char *a2[] = {th_bin(), "render", pb, "-f", "folded", "-o", back, NULL};
	const char *a3[] = {th_bin(), "render", in, "-o", direct, "-f", "folded", NULL};
	struct th_result r;
	char *x, *y, *gz;
	size_t gzlen;

	th_write_file(in, round_trip_text, strlen(round_trip_text));
	r = th_run(a1, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	th_result_free(&r);
	gz = th_read_file(pb, &gzlen);
	cr_assert(gzlen > 2 && (unsigned char)gz[0] == 0x1f && (unsigned char)gz[1] == 0x8b,
		  "pprof output must be gzipped");
	free(gz);
	r = th_run(a2, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	th_result_free(&r);
	r = th_run(a3, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	th_result_free(&r);
	x = th_read_file(back, NULL);
	y = th_read_file(direct, NULL);
	cr_assert_str_eq(x, y);
	cr_assert_str_eq(x, round_trip_text);
	free(x);
	free(y);
	free(in);
	free(pb);
	free(back);
	free(direct);
}

/* Round trip in the library: kinds, modules, files and inline grouping. */
Test(pprof, export_keeps_inline_structure_modules_and_files)
{
	struct profile *p = profile__new(), *q = profile__new();
	struct frame f[4] = {
		{.name = profile__intern_str(p, "main"),
		 .module = profile__intern_str(p, "/bin/x"),
		 .file = profile__intern_str(p, "x.c"),
		 .kind = FRAME_KIND_NATIVE},
		{.name = profile__intern_str(p, "helper"),
		 .module = profile__intern_str(p, "/bin/x"),
		 .file = profile__intern_str(p, "h.h"),
		 .kind = FRAME_KIND_INLINE},
		{.name = profile__intern_str(p, "read"),
		 .module = profile__intern_str(p, "/lib/libc.so.6"),
		 .kind = FRAME_KIND_NATIVE},
		{.name = profile__intern_str(p, "vfs_read"), .kind = FRAME_KIND_KERNEL},
	};
	uint32_t ids[4];
	char *path = th_path(th_dir, "k.pb.gz"), *a, *b;
	FILE *out;
	uint32_t n;
	int i;

	for (i = 0; i < 4; i++)
		ids[i] = profile__frame(p, &f[i]);
	profile__add_stack(p, ids, 4, PROFILE_COL_MAIN, 9);
	profile__add_stack(p, ids, 2, PROFILE_COL_MAIN, 2);
	out = fopen(path, "w");
	cr_assert_not_null(out);
	cr_assert_eq(export__pprof(p, out), 0);
	fclose(out);
	cr_assert_eq(import__path(q, path, NULL), 0);
	a = th_folded(p);
	b = th_folded(q);
	cr_assert_str_eq(a, b);
	for (n = 1; n < profile__nnodes(q); n++) {
		const struct frame *g = profile__frame_get(q, profile__node_frame(q, n));
		const char *name = profile__str(q, g->name);

		if (!strcmp(name, "helper")) {
			cr_assert_eq(g->kind, FRAME_KIND_INLINE);
			cr_assert_str_eq(profile__str(q, g->module), "/bin/x");
			cr_assert_str_eq(profile__str(q, g->file), "h.h");
		} else if (!strcmp(name, "read")) {
			cr_assert_eq(g->kind, FRAME_KIND_NATIVE);
			cr_assert_str_eq(profile__str(q, g->module), "/lib/libc.so.6");
		}
	}
	free(a);
	free(b);
	free(path);
	profile__free(p);
	profile__free(q);
}

Test(pprof, differential_profile_exports_both_columns)
{
	const char *text = "main;a 3 10\nmain;b 5 1\n";
	struct profile *p = profile__new(), *q;
	struct import_opts o = {.sample_type = "samples_before"};
	char *path = th_path(th_dir, "d.pb.gz");
	FILE *out;

	cr_assert_eq(import__buffer(p, "d.folded", text, strlen(text), NULL), 0);
	cr_assert(profile__is_diff(p));
	out = fopen(path, "w");
	cr_assert_eq(export__pprof(p, out), 0);
	fclose(out);
	q = profile__new();
	cr_assert_eq(import__path(q, path, NULL), 0);
	cr_assert_eq(profile__total(q, PROFILE_COL_MAIN), 11);
	profile__free(q);
	q = profile__new();
	cr_assert_eq(import__path(q, path, &o), 0);
	cr_assert_eq(profile__total(q, PROFILE_COL_MAIN), 8);
	profile__free(q);
	profile__free(p);
	free(path);
}

Test(pprof, go_tool_pprof_reads_our_output)
{
	char *in = RESQ_SRCDIR "/tests/data/bpftrace/ustack_kstack.txt";
	char *pb = th_path(th_dir, "bt.pb.gz");
	const char *argv[] = {th_bin(), "render", in, "-o", pb, NULL};
	struct profile *p = profile__new();
	struct th_result r;
	double f, c, tf, tc;

	if (!have_go())
		cr_skip_test("go is not installed (Debian package golang-go)");
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	th_result_free(&r);
	r = go_pprof("-top", pb);
	cr_assert_eq(r.status, 0, "go tool pprof: %s", r.err);
	cr_assert_not_null(strstr(r.out, "Type: samples"), "%s", r.out);
	cr_assert_eq(import__path(p, in, NULL), 0);
	shares(p, "hot_spin", &f, &c);
	cr_assert(top_shares(r.out, "hot_spin", &tf, &tc), "%s", r.out);
	cr_assert(fabs(c - tc) < 0.1, "hot_spin: ours %.2f%%, go tool pprof %.2f%%", c, tc);
	cr_assert(tc > 50 && tc < 70, "hot_spin %.2f%%", tc);
	shares(p, "spin", &f, &c);
	cr_assert(top_shares(r.out, "spin", &tf, &tc), "%s", r.out);
	cr_assert(fabs(f - tf) < 0.1, "spin flat: ours %.2f%%, go tool pprof %.2f%%", f, tf);
	th_result_free(&r);
	profile__free(p);
	free(pb);
}

Test(pprof, output_format_from_extension)
{
	char *in = th_path(th_dir, "in.folded"), *a = th_path(th_dir, "x.pprof"),
	     *b = th_path(th_dir, "y.pb.gz");
	const char *a1[] = {th_bin(), "render", in, "-o", a, NULL};
	const char *a2[] = {th_bin(), "render", in, "-o", b, NULL};
	struct profile *p = profile__new();
	struct th_result r;

	th_write_file(in, round_trip_text, strlen(round_trip_text));
	r = th_run(a1, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	th_result_free(&r);
	r = th_run(a2, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	th_result_free(&r);
	cr_assert_eq(import__path(p, a, NULL), 0);
	cr_assert_eq(import__path(p, b, NULL), 0);
	cr_assert_eq(profile__total(p, PROFILE_COL_MAIN), 2 * 26);
	profile__free(p);
	free(in);
	free(a);
	free(b);
}

/* --- damaged input through the binary ---------------------------------------- */

/* Runs render on @name holding @data; expects exit 1, @want in stderr, no output. */
static void expect_rejected(const char *name, const void *data, size_t len, const char *want)
{
	char *in = th_path(th_dir, name), *out = th_path(th_dir, "out.svg");
	const char *argv[] = {th_bin(), "render", in, "-o", out, NULL};
	struct th_result r;

	th_write_file(in, data, len);
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 1, "exit %d for %s; stderr: %s", r.status, name, r.err);
	cr_assert_not_null(strstr(r.err, in), "message must name the file: %s", r.err);
	cr_assert_not_null(strstr(r.err, want), "expected '%s' in: %s", want, r.err);
	cr_assert(!th_exists(out), "nothing may be written");
	th_result_free(&r);
	free(in);
	free(out);
}

Test(pprof, truncated_gzip_is_rejected)
{
	size_t len;
	char *gz = th_read_file(DATA "/cpu.pb.gz", &len);
	char want[64];

	cr_assert_not_null(gz);
	snprintf(want, sizeof(want), "byte offset %zu: truncated gzip", len - 40);
	expect_rejected("cut.pb.gz", gz, len - 40, want);
	free(gz);
}

Test(pprof, bad_varint_is_rejected_with_its_offset)
{
	struct pbw w;

	base_profile(&w, false);
	/* time_nanos (field 9) with an 11-byte varint. */
	pb_varint(&w, 9 << 3);
	{
		char want[96];
		size_t at = w.len;
		int i;

		for (i = 0; i < 10; i++)
			w.b[w.len++] = 0xff;
		w.b[w.len++] = 0x01;
		snprintf(want, sizeof(want), "byte offset %zu: damaged pprof protobuf: bad varint",
			 at);
		expect_rejected("badvarint.pb", w.b, w.len, want);
	}
}

Test(pprof, truncated_field_is_rejected_with_its_offset)
{
	struct th_result r;
	const char *argv[] = {"gzip", "-dc", DATA "/cpu.pb.gz", NULL};

	r = th_run(argv, NULL, 0, 20);
	cr_assert_eq(r.status, 0);
	cr_assert_gt(r.out_len, 200);
	/* Cut inside a length-delimited field. */
	expect_rejected("cut.pb", r.out, r.out_len - 7, "damaged pprof protobuf: truncated");
	th_result_free(&r);
}

Test(pprof, string_index_out_of_range_is_rejected_with_its_offset)
{
	struct pbw w;
	uint64_t fn[] = {1}, locs[] = {1};
	int64_t vals[] = {1};
	char want[128];
	size_t at;

	base_profile(&w, false);
	at = w.len;
	add_function(&w, 1, 99);
	add_location(&w, 1, 0, 0, fn, 1);
	add_sample(&w, locs, 1, vals, 1);
	snprintf(want, sizeof(want),
		 "byte offset %zu: a function name is string 99, but the string table has 10 "
		 "entries",
		 at);
	expect_rejected("badstr.pb", w.b, w.len, want);
}

Test(pprof, undefined_location_is_rejected_with_its_offset)
{
	struct pbw w;
	uint64_t fn[] = {1}, locs[] = {1}, bad_locs[] = {5};
	int64_t vals[] = {1};
	char want[128];
	size_t at;

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fn, 1);
	add_sample(&w, locs, 1, vals, 1);
	at = w.len;
	add_sample(&w, bad_locs, 1, vals, 1);
	snprintf(want, sizeof(want),
		 "byte offset %zu: sample 1 refers to location id 5, which the profile does not "
		 "define",
		 at);
	expect_rejected("badloc.pb", w.b, w.len, want);
}

Test(pprof, wrong_wire_type_and_value_count_are_rejected)
{
	struct pbw w;
	uint64_t fn[] = {1}, locs[] = {1};
	int64_t vals[] = {1, 2};

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fn, 1);
	add_sample(&w, locs, 1, vals, 2);
	expect_rejected("values.pb", w.b, w.len, "sample 0 has 2 values, but the profile has 1");

	base_profile(&w, false);
	/* sample_type (field 1) as a varint. */
	pb_uint(&w, F_SAMPLE_TYPE, 5);
	expect_rejected("wiretype.pb", w.b, w.len,
			"has wire type varint, expected length-delimited");
}

/* --- exact values ------------------------------------------------------------ */

Test(pprof, values_past_2_53_stay_exact)
{
	struct pbw w;
	uint64_t la[] = {1}, lb[] = {2}, fa[] = {1}, fb[] = {2};
	int64_t va[] = {4611686018427387905LL}, vb[] = {9007199254740993LL};
	struct profile *p;
	char *folded;
	int err;

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_function(&w, 2, 6);
	add_location(&w, 1, 0, 0, fa, 1);
	add_location(&w, 2, 0, 0, fb, 1);
	add_sample(&w, la, 1, va, 1);
	add_sample(&w, lb, 1, vb, 1);
	add_sample(&w, lb, 1, vb, 1);
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, 0);
	folded = th_folded(p);
	cr_assert_str_eq(folded, "mid 18014398509481986\nouter 4611686018427387905\n");
	free(folded);
	profile__free(p);
}

Test(pprof, values_adding_up_beyond_64_bits_are_an_error, .init = th_dir_setup_quiet)
{
	struct pbw w;
	uint64_t la[] = {1}, fa[] = {1};
	int64_t va[] = {4611686018427387904LL};
	struct profile *p;
	int err;

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fa, 1);
	add_sample(&w, la, 1, va, 1);
	add_sample(&w, la, 1, va, 1);
	p = import_bytes(w.b, w.len, NULL, &err);
	cr_assert_eq(err, -EOVERFLOW, "2^62 + 2^62 does not fit");
	profile__free(p);
}

Test(pprof, value_overflow_through_the_binary_names_file_and_offset)
{
	struct pbw w;
	uint64_t la[] = {1}, fa[] = {1};
	int64_t va[] = {INT64_MAX}, vb[] = {1};
	char *in = th_path(th_dir, "big.pb"), *out = th_path(th_dir, "out.svg");
	const char *argv[] = {th_bin(), "render", in, "-o", out, NULL};
	struct th_result r;

	base_profile(&w, false);
	add_function(&w, 1, 5);
	add_location(&w, 1, 0, 0, fa, 1);
	add_sample(&w, la, 1, va, 1);
	add_sample(&w, la, 1, vb, 1);
	th_write_file(in, (const char *)w.b, w.len);
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "big.pb: byte offset "), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "sample 1: the values add up to more than "
					 "9223372036854775807 (2^63 - 1)"),
			   "%s", r.err);
	cr_assert_not(th_exists(out));
	th_result_free(&r);
	free(in);
	free(out);
}

/* --- valid UTF-8 in every string ------------------------------------------ */

/* Strict UTF-8: shortest forms, no surrogates, at most U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, cp = c & 0x07;
		else
			return false;
		if (i + n > len)
			return false;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

/* Frame names with invalid UTF-8 (and controls, which are valid UTF-8). */
static const char *const bad_names[] = {
	"\xff\xfe",	    /* bytes never in UTF-8 */
	"lone\x80",	    /* a continuation byte without a lead */
	"over\xc0\xaf",	    /* an overlong '/' */
	"cut\xe2\x82",	    /* a sequence cut short */
	"sur\xed\xa0\x80",  /* a UTF-16 surrogate */
	"clear\x1b[2J\x07", /* controls */
};

static struct profile *bad_names_profile(void)
{
	struct profile *p = profile__new();
	uint32_t root = profile__frame_named(p, "main", 4, FRAME_KIND_NATIVE);
	size_t i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		struct frame f = {.name = profile__intern_str(p, bad_names[i]),
				  .module = profile__intern_str(p, "/lib/\xfe.so"),
				  .file = profile__intern_str(p, "src/\x80.c"),
				  .kind = FRAME_KIND_NATIVE};
		uint32_t st[2] = {root, profile__frame(p, &f)};

		profile__add_stack_int(p, st, 2, PROFILE_COL_MAIN, (int64_t)i + 1);
	}
	profile__set_countname(p, "samp\xffles");
	return p;
}

#ifdef HAVE_PROTOBUF_C
#include "profile.pb-c.h"
#endif

Test(pprof, strings_are_valid_utf8_invalid_bytes_become_u_fffd)
{
#ifdef HAVE_PROTOBUF_C
	struct profile *p = bad_names_profile();
	char *path = th_path(th_dir, "names.pb"), *raw;
	FILE *out;
	struct profile *q = profile__new();
	Pprof__Profile *m;
	size_t len, i, replaced = 0;
	char *folded;

	/* Raw protobuf (no gzip), to unpack it here. */
	out = fopen(path, "w");
	cr_assert_not_null(out);
	cr_assert_eq(export__pprof(p, out), 0);
	fclose(out);
	cr_assert_eq(import__path(q, path, NULL), 0);
	folded = th_folded(q);
	cr_assert_not_null(strstr(folded, "main;\xef\xbf\xbd\xef\xbf\xbd 1\n"), "%s", folded);
	cr_assert_not_null(strstr(folded, "main;lone\xef\xbf\xbd 2\n"), "%s", folded);
	cr_assert_not_null(strstr(folded, "main;over\xef\xbf\xbd\xef\xbf\xbd 3\n"), "%s", folded);
	cr_assert_not_null(strstr(folded, "main;sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd 5\n"), "%s",
			   folded);
	/* Controls are valid UTF-8 and stay (the folded writer escapes them). */
	cr_assert_not_null(strstr(folded, "main;clear\\x1b[2J\\x07 6\n"), "%s", folded);
	free(folded);

	raw = th_read_file(path, &len);
	cr_assert_not_null(raw);
	/* Without zlib the output is raw already; with it, undo the gzip first. */
	if (len > 2 && (uint8_t)raw[0] == 0x1f && (uint8_t)raw[1] == 0x8b) {
		struct th_result r;
		const char *argv[] = {"gzip", "-dc", path, NULL};

		r = th_run(argv, NULL, 0, 20);
		cr_assert_eq(r.status, 0);
		free(raw);
		raw = r.out;
		len = r.out_len;
		r.out = NULL;
		th_result_free(&r);
	}
	m = pprof__profile__unpack(NULL, len, (const uint8_t *)raw);
	cr_assert_not_null(m);
	for (i = 0; i < m->n_string_table; i++) {
		const uint8_t *s = m->string_table[i].data;
		size_t n = m->string_table[i].len;

		cr_assert(utf8_valid(s, n), "string %zu is not UTF-8", i);
		replaced += n && memmem(s, n, "\xef\xbf\xbd", 3) != NULL;
	}
	/* Names, the module, the file and the sample type each had bad bytes. */
	cr_assert_geq(replaced, sizeof(bad_names) / sizeof(bad_names[0]) - 1 + 3);
	pprof__profile__free_unpacked(m, NULL);
	free(raw);
	free(path);
	profile__free(p);
	profile__free(q);
#endif
}

Test(pprof, go_tool_pprof_reads_repaired_names)
{
	struct profile *p = bad_names_profile();
	char *path = th_path(th_dir, "names.pb.gz");
	FILE *out;
	struct th_result r;

	if (!have_go())
		cr_skip_test("go is not installed (Debian package golang-go)");
	out = fopen(path, "w");
	cr_assert_not_null(out);
	cr_assert_eq(export__pprof(p, out), 0);
	fclose(out);
	r = go_pprof("-raw", path);
	cr_assert_eq(r.status, 0, "go tool pprof -raw: %s", r.err);
	cr_assert_not_null(strstr(r.out, " \xef\xbf\xbd\xef\xbf\xbd src/\xef\xbf\xbd.c"), "%s",
			   r.out);
	cr_assert_not_null(strstr(r.out, " lone\xef\xbf\xbd src/"), "%s", r.out);
	cr_assert(utf8_valid((const uint8_t *)r.out, r.out_len), "%s", r.out);
	th_result_free(&r);
	free(path);
	profile__free(p);
}
