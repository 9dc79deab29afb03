// SPDX-License-Identifier: Apache-2.0
/*
 * Import dispatch: files, gzip (whole, concatenated, truncated, corrupt),
 * unknown formats and unreadable paths.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
