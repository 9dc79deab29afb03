// SPDX-License-Identifier: Apache-2.0
/*
 * The JSON reader behind the JSON importers: values, escapes (surrogate
 * pairs, lone surrogates), UTF-8 checks, numbers, the depth limit, syntax
 * errors with their exact byte offsets, format sniffing, and what the real
 * binary says about JSON that is not a profile.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/import/json_internal.h"
#include "helpers/helpers.h"
#include "log.h"
#include "xalloc.h"

static void quiet(void)
{
	log__set_level(LOG_SILENT);
}

TestSuite(json, .init = quiet, .timeout = 60);

static int parse(struct json_doc *d, const char *s)
{
	return json_doc__parse(d, "t.json", s, strlen(s), 0);
}

Test(json, values_of_every_type)
{
	struct json_doc d;
	const struct json_value *top, *a, *it;
	const char *in =
		" {\"a\": [1, -2.5e3, true, false, null, \"x\", {}, []], \"b\": {\"c\": 0}} ";
	const enum json_type want[] = {JSON_NUMBER, JSON_NUMBER, JSON_TRUE,   JSON_FALSE,
				       JSON_NULL,   JSON_STRING, JSON_OBJECT, JSON_ARRAY};
	uint32_t i;

	cr_assert_eq(parse(&d, in), 0);
	top = &d.v[0];
	cr_assert_eq(top->type, JSON_OBJECT);
	cr_assert_eq(top->len, 2);
	cr_assert_eq(top->off, 1);
	a = json__get(&d, top, "a");
	cr_assert_not_null(a);
	cr_assert_eq(a->type, JSON_ARRAY);
	cr_assert_eq(a->len, 8);
	json_for_each(&d, a, it, i)
		cr_assert_eq(it->type, want[i], "element %u", i);
	cr_assert_float_eq((a + 1)->u.num, 1, 0);
	cr_assert_float_eq((a + 2)->u.num, -2500, 0);
	cr_assert(json__str_eq(a + 6, "x"));
	cr_assert_eq(json__get(&d, top, "b")->len, 1);
	cr_assert_float_eq(json__get(&d, json__get(&d, top, "b"), "c")->u.num, 0, 0);
	cr_assert_null(json__get(&d, top, "nope"));
	/* Iteration skips whole members: the value after "a"'s array is "b". */
	it = top + 1;
	cr_assert(json__str_eq(d.v + it->next, "b"));
	json_doc__release(&d);
}

Test(json, repeated_key_last_wins_and_bom_skipped)
{
	struct json_doc d;

	cr_assert_eq(parse(&d, "\xef\xbb\xbf{\"k\": 1, \"k\": 2}"), 0);
	cr_assert_float_eq(json__get(&d, &d.v[0], "k")->u.num, 2, 0);
	json_doc__release(&d);
}

Test(json, escapes_and_surrogate_pairs)
{
	struct json_doc d;
	/* \" \\ \/ \b \f \n \r \t, é, U+1F600 as a surrogate pair, U+20AC. */
	const char *in =
		"[\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u20AC\", \"plain\"]";
	const char want[] = "q\"b\\s/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xe2\x82\xac";

	cr_assert_eq(parse(&d, in), 0);
	cr_assert_eq(d.v[1].len, sizeof(want) - 1);
	cr_assert_eq(memcmp(d.v[1].u.str, want, sizeof(want) - 1), 0);
	cr_assert(json__str_eq(&d.v[2], "plain"));
	json_doc__release(&d);
}

Test(json, lone_surrogates_become_replacement_characters)
{
	struct json_doc d;

	/* High alone, low alone, high followed by a non-surrogate escape. */
	cr_assert_eq(parse(&d, "[\"\\ud800x\", \"\\udc00\", \"\\ud800\\u0041\"]"), 0);
	cr_assert(json__str_eq(&d.v[1], "\xef\xbf\xbdx"));
	cr_assert(json__str_eq(&d.v[2], "\xef\xbf\xbd"));
	cr_assert(json__str_eq(&d.v[3], "\xef\xbf\xbd"
					"A"));
	json_doc__release(&d);
}

Test(json, raw_utf8_accepted_invalid_utf8_rejected)
{
	static const struct {
		const char *in;
		size_t off;
	} bad[] = {
		{"[\"ab\xff\"]", 4},	       /* not a lead byte */
		{"[\"\xc0\x80\"]", 2},	       /* overlong NUL */
		{"[\"\xed\xa0\x80\"]", 2},     /* an encoded surrogate */
		{"[\"x\xe2\x82\"]", 3},	       /* truncated sequence */
		{"[\"\xf4\x90\x80\x80\"]", 2}, /* past U+10FFFF */
	};
	struct json_doc d;
	size_t i;

	cr_assert_eq(parse(&d, "[\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\xa5\"]"), 0);
	cr_assert_eq(d.v[1].len, 17);
	json_doc__release(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(&d, bad[i].in), -EINVAL, "case %zu", i);
		cr_assert_eq(d.err_off, bad[i].off, "case %zu: offset %zu", i, d.err_off);
		cr_assert_not_null(strstr(d.err, "UTF-8"), "case %zu: %s", i, d.err);
		json_doc__release(&d);
	}
}

Test(json, numbers)
{
	struct json_doc d;
	const char *in =
		"[0, -0, 42, 123456789012345678, 1e308, 1.5E-3, -7.25, 18014398509481984, 1e999]";
	int64_t x;

	cr_assert_eq(parse(&d, in), 0);
	cr_assert_float_eq(d.v[1].u.num, 0, 0);
	cr_assert(json__int(&d.v[3], &x) && x == 42);
	cr_assert_float_eq(d.v[4].u.num, 123456789012345678.0, 1);
	cr_assert_float_eq(d.v[5].u.num, 1e308, 1e292);
	cr_assert_float_eq(d.v[6].u.num, 0.0015, 1e-18);
	cr_assert_float_eq(d.v[7].u.num, -7.25, 0);
	cr_assert_not(json__int(&d.v[7], &x), "-7.25 is not an integer");
	/* Integer literals are exact over the whole int64_t range, also past 2^53. */
	cr_assert(json__int(&d.v[8], &x) && x == 18014398509481984LL);
	cr_assert(json__int(&d.v[4], &x) && x == 123456789012345678LL);
	{
		double f;

		cr_assert_not(json__finite(&d.v[9], &f), "1e999 overflows");
	}
	json_doc__release(&d);
}

Test(json, integers_are_exact_to_64_bits)
{
	struct json_doc d;
	const char *in = "[9007199254740993, 9223372036854775807, -9223372036854775807, "
			 "4611686018427387905, 9223372036854775808, 1e300, 18014398509481986.0]";
	int64_t x;

	cr_assert_eq(parse(&d, in), 0);
	cr_assert(json__int(&d.v[1], &x) && x == 9007199254740993LL, "2^53 + 1");
	cr_assert(json__int(&d.v[2], &x) && x == INT64_MAX);
	cr_assert(json__int(&d.v[3], &x) && x == -INT64_MAX);
	cr_assert(json__int(&d.v[4], &x) && x == 4611686018427387905LL, "2^62 + 1");
	cr_assert_not(json__int(&d.v[5], &x), "2^63 does not fit");
	cr_assert_not(json__int(&d.v[6], &x), "1e300 is no exact integer");
	/* Written with a point: a double, inexact past 2^53, so no integer. */
	cr_assert_not(json__int(&d.v[7], &x));
	json_doc__release(&d);
}

/* Each bad input, the byte offset of the error and a part of its message. */
static const struct {
	const char *in;
	size_t off;
	const char *msg;
} syntax_errors[] = {
	{"{\"a\":1 \"b\":2}", 7, "expected ',' or '}' after an object member, found '\"'"},
	{"[1,2", 4, "expected ',' or ']' after an array element, found the end of the input"},
	{"{\"a\":1,}", 7, "expected a string key after ','"},
	{"[1,]", 3, "no trailing commas"},
	{"{\"a\" 1}", 5, "expected ':' after an object key, found '1'"},
	{"{a:1}", 1, "expected a string key or '}', found 'a'"},
	{"\"abc", 4, "expected '\"' to close the string opened at byte offset 0"},
	{"[\"a\\qb\"]", 3, "expected an escape"},
	{"[\"\\u12G4\"]", 6, "expected four hex digits after \\u, found 'G'"},
	{"[1] x", 4, "expected the end of the input after the top-level value"},
	{"", 0, "expected a value"},
	{"  \n ", 4, "found the end of the input"},
	{"[\"a\tb\"]", 3, "control byte 0x09"},
	{"tru", 0, "expected a value"},
	{"[01]", 2, "expected ',' or ']'"},
	{"[-]", 2, "expected a digit after '-'"},
	{"[1.]", 3, "expected a digit after the decimal point"},
	{"[1e+]", 4, "expected a digit in the exponent"},
	{"[+1]", 1, "expected a value"},
	{"[.5]", 1, "expected a value"},
	{"[NaN]", 1, "expected a value"},
	{"{\"a\":{\"b\":[1,{\"c\":", 18, "found the end of the input (is the file truncated?)"},
};

Test(json, syntax_errors_name_offset_and_expectation)
{
	size_t i;

	for (i = 0; i < sizeof(syntax_errors) / sizeof(syntax_errors[0]); i++) {
		struct json_doc d;

		cr_assert_eq(parse(&d, syntax_errors[i].in), -EINVAL, "case %zu: %s", i,
			     syntax_errors[i].in);
		cr_assert_eq(d.err_off, syntax_errors[i].off,
			     "case %zu (%s): offset %zu, message %s", i, syntax_errors[i].in,
			     d.err_off, d.err);
		cr_assert_not_null(strstr(d.err, syntax_errors[i].msg), "case %zu: '%s' lacks '%s'",
				   i, d.err, syntax_errors[i].msg);
		json_doc__release(&d);
	}
}

static char *nested(size_t depth)
{
	char *s = xmalloc(2 * depth + 1);

	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return s;
}

Test(json, depth_limit)
{
	struct json_doc d;
	char *ok = nested(JSON_MAX_DEPTH), *deep = nested(JSON_MAX_DEPTH + 1);
	char *huge = nested(1000000);

	cr_assert_eq(parse(&d, ok), 0);
	cr_assert_eq(d.n, JSON_MAX_DEPTH);
	json_doc__release(&d);
	cr_assert_eq(parse(&d, deep), -EINVAL);
	cr_assert_eq(d.err_off, JSON_MAX_DEPTH);
	cr_assert_not_null(strstr(d.err, "at most 512 nested"), "%s", d.err);
	json_doc__release(&d);
	/* No recursion: a million levels fail fast instead of overflowing the stack. */
	cr_assert_eq(parse(&d, huge), -EINVAL);
	cr_assert_eq(d.err_off, JSON_MAX_DEPTH);
	json_doc__release(&d);
	/* Callers can allow more. */
	cr_assert_eq(json_doc__parse(&d, "t", deep, strlen(deep), 4096), 0);
	json_doc__release(&d);
	free(ok);
	free(deep);
	free(huge);
}

Test(json, large_document)
{
	struct json_doc d;
	size_t n = 200000, i;
	char *s = xmalloc(n * 12 + 16), *p = s;
	const struct json_value *it;
	uint32_t k;
	double sum = 0;

	*p++ = '[';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%zu", i ? "," : "", i);
	strcpy(p, "]");
	cr_assert_eq(parse(&d, s), 0);
	cr_assert_eq(d.v[0].len, n);
	json_for_each(&d, &d.v[0], it, k)
		sum += it->u.num;
	cr_assert_float_eq(sum, (double)n * (n - 1) / 2, 0);
	json_doc__release(&d);
	free(s);
}

Test(json, sniffing_formats)
{
	static const struct {
		const char *in;
		enum json_sniff want;
	} cases[] = {
		{"{\"nodes\":[]}", JSON_SNIFF_V8},
		{"  {\n \"startTime\": 1, \"head\": {}}", JSON_SNIFF_V8},
		{"{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"}",
		 JSON_SNIFF_SPEEDSCOPE},
		{"{\"exporter\":\"x\",\"profiles\":[],\"shared\":{\"frames\":[]}}",
		 JSON_SNIFF_SPEEDSCOPE},
		/* A nested "nodes" is not the top-level key. */
		{"{\"meta\":{\"nodes\":[1,{\"x\":\"}\"}]},\"head\":{}}", JSON_SNIFF_V8},
		{"{\"meta\":{\"nodes\":[]}}", JSON_SNIFF_OTHER},
		/* The inspector's Profiler.stop result, one level deep only. */
		{"{\"id\":3,\"profile\":{\"nodes\":[]}}", JSON_SNIFF_V8},
		{"{\"profile\":{\"profile\":{\"nodes\":[]}}}", JSON_SNIFF_OTHER},
		{"{\"x\":1}", JSON_SNIFF_OTHER},
		{"[{\"ph\":\"X\"}]", JSON_SNIFF_OTHER},
		{"{}", JSON_SNIFF_OTHER},
		/* Folded stacks that start like JSON. */
		{"[unknown];a;b 1\n", JSON_SNIFF_NONE},
		{"{{closure}};main 3\n", JSON_SNIFF_NONE},
		{"a;b 1\n", JSON_SNIFF_NONE},
		{"", JSON_SNIFF_NONE},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(json__sniff(cases[i].in, strlen(cases[i].in)), cases[i].want,
			     "case %zu: %s", i, cases[i].in);
}

/* The real binary on JSON that is not a profile: exit 1, file and offset, no output. */
static void expect_rejected(const char *content, const char *want)
{
	char *dir = th_tmpdir(), *in = th_path(dir, "x.json"), *out = th_path(dir, "o.svg");
	const char *argv[] = {th_bin(), "render", in, "-o", out, NULL};
	struct th_result r;

	th_write_file(in, content, strlen(content));
	r = th_run(argv, NULL, 0, 30);
	cr_assert_eq(r.status, 1, "%s: status %d: %s", content, r.status, r.err);
	cr_assert_not_null(strstr(r.err, in), "the message must name the file: %s", r.err);
	cr_assert_not_null(strstr(r.err, want), "'%s' lacks '%s'", r.err, want);
	cr_assert_not(th_exists(out));
	th_result_free(&r);
	th_rmtree(dir);
	free(in);
	free(out);
	free(dir);
}

Test(json, unknown_json_rejected_with_reason)
{
	expect_rejected("{\"a\": 1}", "byte offset 0: expected a V8 .cpuprofile (an object with "
				      "\"nodes\" or \"head\") or a speedscope file");
	expect_rejected("{\"traceEvents\": []}", "Chrome trace-event file, which is not supported");
	expect_rejected("[{\"ph\": \"X\", \"ts\": 1}]", "Chrome trace-event file");
	expect_rejected("{\"a\": [1, 2",
			"byte offset 11: expected ',' or ']' after an array element");
}
