// SPDX-License-Identifier: Apache-2.0
/*
 * Import dispatch: files, gzip (whole, concatenated, truncated, corrupt),
 * unknown formats and unreadable paths; the size limit (gzip bombs,
 * --max-input) and the memory render needs for the largest and deepest
 * inputs.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "helpers/helpers.h"
#include "import.h"
#include "profile.h"

static char *gzip(const char *in, size_t len, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = len + 1024;
	char *out = malloc(cap);

	cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = len;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = cap;
	cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

Test(import, gzip_input)
{
	const char *text = "main;a 3\nmain;b 4\n";
	size_t zlen;
	char *z = gzip(text, strlen(text), &zlen);
	struct profile *p = profile__new();
	char *out;

	cr_assert_eq(import__buffer(p, "x.gz", z, zlen, NULL), 0);
	out = th_folded(p);
	cr_assert_str_eq(out, text);
	free(out);
	free(z);
	profile__free(p);
}

Test(import, concatenated_gzip_members)
{
	const char *a = "main;a 3\n", *b = "main;b 4\n";
	size_t la, lb;
	char *za = gzip(a, strlen(a), &la), *zb = gzip(b, strlen(b), &lb);
	char *both = malloc(la + lb);
	struct profile *p = profile__new();
	char *out;

	memcpy(both, za, la);
	memcpy(both + la, zb, lb);
	cr_assert_eq(import__buffer(p, "x.gz", both, la + lb, NULL), 0);
	out = th_folded(p);
	cr_assert_str_eq(out, "main;a 3\nmain;b 4\n");
	free(out);
	free(za);
	free(zb);
	free(both);
	profile__free(p);
}

Test(import, truncated_gzip_names_file_and_offset, .init = cr_redirect_stderr)
{
	char text[4096];
	size_t zlen, i;
	char *z;
	struct profile *p = profile__new();

	for (i = 0; i < sizeof(text) - 1; i++)
		text[i] = (i % 10 == 9) ? '\n' : 'a' + (i * 7) % 26;
	text[sizeof(text) - 1] = '\0';
	z = gzip(text, strlen(text), &zlen);
	cr_assert_eq(import__buffer(p, "cut.gz", z, zlen / 2, NULL), -EINVAL);
	fflush(stderr);
	{
		char expect[128];

		snprintf(expect, sizeof(expect),
			 "resq-flame: error: cut.gz: byte offset %zu: truncated gzip stream, expected more compressed data\n",
			 zlen / 2);
		cr_assert_stderr_eq_str(expect);
	}
	free(z);
	profile__free(p);
}

Test(import, corrupt_gzip, .init = cr_redirect_stderr)
{
	const char *text = "main;a 3\nmain;b 4\n";
	size_t zlen;
	char *z = gzip(text, strlen(text), &zlen);
	struct profile *p = profile__new();

	z[12] ^= 0x55;
	z[13] ^= 0xff;
	cr_assert_eq(import__buffer(p, "bad.gz", z, zlen, NULL), -EINVAL);
	free(z);
	profile__free(p);
}

Test(import, unknown_format, .init = cr_redirect_stderr)
{
	struct profile *p = profile__new();
	const char *in = "hello\nworld\n";

	cr_assert_eq(import__buffer(p, "x.txt", in, strlen(in), NULL), -EINVAL);
	fflush(stderr);
	cr_assert_stderr_eq_str("resq-flame: error: x.txt: unrecognised profile format: expected folded "
				"stacks (\"a;b;c 12\"), perf script text, pprof protobuf, bpftrace map "
				"output, V8 .cpuprofile or speedscope JSON\n");
	profile__free(p);
}

Test(import, empty_input_has_no_stacks, .init = cr_redirect_stderr)
{
	struct profile *p = profile__new();

	cr_assert_eq(import__buffer(p, "e.txt", "\n\n", 2, NULL), -ENODATA);
	fflush(stderr);
	cr_assert_stderr_eq_str("resq-flame: error: no stack counts found in e.txt (the input is empty)\n");
	profile__free(p);
}

Test(import, missing_file, .init = cr_redirect_stderr)
{
	struct profile *p = profile__new();

	cr_assert_eq(import__path(p, "/nonexistent/x.folded", NULL), -ENOENT);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"resq-flame: error: cannot open /nonexistent/x.folded: No such file or directory\n");
	profile__free(p);
}

Test(import, reads_file_from_disk)
{
	char *dir = th_tmpdir(), *path = th_path(dir, "a.folded");
	struct profile *p = profile__new();
	char *out;

	th_write_file(path, "x;y 2\n", 6);
	cr_assert_eq(import__path(p, path, NULL), 0);
	out = th_folded(p);
	cr_assert_str_eq(out, "x;y 2\n");
	free(out);
	profile__free(p);
	th_rmtree(dir);
	free(path);
	free(dir);
}

/* --- resource bounds ------------------------------------------------------- */

/* Deflates 1 MiB of zeros with a full flush into @out (1 MiB); returns the length. */
static size_t deflate_mib(z_stream *zs, const unsigned char *zero, unsigned char *out)
{
	zs->next_in = (unsigned char *)zero;
	zs->avail_in = 1 << 20;
	zs->next_out = out;
	zs->avail_out = 1 << 20;
	cr_assert_eq(deflate(zs, Z_FULL_FLUSH), Z_OK);
	cr_assert_eq(zs->avail_in, 0);
	return (1 << 20) - zs->avail_out;
}

/*
 * Appends to @f a gzip member of @mib MiB of zeros, in milliseconds: after a
 * full flush the deflate stream of the next MiB of zeros is the same bytes,
 * so one is made and repeated, and the CRC is combined, not computed.
 */
static void write_zero_member(FILE *f, unsigned mib)
{
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	unsigned char *zero = calloc(1, 1 << 20), *a = malloc(1 << 20), *b = malloc(1 << 20);
	unsigned char *c = malloc(1 << 20), trailer[8];
	uLong crc = 0, c1 = crc32(0, zero, 1 << 20);
	z_stream zs = {0};
	size_t la, lb, lc;
	unsigned i;

	cr_assert_eq(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
	la = deflate_mib(&zs, zero, a);
	lb = deflate_mib(&zs, zero, b);
	lc = deflate_mib(&zs, zero, c);
	cr_assert(lb == lc && !memcmp(b, c, lb), "repeated MiBs deflate alike");
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(a, 1, la, f);
	for (i = 1; i < mib; i++)
		fwrite(b, 1, lb, f);
	zs.next_in = zero;
	zs.avail_in = 0;
	zs.next_out = c;
	zs.avail_out = 1 << 20;
	cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	fwrite(c, 1, (1 << 20) - zs.avail_out, f);
	deflateEnd(&zs);
	for (i = 0; i < mib; i++)
		crc = crc32_combine(crc, c1, 1 << 20);
	for (i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(crc >> (8 * i));
		trailer[4 + i] = (unsigned char)(((uint32_t)mib << 20) >> (8 * i));
	}
	fwrite(trailer, 1, sizeof(trailer), f);
	free(zero);
	free(a);
	free(b);
	free(c);
}

/* Peak RSS is a measure of the program only when it is not built with AddressSanitizer. */
#ifdef __SANITIZE_ADDRESS__
#define RSS_MEANINGFUL 0
#else
#define RSS_MEANINGFUL 1
#endif

/* Runs `resq-flame render @in -o TH_DIR/out.svg [@opt @val]`; expects exit 1 and no output. */
static struct th_result render_fails(const char *in, const char *opt, const char *val)
{
	char *out = th_path(th_dir, "out.svg");
	const char *argv[] = {th_bin(), "render", in, "-o", out, opt, val, NULL};
	struct th_result r = th_run(argv, NULL, 0, 60);

	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not(th_exists(out));
	free(out);
	return r;
}

Test(import, gzip_bomb_fails_fast_without_being_stored, .init = th_dir_setup,
     .fini = th_dir_teardown, .timeout = 120)
{
	char *in = th_path(th_dir, "bomb.gz");
	FILE *f = fopen(in, "w");
	struct th_result r;

	/* 1.3 MB that would be 1.25 GiB, beyond the default limit of 1 GiB. */
	cr_assert_not_null(f);
	write_zero_member(f, 1280);
	fclose(f);
	r = render_fails(in, NULL, NULL);
	cr_assert_not_null(strstr(r.err, "bomb.gz: the input decompresses to more than 1 GiB "
					 "(1073741824 bytes), the limit for it (1 GiB, or 32 times "
					 "the compressed size if that is larger"),
			   "%s", r.err);
	cr_assert_not_null(strstr(r.err, "raise it with --max-input SIZE"), "%s", r.err);
	/* Its trailer gives it away: inflated only to be counted, never stored. */
	if (RSS_MEANINGFUL)
		cr_assert_lt(r.maxrss_kb, 32 << 10, "peak RSS %ld KiB", r.maxrss_kb);
	th_result_free(&r);
	free(in);
}

Test(import, gzip_bomb_stops_at_the_limit_given, .init = th_dir_setup, .fini = th_dir_teardown,
     .timeout = 120)
{
	char *in = th_path(th_dir, "bomb.gz");
	FILE *f = fopen(in, "w");
	const char *tail = "a;b 1\n";
	size_t zlen;
	char *z = gzip(tail, strlen(tail), &zlen);
	struct th_result r;

	/* 96 MiB of zeros, then a small member whose trailer says nothing about them. */
	cr_assert_not_null(f);
	write_zero_member(f, 96);
	fwrite(z, 1, zlen, f);
	fclose(f);
	r = render_fails(in, "--max-input", "16M");
	cr_assert_not_null(strstr(r.err, "bomb.gz: the input decompresses to more than 16 MiB "
					 "(16777216 bytes), the limit --max-input sets; raise it "
					 "with --max-input SIZE"),
			   "%s", r.err);
	/* At most the limit is stored, not the 96 MiB. */
	if (RSS_MEANINGFUL)
		cr_assert_lt(r.maxrss_kb, (16 + 24) << 10, "peak RSS %ld KiB", r.maxrss_kb);
	th_result_free(&r);
	free(z);
	free(in);
}

Test(import, max_input_bounds_plain_and_gzip_input, .init = th_dir_setup, .fini = th_dir_teardown)
{
	char *in = th_path(th_dir, "in.folded"), *gz = th_path(th_dir, "in.folded.gz");
	char text[3000];
	const char *ok[] = {th_bin(), "render", in,   "--max-input", "3k",
			    "-f",     "folded", "-o", "-",	     NULL};
	const char *diff[] = {th_bin(), "diff", "--max-input", "2k", in, in, "-o", "-", NULL};
	const char *bad[] = {th_bin(), "render", in, "--max-input", "12q", NULL};
	size_t zlen, i;
	char *z;
	struct th_result r;

	for (i = 0; i < sizeof(text); i++)
		text[i] = i % 10 == 9 ? '\n' : i % 10 == 8 ? '1' : i % 10 == 7 ? ' ' : 'a';
	th_write_file(in, text, sizeof(text));
	z = gzip(text, sizeof(text), &zlen);
	th_write_file(gz, z, zlen);

	r = render_fails(in, "--max-input", "2k");
	cr_assert_not_null(strstr(r.err, "in.folded: the input holds more than 2 KiB (2048 bytes), "
					 "the limit --max-input sets"),
			   "%s", r.err);
	th_result_free(&r);
	r = render_fails(gz, "--max-input", "2048");
	cr_assert_not_null(strstr(r.err, "in.folded.gz: the input decompresses to more than 2 KiB"),
			   "%s", r.err);
	th_result_free(&r);
	r = th_run(diff, NULL, 0, 50);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "the limit --max-input sets"), "%s", r.err);
	th_result_free(&r);
	r = th_run(ok, NULL, 0, 50);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "aaaaaaa 300\n");
	th_result_free(&r);
	r = th_run(bad, NULL, 0, 50);
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(
		strstr(r.err, "--max-input: expected a size such as 512M or 4G, found '12q'"), "%s",
		r.err);
	th_result_free(&r);
	free(z);
	free(in);
	free(gz);
}

Test(import, default_limit_lets_compressible_input_through, .init = th_dir_setup,
     .fini = th_dir_teardown, .timeout = 60)
{
	/* 24 MB of one repeated line: far more than 32 times its gzip, far less than 1 GiB. */
	size_t n = 4 << 20, zlen, i;
	char *text = malloc(n * 6), *z, *path = th_path(th_dir, "rep.folded.gz");
	struct profile *p = profile__new();

	for (i = 0; i < n; i++)
		memcpy(text + 6 * i, "a;b 1\n", 6);
	z = gzip(text, n * 6, &zlen);
	cr_assert_lt(zlen * 32, n * 6);
	th_write_file(path, z, zlen);
	free(text);
	free(z);
	cr_assert_eq(import__path(p, path, NULL), 0);
	cr_assert_eq(profile__total_int(p, PROFILE_COL_MAIN), (int64_t)n);
	profile__free(p);
	free(path);
}

Test(import, max_input_sizes)
{
	static const struct {
		const char *s;
		size_t v;
	} good[] = {
		{"1", 1},
		{"512", 512},
		{"4k", 4096},
		{"4K", 4096},
		{"2KiB", 2048},
		{"3M", 3 << 20},
		{"1.5G", 3ull << 29},
		{"64 MiB", 64 << 20},
		{"2GB", 2ull << 30},
		{"1T", 1ull << 40},
		{"100B", 100},
	};
	static const char *const bad[] = {"",	"k",  "0",   "0.1", "1.",
					  "-1", "1x", "4kk", "1e3", " 1"};
	size_t i, v;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(import__parse_size(good[i].s, &v), 0, "%s", good[i].s);
		cr_assert_eq(v, good[i].v, "%s: %zu", good[i].s, v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(import__parse_size(bad[i], &v), -EINVAL, "'%s'", bad[i]);
	cr_assert_eq(import__parse_size("99999999999999999999", &v), -ERANGE);
	cr_assert_eq(import__parse_size("20000000T", &v), -ERANGE);
}

/*
 * Memory. `render` needs at most MEMORY_MULTIPLE times the size of its
 * (decompressed) input, plus what the program takes for a tiny input and
 * MEMORY_SLACK, whatever the output format. The multiple comes from
 * measuring every importer on the inputs that cost the most per byte,
 * written as SVG, folded text and pprof: a stack of 4 million frames
 * written "a;a;a;...;a 1" (2 bytes a frame) peaks at 36 times its size
 * (SVG), a speedscope sample of a million frame indices ("0,0,0,...") at
 * 34, a pprof file of single-frame samples at 25, a stack of 2 million
 * distinct functions at 16 (SVG) and 22 (pprof), a cpuprofile's samples
 * with --time-weights at 20, folded lines of 12 bytes each a new stack at
 * 9 (16 as pprof); ordinary perf script and folded files take 2 to 12
 * times. The largest and deepest inputs below are checked against it,
 * through the real binary, by the peak RSS the kernel reports.
 */
#define MEMORY_MULTIPLE 40
#define MEMORY_SLACK	((long)16 << 20)

/* Peak RSS, in bytes, of `resq-flame render IN -f FMT -o /dev/null [OPT]`. */
static long render_rss(const char *in, const char *fmt, const char *opt)
{
	const char *argv[] = {th_bin(), "render", in, "-f", fmt, "-o", "/dev/null", opt, NULL};
	struct th_result r = th_run(argv, NULL, 0, 110);
	long rss = r.maxrss_kb * 1024;

	cr_assert_eq(r.status, 0, "%s: %s", in, r.err);
	th_result_free(&r);
	return rss;
}

/* Checks render's peak RSS on @in (written by the caller) against the bound. */
static void check_memory(const char *in, const char *fmt, const char *opt)
{
	char *tiny = th_path(th_dir, "tiny.folded");
	long base, rss, size;
	struct stat st;

	th_write_file(tiny, "a;b 1\n", 6);
	base = render_rss(tiny, fmt, NULL);
	cr_assert_eq(stat(in, &st), 0);
	size = st.st_size;
	rss = render_rss(in, fmt, opt);
	cr_log_info("%s -f %s: %ld bytes, peak RSS %ld KiB (%.1f times the input, %ld KiB for a "
		    "tiny one)",
		    in, fmt, size, rss >> 10, (double)(rss - base) / size, base >> 10);
	cr_assert_leq(rss, base + MEMORY_MULTIPLE * size + MEMORY_SLACK,
		      "%s -f %s: peak RSS %ld KiB for %ld bytes of input (%.1f times)", in, fmt,
		      rss >> 10, size, (double)(rss - base) / size);
	free(tiny);
}

static uint64_t lcg = 0x853c49e6748fea9bULL;

static unsigned next_lcg(unsigned n)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(lcg >> 33) % n;
}

static void memory_setup(void)
{
	/* The binary under test is sanitized too: its shadow memory is no measure. */
	if (!RSS_MEANINGFUL)
		cr_skip_test("peak RSS means nothing under AddressSanitizer (SANITIZE=1)");
	th_dir_setup();
}

TestSuite(memory, .init = memory_setup, .fini = th_dir_teardown, .timeout = 120);

Test(memory, large_folded_input)
{
	char *in = th_path(th_dir, "large.folded");
	FILE *f = fopen(in, "w");
	int i, d, depth;

	/* 16 MB: 60000 stacks 5 to 30 frames deep from 3000 names. */
	cr_assert_not_null(f);
	for (i = 0; i < 60000; i++) {
		depth = 5 + next_lcg(26);
		for (d = 0; d < depth; d++)
			fprintf(f, "%sfunction_%u_of_module", d ? ";" : "", next_lcg(3000));
		fprintf(f, " %u\n", 1 + next_lcg(1000));
	}
	fclose(f);
	check_memory(in, "svg", NULL);
	check_memory(in, "folded", NULL);
	check_memory(in, "pprof", NULL);
	free(in);
}

Test(memory, large_perf_script_input)
{
	char *in = th_path(th_dir, "large.perf");
	FILE *f = fopen(in, "w");
	int i, d, depth;

	/* 12 MB: 30000 samples of 5 to 20 frames. */
	cr_assert_not_null(f);
	for (i = 0; i < 30000; i++) {
		fprintf(f, "worker %d/%d [%03d] %d.%06d: %u cpu-clock:\n", 100 + i % 7, 100 + i % 7,
			i % 4, i / 1000, i % 1000, 10000 + next_lcg(1000));
		depth = 5 + next_lcg(16);
		for (d = 0; d < depth; d++)
			fprintf(f, "\t%12x func_%u+0x%x (/usr/lib/libapp.so)\n", next_lcg(1 << 30),
				next_lcg(2000), next_lcg(4096));
		fprintf(f, "\n");
	}
	fclose(f);
	check_memory(in, "svg", NULL);
	free(in);
}

Test(memory, deepest_folded_stack)
{
	char *in = th_path(th_dir, "deep.folded");
	FILE *f = fopen(in, "w");
	int i;

	/* One stack of a million frames, 2 bytes each: the most frames per byte. */
	cr_assert_not_null(f);
	for (i = 0; i < 1000000; i++)
		fputs("a;", f);
	fputs("a 1\n", f);
	fclose(f);
	check_memory(in, "svg", NULL);
	check_memory(in, "folded", NULL);
	free(in);
}

Test(memory, deep_stack_of_distinct_functions)
{
	char *in = th_path(th_dir, "distinct.folded");
	FILE *f = fopen(in, "w");
	int i;

	/* 300000 frames, each its own function, location and string in pprof output. */
	cr_assert_not_null(f);
	for (i = 0; i < 300000; i++)
		fprintf(f, "f%d;", i);
	fputs("leaf 1\n", f);
	fclose(f);
	check_memory(in, "pprof", NULL);
	check_memory(in, "svg", NULL);
	free(in);
}

Test(memory, deep_stack_with_samples_at_every_depth)
{
	char *in = th_path(th_dir, "deep.cpuprofile");
	FILE *f = fopen(in, "w");
	int i, n = 10000;

	/*
	 * A chain of 10000 functions, each with a sample of its own: 1.4 MB, whose
	 * stacks written out as text take 350 MB. Writing them must not keep them.
	 */
	cr_assert_not_null(f);
	fputs("{\"nodes\":[", f);
	for (i = 1; i <= n; i++) {
		fprintf(f,
			"%s{\"id\":%d,\"callFrame\":{\"functionName\":\"f%d\",\"scriptId\":\"0\","
			"\"url\":\"\",\"lineNumber\":0,\"columnNumber\":0},\"hitCount\":1",
			i > 1 ? "," : "", i, i);
		if (i < n)
			fprintf(f, ",\"children\":[%d]", i + 1);
		fputs("}", f);
	}
	fputs("],\"startTime\":0,\"endTime\":1}", f);
	fclose(f);
	check_memory(in, "folded", NULL);
	check_memory(in, "pprof", NULL);
	check_memory(in, "speedscope", NULL);
	free(in);
}

Test(memory, deepest_speedscope_sample)
{
	char *in = th_path(th_dir, "deep.speedscope.json");
	FILE *f = fopen(in, "w");
	int i;

	/* One sample of 500000 frame indices, 2 bytes each. */
	cr_assert_not_null(f);
	fputs("{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\","
	      "\"name\":\"x\",\"unit\":\"none\",\"startValue\":0,\"endValue\":1,\"samples\":[[",
	      f);
	for (i = 0; i < 500000; i++)
		fputs(i ? ",0" : "0", f);
	fputs("]],\"weights\":[1]}]}", f);
	fclose(f);
	check_memory(in, "svg", NULL);
	free(in);
}
