// SPDX-License-Identifier: Apache-2.0
/*
 * Demo workload: a toy request handler with a known cost split, used by
 * `make demo`. Each request parses input (~20%), renders a template (~30%)
 * and compresses the result (~50%), plus a little I/O through write(2).
 * Built with frame pointers so that FP call graphs are complete.
 *
 * usage: demo [SECONDS]   (default 3)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static __attribute__((noinline)) uint64_t spin(uint64_t n, uint64_t seed)
{
	uint64_t x = seed, i;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static __attribute__((noinline)) uint64_t tokenize(uint64_t s)
{
	return spin(200000, s);
}

static __attribute__((noinline)) uint64_t parse_request(uint64_t s)
{
	return tokenize(s);
}

static __attribute__((noinline)) uint64_t escape_html(uint64_t s)
{
	return spin(150000, s);
}

static __attribute__((noinline)) uint64_t render_template(uint64_t s)
{
	return escape_html(s) + spin(150000, s + 1);
}

static __attribute__((noinline)) uint64_t huffman_encode(uint64_t s)
{
	return spin(300000, s);
}

static __attribute__((noinline)) uint64_t lz_match(uint64_t s)
{
	return spin(200000, s);
}

static __attribute__((noinline)) uint64_t compress_body(uint64_t s)
{
	return lz_match(s) + huffman_encode(s);
}

static __attribute__((noinline)) void send_response(int fd, uint64_t v)
{
	char buf[256];
	int i;

	for (i = 0; i < 16; i++)
		sink += write(fd, buf, sizeof(buf)) + v;
}

static __attribute__((noinline)) void handle_request(int fd, uint64_t id)
{
	uint64_t v = parse_request(id);

	v += render_template(v);
	v += compress_body(v);
	send_response(fd, v);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3;
	struct timespec t0, t;
	int fd = open("/dev/null", O_WRONLY);
	uint64_t id = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		handle_request(fd, id++);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("%llu requests\n", (unsigned long long)id);
	return 0;
}
