// SPDX-License-Identifier: Apache-2.0
/*
 * speedscope import and export: py-spy-shaped files with the nulls py-spy
 * writes, evented profiles, units, several profiles, the checks on events
 * (order, closing, unclosed) through the real binary, round trips, and our
 * output validated against the schema that ships with speedscope.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "helpers/helpers.h"
#include "import.h"
#include "log.h"
#include "profile.h"

#define DATA	RESQ_SRCDIR "/tests/data/speedscope"
#define FORMATS RESQ_SRCDIR "/tests/formats"
#define SCHEMA	"\"$schema\":\"https://www.speedscope.app/file-format-schema.json\""


TestSuite(speedscope, .init = th_dir_setup_quiet, .fini = th_dir_teardown, .timeout = 60);

static struct profile *load(const char *json, int *err)
{
	struct profile *p = profile__new();

	*err = import__buffer(p, "t.speedscope.json", json, strlen(json), NULL);
	return p;
}

static char *fold(const char *json, int *err)
{
	struct profile *p = load(json, err);
	char *out = th_folded(p);

	profile__free(p);
	return out;
}

static char *folded_of(const char *path)
{
	const char *argv[] = {th_bin(), "render", path, "-f", "folded", "-o", "-", NULL};

	return th_run_ok(argv);
}

Test(speedscope, pyspy_file_with_nulls)
{
	char *out = folded_of(DATA "/pyspy.speedscope.json");
	const char *main =
		"Process 4242 Thread 4242 \"MainThread\";<module> (/srv/app/server.py:88);"
		"main (/srv/app/server.py:80);handle_request (/srv/app/server.py:41)";
	const char *met =
		"Process 4242 Thread 4250 \"metrics\";_bootstrap "
		"(/usr/lib/python3.11/threading.py:995);run "
		"(/usr/lib/python3.11/threading.py:975);flush_metrics (/srv/app/metrics.py:30)";
	char want[2048];

	snprintf(want, sizeof(want),
		 "%s 1\n"
		 "%s;parse_body (/srv/app/server.py:22);loads "
		 "(/usr/lib/python3.11/json/__init__.py:346);decode "
		 "(/usr/lib/python3.11/json/decoder.py:337) 6\n"
		 "%s;render (/srv/app/pdf.py:9) 2\n"
		 "%s;render (/srv/app/templates.py:15) 4\n"
		 "%s 2\n"
		 "%s;select 5\n",
		 main, main, main, main, met, met);
	cr_assert_str_eq(out, want);
	free(out);
}

Test(speedscope, pyspy_frames_are_python_with_file_and_line)
{
	size_t len;
	char *json = th_read_file(DATA "/pyspy.speedscope.json", &len);
	struct profile *p = profile__new();
	uint32_t f;
	bool seen = false;

	cr_assert_eq(import__buffer(p, "pyspy.speedscope.json", json, len, NULL), 0);
	cr_assert_str_eq(profile__countname(p), "samples", "unit none: samples");
	for (f = 0; f < profile__nframes(p); f++) {
		const struct frame *fr = profile__frame_get(p, f);

		if (!strcmp(profile__frame_name(p, f),
			    "decode (/usr/lib/python3.11/json/decoder.py:337)")) {
			seen = true;
			cr_assert_eq(fr->kind, FRAME_KIND_PYTHON);
			cr_assert_eq(fr->line, 337);
			cr_assert_str_eq(profile__str(p, fr->file),
					 "/usr/lib/python3.11/json/decoder.py");
		}
		if (!strcmp(profile__frame_name(p, f), "select"))
			cr_assert_eq(fr->file, 0, "\"file\": null is no file");
	}
	cr_assert(seen);
	profile__free(p);
	free(json);
}

Test(speedscope, evented_profile_self_times)
{
	char *out = folded_of(DATA "/evented.speedscope.json");

	cr_assert_str_eq(out, "main (/src/app.ts:3:1) 3\n"
			      "main (/src/app.ts:3:1);parse (/src/parse.ts:10:5) 4\n"
			      "main (/src/app.ts:3:1);render (/src/render.ts:7:3) 4\n"
			      "main (/src/app.ts:3:1);render (/src/render.ts:7:3);layout "
			      "(/src/layout.ts:42:9) 4\n");
	free(out);
}

Test(speedscope, units_become_count_names)
{
	static const struct {
		const char *unit, *countname;
	} u[] = {
		{"none", "samples"},	{"nanoseconds", "ns"}, {"microseconds", "us"},
		{"milliseconds", "ms"}, {"seconds", "s"},      {"bytes", "bytes"},
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		char json[512];
		struct profile *p;
		int err;

		snprintf(json, sizeof(json),
			 "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{"
			 "\"type\":\"sampled\","
			 "\"name\":\"x\",\"unit\":\"%s\",\"startValue\":0,\"endValue\":2.5,"
			 "\"samples\":[[0]],\"weights\":[2.5]}]}",
			 u[i].unit);
		p = load(json, &err);
		cr_assert_eq(err, 0, "%s", u[i].unit);
		cr_assert_str_eq(profile__countname(p), u[i].countname);
		cr_assert_float_eq(profile__total(p, PROFILE_COL_MAIN), 2.5, 0);
		profile__free(p);
	}
}

Test(speedscope, several_profiles_under_root_frames_mixed_time_units)
{
	const char *json =
		"{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\",\"file\":\"b."
		"js\",\"line\":3}]},"
		"\"profiles\":["
		"{\"type\":\"sampled\",\"name\":\"worker\",\"unit\":\"milliseconds\","
		"\"startValue\":0,\"endValue\":3,"
		"\"samples\":[[0,1],[0]],\"weights\":[2,1]},"
		"{\"type\":\"evented\",\"unit\":\"microseconds\",\"startValue\":0,\"endValue\":500,"
		"\"events\":[{\"type\":\"O\",\"frame\":1,\"at\":0},{\"type\":\"C\",\"frame\":1,"
		"\"at\":500}]}]}";
	int err;
	struct profile *p = load(json, &err);
	char *out = th_folded(p);

	cr_assert_eq(err, 0);
	/* Milliseconds converted to the finer microseconds; an unnamed profile is numbered. */
	cr_assert_str_eq(profile__countname(p), "us");
	cr_assert_str_eq(out, "profile 2;b (b.js:3) 500\n"
			      "worker;a 1000\n"
			      "worker;a;b (b.js:3) 2000\n");
	free(out);
	profile__free(p);
}

Test(speedscope, mixed_incompatible_units_warn_and_keep_values)
{
	const char *json = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
			   "{\"type\":\"sampled\",\"name\":\"p\",\"unit\":\"bytes\",\"samples\":[["
			   "0]],\"weights\":[10]},"
			   "{\"type\":\"sampled\",\"name\":\"q\",\"unit\":\"seconds\",\"samples\":["
			   "[0]],\"weights\":[2]}]}";
	int err;
	char *out = fold(json, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "p;a 10\nq;a 2\n");
	free(out);
}

/* The real binary on bad input: exit 1, "FILE: byte offset N: MSG", no output. */
static void expect_bad(const char *content, long off, const char *msg)
{
	char *in = th_path(th_dir, "bad.speedscope.json"), *out = th_path(th_dir, "out.svg");
	const char *argv[] = {th_bin(), "render", in, "-o", out, NULL};
	char want[600];
	struct th_result r;

	th_write_file(in, content, strlen(content));
	r = th_run(argv, NULL, 0, 30);
	cr_assert_eq(r.status, 1, "status %d for %.100s: %s", r.status, content, r.err);
	snprintf(want, sizeof(want), "%s: byte offset %ld: ", in, off);
	cr_assert_not_null(strstr(r.err, want), "'%s' lacks '%s'", r.err, want);
	cr_assert_not_null(strstr(r.err, msg), "'%s' lacks '%s'", r.err, msg);
	cr_assert_not(th_exists(out), "nothing may be written");
	th_result_free(&r);
	free(in);
	free(out);
}

#define EVENTED(events)                                                                            \
	"{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"main\"},{\"name\":\"work\"}]},"           \
	"\"profiles\":[{\"type\":\"evented\",\"name\":\"e\",\"unit\":\"none\",\"startValue\":0,"   \
	"\"endValue\":10,\"events\":[" events "]}]}"

Test(speedscope, events_out_of_order)
{
	const char *s = EVENTED(
		"{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\",\"frame\":1,\"at\":5},"
		"{\"type\":\"C\",\"frame\":1,\"at\":3},{\"type\":\"C\",\"frame\":0,\"at\":9}");

	expect_bad(s, th_offset_of(s, "{\"type\":\"C\",\"frame\":1,\"at\":3}"),
		   "expected events in time order, but profiles[0].events[2] at 3 comes after an "
		   "event at 5");
}

Test(speedscope, closing_a_frame_that_is_not_open)
{
	const char *s = EVENTED(
		"{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\",\"frame\":1,\"at\":1},"
		"{\"type\":\"C\",\"frame\":0,\"at\":2},{\"type\":\"C\",\"frame\":1,\"at\":3}");
	const char *t = EVENTED("{\"type\":\"C\",\"frame\":0,\"at\":0}");

	expect_bad(s, th_offset_of(s, "{\"type\":\"C\",\"frame\":0"),
		   "expected profiles[0].events[2] to close the innermost open frame 1 (work), but "
		   "it closes frame 0 (main)");
	expect_bad(t, th_offset_of(t, "{\"type\":\"C\""), "closes frame 0 (main) while no frame is open");
}

Test(speedscope, unclosed_frames_at_the_end)
{
	const char *s = EVENTED(
		"{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\",\"frame\":1,\"at\":1},"
		"{\"type\":\"C\",\"frame\":1,\"at\":3}");

	expect_bad(s, th_offset_of(s, "{\"type\":\"O\",\"frame\":0"),
		   "expected every opened frame to be closed, but frame 0 (main) opened by "
		   "profiles[0].events[0] is still open at the end (1 frame open)");
}

Test(speedscope, wrong_shapes)
{
	const char *a = "{" SCHEMA ",\"shared\":{\"frames\":[]},\"profiles\":3}";
	const char *b = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
			"[{\"type\":\"sampled\",\"samples\":[[0,7]],\"weights\":[1]}]}";
	const char *c = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
			"[{\"type\":\"sampled\",\"samples\":[[0],[0]],\"weights\":[1]}]}";
	const char *d = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":5}]},\"profiles\":[]}";
	const char *e = "{" SCHEMA ",\"profiles\":[]}";
	const char *f = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
			"[{\"type\":\"flame\"}]}";
	const char *g = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
			"[{\"type\":\"sampled\",\"samples\":[[0]],\"weights\":[-1]}]}";

	expect_bad(a, th_offset_of(a, "3}"),
		   "expected an array for \"profiles\" in a speedscope file, found a number");
	expect_bad(b, th_offset_of(b, "7]"),
		   "expected a frame index from 0 to 0 for profiles[0].samples[0][1], found a "
		   "number out of range");
	expect_bad(c, th_offset_of(c, "[1]"),
		   "expected an array of 2 numbers for profiles[0].weights (one per sample), found "
		   "an array of 1");
	expect_bad(d, th_offset_of(d, "5}"), "expected a string for shared.frames[0].name, found a number");
	expect_bad(e, 0, "expected \"shared\" (an object holding \"frames\") in a speedscope file");
	expect_bad(f, th_offset_of(f, "\"flame\""),
		   "expected \"sampled\" or \"evented\" for profiles[0].type");
	expect_bad(g, th_offset_of(g, "-1"), "expected a weight of 0 or more for profiles[0].weights[0]");
}

Test(speedscope, truncated_file)
{
	size_t len;
	char *json = th_read_file(DATA "/pyspy.speedscope.json", &len);

	json[len / 2] = '\0';
	{
		char msg[64];

		snprintf(msg, sizeof(msg), "is the file truncated?");
		expect_bad(json, len / 2, msg);
	}
	free(json);
}

static void validate(const char *path)
{
	const char *argv[] = {"node", FORMATS "/validate.mjs", "speedscope", path, NULL};
	struct th_result r;

	cr_assert(
		th_exists(FORMATS "/node_modules/speedscope/dist/release/file-format-schema.json"),
		"speedscope's schema missing: run tools/deps.sh");
	r = th_run(argv, NULL, 0, 50);
	cr_assert_neq(r.status, 127, "node not found: run tools/deps.sh");
	cr_assert_eq(r.status, 0, "%s does not validate: %s%s", path, r.out, r.err);
	cr_assert_not_null(strstr(r.out, "validate: ok"));
	th_result_free(&r);
}

Test(speedscope, round_trip_folded_to_speedscope_to_folded)
{
	const char folded[] = "(anonymous);worker\tthread 5\n"
			      "main;compute (x.js:1:2);sqrt 300\n"
			      "main;compute (x.js:1:2);\xc3\xa9t\xc3\xa9 \"quoted\" \\back 7\n"
			      "main;idle 0.25\n"
			      "main;io;read;sys_read_[k] 20\n"
			      "other;<b>&amp;</b> 12\n";
	char *in = th_path(th_dir, "in.folded"), *ss = th_path(th_dir, "out.speedscope.json"), *back;
	const char *argv[] = {th_bin(), "render", in, "-o", ss, NULL};

	th_write_file(in, folded, strlen(folded));
	free(th_run_ok(argv));
	validate(ss);
	back = folded_of(ss);
	cr_assert_str_eq(back, folded);
	free(back);
	free(in);
	free(ss);
}

Test(speedscope, v8_profile_to_speedscope_keeps_locations)
{
	const char *real = RESQ_SRCDIR "/tests/data/v8/workload.cpuprofile";
	char *ss = th_path(th_dir, "v8.speedscope.json"), *a, *b, *json;
	const char *argv[] = {th_bin(), "render", real, "-o", ss, NULL};

	free(th_run_ok(argv));
	validate(ss);
	json = th_read_file(ss, NULL);
	/* Split into name, file, line and col as speedscope's own importers do. */
	cr_assert_not_null(strstr(json, "{\"name\":\"hotAlpha\",\"file\":\"/"), "%.400s", json);
	cr_assert_not_null(strstr(json, "/tests/data/v8/shapes.js\",\"line\":5,\"col\":14}"));
	cr_assert_not_null(strstr(json, "\"unit\":\"none\""));
	a = folded_of(real);
	b = folded_of(ss);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	free(json);
	free(ss);
}

Test(speedscope, pyspy_and_evented_round_trip_and_validate)
{
	static const char *const files[] = {DATA "/pyspy.speedscope.json",
					    DATA "/evented.speedscope.json"};
	size_t i;

	for (i = 0; i < 2; i++) {
		char *ss = th_path(th_dir, "again.speedscope.json"), *a, *b;
		const char *argv[] = {th_bin(), "render", files[i], "-o", ss, NULL};

		free(th_run_ok(argv));
		validate(ss);
		a = folded_of(files[i]);
		b = folded_of(ss);
		cr_assert_str_eq(a, b);
		free(a);
		free(b);
		free(ss);
	}
}

Test(speedscope, export_unit_and_name)
{
	struct profile *p = profile__new();
	uint32_t a = profile__frame_named(p, "a", 1, FRAME_KIND_NATIVE);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	profile__add_stack(p, &a, 1, PROFILE_COL_MAIN, 1500);
	profile__set_countname(p, "ns");
	cr_assert_eq(export__speedscope(p, "API \"server\"", f), 0);
	fclose(f);
	cr_assert_not_null(strstr(buf, "\"unit\":\"nanoseconds\""), "%s", buf);
	cr_assert_not_null(strstr(buf, "\"name\":\"API \\\"server\\\"\""), "%s", buf);
	cr_assert_not_null(strstr(buf, "\"endValue\":1500"), "%s", buf);
	free(buf);
	profile__free(p);
}

Test(speedscope, output_format_from_extension_and_flag)
{
	char *in = th_path(th_dir, "in.folded"), *ss = th_path(th_dir, "x.speedscope.json"), *got;
	const char *by_ext[] = {th_bin(), "render", in, "-o", ss, NULL};
	const char *by_flag[] = {th_bin(), "render", in, "-f", "speedscope", "-o", "-", NULL};

	th_write_file(in, "a;b 2\n", 6);
	free(th_run_ok(by_ext));
	got = th_read_file(ss, NULL);
	cr_assert(!strncmp(got, "{" SCHEMA, strlen(SCHEMA) + 1), "%.80s", got);
	free(got);
	got = th_run_ok(by_flag);
	cr_assert(!strncmp(got, "{" SCHEMA, strlen(SCHEMA) + 1), "%.80s", got);
	free(got);
	free(in);
	free(ss);
}

Test(speedscope, validator_rejects_a_broken_file)
{
	/* The check above must be able to fail: "weights" is required by the schema. */
	const char *broken =
		"{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":"
		"[{\"type\":\"sampled\",\"name\":\"x\",\"unit\":\"none\",\"startValue\":0,"
		"\"endValue\":1,\"samples\":[[0]]}]}";
	char *path = th_path(th_dir, "broken.json");
	const char *argv[] = {"node", FORMATS "/validate.mjs", "speedscope", path, NULL};
	struct th_result r;

	th_write_file(path, broken, strlen(broken));
	r = th_run(argv, NULL, 0, 50);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "file-format-schema.json"), "%s", r.err);
	th_result_free(&r);
	free(path);
}

Test(speedscope, failed_import_leaves_the_profile_untouched)
{
	/* A good sampled profile, then an evented one that leaves a frame open. */
	const char *json = "{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":["
			   "{\"type\":\"sampled\",\"name\":\"ok\",\"unit\":\"bytes\",\"samples\":[[0]],"
			   "\"weights\":[5]},"
			   "{\"type\":\"evented\",\"name\":\"bad\",\"unit\":\"bytes\",\"events\":"
			   "[{\"type\":\"O\",\"frame\":0,\"at\":0}]}]}";
	th_expect_import_fails_untouched("bad.speedscope.json", json);
}

Test(speedscope, integer_weights_and_times_past_2_53_stay_exact)
{
	/* Sampled weights past 2^53, and evented times in ns since the epoch (past 2^60). */
	const char *json =
		"{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
		"\"profiles\":[{\"type\":\"sampled\",\"name\":\"s\",\"unit\":\"nanoseconds\","
		"\"startValue\":0,\"endValue\":0,\"samples\":[[0],[1],[1]],"
		"\"weights\":[4611686018427387905,9007199254740993,1]},"
		"{\"type\":\"evented\",\"name\":\"e\",\"unit\":\"nanoseconds\",\"startValue\":0,"
		"\"endValue\":0,\"events\":["
		"{\"type\":\"O\",\"frame\":0,\"at\":1700000000000000001},"
		"{\"type\":\"O\",\"frame\":1,\"at\":1700000000000000100},"
		"{\"type\":\"C\",\"frame\":1,\"at\":1700000000000000103},"
		"{\"type\":\"C\",\"frame\":0,\"at\":1700000000000000110}]}]}";
	int err;
	char *out = fold(json, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "e;a 106\ne;a;b 3\ns;a 4611686018427387905\ns;b 9007199254740994\n");
	free(out);
}

Test(speedscope, weights_beyond_64_bits_are_an_error, .init = cr_redirect_stderr)
{
	const char *json =
		"{" SCHEMA ",\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":"
		"\"sampled\",\"name\":\"s\",\"unit\":\"none\",\"startValue\":0,\"endValue\":0,"
		"\"samples\":[[0],[0]],\"weights\":[9223372036854775807,1]}]}";
	const char *off = strstr(json, ",1]}") + 1;
	char want[300];
	int err;
	struct profile *p;

	log__set_level(LOG_INFO);
	p = load(json, &err);

	cr_assert_eq(err, -EOVERFLOW);
	cr_assert_eq(profile__nnodes(p), 1, "nothing imported");
	profile__free(p);
	fflush(stderr);
	snprintf(
		want, sizeof(want),
		"resq-flame: error: t.speedscope.json: byte offset %zu: the weights of profiles[0] "
		"add up to more than 9223372036854775807 samples (2^63 - 1), the most a 64-bit "
		"count holds\n",
		(size_t)(off - json));
	cr_assert_stderr_eq_str(want);
}

/* A Python frame "@fn (src/\x80.py:3)" whose file is not UTF-8 either. */
static uint32_t located(struct profile *p, const char *fn)
{
	struct frame f = {.kind = FRAME_KIND_PYTHON, .line = 3};
	char name[128];

	snprintf(name, sizeof(name), "%s (src/\x80.py:3)", fn);
	f.name = profile__intern_str(p, name);
	f.file = profile__intern_str(p, "src/\x80.py");
	return profile__frame(p, &f);
}

Test(speedscope, names_with_invalid_utf8_and_controls_give_valid_json)
{
	struct profile *p = profile__new();
	static const char *const names[] = {
		"\xff\xfe", "lone\x80", "over\xc0\xaf", "clear\x1b[2J\x07", "nul\x7f",
	};
	uint32_t root = profile__frame_named(p, "main", 4, FRAME_KIND_NATIVE);
	char *path = th_path(th_dir, "names.speedscope.json"), *json;
	FILE *out;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint32_t st[2] = {root, located(p, names[i])};

		profile__add_stack_int(p, st, 2, PROFILE_COL_MAIN, (int64_t)i + 1);
	}
	out = fopen(path, "w");
	cr_assert_not_null(out);
	cr_assert_eq(export__speedscope(p, "bad\xff name", out), 0);
	fclose(out);
	validate(path);
	json = th_read_file(path, NULL);
	cr_assert_not_null(strstr(json, "\"name\":\"\\ufffd\\ufffd\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"name\":\"lone\\ufffd\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"name\":\"over\\ufffd\\ufffd\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"name\":\"clear\\u001b[2J\\u0007\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"file\":\"src/\\ufffd.py\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"name\":\"bad\\ufffd name\""), "%s", json);
	free(json);
	free(path);
	profile__free(p);
}
