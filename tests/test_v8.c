// SPDX-License-Identifier: Apache-2.0
/*
 * V8 .cpuprofile import and export: a real node --cpu-prof capture whose
 * hot functions must get the shares the file itself says (computed apart,
 * in JavaScript, by tests/formats/v8_shares.mjs), frame names and kinds,
 * the parent-link and old "head" shapes, --time-weights, bad input through
 * the real binary (exit 1, file and byte offset, nothing written), round
 * trips, and our output checked against the DevTools protocol's types.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "helpers/helpers.h"
#include "import.h"
#include "log.h"
#include "profile.h"
#include "xalloc.h"

#define REAL	RESQ_SRCDIR "/tests/data/v8/workload.cpuprofile"
#define FORMATS RESQ_SRCDIR "/tests/formats"


TestSuite(v8, .init = th_dir_setup_quiet, .fini = th_dir_teardown, .timeout = 60);

static struct profile *load(const char *json, bool time_weights, int *err)
{
	struct import_opts o = {.time_weights = time_weights};
	struct profile *p = profile__new();

	*err = import__buffer(p, "t.cpuprofile", json, strlen(json), &o);
	return p;
}

static char *fold(const char *json, bool time_weights, int *err)
{
	struct profile *p = load(json, time_weights, err);
	char *out = th_folded(p);

	profile__free(p);
	return out;
}

static char *in_dir(const char *name)
{
	return th_path(th_dir, name);
}

/* Does the folded line [s, e) hold the frame @name (whole, between ';')? */
static bool line_has_frame(const char *s, const char *e, const char *name)
{
	size_t n = strlen(name);
	const char *p = s;

	while (p < e) {
		const char *semi = memchr(p, ';', e - p);
		const char *fe = semi ? semi : e;

		if ((size_t)(fe - p) == n && !memcmp(p, name, n))
			return true;
		if (!semi)
			break;
		p = semi + 1;
	}
	return false;
}

/* Inclusive share (percent) of frame @name in folded text. */
static double folded_share(const char *folded, const char *name)
{
	const char *p = folded;
	double in = 0, total = 0;

	while (*p) {
		const char *nl = strchr(p, '\n'), *sp;
		double w;

		if (!nl)
			nl = p + strlen(p);
		for (sp = nl; sp > p && sp[-1] != ' '; sp--)
			;
		w = strtod(sp, NULL);
		total += w;
		if (sp > p && line_has_frame(p, sp - 1, name))
			in += w;
		p = *nl ? nl + 1 : nl;
	}
	return total ? 100 * in / total : 0;
}

struct ref {
	double pct;
	char name[512];
};

/* The reference shares from v8_shares.mjs. */
static size_t reference(const char *file, bool time, struct ref *refs, size_t max)
{
	const char *argv[] = {"node", FORMATS "/v8_shares.mjs", file, time ? "--time" : NULL, NULL};
	struct th_result r = th_run(argv, NULL, 0, 50);
	char *line, *save = NULL;
	size_t n = 0;

	cr_assert_neq(r.status, 127, "node not found: run tools/deps.sh");
	cr_assert_eq(r.status, 0, "v8_shares.mjs: %s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		cr_assert_not_null(tab);
		refs[n].pct = strtod(line, NULL);
		snprintf(refs[n].name, sizeof(refs[n].name), "%s", tab + 1);
		n++;
	}
	th_result_free(&r);
	return n;
}

static const struct ref *find_ref(const struct ref *refs, size_t n, const char *prefix,
				  const char *file)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(refs[i].name, prefix, strlen(prefix)) && strstr(refs[i].name, file))
			return &refs[i];
	return NULL;
}

static void check_shares(bool time)
{
	static const struct {
		const char *fn, *file;
	} hot[] = {
		{"hotAlpha (", "/workload.js:"}, {"hotBeta (", "/workload.js:"},
		{"hotGamma (", "/workload.js:"}, {"area (", "/workload.js:"},
		{"area (", "/shapes.js:"},	 {"spin (", "/workload.js:"},
		{"(garbage collector)", ""},
	};
	const char *argv[] = {th_bin(), "render", REAL, "-f",
			      "folded", "-o",	  "-",	time ? "--time-weights" : NULL,
			      NULL};
	struct ref *refs = xcalloc(256, sizeof(*refs));
	size_t n = reference(REAL, time, refs, 256), i;
	char *folded = th_run_ok(argv);
	const struct ref *a, *b, *g;

	cr_assert_gt(n, 10);
	for (i = 0; i < sizeof(hot) / sizeof(hot[0]); i++) {
		const struct ref *r = find_ref(refs, n, hot[i].fn, hot[i].file);
		double ours;

		cr_assert_not_null(r, "%s%s missing from the reference", hot[i].fn, hot[i].file);
		ours = folded_share(folded, r->name);
		cr_assert(fabs(ours - r->pct) <= 3.0, "%s: %.2f%% here, %.2f%% in the profile",
			  r->name, ours, r->pct);
	}
	/* Every function of any weight, not only the hot ones. */
	for (i = 0; i < n; i++)
		if (refs[i].pct >= 0.5)
			cr_assert(fabs(folded_share(folded, refs[i].name) - refs[i].pct) <= 3.0,
				  "%s: %.2f%% here, %.2f%% in the profile", refs[i].name,
				  folded_share(folded, refs[i].name), refs[i].pct);
	/* The workload did what it was written to do (50/30/20 of the loop). */
	a = find_ref(refs, n, "hotAlpha (", "");
	b = find_ref(refs, n, "hotBeta (", "");
	g = find_ref(refs, n, "hotGamma (", "");
	cr_assert(a->pct > b->pct && b->pct > g->pct && g->pct > 10, "%.1f %.1f %.1f", a->pct,
		  b->pct, g->pct);
	free(folded);
	free(refs);
}

Test(v8, real_profile_hot_function_shares)
{
	check_shares(false);
}

Test(v8, real_profile_time_weighted_shares)
{
	check_shares(true);
}

Test(v8, real_profile_totals_and_same_named_functions)
{
	size_t len;
	char *json = th_read_file(REAL, &len);
	struct import_opts o = {0};
	struct profile *p = profile__new();
	uint32_t f, areas = 0;

	cr_assert_not_null(json);
	cr_assert_eq(import__buffer(p, "workload.cpuprofile", json, len, &o), 0);
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 2633, 0, "one per sample");
	cr_assert_str_eq(profile__countname(p), "samples");
	for (f = 0; f < profile__nframes(p); f++) {
		const struct frame *fr = profile__frame_get(p, f);
		const char *name = profile__frame_name(p, f);

		if (!strncmp(name, "area (", 6)) {
			areas++;
			cr_assert_eq(fr->kind, FRAME_KIND_JS);
			cr_assert_neq(fr->line, 0);
		}
		cr_assert_str_neq(name, "(root)");
	}
	cr_assert_eq(areas, 2, "area() of workload.js and of shapes.js are two frames");
	profile__free(p);

	/* Time: from the first sample to endTime, in microseconds. */
	p = profile__new();
	o.time_weights = true;
	cr_assert_eq(import__buffer(p, "workload.cpuprofile", json, len, &o), 0);
	cr_assert_str_eq(profile__countname(p), "us");
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 3010158, 0.5);
	profile__free(p);
	free(json);
}

/* A small profile with every kind of call frame. */
static const char small[] =
	"{\"nodes\":[\n"
	"{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"scriptId\":\"0\",\"url\":\"\","
	"\"lineNumber\":-1,\"columnNumber\":-1},\"hitCount\":0,\"children\":[2,3,4,5]},\n"
	"{\"id\":2,\"callFrame\":{\"functionName\":\"(program)\",\"scriptId\":\"0\",\"url\":\"\","
	"\"lineNumber\":-1,\"columnNumber\":-1},\"hitCount\":1},\n"
	"{\"id\":3,\"callFrame\":{\"functionName\":\"(idle)\",\"scriptId\":\"0\",\"url\":\"\","
	"\"lineNumber\":-1,\"columnNumber\":-1},\"hitCount\":2},\n"
	"{\"id\":4,\"callFrame\":{\"functionName\":\"(garbage "
	"collector)\",\"scriptId\":\"0\",\"url\":\"\",\"lineNumber\":-1,\"columnNumber\":-1},"
	"\"hitCount\":1},\n"
	"{\"id\":5,\"callFrame\":{\"functionName\":\"\",\"scriptId\":\"7\",\"url\":\"file:///app/"
	"main.js\",\"lineNumber\":0,\"columnNumber\":0},\"hitCount\":1,\"children\":[6,7,9]},\n"
	"{\"id\":6,\"callFrame\":{\"functionName\":\"fib\",\"scriptId\":\"7\",\"url\":\"file:///"
	"app/main.js\",\"lineNumber\":11,\"columnNumber\":2},\"hitCount\":3,\"children\":[8]},\n"
	"{\"id\":7,\"callFrame\":{\"functionName\":\"fib\",\"scriptId\":\"8\",\"url\":\"file:///"
	"app/lib.js\",\"lineNumber\":4,\"columnNumber\":-1},\"hitCount\":1},\n"
	"{\"id\":8,\"callFrame\":{\"functionName\":\"now\",\"scriptId\":\"0\",\"url\":\"\","
	"\"lineNumber\":-1,\"columnNumber\":-1},\"hitCount\":1},\n"
	"{\"id\":9,\"callFrame\":{\"functionName\":\"init\",\"scriptId\":\"9\",\"url\":\"https://"
	"cdn.example.com/x.js\",\"lineNumber\":-1,\"columnNumber\":-1},\"hitCount\":1}],\n"
	"\"startTime\":100,\"endTime\":1100,\n"
	"\"samples\":[2,3,3,4,6,6,6,8,7,5,9],\n"
	"\"timeDeltas\":[10,100,100,100,100,100,100,100,100,100,50]}\n";

static const char small_folded[] =
	"(anonymous) (/app/main.js:1:1) 1\n"
	"(anonymous) (/app/main.js:1:1);fib (/app/lib.js:5) 1\n"
	"(anonymous) (/app/main.js:1:1);fib (/app/main.js:12:3) 3\n"
	"(anonymous) (/app/main.js:1:1);fib (/app/main.js:12:3);now 1\n"
	"(anonymous) (/app/main.js:1:1);init (https://cdn.example.com/x.js) 1\n"
	"(garbage collector) 1\n"
	"(idle) 2\n"
	"(program) 1\n";

static uint32_t frame_by_name(const struct profile *p, const char *name)
{
	uint32_t f;

	for (f = 0; f < profile__nframes(p); f++)
		if (!strcmp(profile__frame_name(p, f), name))
			return f;
	cr_assert_fail("no frame %s", name);
	return 0;
}

Test(v8, frame_names_kinds_and_pseudo_frames)
{
	int err;
	struct profile *p = load(small, false, &err);
	char *out = th_folded(p);
	const struct frame *f;

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, small_folded);
	f = profile__frame_get(p, frame_by_name(p, "fib (/app/main.js:12:3)"));
	cr_assert_eq(f->kind, FRAME_KIND_JS);
	cr_assert_eq(f->line, 12);
	cr_assert_str_eq(profile__str(p, f->file), "/app/main.js");
	cr_assert_eq(profile__frame_get(p, frame_by_name(p, "(program)"))->kind, FRAME_KIND_NATIVE);
	cr_assert_eq(profile__frame_get(p, frame_by_name(p, "now"))->kind, FRAME_KIND_NATIVE);
	cr_assert_eq(profile__frame_get(p, frame_by_name(p, "init (https://cdn.example.com/x.js)"))
			     ->line,
		     0);
	free(out);
	profile__free(p);
}

Test(v8, time_weights_use_the_time_to_the_next_sample)
{
	int err;
	struct profile *p = load(small, true, &err);
	char *out = th_folded(p);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(profile__countname(p), "us");
	cr_assert_str_eq(out,
			 "(anonymous) (/app/main.js:1:1) 50\n"
			 "(anonymous) (/app/main.js:1:1);fib (/app/lib.js:5) 100\n"
			 "(anonymous) (/app/main.js:1:1);fib (/app/main.js:12:3) 300\n"
			 "(anonymous) (/app/main.js:1:1);fib (/app/main.js:12:3);now 100\n"
			 "(anonymous) (/app/main.js:1:1);init (https://cdn.example.com/x.js) 40\n"
			 "(garbage collector) 100\n"
			 "(idle) 200\n"
			 "(program) 100\n");
	free(out);
	profile__free(p);
}

Test(v8, hit_counts_without_samples_and_parent_links)
{
	/* The same tree, linked by "parent", samples left out: hitCount counts. */
	const char *in =
		"{\"nodes\":[{\"id\":10,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\"}},"
		"{\"id\":12,\"parent\":11,\"callFrame\":{\"functionName\":\"leaf\",\"url\":\"a."
		"js\",\"lineNumber\":1,\"columnNumber\":0},\"hitCount\":4},"
		"{\"id\":11,\"parent\":10,\"callFrame\":{\"functionName\":\"mid\",\"url\":\"a.js\","
		"\"lineNumber\":0,\"columnNumber\":0},\"hitCount\":1},"
		"{\"id\":13,\"parent\":10,\"callFrame\":{\"functionName\":\"(idle)\",\"url\":\"\"},"
		"\"hitCount\":2}],"
		"\"startTime\":0,\"endTime\":10}";
	int err;
	char *out = fold(in, false, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "(idle) 2\nmid (a.js:1:1) 1\nmid (a.js:1:1);leaf (a.js:2:1) 4\n");
	free(out);
}

/* Chrome's old format: a nested "head" tree, call frame fields on the node. */
static const char old_head[] =
	"{\"head\":{\"functionName\":\"(root)\",\"url\":\"\",\"lineNumber\":0,\"columnNumber\":0,"
	"\"hitCount\":0,\"callUID\":1,\"children\":["
	"{\"functionName\":\"(program)\",\"url\":\"\",\"lineNumber\":0,\"columnNumber\":0,"
	"\"hitCount\":5,\"selfTime\":5.1,\"callUID\":2,\"children\":[]},"
	"{\"functionName\":\"main\",\"url\":\"http://localhost/"
	"app.js\",\"lineNumber\":3,\"columnNumber\":10,\"hitCount\":2,\"selfTime\":2,\"children\":["
	"{\"functionName\":\"work\",\"url\":\"http://localhost/"
	"app.js\",\"lineNumber\":9,\"columnNumber\":5,\"hitCount\":7,\"selfTime\":7.5,\"children\":"
	"[]}]}]},"
	"\"startTime\":1.5,\"endTime\":2.1}";

Test(v8, old_head_format)
{
	int err;
	char *out = fold(old_head, false, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(
		out, "(program) 5\n"
		     "main (http://localhost/app.js:4:11) 2\n"
		     "main (http://localhost/app.js:4:11);work (http://localhost/app.js:10:6) 7\n");
	free(out);
	/* --time-weights: selfTime, in milliseconds, becomes microseconds. */
	out = fold(old_head, true, &err);
	cr_assert_eq(err, 0);
	cr_assert_str_eq(
		out,
		"(program) 5100\n"
		"main (http://localhost/app.js:4:11) 2000\n"
		"main (http://localhost/app.js:4:11);work (http://localhost/app.js:10:6) 7500\n");
	free(out);
}

Test(v8, old_head_format_with_ids_samples_and_timestamps)
{
	const char *in =
		"{\"head\":{\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\",\"lineNumber\":"
		"-1,\"columnNumber\":-1},\"id\":1,\"hitCount\":0,\"children\":["
		"{\"callFrame\":{\"functionName\":\"a\",\"url\":\"x.js\",\"lineNumber\":0,"
		"\"columnNumber\":0},\"id\":2,\"hitCount\":2,\"children\":["
		"{\"callFrame\":{\"functionName\":\"b\",\"url\":\"x.js\",\"lineNumber\":5,"
		"\"columnNumber\":0},\"id\":3,\"hitCount\":1,\"children\":[]}]}]},"
		"\"startTime\":0,\"endTime\":100,\"samples\":[2,3,2],\"timestamps\":[10,30,60]}";
	int err;
	char *out = fold(in, false, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a (x.js:1:1) 2\na (x.js:1:1);b (x.js:6:1) 1\n");
	free(out);
	out = fold(in, true, &err);
	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a (x.js:1:1) 60\na (x.js:1:1);b (x.js:6:1) 30\n");
	free(out);
}

static char *deep_head(size_t levels)
{
	struct strbuf {
		char *buf;
		size_t len;
	} sb;
	size_t i, cap = levels * 64 + 64;

	sb.buf = xmalloc(cap);
	sb.len = 0;
	sb.len += sprintf(sb.buf + sb.len, "{\"head\":");
	for (i = 0; i < levels; i++)
		sb.len += sprintf(
			sb.buf + sb.len,
			"{\"functionName\":\"f\",\"url\":\"\",\"hitCount\":%d,\"children\":[",
			i + 1 == levels);
	for (i = 0; i < levels; i++)
		sb.len += sprintf(sb.buf + sb.len, "]}");
	sprintf(sb.buf + sb.len, "}");
	return sb.buf;
}

Test(v8, old_head_format_deep_trees)
{
	char *ok = deep_head(1500), *deep = deep_head(3000);
	struct profile *p;
	int err;

	/* Two JSON levels per frame: 1500 frames nest 3000 levels, allowed here. */
	p = load(ok, false, &err);
	cr_assert_eq(err, 0);
	cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 1, 0);
	profile__free(p);
	p = load(deep, false, &err);
	cr_assert_eq(err, -EINVAL);
	profile__free(p);
	free(ok);
	free(deep);
}

Test(v8, flame_chart_mode_keeps_sample_order)
{
	const char *in =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\"},"
		"\"children\":[2,3]},"
		"{\"id\":2,\"callFrame\":{\"functionName\":\"a\",\"url\":\"\"}},"
		"{\"id\":3,\"callFrame\":{\"functionName\":\"b\",\"url\":\"\"}}],"
		"\"startTime\":0,\"endTime\":4,\"samples\":[2,3,3,2],\"timeDeltas\":[1,1,1,1]}";
	struct import_opts o = {0};
	struct profile *p = profile__new();
	uint32_t n, seq[8], k = 0;

	profile__set_chart_mode(p, true);
	cr_assert_eq(import__buffer(p, "t.cpuprofile", in, strlen(in), &o), 0);
	/* a, b (twice), a again: three top-level nodes in time order. */
	for (n = 1; n < profile__nnodes(p); n++)
		if (profile__node_parent(p, n) == PROFILE_ROOT)
			seq[k++] = n;
	cr_assert_eq(k, 3);
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, seq[0])), "a");
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, seq[1])), "b");
	cr_assert_float_eq(profile__node_self(p, seq[1], PROFILE_COL_MAIN), 2, 0);
	cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, seq[2])), "a");
	profile__free(p);
}

/* The real binary on bad input: exit 1, "FILE: byte offset N: MSG", no output. */
static void expect_bad(const char *content, size_t len, long off, const char *msg,
		       const char *extra_opt)
{
	char *in = in_dir("bad.cpuprofile"), *out = in_dir("out.svg");
	const char *argv[] = {th_bin(), "render", in, "-o", out, extra_opt, NULL};
	char want[600];
	struct th_result r;

	th_write_file(in, content, len);
	r = th_run(argv, NULL, 0, 30);
	cr_assert_eq(r.status, 1, "status %d for %.80s: %s", r.status, content, r.err);
	if (off >= 0) {
		snprintf(want, sizeof(want), "%s: byte offset %ld: ", in, off);
		cr_assert_not_null(strstr(r.err, want), "'%s' lacks '%s'", r.err, want);
	}
	cr_assert_not_null(strstr(r.err, msg), "'%s' lacks '%s'", r.err, msg);
	cr_assert_not(th_exists(out), "nothing may be written");
	th_result_free(&r);
	free(in);
	free(out);
}

#define BAD(s, marker, msg) expect_bad((s), strlen(s), th_offset_of((s), (marker)), (msg), NULL)

Test(v8, bad_input_is_rejected_with_offset)
{
	const char *a = "{\"nodes\": 5, \"samples\": []}";
	const char *b = "{\"nodes\": [1]}";
	const char *c = "{\"nodes\": [{\"callFrame\": {}}]}";
	const char *d = "{\"nodes\": [{\"id\": 1, \"callFrame\": {}, \"children\": [99]}]}";
	const char *e =
		"{\"nodes\": [{\"id\": 1, \"callFrame\": {}, \"children\": [2]},"
		" {\"id\": 2, \"callFrame\": {\"functionName\": \"f\"}}], \"samples\": [2, 42]}";
	const char *f =
		"{\"nodes\": [{\"id\": 1, \"callFrame\": {}}, {\"id\": 1, \"callFrame\": {}}]}";
	const char *g = "{\"nodes\": [{\"id\": 1, \"callFrame\": {\"functionName\": \"(root)\"}},"
			" {\"id\": 2, \"callFrame\": {}, \"children\": [3]},"
			" {\"id\": 3, \"callFrame\": {}, \"children\": [2]}], \"samples\": [3]}";
	const char *h = "{\"nodes\": [{\"id\": 1, \"callFrame\": {\"lineNumber\": \"x\"}}]}";
	const char *i = "{\"nodes\": [{\"id\": 1, \"callFrame\": {}, \"hitCount\": 3}]}";
	const char *j = "{\"nodes\": [{\"id\": 1, \"callFrame\": {}, \"children\": [2]},"
			" {\"id\": 2, \"callFrame\": {}, \"children\": [3]},"
			" {\"id\": 3, \"callFrame\": {}, \"children\": [2]}]}";

	BAD(a, "5",
	    "expected \"nodes\" (an array) or \"head\" (an object) in a V8 .cpuprofile, found a "
	    "number");
	BAD(b, "1]", "expected an object for nodes[0], found a number");
	BAD(c, "{\"callFrame\"", "expected an integer \"id\" in nodes[0]");
	BAD(d, "99", "expected the id of a node in nodes[0].children[0]; no node has this id");
	BAD(e, "42", "expected the id of a node in samples[1]");
	BAD(f, "{\"id\": 1, \"callFrame\": {}}]", "expected unique node ids, found id 1 again");
	BAD(g, "{\"id\": 2", "not reachable from a root (its parent links form a cycle)");
	BAD(h, "\"x\"", "expected an integer for the callFrame at byte offset");
	/* --time-weights needs times. */
	expect_bad(i, strlen(i), 0, "--time-weights needs the time of each sample",
		   "--time-weights");
	BAD(j, "2]}]",
	    "expected each node to have one parent, but node 2 is a child of nodes 1 and 3");
}

Test(v8, truncated_real_profile)
{
	size_t len;
	char *json = th_read_file(REAL, &len);

	cr_assert_gt(len, 20000);
	expect_bad(json, 20000, 20000, "(is the file truncated?)", NULL);
	/* Cut inside a string: the message points at the end, naming the string. */
	{
		const char *q = strstr(json + 9000, "\"url\":\"") + 12;

		expect_bad(json, q - json, q - json, "to close the string opened at byte offset",
			   NULL);
	}
	free(json);
}

/* folded text of a file through the binary */
static char *folded_of(const char *path, bool time)
{
	const char *argv[] = {th_bin(), "render", path, "-f",
			      "folded", "-o",	  "-",	time ? "--time-weights" : NULL,
			      NULL};

	return th_run_ok(argv);
}

static void validate(const char *path)
{
	const char *argv[] = {"node", FORMATS "/validate.mjs", "cpuprofile", path, NULL};
	struct th_result r;

	cr_assert(th_exists(FORMATS "/node_modules/ajv"), "ajv missing: run tools/deps.sh");
	r = th_run(argv, NULL, 0, 50);
	cr_assert_neq(r.status, 127, "node not found: run tools/deps.sh");
	cr_assert_eq(r.status, 0, "%s is not a valid cpuprofile: %s%s", path, r.out, r.err);
	cr_assert_not_null(strstr(r.out, "validate: ok"));
	th_result_free(&r);
}

Test(v8, round_trip_cpuprofile_to_cpuprofile)
{
	char *out = in_dir("again.cpuprofile"), *a, *b;
	const char *argv[] = {th_bin(), "render", REAL, "-o", out, NULL};

	free(th_run_ok(argv));
	validate(out);
	a = folded_of(REAL, false);
	b = folded_of(out, false);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	free(out);
}

Test(v8, round_trip_time_weights)
{
	char *out = in_dir("t.cpuprofile"), *a, *b;
	const char *argv[] = {th_bin(), "render", "--time-weights", REAL, "-o", out, NULL};

	free(th_run_ok(argv));
	validate(out);
	a = folded_of(REAL, true);
	b = folded_of(out, true);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	free(out);
}

Test(v8, round_trip_folded_to_cpuprofile_to_folded)
{
	const char folded[] = "main;compute (x.js:1:2);\xc3\xa9t\xc3\xa9 \"quoted\" \\back 7\n"
			      "main;compute (x.js:1:2);sqrt 300\n"
			      "main;io;read;sys_read_[k] 20\n"
			      "main;idle 1\n"
			      "(anonymous);worker\tthread 5\n"
			      "other;<b>&amp;</b> 12\n";
	/* The same lines, sorted as folded output is. */
	const char sorted[] = "(anonymous);worker\tthread 5\n"
			      "main;compute (x.js:1:2);sqrt 300\n"
			      "main;compute (x.js:1:2);\xc3\xa9t\xc3\xa9 \"quoted\" \\back 7\n"
			      "main;idle 1\n"
			      "main;io;read;sys_read_[k] 20\n"
			      "other;<b>&amp;</b> 12\n";
	char *in = in_dir("in.folded"), *cp = in_dir("out.cpuprofile"), *back;
	const char *argv[] = {th_bin(), "render", in, "-o", cp, NULL};

	th_write_file(in, folded, strlen(folded));
	free(th_run_ok(argv));
	validate(cp);
	back = folded_of(cp, false);
	cr_assert_str_eq(back, sorted);
	free(back);
	free(in);
	free(cp);
}

Test(v8, export_scales_huge_counts_and_keeps_every_stack)
{
	const char folded[] = "a 5000000\nb 1\nc 1000000\n";
	char *in = in_dir("big.folded"), *cp = in_dir("big.cpuprofile"), *back;
	const char *argv[] = {th_bin(), "render", in, "-o", cp, NULL};
	struct th_result r;

	th_write_file(in, folded, strlen(folded));
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "warning: cpuprofile: large weights"), "%s", r.err);
	th_result_free(&r);
	back = folded_of(cp, false);
	/* 2 million samples in all, 5:1 kept; b keeps its one sample. */
	cr_assert_str_eq(back, "a 1666666\nb 1\nc 333333\n");
	free(back);
	free(in);
	free(cp);
}

Test(v8, export_time_units_as_time_deltas)
{
	struct profile *p = profile__new();
	uint32_t a = profile__frame_named(p, "a", 1, FRAME_KIND_NATIVE);
	uint32_t b = profile__frame_named(p, "b", 1, FRAME_KIND_NATIVE);
	char *buf = NULL, *back;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct profile *q;
	struct import_opts o = {.time_weights = true};

	profile__add_stack(p, &a, 1, PROFILE_COL_MAIN, 1500000);
	profile__add_stack(p, &b, 1, PROFILE_COL_MAIN, 2500000);
	profile__set_countname(p, "ns");
	cr_assert_eq(export__cpuprofile(p, f), 0);
	fclose(f);
	/* One sample per stack, the weight in us as the time to the next one. */
	cr_assert_not_null(strstr(buf, "\"samples\":[2,3]"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\"timeDeltas\":[0,1500]"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\"endTime\":4000"), "%s", buf);
	q = profile__new();
	cr_assert_eq(import__buffer(q, "ns.cpuprofile", buf, len, &o), 0);
	back = th_folded(q);
	cr_assert_str_eq(back, "a 1500\nb 2500\n");
	free(back);
	free(buf);
	profile__free(p);
	profile__free(q);
}

Test(v8, output_format_from_extension_and_flag)
{
	char *in = in_dir("in.folded"), *cp = in_dir("x.cpuprofile"), *got;
	const char *by_ext[] = {th_bin(), "render", in, "-o", cp, NULL};
	const char *by_flag[] = {th_bin(), "render", in, "-f", "cpuprofile", "-o", "-", NULL};

	th_write_file(in, "a;b 2\n", 6);
	free(th_run_ok(by_ext));
	got = th_read_file(cp, NULL);
	cr_assert(!strncmp(got, "{\"nodes\":[", 10), "%.60s", got);
	free(got);
	got = th_run_ok(by_flag);
	cr_assert(!strncmp(got, "{\"nodes\":[", 10), "%.60s", got);
	free(got);
	free(in);
	free(cp);
}

Test(v8, validator_rejects_a_broken_profile)
{
	/* The check above must be able to fail: a sample names a missing node. */
	const char *broken =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\","
		"\"scriptId\":\"0\",\"url\":\"\",\"lineNumber\":-1,\"columnNumber\":-1},"
		"\"hitCount\":0}],\"startTime\":0,\"endTime\":1,\"samples\":[7],"
		"\"timeDeltas\":[1]}";
	char *path = in_dir("broken.cpuprofile");
	const char *argv[] = {"node", FORMATS "/validate.mjs", "cpuprofile", path, NULL};
	struct th_result r;

	th_write_file(path, broken, strlen(broken));
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "names node 7"), "%s", r.err);
	th_result_free(&r);
	free(path);
}

Test(v8, failed_import_leaves_the_profile_untouched)
{
	/* Valid nodes, then a sample naming a node that does not exist. */
	const char *json =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\"},"
		"\"children\":[2]},{\"id\":2,\"callFrame\":{\"functionName\":\"f\"}}],"
		"\"startTime\":0,\"endTime\":3,\"samples\":[2,2,3],\"timeDeltas\":[1,1,1]}";
	th_expect_import_fails_untouched("bad.cpuprofile", json);
}

Test(v8, inspector_result_wrapped_in_profile)
{
	/* What Profiler.stop returns, as a service may pass it on. */
	const char *in = "{\"profile\":{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":"
			 "\"(root)\"},\"children\":[2]},{\"id\":2,\"callFrame\":{\"functionName\":"
			 "\"f\",\"url\":\"a.js\",\"lineNumber\":0,\"columnNumber\":0}}],"
			 "\"startTime\":0,\"endTime\":3,\"samples\":[2,2],\"timeDeltas\":[1,1]}}";
	int err;
	char *out = fold(in, false, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "f (a.js:1:1) 2\n");
	free(out);
}

Test(v8, hit_counts_and_times_past_2_53_stay_exact)
{
	const char *counts =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\"},"
		"\"children\":[2,3]},"
		"{\"id\":2,\"callFrame\":{\"functionName\":\"a\",\"url\":\"\"},"
		"\"hitCount\":4611686018427387905},"
		"{\"id\":3,\"callFrame\":{\"functionName\":\"b\",\"url\":\"\"},"
		"\"hitCount\":9007199254740993}],\"startTime\":0,\"endTime\":1}";
	/* Timestamps in ns since the epoch, past 2^60: durations of 3 and 7. */
	const char *times =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\"},"
		"\"children\":[2,3]},"
		"{\"id\":2,\"callFrame\":{\"functionName\":\"a\",\"url\":\"\"}},"
		"{\"id\":3,\"callFrame\":{\"functionName\":\"b\",\"url\":\"\"}}],"
		"\"startTime\":0,\"endTime\":1700000000000000011,\"samples\":[2,3],"
		"\"timeDeltas\":[1700000000000000001,3]}";
	int err;
	char *out = fold(counts, false, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a 4611686018427387905\nb 9007199254740993\n");
	free(out);
	out = fold(times, true, &err);
	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "a 3\nb 7\n");
	free(out);
}

Test(v8, counts_beyond_64_bits_are_an_error)
{
	const char *in =
		"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\"},"
		"\"children\":[2,3]},"
		"{\"id\":2,\"callFrame\":{\"functionName\":\"a\",\"url\":\"\"},"
		"\"hitCount\":9223372036854775807},"
		"{\"id\":3,\"callFrame\":{\"functionName\":\"b\",\"url\":\"\"},"
		"\"hitCount\":1}],\"startTime\":0,\"endTime\":1}";
	int err;
	struct profile *p = load(in, false, &err);

	cr_assert_eq(err, -EOVERFLOW);
	cr_assert_eq(profile__nnodes(p), 1, "nothing imported");
	profile__free(p);
}

Test(v8, names_with_invalid_utf8_and_controls_give_a_valid_cpuprofile)
{
	static const char *const names[] = {
		"\xff\xfe",
		"lone\x80",
		"over\xc0\xaf",
		"clear\x1b[2J\x07",
	};
	struct profile *p = profile__new();
	uint32_t root = profile__frame_named(p, "main", 4, FRAME_KIND_NATIVE);
	char *path = in_dir("names.cpuprofile"), *json;
	FILE *out;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct frame f = {.kind = FRAME_KIND_JS, .line = 3};
		char name[64];
		uint32_t st[2];

		snprintf(name, sizeof(name), "%s (/app/\x80.js:3:1)", names[i]);
		f.name = profile__intern_str(p, name);
		f.file = profile__intern_str(p, "/app/\x80.js");
		st[0] = root;
		st[1] = profile__frame(p, &f);
		profile__add_stack_int(p, st, 2, PROFILE_COL_MAIN, (int64_t)i + 1);
	}
	out = fopen(path, "w");
	cr_assert_not_null(out);
	cr_assert_eq(export__cpuprofile(p, out), 0);
	fclose(out);
	validate(path);
	json = th_read_file(path, NULL);
	cr_assert_not_null(strstr(json, "\"functionName\":\"\\ufffd\\ufffd\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"functionName\":\"lone\\ufffd\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"functionName\":\"over\\ufffd\\ufffd\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"functionName\":\"clear\\u001b[2J\\u0007\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"url\":\"file:///app/\\ufffd.js\""), "%s", json);
	free(json);
	free(path);
	profile__free(p);
}
